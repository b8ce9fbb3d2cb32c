"""Stochastic Weight Averaging (Izmailov et al. 2018): the mean of SGD iterates generalises better.

An MLP with BatchNorm (64-256-256-10) learns the 8x8 digits with 20% of the training labels
flipped, by SGD with momentum. For the first half of training the learning rate is high and
constant; from half-way ``torch.optim.swa_utils.SWALR`` anneals it to a constant SWA rate and an
``AveragedModel`` takes the running mean of the weights at the end of every epoch, its BatchNorm
statistics recomputed with ``update_bn``. Seeds train side by side in one batched model.

The control arm is plain SGD itself: the iterates that were averaged (their mean test accuracy)
and the final iterate. At the end both the SWA solution and the final SGD iterate are pushed
along random directions, normalised per output unit to the norm of that unit's weights, and the
training loss is measured against the perturbation radius: a wider optimum rises more slowly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    import torch

SLUG = "swa"
TITLE = "Averaging Weights Leads to Wider Optima and Better Generalization"
ARXIV_ID = "1803.05407"
CLAIM = gettext_noop(
    "Averaging the weights that SGD visits with a high constant learning rate (SWA) gives a "
    "solution that generalises better than those SGD iterates and lies in a wider optimum."
)
ACC_MARGIN = 0.005
RISE_RATIO = 0.8
CRITERION = gettext_noop(
    "Reproduced when, in the mean over seeds, SWA's final test accuracy beats the mean of the SGD "
    "iterates it averaged by at least 0.5 points and is not below the final SGD iterate, AND the "
    "training loss of SWA rises at most 0.8x as much as the final SGD iterate's under random "
    "filter-normalised perturbations of the largest radius. Not reproduced when SWA is no better "
    "than those iterates or rises at least as much; otherwise inconclusive."
)
TIME_LIMIT_S = 300

NOISE_SEED = 0


@dataclass(frozen=True)
class Config(ExperimentConfig):
    width: int = setting(256, help=gettext_noop("Width of the two hidden layers."), min=8, max=4096)
    epochs: int = setting(
        40, help=gettext_noop("Training epochs in all (SGD, then SWA)."), min=4, max=2000
    )
    swa_start: float = setting(
        0.5,
        help=gettext_noop("Fraction of the epochs after which weights are averaged."),
        min=0.1,
        max=0.9,
    )
    batch_size: int = setting(64, help=gettext_noop("Minibatch size."), min=8, max=1024)
    lr: float = setting(
        0.1, help=gettext_noop("SGD learning rate before SWA starts."), min=1e-4, max=2.0
    )
    swa_lr: float = setting(
        0.1, help=gettext_noop("Constant learning rate while averaging."), min=1e-4, max=2.0
    )
    weight_decay: float = setting(5e-4, help=gettext_noop("L2 weight decay."), min=0.0, max=0.1)
    label_noise: float = setting(
        0.2,
        help=gettext_noop("Fraction of training labels moved to another class."),
        min=0.0,
        max=0.8,
    )
    radius: float = setting(
        0.5,
        help=gettext_noop("Largest perturbation, relative to each unit's weight norm."),
        min=0.01,
        max=5.0,
    )
    directions: int = setting(
        4, help=gettext_noop("Random directions per seed for the width probe."), min=1, max=64
    )
    radius_points: int = setting(
        11, help=gettext_noop("Radii probed from 0 to radius."), min=3, max=101
    )

    def check(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if (
            int(self.epochs * self.swa_start) < 1
            or self.epochs - int(self.epochs * self.swa_start) < 2
        ):
            errors["swa_start"] = Text(
                gettext_noop("must leave at least 1 SGD epoch and 2 averaged epochs")
            )
        if self.seeds * self.epochs * self.width > 64 * 2000 * 512:
            errors["epochs"] = Text(
                gettext_noop("seeds x epochs x width is too much work for one run")
            )
        return errors


PRESETS = {
    "tiny": Config(seeds=3, epochs=40),
    "full": Config(seeds=8, epochs=150, directions=16, radius_points=21),
}


def _swa_epoch(config: Config) -> int:
    return int(config.epochs * config.swa_start)


def run(
    config: Config, *, device: str, on_progress: ProgressCallback, should_stop: StopCheck
) -> Result:
    import torch
    from torch.optim.swa_utils import SWALR, AveragedModel, update_bn

    from reviews.experiments import _torch

    reporter = Reporter(on_progress, should_stop)
    dev = _torch.resolve_device(device)
    seeds = config.seed_list
    s = len(seeds)
    x_train, y_train, x_test, y_test = _torch.digits(device=dev, split_seed=NOISE_SEED)
    y_noisy = _torch.noisy_labels(y_train, config.label_noise, 10, seeds)
    n = x_train.shape[0]
    batches = n // config.batch_size
    gens = [_torch.generator(seed) for seed in seeds]

    model = _torch.BatchedMLP(seeds, (64, config.width, config.width, 10), batchnorm=True).to(dev)
    swa_model = AveragedModel(model)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=config.lr, momentum=0.9, weight_decay=config.weight_decay
    )
    swa_scheduler = SWALR(optimizer, swa_lr=config.swa_lr, anneal_epochs=2, anneal_strategy="cos")
    swa_epoch = _swa_epoch(config)
    # One batch with the whole training set: update_bn then sets exact population statistics.
    bn_loader = [x_train.expand(s, -1, -1)]

    series = {
        name: Series()
        for name in (
            "test_acc_sgd",
            "test_acc_swa",
            "train_loss_sgd",
            "radius_loss_sgd",
            "radius_loss_swa",
        )
    }
    averaged_accs: list[list[float]] = []
    steps = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        # Each seed shuffles with its own generator; seeds then train as one batched step.
        order = torch.stack([torch.randperm(n, generator=g) for g in gens]).to(dev)
        total = torch.zeros(s, device=dev)
        for b in range(batches):
            idx = order[:, b * config.batch_size : (b + 1) * config.batch_size]
            logits = model(x_train[idx])
            losses = _per_seed_loss(logits, torch.gather(y_noisy, 1, idx))
            optimizer.zero_grad(set_to_none=True)
            losses.sum().backward()
            optimizer.step()
            total += losses.detach()
            steps += 1
        if epoch > swa_epoch:
            swa_model.update_parameters(model)
            swa_scheduler.step()

        model.eval()
        with torch.no_grad():
            sgd_acc = _torch.accuracy(model(x_test.expand(s, -1, -1)), y_test)
        series["test_acc_sgd"].append(epoch, sgd_acc)
        series["train_loss_sgd"].append(epoch, (total / batches).tolist())
        message = Text(
            gettext_noop("epoch %(epoch)s/%(epochs)s: SGD %(sgd)s"),
            epoch=epoch,
            epochs=config.epochs,
            sgd=percent(_mean(sgd_acc)),
        )
        if epoch > swa_epoch:
            averaged_accs.append(sgd_acc)
            update_bn(bn_loader, swa_model)
            swa_model.eval()
            with torch.no_grad():
                swa_acc = _torch.accuracy(swa_model(x_test.expand(s, -1, -1)), y_test)
            series["test_acc_swa"].append(epoch, swa_acc)
            message = Text(
                gettext_noop("epoch %(epoch)s/%(epochs)s: SGD %(sgd)s, SWA %(swa)s"),
                swa=percent(_mean(swa_acc)),
                **message.params,
            )
        reporter(0.85 * epoch / config.epochs, message, series)

    swa_net = swa_model.module
    radii = [config.radius * i / (config.radius_points - 1) for i in range(config.radius_points)]
    directions = _directions(model, seeds, config.directions, dev)
    curves = {}
    for name, net in (("sgd", model), ("swa", swa_net)):
        curves[name] = _radius_curve(net, directions, radii, x_train, y_noisy)
        for r, values in zip(radii, curves[name], strict=True):
            series[f"radius_loss_{name}"].append(r, values)
        probe = Text(gettext_noop("width probe: %(arm)s"), arm=name.upper())
        reporter(0.85 + (0.075 if name == "sgd" else 0.15), probe, series)

    swa_acc = series["test_acc_swa"].y[-1]
    final_acc = series["test_acc_sgd"].y[-1]
    iterate_acc = [_mean(col) for col in zip(*averaged_accs, strict=True)]
    rise_sgd = [curves["sgd"][-1][k] - curves["sgd"][0][k] for k in range(s)]
    rise_swa = [curves["swa"][-1][k] - curves["swa"][0][k] for k in range(s)]
    summary = {
        "swa_test_acc": _mean(swa_acc),
        "sgd_final_test_acc": _mean(final_acc),
        "sgd_iterates_test_acc": _mean(iterate_acc),
        "swa_gain_over_iterates": _mean(swa_acc) - _mean(iterate_acc),
        "swa_gain_over_final": _mean(swa_acc) - _mean(final_acc),
        "swa_train_loss": _mean(curves["swa"][0]),
        "sgd_train_loss": _mean(curves["sgd"][0]),
        "swa_loss_rise": _mean(rise_swa),
        "sgd_loss_rise": _mean(rise_sgd),
        "loss_rise_ratio": _mean(rise_swa) / max(_mean(rise_sgd), 1e-12),
        "radius": config.radius,
        "averaged_epochs": float(len(averaged_accs)),
        "seeds_swa_beats_iterates": float(
            sum(a > b for a, b in zip(swa_acc, iterate_acc, strict=True))
        ),
        "seeds_swa_rises_less": float(sum(a < b for a, b in zip(rise_swa, rise_sgd, strict=True))),
    }
    verdict, reason = _verdict(summary, s)
    name, versions = _torch.describe(dev)
    return Result(
        series=series,
        summary=summary,
        verdict=verdict,
        reason=reason,
        seeds=seeds,
        steps=steps,
        device=name,
        versions=versions,
        duration_s=reporter.elapsed,
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _per_seed_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    import torch.nn.functional as F

    s, b, c = logits.shape
    losses = F.cross_entropy(logits.reshape(s * b, c), labels.reshape(s * b), reduction="none")
    return losses.view(s, b).mean(1)


def _directions(
    model: torch.nn.Module, seeds: list[int], count: int, dev: torch.device
) -> list[list[torch.Tensor]]:
    """``count`` random directions per seed, one Gaussian tensor per weight matrix ``[S, in, out]``.

    Seed k's directions come from seed k's own generator.
    """
    import torch

    from reviews.experiments import _torch

    shapes = [layer.weight.shape[1:] for layer in model.layers]
    out = []
    for d in range(count):
        per_layer = [[] for _ in shapes]
        for seed in seeds:
            g = _torch.generator(50_000 + 100 * seed + d)
            for i, shape in enumerate(shapes):
                per_layer[i].append(torch.randn(*shape, generator=g))
        out.append([torch.stack(t).to(dev) for t in per_layer])
    return out


def _radius_curve(
    net: torch.nn.Module,
    directions: list[list[torch.Tensor]],
    radii: list[float],
    x: torch.Tensor,
    labels: torch.Tensor,
) -> list[list[float]]:
    """Training loss per seed at each radius, averaged over the random directions.

    Each direction is scaled per output unit to that unit's weight norm (filter normalisation,
    Li et al. 2018), so a radius means the same relative step for SGD and SWA. BatchNorm uses
    the statistics of the whole (perturbed) training set, i.e. they are recomputed at every point.
    """
    import torch
    import torch.nn.functional as F

    weights = [layer.weight.detach() for layer in net.layers]
    scaled = [
        [
            d * (w.norm(dim=1, keepdim=True) / d.norm(dim=1, keepdim=True).clamp_min(1e-12))
            for d, w in zip(direction, weights, strict=True)
        ]
        for direction in directions
    ]
    s = weights[0].shape[0]
    curve = []
    with torch.no_grad():
        for r in radii:
            total = torch.zeros(s, device=x.device)
            for direction in scaled:
                h = x.expand(s, -1, -1)
                for i, layer in enumerate(net.layers):
                    h = torch.baddbmm(layer.bias, h, weights[i] + r * direction[i])
                    if i < len(net.layers) - 1:
                        norm = net.norms[i]
                        sb, b, f = h.shape
                        flat = h.transpose(0, 1).reshape(b, sb * f)
                        flat = F.batch_norm(
                            flat, None, None, norm.weight, norm.bias, training=True, eps=norm.eps
                        )
                        h = torch.relu(flat.reshape(b, sb, f).transpose(0, 1))
                total += _per_seed_loss(h, labels)
            curve.append((total / len(scaled)).tolist())
    return curve


def _verdict(summary: Mapping[str, float], seeds: int) -> tuple[Verdict, Text]:
    gain = summary["swa_gain_over_iterates"]
    gain_final = summary["swa_gain_over_final"]
    ratio = summary["loss_rise_ratio"]
    reason = Text(
        gettext_noop(
            "SWA %(swa)s vs SGD iterates %(sgd)s (final iterate %(final)s) test accuracy; at "
            "radius %(radius)s the training loss rises %(swa_rise)s for SWA vs %(sgd_rise)s "
            "for SGD (ratio %(ratio)s; mean of %(seeds)s seeds)."
        ),
        swa=percent(summary["swa_test_acc"]),
        sgd=percent(summary["sgd_iterates_test_acc"]),
        final=percent(summary["sgd_final_test_acc"]),
        radius=f"{summary['radius']:g}",
        swa_rise=f"{summary['swa_loss_rise']:.3f}",
        sgd_rise=f"{summary['sgd_loss_rise']:.3f}",
        ratio=f"{ratio:.2f}",
        seeds=seeds,
    )
    if summary["sgd_iterates_test_acc"] < 0.5 or not math.isfinite(ratio):
        return Verdict.INCONCLUSIVE, Text(
            gettext_noop("SGD never learned the task: %(reason)s"), reason=reason
        )
    if gain >= ACC_MARGIN and gain_final >= 0 and ratio <= RISE_RATIO:
        return Verdict.REPRODUCED, reason
    if gain <= 0 or ratio >= 1:
        return Verdict.NOT_REPRODUCED, reason
    return Verdict.INCONCLUSIVE, reason


def figure(series: Mapping[str, Series], config: Config) -> str:
    empty = Series()
    acc = svg.Panel(
        "Test accuracy (20% noisy labels)" if config.label_noise == 0.2 else "Test accuracy",
        "epoch",
        "test accuracy",
        [
            svg.Line("SGD iterate", series.get("test_acc_sgd", empty)),
            svg.Line("SWA average", series.get("test_acc_swa", empty)),
        ],
        vlines=[(_swa_epoch(config), "SWA starts")],
    )
    width = svg.Panel(
        "Train loss along random directions",
        "perturbation radius (x unit weight norm)",
        "train loss (noisy labels)",
        [
            svg.Line("final SGD iterate", series.get("radius_loss_sgd", empty), markers=True),
            svg.Line("SWA", series.get("radius_loss_swa", empty), markers=True),
        ],
    )
    return svg.chart([acc, width], title=f"{TITLE} (arXiv {ARXIV_ID})")
