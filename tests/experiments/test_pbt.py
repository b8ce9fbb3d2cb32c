"""The PBT demo: tiny preset on CPU reproduces PBT > random search on the toy and the MLP."""

from __future__ import annotations

import pytest
import torch

from reviews.experiments import pbt
from reviews.experiments.base import (
    ConfigError,
    Result,
    Series,
    Verdict,
    never_stop,
    no_progress,
)


@pytest.fixture(scope="module")
def tiny_result() -> Result:
    return pbt.run(
        pbt.PRESETS["tiny"], device="cpu", on_progress=no_progress, should_stop=never_stop
    )


def test_tiny_reproduces(tiny_result: Result) -> None:
    assert tiny_result.verdict == Verdict.REPRODUCED, tiny_result.reason
    assert tiny_result.seeds == pbt.PRESETS["tiny"].seed_list


def test_toy_pbt_beats_random_search(tiny_result: Result) -> None:
    s = tiny_result.summary
    assert s["toy_q_pbt_median"] > 1.15
    assert s["toy_q_pbt_median"] - s["toy_q_random_median"] >= pbt.TOY_MARGIN
    assert s["toy_pbt_win_fraction"] >= pbt.SEED_AGREEMENT


def test_neural_pbt_beats_random_search_and_decays_lr(tiny_result: Result) -> None:
    s = tiny_result.summary
    assert s["nn_mse_ratio_median"] <= pbt.NN_RATIO
    assert s["nn_test_mse_pbt_mean"] < s["nn_test_mse_random_mean"]
    assert s["nn_pbt_win_fraction"] >= pbt.SEED_AGREEMENT
    # The schedule PBT found goes down.
    assert s["nn_lr_pbt_final_median"] < s["nn_lr_pbt_first_round_median"]


def test_series_cover_every_evaluation(tiny_result: Result) -> None:
    config = pbt.PRESETS["tiny"]
    for name in ("nn_test_mse_pbt", "nn_test_mse_random", "nn_lr_pbt", "nn_lr_random"):
        series = tiny_result.series[name]
        assert series.x[-1] == config.steps
        assert all(len(row) == config.seeds for row in series.y)
    assert tiny_result.series["toy_q_pbt"].x[-1] == config.toy_steps


def test_deterministic_on_cpu() -> None:
    config = pbt.Config.from_dict(
        {"seeds": 2, "population": 4, "steps": 40, "ready": 10, "toy_steps": 16}
    )
    threads = torch.get_num_threads()
    a = pbt.run(config, device="cpu", on_progress=no_progress, should_stop=never_stop)
    b = pbt.run(config, device="cpu", on_progress=no_progress, should_stop=never_stop)
    assert a.summary == b.summary
    assert a.series["nn_lr_pbt"].y == b.series["nn_lr_pbt"].y
    # run() pins CPU work to one thread while it trains, and puts the setting back.
    assert torch.get_num_threads() == threads


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"population": 2}, "population"),
        ({"truncation": 0.9}, "truncation"),
        ({"steps": 100, "ready": 80}, "ready"),
        ({"toy_steps": 10, "toy_ready": 8}, "toy_ready"),
        ({"seeds": 64, "population": 64}, "population"),
        ({"width": "wide"}, "width"),
    ],
)
def test_bad_config(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        pbt.Config.from_dict(overrides, base=pbt.PRESETS["tiny"])
    assert field in error.value.errors


def test_figure(tiny_result: Result) -> None:
    config = pbt.PRESETS["tiny"]
    assert pbt.figure(tiny_result.series, config).startswith("<svg")
    assert pbt.figure({}, config).startswith("<svg")
    assert pbt.figure({"toy_q_pbt": Series()}, config).startswith("<svg")
