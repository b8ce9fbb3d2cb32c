"""Deep double descent (Nakkiran et al., 2019) with random ReLU features on digits.

The model is ``relu(x W) beta``: ``W`` is a fixed random Gaussian matrix (one per seed,
``64 x p`` for ``p`` features) and only ``beta`` is fitted, by minimum-norm least squares
to one-hot targets of 400 training digits with 20% of the labels moved to a wrong class
(a fresh noisy copy per seed). Sweeping ``p`` across the interpolation threshold
``p = n_train`` shows the paper's effect: the test error first falls, rises to a sharp
peak where the model can just barely fit the noisy training set, and falls again as the
model grows past it. The norm of the fitted ``beta`` peaks at the same place, which is
why: there the fit has to contort itself to pass through every noisy label.

Numerics: each seed's features are nested (width ``p`` uses the first ``p`` columns of
that seed's ``W``), and ``beta`` is the pseudo-inverse solution computed in float64 from
the eigendecomposition of the smaller Gram matrix (``F Fᵀ`` above the threshold,
``Fᵀ F`` below), batched over seeds, with the usual ``size x eps`` relative cut-off for
zero eigenvalues. The Gram matrix squares the condition number of the features; at the
threshold it reaches about 1e9-1e10 here, which float64 holds easily but float32 would
not (its cut-off would silently regularise the fit and flatten the peak). On CPU this
gives the same predictions as an SVD of the features, several times faster.
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

SLUG = "double-descent"
TITLE = "Deep Double Descent: Where Bigger Models and More Data Hurt"
ARXIV_ID = "1912.02292"
CLAIM = gettext_noop(
    "With label noise, test error peaks near the interpolation threshold (number of "
    "parameters about the number of training examples) and falls again as the model grows."
)
# Fixed from the paper's claim before any run.
PEAK_WINDOW = 2.0  # the peak must lie within a factor of 2 of n_train
PEAK_MARGIN = 0.10  # the peak must exceed both reference errors by at least 10 points
MAX_TRAIN_ERROR = 0.01  # the widest model must interpolate, or the run cannot decide
CRITERION = gettext_noop(
    "Reproduced when the mean test error over seeds peaks at a width within a factor of 2 of "
    "the number of training examples, and that peak is at least 10 points above both the best "
    "error with at most n_train / 2 features and the error at the largest width, with every "
    "seed's own peak inside the same window. Inconclusive if the widest model does not fit the "
    "training set (train error above 1%) or the seeds disagree."
)
TIME_LIMIT_S = 600

N_INPUTS, N_CLASSES = 64, 10
N_TRAIN_MAX = 1257  # the fixed training split of digits holds 1,258 examples


@dataclass(frozen=True)
class Config(ExperimentConfig):
    n_train: int = setting(
        400,
        help=gettext_noop("Training examples (the interpolation threshold)."),
        min=40,
        max=N_TRAIN_MAX,
    )
    label_noise: float = setting(
        0.2,
        help=gettext_noop("Fraction of training labels moved to a wrong class."),
        min=0.0,
        max=0.5,
    )
    min_features: int = setting(
        10, help=gettext_noop("Smallest number of random features."), min=1, max=1024
    )
    max_features: int = setting(
        8000, help=gettext_noop("Largest number of random features."), min=16, max=16384
    )
    n_widths: int = setting(
        24, help=gettext_noop("Widths on a log grid (n_train is always added)."), min=4, max=80
    )

    def check(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.min_features > self.n_train / 4:
            errors["min_features"] = Text(
                gettext_noop("must be at most n_train / 4, to see the under-parameterised side")
            )
        if self.max_features < 4 * self.n_train:
            errors["max_features"] = Text(
                gettext_noop("must be at least 4 x n_train, to see the error fall again")
            )
        return errors


PRESETS = {
    "tiny": Config(seeds=3, max_features=4000, n_widths=16),
    "full": Config(seeds=16, max_features=16384, n_widths=40),
}


def widths(config: Config) -> list[int]:
    """The log grid of feature counts, with the threshold ``n_train`` itself on it."""
    lo, hi = math.log(config.min_features), math.log(config.max_features)
    grid = {
        int(round(math.exp(lo + (hi - lo) * i / (config.n_widths - 1))))
        for i in range(config.n_widths)
    }
    return sorted(grid | {config.n_train})


def run(
    config: Config,
    *,
    device: str,
    on_progress: ProgressCallback,
    should_stop: StopCheck,
) -> Result:
    import torch

    from reviews.experiments import _torch

    reporter = Reporter(on_progress, should_stop)
    dev = _torch.resolve_device(device)
    x_train, y_train, x_test, y_test = _torch.digits(device=dev)
    seeds = config.seed_list
    n = config.n_train
    dtype = torch.float64
    x = x_train[:n].to(dtype)
    xt = x_test.to(dtype)
    noisy = _torch.noisy_labels(y_train[:n], config.label_noise, N_CLASSES, seeds)
    targets = torch.nn.functional.one_hot(noisy, N_CLASSES).to(dtype)
    # Seed k's features come from its own stream; the weight scale does not matter for the
    # min-norm fit (ReLU is positively homogeneous), 1/sqrt(d) keeps the numbers tame.
    projection = torch.stack(
        [
            torch.randn(
                N_INPUTS, config.max_features, generator=_torch.generator(2**41 + seed), dtype=dtype
            )
            for seed in seeds
        ]
    ).to(dev) / math.sqrt(N_INPUTS)

    grid = widths(config)
    costs = [min(n, p) ** 2 * max(n, p) + n * p * 10 for p in grid]
    series = {"test_error": Series(), "train_error": Series(), "weight_norm": Series()}
    for i, p in enumerate(grid):
        w = projection[:, :, :p]
        train_features = torch.relu(x @ w)
        test_features = torch.relu(xt @ w)
        beta = _min_norm(train_features, targets)
        test_error = (test_features @ beta).argmax(-1).ne(y_test).to(dtype).mean(1)
        train_error = (train_features @ beta).argmax(-1).ne(noisy).to(dtype).mean(1)
        series["test_error"].append(p, test_error.tolist())
        series["train_error"].append(p, train_error.tolist())
        series["weight_norm"].append(p, beta.norm(dim=(1, 2)).tolist())
        reporter(
            sum(costs[: i + 1]) / sum(costs),
            Text(
                gettext_noop("%(features)s features: test error %(error)s"),
                features=p,
                error=percent(test_error.mean().item()),
            ),
            series,
        )

    summary, verdict, reason = _verdict(series, config)
    name, versions = _torch.describe(dev)
    return Result(
        series=series,
        summary=summary,
        verdict=verdict,
        reason=reason,
        seeds=seeds,
        # A closed-form fit per width: count one "step" per solve.
        steps=len(grid),
        device=name,
        versions=versions,
        duration_s=reporter.elapsed,
    )


def _min_norm(features: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """``pinv(features) @ targets`` per seed, via the eigendecomposition of the smaller Gram."""
    import torch

    n, p = features.shape[-2:]
    eps = torch.finfo(features.dtype).eps
    if p >= n:
        gram = features @ features.mT
        rhs = targets
    else:
        gram = features.mT @ features
        rhs = features.mT @ targets
    values, vectors = torch.linalg.eigh(gram)
    cutoff = values[:, -1:] * max(n, p) * eps
    inverse = torch.where(values > cutoff, 1 / values, torch.zeros_like(values))
    solution = vectors @ (inverse.unsqueeze(-1) * (vectors.mT @ rhs))
    return features.mT @ solution if p >= n else solution


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _verdict(
    series: Mapping[str, Series], config: Config
) -> tuple[dict[str, float], Verdict, Text]:
    test, train = series["test_error"], series["train_error"]
    n = config.n_train
    means = test.mean()
    peak = max(range(len(means)), key=means.__getitem__)
    under = [i for i, p in enumerate(test.x) if p <= n / 2]
    best_under = min(under, key=means.__getitem__)
    peak_error, under_error, wide_error = means[peak], means[best_under], means[-1]
    seed_peaks = [
        test.x[max(range(len(test.x)), key=lambda i, k=k: test.y[i][k])]
        for k in range(config.seeds)
    ]
    in_window = [n / PEAK_WINDOW <= p <= n * PEAK_WINDOW for p in seed_peaks]
    wide_train_error = _mean(train.y[-1])
    summary = {
        "n_train": float(n),
        "peak_features": test.x[peak],
        "peak_test_error": peak_error,
        "best_under_features": test.x[best_under],
        "best_under_test_error": under_error,
        "widest_features": test.x[-1],
        "widest_test_error": wide_error,
        "widest_train_error": wide_train_error,
        "peak_minus_under": peak_error - under_error,
        "peak_minus_widest": peak_error - wide_error,
        "seeds_peak_in_window": float(sum(in_window)),
    }
    numbers = Text(
        gettext_noop(
            "test error %(under)s at %(under_features)s features, %(peak)s at the peak "
            "(%(peak_features)s features, n_train = %(n_train)s), %(wide)s at "
            "%(wide_features)s (mean of %(seeds)s seeds)"
        ),
        under=percent(under_error),
        under_features=f"{test.x[best_under]:.0f}",
        peak=percent(peak_error),
        peak_features=f"{test.x[peak]:.0f}",
        n_train=n,
        wide=percent(wide_error),
        wide_features=f"{test.x[-1]:.0f}",
        seeds=config.seeds,
    )
    if wide_train_error > MAX_TRAIN_ERROR:
        return (
            summary,
            Verdict.INCONCLUSIVE,
            Text(
                gettext_noop(
                    "The widest model did not interpolate (train error %(error)s): %(numbers)s."
                ),
                error=percent(wide_train_error),
                numbers=numbers,
            ),
        )
    located = n / PEAK_WINDOW <= test.x[peak] <= n * PEAK_WINDOW
    high = peak_error - under_error >= PEAK_MARGIN and peak_error - wide_error >= PEAK_MARGIN
    if located and high:
        if not all(in_window):
            disagree = gettext_noop("The mean passes but seeds disagree: %(numbers)s.")
            return summary, Verdict.INCONCLUSIVE, Text(disagree, numbers=numbers)
        reproduced = gettext_noop("Double descent: %(numbers)s.")
        return summary, Verdict.REPRODUCED, Text(reproduced, numbers=numbers)
    if not located and not high:
        failed = gettext_noop(
            "The peak is not within a factor of 2 of n_train; the peak is not 10 points above "
            "both sides: %(numbers)s."
        )
    elif not located:
        failed = gettext_noop("The peak is not within a factor of 2 of n_train: %(numbers)s.")
    else:
        failed = gettext_noop("The peak is not 10 points above both sides: %(numbers)s.")
    return summary, Verdict.NOT_REPRODUCED, Text(failed, numbers=numbers)


def figure(series: Mapping[str, Series], config: Config) -> str:
    threshold = [(float(config.n_train), f"n_train = {config.n_train}")]
    errors = svg.Panel(
        "Test error across the interpolation threshold",
        "number of random features (log)",
        "classification error",
        [
            svg.Line("test error", series.get("test_error", Series()), markers=True),
            svg.Line(
                "train error (noisy labels)", series.get("train_error", Series()), dashed=True
            ),
        ],
        xlog=True,
        ylim=(0.0, 1.0),
        vlines=threshold,
    )
    norms = svg.Panel(
        "Norm of the min-norm fit",
        "number of random features (log)",
        "‖beta‖ (log)",
        [svg.Line("‖beta‖", series.get("weight_norm", Series()), color=svg.PALETTE[2])],
        xlog=True,
        ylog=True,
        vlines=threshold,
    )
    return svg.chart(
        [errors, norms],
        title=(
            f"Double descent: random ReLU features on {config.n_train} digits, "
            f"{percent(config.label_noise)} label noise ({config.seeds} seeds)"
        ),
    )
