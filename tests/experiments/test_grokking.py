"""The grokking demo: the tiny preset groks with weight decay and not without, on the CPU."""

from __future__ import annotations

import math

import pytest

from reviews.experiments import grokking
from reviews.experiments.base import ConfigError, Result, Series, Verdict


@pytest.fixture(scope="module")
def tiny() -> Result:
    return grokking.run(
        grokking.PRESETS["tiny"],
        device="cpu",
        on_progress=lambda p: None,
        should_stop=lambda: False,
    )


def test_tiny_reproduces(tiny: Result) -> None:
    s = tiny.summary
    assert tiny.verdict == Verdict.REPRODUCED, tiny.reason
    # Both arms memorise the training set early...
    assert s["final_train_acc_wd"] >= 0.99 and s["final_train_acc_wd0"] >= 0.99
    # ...but only the weight-decay arm generalises, and much later.
    assert s["final_val_acc_wd"] >= 0.99
    assert s["delay_ratio_wd"] >= grokking.DELAY_FACTOR
    assert s["best_val_acc_wd0"] < 0.5
    assert s["final_norm_wd"] < s["final_norm_wd0"]
    assert tiny.seeds == grokking.PRESETS["tiny"].seed_list
    assert tiny.steps == s["steps_run"] <= grokking.PRESETS["tiny"].steps
    assert set(tiny.series) == {
        f"{metric}_{arm}" for metric in ("train_acc", "val_acc", "norm") for arm in ("wd", "wd0")
    }


def test_run_is_deterministic_on_cpu() -> None:
    config = grokking.Config.from_dict({"steps": 30, "seeds": 2}, base=grokking.PRESETS["tiny"])

    def once() -> dict[str, list[list[float]]]:
        result = grokking.run(
            config, device="cpu", on_progress=lambda p: None, should_stop=lambda: False
        )
        return {name: s.y for name, s in result.series.items()}

    assert once() == once()


def test_fast_transformer_matches_the_full_forward_pass() -> None:
    import torch

    config = grokking.Config(
        model="transformer", modulus=11, d_model=16, d_mlp=32, heads=4, seeds=2, steps=10
    )
    trainer = grokking._Trainer(config, torch.device("cpu"))
    w = grokking._unflatten(config, trainer.theta.detach())
    fast = grokking._forward(config, w, trainer.all_a, trainer.all_b)
    p, d, h = 11, 16, 4
    for s in range(trainer.members):
        tokens = torch.stack(
            [trainer.all_a[s], trainer.all_b[s], torch.full_like(trainer.all_a[s], p)], 1
        )
        x = w["embed"][s][tokens] + w["pos"][s]
        n = x.shape[0]
        q, k, v = (
            (x @ w[name][s]).view(n, 3, h, d // h).transpose(1, 2) for name in ("w_q", "w_k", "w_v")
        )
        z = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + z.transpose(1, 2).reshape(n, 3, d) @ w["w_o"][s]
        x = x + torch.relu(x @ w["w_in"][s] + w["b_in"][s]) @ w["w_mlp_out"][s] + w["b_mlp_out"][s]
        torch.testing.assert_close(fast[s], x[:, -1] @ w["w_unembed"][s], atol=1e-5, rtol=1e-4)


def test_adamw_matches_torch_per_arm() -> None:
    import torch

    from reviews.experiments import _torch

    config = grokking.Config(
        model="mlp", modulus=11, d_model=16, d_mlp=32, seeds=1, steps=10, lr=1e-2, weight_decay=1.0
    )
    trainer = grokking._Trainer(config, torch.device("cpu"))
    refs = []
    for member, wd in ((0, 1.0), (1, 0.0)):
        theta = trainer.theta.detach()[member : member + 1].clone().requires_grad_(True)
        opt = torch.optim.AdamW([theta], lr=1e-2, betas=(0.9, 0.98), weight_decay=wd)
        refs.append((member, theta, opt))
    for _ in range(4):
        trainer.step()
        for member, theta, opt in refs:
            rows = slice(member, member + 1)
            logits = grokking._forward(
                config,
                grokking._unflatten(config, theta),
                trainer.train_a[rows],
                trainer.train_b[rows],
            )
            _torch.batched_cross_entropy(logits, trainer.train_y[rows]).backward()
            opt.step()
            opt.zero_grad()
    for member, theta, _ in refs:
        torch.testing.assert_close(trainer.theta[member], theta[0], atol=1e-6, rtol=1e-5)
    assert not torch.equal(trainer.theta[0], trainer.theta[1])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"heads": 3}, "heads"),
        ({"operation": "div", "modulus": 91}, "modulus"),
        ({"lr": -1.0}, "lr"),
        ({"model": "rnn"}, "model"),
        ({"train_fraction": 0.99}, "train_fraction"),
        ({"steps": 100_000, "seeds": 64}, "steps"),
        ({"seeds": 64, "d_mlp": 4096}, "seeds"),
    ],
)
def test_bad_config(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        grokking.Config.from_dict(overrides, base=grokking.PRESETS["full"])
    assert field in error.value.errors


def test_figure(tiny: Result) -> None:
    config = grokking.PRESETS["tiny"]
    assert grokking.figure(tiny.series, config).startswith("<svg")
    assert grokking.figure({}, config).startswith("<svg")
    partial = {"val_acc_wd": Series(x=[1.0], y=[[0.5, 0.6, 0.7]])}
    assert "<svg" in grokking.figure(partial, config)


def test_summary_has_no_nan(tiny: Result) -> None:
    assert all(math.isfinite(v) for v in tiny.summary.values())
