"""The SWA demo: its tiny preset reproduces the claim on CPU, and its edges hold."""

from __future__ import annotations

import pytest

from reviews.experiments import swa
from reviews.experiments.base import ConfigError, Result, Series, Verdict


@pytest.fixture(scope="module")
def result() -> Result:
    config = swa.PRESETS["tiny"]
    return swa.run(config, device="cpu", on_progress=lambda p: None, should_stop=lambda: False)


def test_tiny_reproduces(result: Result) -> None:
    assert result.verdict == Verdict.REPRODUCED, result.reason
    assert result.seeds == swa.PRESETS["tiny"].seed_list
    assert result.steps > 0


def test_swa_beats_the_sgd_iterates_it_averaged(result: Result) -> None:
    summary = result.summary
    assert summary["swa_test_acc"] >= summary["sgd_iterates_test_acc"] + swa.ACC_MARGIN
    assert summary["swa_test_acc"] >= summary["sgd_final_test_acc"]
    assert summary["sgd_iterates_test_acc"] > 0.7


def test_swa_sits_in_a_wider_optimum(result: Result) -> None:
    summary = result.summary
    assert 0 < summary["swa_loss_rise"] <= swa.RISE_RATIO * summary["sgd_loss_rise"]
    radii = result.series["radius_loss_swa"].x
    assert radii[0] == 0 and radii[-1] == pytest.approx(swa.PRESETS["tiny"].radius)


def test_series_cover_the_run(result: Result) -> None:
    config = swa.PRESETS["tiny"]
    assert len(result.series["test_acc_sgd"].x) == config.epochs
    assert len(result.series["test_acc_swa"].x) == config.epochs - int(
        config.epochs * config.swa_start
    )
    assert all(len(row) == config.seeds for row in result.series["test_acc_swa"].y)


def test_run_is_deterministic_on_cpu(result: Result) -> None:
    config = swa.Config.from_dict({"epochs": 4, "seeds": 1, "directions": 1, "radius_points": 3})
    kwargs = {"device": "cpu", "on_progress": lambda p: None, "should_stop": lambda: False}
    first, second = swa.run(config, **kwargs), swa.run(config, **kwargs)
    assert first.summary == second.summary


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"width": 0}, "width"),
        ({"epochs": 10**6}, "epochs"),
        ({"swa_lr": -1.0}, "swa_lr"),
        ({"epochs": 4, "swa_start": 0.9}, "swa_start"),
        ({"label_noise": "lots"}, "label_noise"),
    ],
)
def test_bad_config_is_rejected(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        swa.Config.from_dict(overrides, base=swa.PRESETS["tiny"])
    assert field in error.value.errors


def test_figure_on_finished_and_empty_series(result: Result) -> None:
    config = swa.PRESETS["tiny"]
    assert swa.figure(result.series, config).startswith("<svg")
    assert swa.figure({}, config).startswith("<svg")
    partial = {"test_acc_sgd": result.series["test_acc_sgd"], "test_acc_swa": Series()}
    assert "<svg" in swa.figure(partial, config)
