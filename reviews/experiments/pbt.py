"""Population Based Training (Jaderberg et al. 2017) against random search, same compute.

Two tasks, each run twice in one batch: PBT and random search share the population size, the
initial weights, the initial hyperparameters, the data stream and the number of steps. The only
difference is that every ``ready`` steps PBT's bottom 20% copy the weights, momentum and
hyperparameters of a random member of the top 20% (exploit) and then perturb each hyperparameter
by x0.8 / x1.2 or resample it from the prior (explore); random search keeps its sampled
hyperparameters for the whole run.

(a) The paper's toy (Figure 2): maximise Q(theta) = 1.2 - (theta0^2 + theta1^2) from theta =
(0.9, 0.9) by gradient ascent on the surrogate Q_hat(theta|h) = 1.2 - (h0 theta0^2 + h1 theta1^2),
with h drawn log-uniform in [1e-3, 1] per coordinate. A member whose h0 is tiny never fixes
theta0, so random search needs one lucky draw with both h large; PBT can combine them, because
exploit (judged on the true Q) hands a good theta to members that then keep improving it.

(b) A neural task where the learning-rate schedule matters: a small tanh MLP learns a random
teacher MLP from a stream of fresh examples whose targets carry Gaussian noise (SGD with
momentum, lr log-uniform in [1e-4, 1]). A large lr learns fast but then jitters around the
teacher at a noise floor proportional to lr; a small lr is quiet but slow, so within a fixed
budget no constant lr matches "large early, small late". PBT's fitness is the MSE on a noisy
validation set; what is reported is the excess MSE against the noiseless teacher on a separate
test set, for the member that is best on validation (the same rule for both arms).

The population is a batch axis: arms x seeds x members are one leading dimension of every
weight tensor, with per-member learning rates as a tensor, so a training step is a handful of
batched matmuls. Exploit is a gather of rows by index; explore draws from each seed's own
generator.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping
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
    setting,
)

if TYPE_CHECKING:
    import torch

SLUG = "pbt"
TITLE = "Population Based Training of Neural Networks"
ARXIV_ID = "1711.09846"
CLAIM = gettext_noop(
    "Population Based Training (train a population in parallel; periodically the worst members "
    "copy the weights and hyperparameters of the best and perturb the hyperparameters) finds "
    "better models than random search with the same compute, because it discovers a "
    "hyperparameter schedule instead of one fixed value."
)
CRITERION = gettext_noop(
    "Reproduced if on both tasks PBT beats random search (same population, same steps) in the "
    "median over seeds by a margin: toy: population-best true Q at the end higher by at least "
    "0.05 (Q max 1.2); neural: test excess MSE of the validation-best member at most 0.8x random "
    "search's; and PBT is at least as good on at least 2/3 of the seeds on each task. Not "
    "reproduced if random search's median is at least as good on either task; inconclusive "
    "otherwise."
)
TIME_LIMIT_S = 300

TOY_MARGIN = 0.05
NN_RATIO = 0.8
SEED_AGREEMENT = 2 / 3
TOY_H_RANGE = (1e-3, 1.0)
TOY_THETA0 = 0.9
LR_RANGE = (1e-4, 1.0)
ARMS = ("pbt", "random")


@dataclass(frozen=True)
class Config(ExperimentConfig):
    population: int = setting(
        8, help=gettext_noop("Members per population (PBT and random search alike)."), min=4, max=64
    )
    truncation: float = setting(
        0.2,
        help=gettext_noop("Fraction replaced at each exploit (bottom) and copied from (top)."),
        min=0.05,
        max=0.5,
    )
    resample_prob: float = setting(
        0.25,
        help=gettext_noop("Chance that explore resamples a hyperparameter instead of scaling it."),
        min=0.0,
        max=1.0,
    )
    toy_steps: int = setting(
        200, help=gettext_noop("Gradient-ascent steps on the toy problem."), min=8, max=20_000
    )
    toy_ready: int = setting(
        4, help=gettext_noop("Toy steps between exploit/explore rounds."), min=1, max=1_000
    )
    toy_lr: float = setting(
        0.01,
        help=gettext_noop("Step size of gradient ascent on the toy surrogate."),
        min=1e-4,
        max=0.4,
    )
    steps: int = setting(
        1000, help=gettext_noop("SGD steps per member on the neural task."), min=20, max=100_000
    )
    ready: int = setting(
        100,
        help=gettext_noop("Neural steps between evaluations / exploit rounds."),
        min=5,
        max=10_000,
    )
    dim: int = setting(
        8, help=gettext_noop("Input dimension of the teacher-student regression."), min=2, max=256
    )
    teacher_width: int = setting(
        8, help=gettext_noop("Hidden width of the random teacher MLP."), min=2, max=1024
    )
    width: int = setting(
        32, help=gettext_noop("Hidden width of the student MLP (two tanh layers)."), min=4, max=1024
    )
    batch: int = setting(
        16, help=gettext_noop("Fresh noisy examples per SGD step."), min=1, max=1024
    )
    noise: float = setting(
        1.0,
        help=gettext_noop("Std of the Gaussian noise on training/validation targets."),
        min=0.0,
        max=10.0,
    )
    momentum: float = setting(
        0.9, help=gettext_noop("SGD momentum (its buffer is copied on exploit)."), min=0.0, max=0.99
    )
    val_size: int = setting(
        512,
        help=gettext_noop("Noisy validation examples per seed (PBT's fitness)."),
        min=32,
        max=20_000,
    )
    test_size: int = setting(
        1024,
        help=gettext_noop("Noiseless test examples per seed (the reported score)."),
        min=32,
        max=20_000,
    )

    def check(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.ready > self.steps // 2:
            errors["ready"] = Text(
                gettext_noop("must leave at least two evaluation rounds (ready <= steps / 2)")
            )
        if self.toy_ready > self.toy_steps // 2:
            errors["toy_ready"] = Text(
                gettext_noop("must leave at least two exploit rounds (toy_ready <= toy_steps / 2)")
            )
        if self.seeds * self.population > 2048:
            errors["population"] = Text(gettext_noop("seeds x population must be at most 2048"))
        if self.seeds * self.population * self.steps > 10_000_000:
            errors["steps"] = Text(
                gettext_noop("seeds x population x steps must be at most 10,000,000")
            )
        return errors


PRESETS = {
    "tiny": Config(seeds=8, population=8, steps=1000, ready=100),
    "full": Config(seeds=32, population=16, steps=4000, ready=100, toy_steps=200),
}


def _quota(config: Config) -> int:
    return max(1, math.ceil(config.truncation * config.population))


def _log_uniform(u: torch.Tensor, bounds: tuple[float, float]) -> torch.Tensor:
    lo, hi = bounds
    return lo * (hi / lo) ** u


def _per_seed(
    gens: list[torch.Generator], draw: Callable[[torch.Generator], torch.Tensor]
) -> torch.Tensor:
    """Stack one draw per seed, each from that seed's own generator."""
    import torch

    return torch.stack([draw(g) for g in gens])


class _Explorer:
    """Truncation selection + perturb/resample, on tensors shaped [arms, seeds, members, ...].

    Only arm 0 (PBT) is touched; arm 1 (random search) keeps its rows where they are.
    """

    def __init__(
        self, config: Config, seeds: list[int], salt: int, bounds: tuple[float, float]
    ) -> None:
        from reviews.experiments import _torch

        self.config = config
        self.bounds = bounds
        self.quota = _quota(config)
        self.gens = [_torch.generator(seed * 7_919 + salt) for seed in seeds]

    def step(self, fitness: torch.Tensor, hyper: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Rows to copy from (flat index into arms*seeds*members) and the new hyperparameters.

        ``fitness`` is [arms, seeds, members] (higher is better); ``hyper`` is
        [arms, seeds, members, k].
        """
        import torch

        arms, seeds, members = fitness.shape
        k = hyper.shape[-1]
        q = self.quota
        device = fitness.device
        order = fitness[0].argsort(dim=1)
        bottom, top = order[:, :q], order[:, -q:]
        pick = _per_seed(self.gens, lambda g: torch.randint(q, (q,), generator=g)).to(device)
        source = torch.arange(members, device=device).repeat(seeds, 1)
        source = source.scatter(1, bottom, top.gather(1, pick))
        index = (
            torch.arange(arms * seeds * members, device=device).view(arms, seeds, members).clone()
        )
        index[0] = source + members * torch.arange(seeds, device=device)[:, None]
        index = index.view(-1)

        hyper = hyper.reshape(-1, k)[index].view(arms, seeds, members, k)
        draws = _per_seed(self.gens, lambda g: torch.rand(3, members, k, generator=g)).to(device)
        resample, up, fresh = draws[:, 0], draws[:, 1], draws[:, 2]
        factor = torch.where(up < 0.5, 0.8, 1.2)
        new = torch.where(
            resample < self.config.resample_prob,
            _log_uniform(fresh, self.bounds),
            hyper[0] * factor,
        ).clamp(*self.bounds)
        replaced = torch.zeros(seeds, members, dtype=torch.bool, device=device).scatter(
            1, bottom, True
        )
        hyper = hyper.clone()
        hyper[0] = torch.where(replaced[..., None], new, hyper[0])
        return index, hyper


def _toy(
    config: Config, dev: torch.device, report: Callable[[float, str], None]
) -> dict[str, Series]:
    import torch

    from reviews.experiments import _torch

    seeds, members = config.seed_list, config.population
    arms = len(ARMS)
    gens = [_torch.generator(seed * 7_919 + 1) for seed in seeds]
    h0 = _log_uniform(_per_seed(gens, lambda g: torch.rand(members, 2, generator=g)), TOY_H_RANGE)
    hyper = torch.stack([h0, h0]).to(dev)  # [arms, seeds, members, 2]
    theta = torch.full((arms, len(seeds), members, 2), TOY_THETA0, device=dev)
    explorer = _Explorer(config, seeds, salt=2, bounds=TOY_H_RANGE)
    best = {arm: Series() for arm in ARMS}

    def record(step: int) -> None:
        q = (1.2 - (theta**2).sum(-1)).amax(-1)  # population best, [arms, seeds]
        for a, arm in enumerate(ARMS):
            best[arm].append(step, q[a].tolist())

    record(0)
    every_report = max(config.toy_ready, config.toy_steps // 20)
    for step in range(1, config.toy_steps + 1):
        # Ascent on the surrogate: grad of Q_hat is -2 h theta.
        theta = theta - config.toy_lr * 2 * hyper * theta
        if step % config.toy_ready == 0 and step < config.toy_steps:
            # Exploit is judged on the true objective Q, as in the paper.
            index, hyper = explorer.step(1.2 - (theta**2).sum(-1), hyper)
            theta = theta.reshape(-1, 2)[index].view_as(theta)
        if step % every_report == 0 or step == config.toy_steps:
            record(step)
            message = Text(
                gettext_noop("toy step %(step)s/%(steps)s"), step=step, steps=config.toy_steps
            )
            report(step / config.toy_steps, message)
    return {"toy_q_pbt": best["pbt"], "toy_q_random": best["random"]}


def _mlp(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    import torch

    n = len(params) // 2
    for i in range(n):
        x = torch.baddbmm(params[n + i], x, params[i])
        if i < n - 1:
            x = torch.tanh(x)
    return x


def _init_mlp(
    gens: list[torch.Generator], rows: int, widths: tuple[int, ...], gain: float
) -> list[torch.Tensor]:
    """Weights then biases, each [seeds, rows, ...], drawn per seed."""
    import torch

    weights = [
        _per_seed(
            gens, lambda g, a=a, b=b: torch.randn(rows, a, b, generator=g) * gain / math.sqrt(a)
        )
        for a, b in zip(widths, widths[1:], strict=False)
    ]
    biases = [
        _per_seed(gens, lambda g, b=b: 0.1 * torch.randn(rows, 1, b, generator=g))
        for b in widths[1:]
    ]
    return weights + biases


def _neural(
    config: Config, dev: torch.device, report: Callable[[float, str, dict[str, Series]], None]
) -> dict[str, Series]:
    import torch

    from reviews.experiments import _torch

    seeds, members = config.seed_list, config.population
    n_seeds, arms = len(seeds), len(ARMS)
    rows = arms * n_seeds * members
    init_gens = [_torch.generator(seed * 7_919 + 3) for seed in seeds]
    data_gens = [_torch.generator(seed * 7_919 + 4) for seed in seeds]

    # A random tanh teacher per seed; the factor 2 makes it clearly nonlinear.
    teacher = [t[:, 0] for t in _init_mlp(init_gens, 1, (config.dim, config.teacher_width, 1), 2.0)]
    teacher = [t.to(dev) for t in teacher]

    def sample(n: int, noisy: bool) -> tuple[torch.Tensor, torch.Tensor]:
        x = _per_seed(data_gens, lambda g: torch.randn(n, config.dim, generator=g)).to(dev)
        y = _mlp(teacher, x)
        if noisy:
            y = y + config.noise * _per_seed(
                data_gens, lambda g: torch.randn(n, 1, generator=g)
            ).to(dev)
        return x, y

    def spread(t: torch.Tensor) -> torch.Tensor:
        """[seeds, ...] -> [arms * seeds * members, ...]: a seed's members share its data."""
        return (
            t[None, :, None]
            .expand(arms, n_seeds, members, *t.shape[1:])
            .reshape(rows, *t.shape[1:])
        )

    with torch.no_grad():
        x_val, y_val = sample(config.val_size, noisy=True)
        x_test, y_test = sample(config.test_size, noisy=False)
    student = _init_mlp(init_gens, members, (config.dim, config.width, config.width, 1), 1.0)
    # Both arms start from the same weights and the same sampled learning rates.
    params = [torch.stack([p, p]).reshape(rows, *p.shape[2:]).to(dev) for p in student]
    momenta = [torch.zeros_like(p) for p in params]
    lr0 = _log_uniform(
        _per_seed(init_gens, lambda g: torch.rand(members, 1, generator=g)), LR_RANGE
    )
    hyper = torch.stack([lr0, lr0]).to(dev)  # [arms, seeds, members, 1]
    explorer = _Explorer(config, seeds, salt=5, bounds=LR_RANGE)

    names = {arm: (f"nn_test_mse_{arm}", f"nn_lr_{arm}") for arm in ARMS}
    series = {name: Series() for pair in names.values() for name in pair}

    def evaluate(step: int) -> torch.Tensor:
        with torch.no_grad():
            val = ((_mlp(params, spread(x_val)) - spread(y_val)) ** 2).mean((1, 2))
            test = ((_mlp(params, spread(x_test)) - spread(y_test)) ** 2).mean((1, 2))
        # A diverged member is simply the worst one.
        val = torch.nan_to_num(val, nan=1e9, posinf=1e9).view(arms, n_seeds, members)
        test = torch.nan_to_num(test, nan=1e9, posinf=1e9).view(arms, n_seeds, members)
        chosen = val.argmin(-1, keepdim=True)
        best_test = test.gather(-1, chosen).squeeze(-1)
        best_lr = hyper[..., 0].gather(-1, chosen).squeeze(-1)
        for a, arm in enumerate(ARMS):
            series[names[arm][0]].append(step, best_test[a].tolist())
            series[names[arm][1]].append(step, best_lr[a].tolist())
        return -val

    evaluate(0)
    done = 0
    while done < config.steps:
        chunk = min(config.ready, config.steps - done)
        with torch.no_grad():
            x_chunk, y_chunk = sample(chunk * config.batch, noisy=True)
        x_chunk = x_chunk.view(n_seeds, chunk, config.batch, config.dim)
        y_chunk = y_chunk.view(n_seeds, chunk, config.batch, 1)
        lr = hyper.reshape(rows, 1, 1)
        for t in range(chunk):
            for p in params:
                p.requires_grad_(True)
            # Sum over rows of each row's mean loss: each member gets its own mean-loss gradient.
            loss = (
                ((_mlp(params, spread(x_chunk[:, t])) - spread(y_chunk[:, t])) ** 2)
                .mean((1, 2))
                .sum()
            )
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for m, g in zip(momenta, grads, strict=True):
                    m.mul_(config.momentum).add_(g)
                params = [(p - lr * m).detach() for p, m in zip(params, momenta, strict=True)]
        done += chunk
        fitness = evaluate(done)
        if done < config.steps:
            index, hyper = explorer.step(fitness, hyper)
            params = [p[index] for p in params]
            momenta = [m[index] for m in momenta]
        message = Text(
            gettext_noop("neural step %(step)s/%(steps)s"), step=done, steps=config.steps
        )
        report(done / config.steps, message, series)
    return series


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


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
    threads = torch.get_num_threads()
    if dev.type == "cpu":
        # Every op here is tiny (a few hundred rows of 32-wide layers), so intra-op threads
        # gain nothing, and on a busy 2-core host their spin-waits made the tiny preset
        # 10x slower (9 s with one thread, 120 s with two).
        torch.set_num_threads(1)
    try:
        series = _train(config, dev, reporter)
        name, versions = _torch.describe(dev)
    finally:
        torch.set_num_threads(threads)
    return _result(config, series, reporter, name, versions)


def _train(config: Config, dev: torch.device, reporter: Reporter) -> dict[str, Series]:
    series: dict[str, Series] = {}
    toy_share = 0.05

    def toy_report(fraction: float, message: str) -> None:
        reporter(toy_share * fraction, message, series)

    series.update(_toy(config, dev, toy_report))

    def nn_report(fraction: float, message: str, nn_series: dict[str, Series]) -> None:
        series.update(nn_series)
        reporter(toy_share + (1 - toy_share) * fraction, message, series)

    series.update(_neural(config, dev, nn_report))
    return series


def _result(
    config: Config,
    series: dict[str, Series],
    reporter: Reporter,
    name: str,
    versions: dict[str, str],
) -> Result:
    toy_pbt, toy_rs = series["toy_q_pbt"].y[-1], series["toy_q_random"].y[-1]
    nn_pbt, nn_rs = series["nn_test_mse_pbt"].y[-1], series["nn_test_mse_random"].y[-1]
    n = len(toy_pbt)
    toy_wins = sum(p >= r for p, r in zip(toy_pbt, toy_rs, strict=True)) / n
    nn_wins = sum(p <= r for p, r in zip(nn_pbt, nn_rs, strict=True)) / n
    toy_med_pbt, toy_med_rs = _median(toy_pbt), _median(toy_rs)
    nn_med_pbt, nn_med_rs = _median(nn_pbt), _median(nn_rs)
    ratio = nn_med_pbt / nn_med_rs if nn_med_rs > 0 else math.inf
    lr_pbt = series["nn_lr_pbt"]
    early = lr_pbt.y[min(1, len(lr_pbt.y) - 1)]
    summary = {
        "toy_q_pbt_median": toy_med_pbt,
        "toy_q_random_median": toy_med_rs,
        "toy_q_pbt_mean": statistics.fmean(toy_pbt),
        "toy_q_random_mean": statistics.fmean(toy_rs),
        "toy_pbt_win_fraction": toy_wins,
        "nn_test_mse_pbt_median": nn_med_pbt,
        "nn_test_mse_random_median": nn_med_rs,
        "nn_test_mse_pbt_mean": statistics.fmean(nn_pbt),
        "nn_test_mse_random_mean": statistics.fmean(nn_rs),
        "nn_mse_ratio_median": ratio,
        "nn_pbt_win_fraction": nn_wins,
        "nn_lr_pbt_first_round_median": _median(early),
        "nn_lr_pbt_final_median": _median(lr_pbt.y[-1]),
        "nn_lr_random_best_median": _median(series["nn_lr_random"].y[-1]),
    }

    toy_ok = toy_med_pbt - toy_med_rs >= TOY_MARGIN and toy_wins >= SEED_AGREEMENT
    nn_ok = ratio <= NN_RATIO and nn_wins >= SEED_AGREEMENT
    if toy_ok and nn_ok:
        verdict = Verdict.REPRODUCED
    elif toy_med_rs >= toy_med_pbt or nn_med_rs <= nn_med_pbt:
        verdict = Verdict.NOT_REPRODUCED
    else:
        verdict = Verdict.INCONCLUSIVE
    reason = Text(
        gettext_noop(
            "Toy: PBT reaches Q %(toy_pbt)s vs random search %(toy_random)s (max 1.2; PBT at "
            "least as good on %(toy_wins)s of seeds). Neural: test excess MSE %(nn_pbt)s vs "
            "%(nn_random)s (ratio %(ratio)s, PBT at least as good on %(nn_wins)s of seeds); "
            "medians of %(seeds)s seeds, population %(population)s."
        ),
        toy_pbt=f"{toy_med_pbt:.3f}",
        toy_random=f"{toy_med_rs:.3f}",
        toy_wins=f"{toy_wins:.0%}",
        nn_pbt=f"{nn_med_pbt:.4f}",
        nn_random=f"{nn_med_rs:.4f}",
        ratio=f"{ratio:.2f}",
        nn_wins=f"{nn_wins:.0%}",
        seeds=n,
        population=config.population,
    )
    return Result(
        series=series,
        summary=summary,
        verdict=verdict,
        reason=reason,
        seeds=config.seed_list,
        # Member-steps per seed: both arms, every member, both tasks.
        steps=len(ARMS) * config.population * (config.toy_steps + config.steps),
        device=name,
        versions=versions,
        duration_s=reporter.elapsed,
    )


def figure(series: Mapping[str, Series], config: Config) -> str:
    def get(name: str) -> Series:
        return series.get(name, Series())

    colors = {"pbt": svg.PALETTE[1], "random": svg.PALETTE[0]}
    labels = {"pbt": "PBT", "random": "random search"}
    toy = svg.Panel(
        "Toy (paper Fig. 2): best member",
        "step",
        "true Q (max 1.2)",
        [svg.Line(labels[a], get(f"toy_q_{a}"), colors[a]) for a in ARMS],
        hlines=[(1.2, "optimum")],
    )
    neural = svg.Panel(
        "Teacher-student MLP: val-best member",
        "SGD step",
        "test excess MSE",
        [svg.Line(labels[a], get(f"nn_test_mse_{a}"), colors[a]) for a in ARMS],
        ylog=True,
    )
    schedule = svg.Panel(
        "Learning rate of the val-best member",
        "SGD step",
        "learning rate",
        [svg.Line(labels[a], get(f"nn_lr_{a}"), colors[a], dashed=a == "random") for a in ARMS],
        ylog=True,
    )
    return svg.chart(
        [toy, neural, schedule],
        title=f"PBT vs random search, population {config.population}, {config.seeds} seeds",
    )
