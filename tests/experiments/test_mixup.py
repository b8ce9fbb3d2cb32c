"""The mixup demo: its tiny preset reproduces the claim on CPU, and its edges hold."""

from __future__ import annotations

import pytest

from reviews.experiments import mixup
from reviews.experiments.base import ConfigError, Result, Series, Verdict


@pytest.fixture(scope="module")
def result() -> Result:
    config = mixup.PRESETS["tiny"]
    return mixup.run(config, device="cpu", on_progress=lambda p: None, should_stop=lambda: False)


def test_tiny_reproduces(result: Result) -> None:
    assert result.verdict == Verdict.REPRODUCED, result.reason
    assert result.seeds == mixup.PRESETS["tiny"].seed_list
    assert result.steps > 0


def test_mixup_beats_erm_under_label_noise(result: Result) -> None:
    summary = result.summary
    assert summary["mixup_test_acc"] >= summary["erm_test_acc"] + mixup.MARGIN
    assert summary["seeds_mixup_ahead"] == mixup.PRESETS["tiny"].seeds


def test_erm_memorises_the_wrong_labels_more(result: Result) -> None:
    summary = result.summary
    assert summary["erm_memorised"] > summary["mixup_memorised"] + 0.2
    assert summary["erm_train_acc_noisy"] > summary["mixup_train_acc_noisy"]


def test_series_cover_the_run(result: Result) -> None:
    config = mixup.PRESETS["tiny"]
    test_erm = result.series["test_acc_erm"]
    assert test_erm.x[-1] == config.epochs
    assert len(test_erm.x) == len(result.series["test_acc_mixup"].x)
    assert all(len(row) == config.seeds for row in test_erm.y)


def test_run_is_deterministic_on_cpu() -> None:
    config = mixup.Config.from_dict({"epochs": 2, "seeds": 2, "width": 32})
    kwargs = {"device": "cpu", "on_progress": lambda p: None, "should_stop": lambda: False}
    first, second = mixup.run(config, **kwargs), mixup.run(config, **kwargs)
    assert first.summary == second.summary


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"width": 10**5}, "width"),
        ({"epochs": 0}, "epochs"),
        ({"alpha": 0.0}, "alpha"),
        ({"label_noise": 0.95}, "label_noise"),
        ({"seeds": 64, "epochs": 2000, "width": 4096}, "epochs"),
    ],
)
def test_bad_config_is_rejected(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        mixup.Config.from_dict(overrides, base=mixup.PRESETS["tiny"])
    assert field in error.value.errors


def test_figure_on_finished_and_empty_series(result: Result) -> None:
    config = mixup.PRESETS["tiny"]
    assert mixup.figure(result.series, config).startswith("<svg")
    assert mixup.figure({}, config).startswith("<svg")
    partial = {"test_acc_erm": result.series["test_acc_erm"], "test_acc_mixup": Series()}
    assert "<svg" in mixup.figure(partial, config)
