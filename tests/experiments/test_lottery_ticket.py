"""The lottery-ticket demo: rewound tickets keep their accuracy where re-inits fall behind."""

from __future__ import annotations

import math

import pytest

from reviews.experiments import lottery_ticket
from reviews.experiments.base import ConfigError, Result, Series, Verdict

TINY = lottery_ticket.PRESETS["tiny"]


@pytest.fixture(scope="module")
def tiny() -> Result:
    return lottery_ticket.run(
        TINY, device="cpu", on_progress=lambda p: None, should_stop=lambda: False
    )


def test_tiny_reproduces(tiny: Result) -> None:
    s = tiny.summary
    assert tiny.verdict == Verdict.REPRODUCED, tiny.reason
    assert s["dense_test_acc"] >= 0.95
    # The ticket keeps the dense accuracy near 10% of the weights...
    assert 0.07 <= s["near_10pct_fraction"] <= 0.14
    assert s["ticket_near_10pct_acc"] >= s["dense_test_acc"] - lottery_ticket.DENSE_TOLERANCE
    # ...and the same masks from a fresh init fall behind at the sparsest level, every seed.
    assert s["sparsest_fraction"] <= lottery_ticket.MAX_SPARSEST
    assert s["ticket_minus_reinit_sparsest"] >= lottery_ticket.MARGIN
    ticket, reinit = tiny.series["ticket_test_acc"], tiny.series["reinit_test_acc"]
    assert all(t > r for t, r in zip(ticket.y[-1], reinit.y[-1], strict=True))
    assert ticket.x == reinit.x == lottery_ticket.schedule(TINY)
    assert tiny.seeds == TINY.seed_list
    assert tiny.steps == 2 * (TINY.rounds + 1) * TINY.epochs * math.ceil(1258 / TINY.batch_size)


def test_pruning_keeps_the_largest_surviving_weights() -> None:
    import torch

    from reviews.experiments import _torch

    config = lottery_ticket.Config(
        hidden1=32, hidden2=16, rounds=3, prune_rate=0.7, output_prune_rate=0.7, seeds=2
    )
    counts = lottery_ticket._layer_counts(config)
    model = _torch.BatchedMLP([0, 1, 2, 3], (64, 32, 16, 10))
    masks = [torch.ones_like(layer.weight[:2]) for layer in model.layers]
    first = lottery_ticket._prune(model, masks, counts[1], 2)
    second = lottery_ticket._prune(model, first, counts[2], 2)
    for layer, old, new, kept, kept_next in zip(
        model.layers, first, second, counts[1], counts[2], strict=True
    ):
        assert old.sum((1, 2)).tolist() == [kept, kept]
        assert new.sum((1, 2)).tolist() == [kept_next, kept_next]
        assert bool((new <= old).all())  # pruned weights never come back
        for k in range(2):
            w = layer.weight[k].detach().abs()
            assert w[new[k].bool()].min() >= w[(old[k] - new[k]).bool()].max()


def test_run_is_deterministic_on_cpu() -> None:
    config = lottery_ticket.Config(
        hidden1=32, hidden2=16, rounds=2, prune_rate=0.9, output_prune_rate=0.9, epochs=1, seeds=2
    )

    def once() -> dict[str, list[list[float]]]:
        result = lottery_ticket.run(
            config, device="cpu", on_progress=lambda p: None, should_stop=lambda: False
        )
        return {name: s.y for name, s in result.series.items()}

    assert once() == once()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rounds": 3}, "rounds"),  # stops at 51% of the weights: no sparse verdict possible
        ({"lr": -1.0}, "lr"),
        ({"hidden1": 5000}, "hidden1"),
        ({"prune_rate": 0.95}, "prune_rate"),
        ({"epochs": 200, "rounds": 40}, "epochs"),
        ({"seeds": 0}, "seeds"),
    ],
)
def test_bad_config(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        lottery_ticket.Config.from_dict(overrides, base=lottery_ticket.PRESETS["full"])
    assert field in error.value.errors


def test_presets_reach_the_sparse_regime() -> None:
    for config in lottery_ticket.PRESETS.values():
        fractions = lottery_ticket.schedule(config)
        assert fractions[0] == 1.0 and fractions[-1] <= lottery_ticket.MAX_SPARSEST
        assert min(abs(math.log(f / 0.1)) for f in fractions) < math.log(1.3)


def test_figure(tiny: Result) -> None:
    assert lottery_ticket.figure(tiny.series, TINY).startswith("<svg")
    assert lottery_ticket.figure({}, TINY).startswith("<svg")
    partial = {"ticket_test_acc": Series(x=[1.0], y=[[0.97, 0.98, 0.96]])}
    assert "<svg" in lottery_ticket.figure(partial, TINY)


def test_summary_has_no_nan(tiny: Result) -> None:
    assert all(math.isfinite(v) for v in tiny.summary.values())
