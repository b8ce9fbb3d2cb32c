"""The double-descent demo: test error peaks at the interpolation threshold and falls again."""

from __future__ import annotations

import math

import pytest

from reviews.experiments import double_descent
from reviews.experiments.base import ConfigError, Result, Series, Verdict

TINY = double_descent.PRESETS["tiny"]


@pytest.fixture(scope="module")
def tiny() -> Result:
    return double_descent.run(
        TINY, device="cpu", on_progress=lambda p: None, should_stop=lambda: False
    )


def test_tiny_reproduces(tiny: Result) -> None:
    s = tiny.summary
    assert tiny.verdict == Verdict.REPRODUCED, tiny.reason
    n = TINY.n_train
    assert n / 2 <= s["peak_features"] <= 2 * n
    assert s["peak_minus_under"] >= double_descent.PEAK_MARGIN
    assert s["peak_minus_widest"] >= double_descent.PEAK_MARGIN
    assert s["seeds_peak_in_window"] == TINY.seeds
    # Past the threshold every seed fits its noisy labels exactly.
    train = tiny.series["train_error"]
    assert all(max(row) == 0.0 for p, row in zip(train.x, train.y, strict=True) if p >= n)
    # The fit's norm peaks where the error does.
    norm = tiny.series["weight_norm"]
    assert norm.x[max(range(len(norm.x)), key=norm.mean().__getitem__)] == s["peak_features"]
    assert tiny.series["test_error"].x == [float(p) for p in double_descent.widths(TINY)]
    assert tiny.seeds == TINY.seed_list


def test_widths_hold_the_threshold() -> None:
    grid = double_descent.widths(TINY)
    assert grid == sorted(set(grid))
    assert TINY.n_train in grid
    assert grid[0] == TINY.min_features and grid[-1] == TINY.max_features


@pytest.mark.parametrize(("n", "p"), [(30, 12), (30, 30), (30, 70)])
def test_min_norm_matches_the_pseudo_inverse(n: int, p: int) -> None:
    import torch

    g = torch.Generator().manual_seed(n + p)
    features = torch.relu(torch.randn(2, n, p, generator=g, dtype=torch.float64))
    targets = torch.randn(2, n, 10, generator=g, dtype=torch.float64)
    expected = torch.linalg.pinv(features) @ targets
    torch.testing.assert_close(double_descent._min_norm(features, targets), expected)


def test_run_is_deterministic_on_cpu() -> None:
    config = double_descent.Config(
        n_train=40, min_features=4, max_features=200, n_widths=5, seeds=2
    )

    def once() -> dict[str, list[list[float]]]:
        result = double_descent.run(
            config, device="cpu", on_progress=lambda p: None, should_stop=lambda: False
        )
        return {name: s.y for name, s in result.series.items()}

    assert once() == once()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"min_features": 200}, "min_features"),
        ({"max_features": 1000}, "max_features"),
        ({"max_features": 20000}, "max_features"),
        ({"label_noise": 0.9}, "label_noise"),
        ({"n_train": 2000}, "n_train"),
        ({"n_widths": 2}, "n_widths"),
    ],
)
def test_bad_config(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        double_descent.Config.from_dict(overrides, base=double_descent.PRESETS["full"])
    assert field in error.value.errors


def test_figure(tiny: Result) -> None:
    assert double_descent.figure(tiny.series, TINY).startswith("<svg")
    assert double_descent.figure({}, TINY).startswith("<svg")
    partial = {"test_error": Series(x=[10.0], y=[[0.5, 0.6, 0.4]])}
    assert "<svg" in double_descent.figure(partial, TINY)


def test_summary_has_no_nan(tiny: Result) -> None:
    assert all(math.isfinite(v) for v in tiny.summary.values())
