"""mixup (Zhang et al. 2018): training on convex combinations of examples resists label noise.

An MLP (64-512-512-10) learns the 8x8 digits with 40% of the training labels moved to another
class. Two arms train side by side in ONE batched model of 2 x seeds members: plain empirical
risk minimisation (ERM) and mixup, where each example is blended with a random partner,
``lambda * x_i + (1 - lambda) * x_j``, and the loss is the same blend of the two (noisy) labels,
with ``lambda ~ Beta(alpha, alpha)`` drawn per minibatch (alpha = 8, the paper's choice for
heavy label noise). Seed k of both arms starts from the same
weights, sees the same noisy labels and the same minibatch order, so the arms differ only by
mixup. ERM memorises the wrong labels and its test accuracy sinks; mixup fits far fewer of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reviews.experiments import svg
from reviews.experiments.base import (
    ExperimentConfig,
    ProgressCallback,
    Reporter,
    Result,
    Series,
    StopCheck,
    Text,
    Verdict,
    gettext_noop,
    percent,
    setting,
)

SLUG = "mixup"
TITLE = "mixup: Beyond Empirical Risk Minimization"
ARXIV_ID = "1710.09412"
CLAIM = gettext_noop(
    "Training on mixup's convex combinations of examples and labels is far more robust to "
    "corrupted labels than plain training (ERM), which memorises them."
)
MARGIN = 0.05
CRITERION = gettext_noop(
    "Reproduced when mixup's final test accuracy beats ERM's by at least 5 points in the mean "
    "over seeds and mixup is ahead in every seed. Not reproduced when mixup is not ahead in the "
    "mean; otherwise (or if ERM never reached 50% test accuracy) inconclusive."
)
TIME_LIMIT_S = 300

SPLIT_SEED = 0


@dataclass(frozen=True)
class Config(ExperimentConfig):
    width: int = setting(512, help=gettext_noop("Width of the two hidden layers."), min=8, max=4096)
    epochs: int = setting(30, help=gettext_noop("Training epochs."), min=1, max=2000)
    batch_size: int = setting(64, help=gettext_noop("Minibatch size."), min=8, max=1024)
    lr: float = setting(
        0.05, help=gettext_noop("SGD learning rate (momentum 0.9)."), min=1e-4, max=2.0
    )
    weight_decay: float = setting(1e-4, help=gettext_noop("L2 weight decay."), min=0.0, max=0.1)
    alpha: float = setting(
        8.0, help=gettext_noop("mixup's Beta(alpha, alpha) parameter."), min=0.01, max=32.0
    )
    label_noise: float = setting(
        0.4,
        help=gettext_noop("Fraction of training labels moved to another class."),
        min=0.0,
        max=0.8,
    )
    eval_every: int = setting(2, help=gettext_noop("Epochs between evaluations."), min=1, max=100)

    def check(self) -> dict[str, str]:
        if self.seeds * self.epochs * self.width > 64 * 2000 * 512:
            return {
                "epochs": Text(gettext_noop("seeds x epochs x width is too much work for one run"))
            }
        return {}


PRESETS = {
    # No learning-rate decay: trained much longer, mixup memorises the noise too (see report).
    "tiny": Config(seeds=3, epochs=30),
    "full": Config(seeds=16, epochs=30, eval_every=1),
}


def run(
    config: Config, *, device: str, on_progress: ProgressCallback, should_stop: StopCheck
) -> Result:
    import numpy as np
    import torch
    import torch.nn.functional as F

    from reviews.experiments import _torch

    reporter = Reporter(on_progress, should_stop)
    dev = _torch.resolve_device(device)
    seeds = config.seed_list
    s = len(seeds)
    x_train, y_train, x_test, y_test = _torch.digits(device=dev, split_seed=SPLIT_SEED)
    y_noisy = _torch.noisy_labels(y_train, config.label_noise, 10, seeds)
    flipped = y_noisy != y_train
    n = x_train.shape[0]
    batches = n // config.batch_size
    gens = [_torch.generator(seed) for seed in seeds]
    rngs = [np.random.default_rng(20_000 + seed) for seed in seeds]

    # Members 0..S-1 are ERM and S..2S-1 mixup; listing each seed twice gives both arms of
    # seed k the same initial weights.
    model = _torch.BatchedMLP(seeds + seeds, (64, config.width, config.width, 10)).to(dev)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=config.lr, momentum=0.9, weight_decay=config.weight_decay
    )
    series = {
        name: Series()
        for name in (
            "test_acc_erm",
            "test_acc_mixup",
            "train_acc_noisy_erm",
            "train_acc_noisy_mixup",
            "memorised_erm",
            "memorised_mixup",
        )
    }
    steps = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.stack([torch.randperm(n, generator=g) for g in gens]).to(dev)
        partner = torch.stack([torch.randperm(n, generator=g) for g in gens]).to(dev)
        lam = torch.tensor(
            np.stack([rng.beta(config.alpha, config.alpha, size=batches) for rng in rngs]),
            dtype=torch.float32,
            device=dev,
        )
        # ERM is mixup with lambda = 1: one formula trains both arms.
        lam = torch.cat([torch.ones_like(lam), lam])
        for b in range(batches):
            window = slice(b * config.batch_size, (b + 1) * config.batch_size)
            ia, ib = order[:, window], partner[:, window]
            xa, xb = x_train[ia], x_train[ib]
            ya = torch.gather(y_noisy, 1, ia).repeat(2, 1)
            yb = torch.gather(y_noisy, 1, ib).repeat(2, 1)
            lb = lam[:, b].view(2 * s, 1)
            inputs = torch.cat([xa, lb[s:, :, None] * xa + (1 - lb[s:, :, None]) * xb])
            logits = model(inputs)
            flat = logits.reshape(-1, logits.shape[-1])
            ce_a = F.cross_entropy(flat, ya.reshape(-1), reduction="none").view_as(ya)
            ce_b = F.cross_entropy(flat, yb.reshape(-1), reduction="none").view_as(yb)
            loss = (lb * ce_a + (1 - lb) * ce_b).mean(1).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            steps += 1

        if epoch % config.eval_every and epoch != config.epochs:
            continue
        model.eval()
        with torch.no_grad():
            test = _torch.accuracy(model(x_test.expand(2 * s, -1, -1)), y_test)
            pred = model(x_train.expand(2 * s, -1, -1)).argmax(-1)
        hits = (pred == y_noisy.repeat(2, 1)).float()
        fit = hits.mean(1).tolist()
        # Fraction of the flipped examples predicted as their wrong label: memorisation.
        mask = flipped.repeat(2, 1).float()
        memorised = ((hits * mask).sum(1) / mask.sum(1).clamp_min(1)).tolist()
        for arm, part in (("erm", slice(0, s)), ("mixup", slice(s, 2 * s))):
            series[f"test_acc_{arm}"].append(epoch, test[part])
            series[f"train_acc_noisy_{arm}"].append(epoch, fit[part])
            series[f"memorised_{arm}"].append(epoch, memorised[part])
        reporter(
            epoch / config.epochs,
            Text(
                gettext_noop(
                    "epoch %(epoch)s/%(epochs)s: ERM %(erm)s, mixup %(mixup)s test accuracy"
                ),
                epoch=epoch,
                epochs=config.epochs,
                erm=percent(_mean(test[:s])),
                mixup=percent(_mean(test[s:])),
            ),
            series,
        )

    erm, mix = series["test_acc_erm"], series["test_acc_mixup"]
    summary = {
        "erm_test_acc": _mean(erm.y[-1]),
        "mixup_test_acc": _mean(mix.y[-1]),
        "mixup_gain": _mean(mix.y[-1]) - _mean(erm.y[-1]),
        "erm_best_test_acc": max(erm.mean()),
        "mixup_best_test_acc": max(mix.mean()),
        "erm_train_acc_noisy": _mean(series["train_acc_noisy_erm"].y[-1]),
        "mixup_train_acc_noisy": _mean(series["train_acc_noisy_mixup"].y[-1]),
        "erm_memorised": _mean(series["memorised_erm"].y[-1]),
        "mixup_memorised": _mean(series["memorised_mixup"].y[-1]),
        "seeds_mixup_ahead": float(sum(m > e for m, e in zip(mix.y[-1], erm.y[-1], strict=True))),
        "label_noise": config.label_noise,
    }
    verdict, reason = _verdict(summary, s)
    name, versions = _torch.describe(dev)
    return Result(
        series=series,
        summary=summary,
        verdict=verdict,
        reason=reason,
        seeds=seeds,
        # Optimizer steps per seed over both arms (each arm takes one step per minibatch).
        steps=2 * steps,
        device=name,
        versions=versions,
        duration_s=reporter.elapsed,
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _verdict(summary: Mapping[str, float], seeds: int) -> tuple[Verdict, Text]:
    gain = summary["mixup_gain"]
    reason = Text(
        gettext_noop(
            "mixup %(mixup)s vs ERM %(erm)s final test accuracy with %(noise)s noisy labels; "
            "ERM fits %(erm_memorised)s of the wrong labels, mixup %(mixup_memorised)s (mean "
            "of %(seeds)s seeds, mixup ahead in %(ahead)s)."
        ),
        mixup=percent(summary["mixup_test_acc"]),
        erm=percent(summary["erm_test_acc"]),
        noise=percent(summary["label_noise"]),
        erm_memorised=percent(summary["erm_memorised"]),
        mixup_memorised=percent(summary["mixup_memorised"]),
        seeds=seeds,
        ahead=int(summary["seeds_mixup_ahead"]),
    )
    if summary["erm_best_test_acc"] < 0.5:
        return Verdict.INCONCLUSIVE, Text(
            gettext_noop("ERM never learned the task: %(reason)s"), reason=reason
        )
    if gain >= MARGIN and summary["seeds_mixup_ahead"] == seeds:
        return Verdict.REPRODUCED, reason
    if gain <= 0:
        return Verdict.NOT_REPRODUCED, reason
    return Verdict.INCONCLUSIVE, reason


def figure(series: Mapping[str, Series], config: Config) -> str:
    empty = Series()
    test = svg.Panel(
        f"Test accuracy ({percent(config.label_noise)} noisy labels)",
        "epoch",
        "test accuracy",
        [
            svg.Line("ERM", series.get("test_acc_erm", empty)),
            svg.Line(f"mixup (alpha={config.alpha:g})", series.get("test_acc_mixup", empty)),
        ],
    )
    memo = svg.Panel(
        "Memorisation of the wrong labels",
        "epoch",
        "fraction fitted",
        [
            svg.Line(
                "ERM: noisy train labels", series.get("train_acc_noisy_erm", empty), svg.PALETTE[0]
            ),
            svg.Line(
                "mixup: noisy train labels",
                series.get("train_acc_noisy_mixup", empty),
                svg.PALETTE[1],
            ),
            svg.Line(
                "ERM: flipped only", series.get("memorised_erm", empty), svg.PALETTE[0], dashed=True
            ),
            svg.Line(
                "mixup: flipped only",
                series.get("memorised_mixup", empty),
                svg.PALETTE[1],
                dashed=True,
            ),
        ],
        ylim=(0.0, 1.0),
    )
    return svg.chart([test, memo], title=f"{TITLE} (arXiv {ARXIV_ID})")
