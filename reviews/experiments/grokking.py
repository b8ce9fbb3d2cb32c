"""Grokking (Power et al. 2022): on a small algorithmic task, validation accuracy jumps to ~100%
long after the training set was memorised, and weight decay is what makes it happen.

The task is modular arithmetic, ``a + b mod p`` (or ``a - b``, ``a / b``): a fixed fraction of
all ``p x p`` equations is the training set, the rest the validation set. The ``tiny`` preset
trains an embedding + MLP, ``full`` a one-layer transformer on the tokens ``a b =`` (Nanda et al.
2023's setup: no LayerNorm, 4 heads, AdamW with betas (0.9, 0.98)), both full batch.

Two arms train side by side from the same initialisation on the same split: AdamW with the
configured weight decay, and the control with weight decay 0. Parameters of every member
(seeds x arms) live in one flat tensor with a leading member axis and the model is written
functionally (``bmm``/``gather``), so the arms differ only in a per-member weight-decay factor
inside a hand-written AdamW (the same update as ``torch.optim.AdamW``). On CUDA the whole
training step (forward, backward, AdamW) and the evaluation are captured once as CUDA graphs
and replayed; on the CPU the same functions run eagerly. Matrix products are plain float32
unless ``tf32`` is set; the ``full`` preset sets it, which only changes anything on CUDA (on an
H200 it cut the 8-seed run from 44 s to 24 s, still grokking on every seed).

Only the output at the ``=`` position is read, so the fast transformer evaluates attention,
the MLP and the unembedding at that position alone, and computes keys, values and attention
scores of the ``a`` and ``b`` positions once per vocabulary entry (they depend on the token
only) and gathers them per example: the same function as the full forward pass, with fewer
FLOPs. ``eager_baseline`` times a plain ``nn.Module`` version of the same model for the
benchmark.
"""

from __future__ import annotations

import math
import time
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
    percent,
    setting,
)

if TYPE_CHECKING:
    import torch

SLUG = "grokking"
TITLE = "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
ARXIV_ID = "2201.02177"
CLAIM = gettext_noop(
    "On small algorithmic datasets such as modular arithmetic, a network first memorises the "
    "training set and only much later, long after training accuracy is ~100%, does validation "
    "accuracy jump to ~100%; weight decay makes this generalisation happen (and sooner)."
)
FIT = 0.99
DELAY_FACTOR = 3.0
CONTROL_MAX = 0.90
CRITERION = gettext_noop(
    "Steps are counted at evaluation points. Reproduced when, in the mean over seeds, the "
    "weight-decay arm reaches 99% validation accuracy at least 3x as many steps after the start "
    "as it took to reach 99% training accuracy, AND the weight-decay-0 control, trained for "
    "exactly the same steps (until every weight-decay seed was at 99% validation accuracy, or "
    "the full budget), never exceeds 90% validation accuracy (best evaluation, mean over seeds). "
    "Not reproduced when the delay is shorter or the control generalises too; inconclusive when "
    "some weight-decay seed never reaches 99% training or validation accuracy within the budget."
)
TIME_LIMIT_S = 900

OPERATIONS = ("add", "sub", "div")
MODELS = ("mlp", "transformer")
ADAM_EPS = 1e-8
# Caps on what one config may ask for: optimiser FLOPs and the eval activations (floats).
MAX_FLOPS = 2e16
MAX_EVAL_FLOATS = 1e9
WARMUP_STEPS = 3


def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % k for k in range(2, math.isqrt(n) + 1))


def _pair_count(config: Config) -> int:
    p = config.modulus
    return p * (p - 1) if config.operation == "div" else p * p


def _flops_per_example(config: Config) -> int:
    """Multiply-adds per example of the fast forward pass (the cap only needs the order)."""
    d, m, p = config.d_model, config.d_mlp, config.modulus
    if config.model == "mlp":
        return m * p + 2 * m
    return 2 * d * m + d * d + d * p


@dataclass(frozen=True)
class Config(ExperimentConfig):
    model: str = setting(
        "transformer",
        help=gettext_noop("mlp: embeddings + one hidden layer; transformer: one layer."),
        choices=MODELS,
    )
    operation: str = setting(
        "add",
        help=gettext_noop("The equation: a+b, a-b or a/b (division needs a prime modulus)."),
        choices=OPERATIONS,
    )
    modulus: int = setting(
        97, help=gettext_noop("The modulus p (the paper uses the prime 97)."), min=5, max=257
    )
    train_fraction: float = setting(
        0.3,
        help=gettext_noop("Fraction of all equations used for training; the rest is validation."),
        min=0.05,
        max=0.95,
    )
    d_model: int = setting(
        128, help=gettext_noop("Embedding (residual stream) width."), min=8, max=512
    )
    d_mlp: int = setting(512, help=gettext_noop("Hidden width of the MLP."), min=8, max=4096)
    heads: int = setting(
        4, help=gettext_noop("Attention heads (transformer); must divide d_model."), min=1, max=16
    )
    lr: float = setting(1e-3, help=gettext_noop("AdamW learning rate."), min=1e-5, max=0.1)
    weight_decay: float = setting(
        1.0,
        help=gettext_noop("AdamW weight decay of the treated arm (the control arm uses 0)."),
        min=0.01,
        max=10.0,
    )
    beta1: float = setting(0.9, help=gettext_noop("AdamW beta1."), min=0.0, max=0.999)
    beta2: float = setting(0.98, help=gettext_noop("AdamW beta2."), min=0.5, max=0.99999)
    steps: int = setting(
        30_000,
        help=gettext_noop("Step budget (full-batch AdamW steps per member)."),
        min=10,
        max=100_000,
    )
    eval_every: int = setting(
        100,
        help=gettext_noop("Evaluate every this many steps (plus log-spaced points before)."),
        min=1,
        max=10_000,
    )
    stop_when_grokked: bool = setting(
        True, help=gettext_noop("Stop once every weight-decay seed is at 99% validation accuracy.")
    )
    tf32: bool = setting(
        False, help=gettext_noop("Allow TF32 matrix products on CUDA (faster, less exact).")
    )

    def check(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.model == "transformer" and self.d_model % self.heads:
            errors["heads"] = Text(
                gettext_noop("must divide d_model (%(d_model)s)"), d_model=self.d_model
            )
        if self.operation == "div" and not _is_prime(self.modulus):
            errors["modulus"] = Text(gettext_noop("must be prime for division"))
        pairs = _pair_count(self)
        n_train = round(self.train_fraction * pairs)
        if n_train < 1 or n_train >= pairs:
            errors["train_fraction"] = Text(
                gettext_noop("leaves no training or no validation equation")
            )
        members = 2 * self.seeds
        if members * pairs * max(self.d_mlp, 3 * self.d_model) > MAX_EVAL_FLOATS:
            errors["seeds"] = Text(
                gettext_noop("too many seeds for this modulus and width (evaluation memory)")
            )
        flops = 6 * self.steps * members * n_train * _flops_per_example(self)
        if flops > MAX_FLOPS:
            errors["steps"] = Text(
                gettext_noop("asks for %(flops)s FLOPs; at most %(max)s"),
                flops=f"{flops:.1e}",
                max=f"{MAX_FLOPS:.0e}",
            )
        return errors


PRESETS = {
    "tiny": Config(
        model="mlp",
        modulus=59,
        train_fraction=0.5,
        d_model=64,
        d_mlp=128,
        lr=1e-2,
        weight_decay=1.0,
        beta1=0.9,
        beta2=0.98,
        steps=3000,
        eval_every=50,
        seeds=3,
    ),
    "full": Config(
        model="transformer",
        modulus=97,
        train_fraction=0.3,
        d_model=128,
        d_mlp=512,
        heads=4,
        lr=1e-3,
        weight_decay=1.0,
        beta1=0.9,
        beta2=0.98,
        steps=30_000,
        eval_every=100,
        seeds=8,
        tf32=True,
    ),
}


# ---------------------------------------------------------------- the model, functionally


def _param_specs(config: Config) -> list[tuple[str, tuple[int, ...], float]]:
    """(name, shape per member, init std); std 0 means zeros. Nanda et al.'s init scales."""
    d, m, p = config.d_model, config.d_mlp, config.modulus
    if config.model == "mlp":
        return [
            ("embed", (p, d), 1.0),
            ("w_a", (d, m), 1 / math.sqrt(2 * d)),
            ("w_b", (d, m), 1 / math.sqrt(2 * d)),
            ("b_hidden", (1, m), 0.0),
            ("w_out", (m, p), 1 / math.sqrt(m)),
            ("b_out", (1, p), 0.0),
        ]
    s = 1 / math.sqrt(d)
    return [
        ("embed", (p + 1, d), s),  # token p is "="
        ("pos", (3, d), s),
        ("w_q", (d, d), s),
        ("w_k", (d, d), s),
        ("w_v", (d, d), s),
        ("w_o", (d, d), s),
        ("w_in", (d, m), s),
        ("b_in", (1, m), 0.0),
        ("w_mlp_out", (m, d), 1 / math.sqrt(m)),
        ("b_mlp_out", (1, d), 0.0),
        ("w_unembed", (d, p), 1 / math.sqrt(p + 1)),
    ]


def _init_params(config: Config) -> torch.Tensor:
    """``[seeds, total]``: seed k's parameters from seed k's own generator."""
    import torch

    from reviews.experiments import _torch

    rows = []
    for seed in config.seed_list:
        g = _torch.generator(seed * 1_000 + 1)
        parts = []
        for _, shape, std in _param_specs(config):
            n = math.prod(shape)
            parts.append(torch.randn(n, generator=g) * std if std else torch.zeros(n))
        rows.append(torch.cat(parts))
    return torch.stack(rows)


def _unflatten(config: Config, theta: torch.Tensor) -> dict[str, torch.Tensor]:
    # One split of the flat tensor: its backward is a single cat, so the gradient is flat too.
    specs = _param_specs(config)
    chunks = theta.split([math.prod(shape) for _, shape, _ in specs], dim=1)
    return {
        name: c.reshape(theta.shape[0], *shape)
        for (name, shape, _), c in zip(specs, chunks, strict=True)
    }


def _rows(table: torch.Tensor, index: torch.Tensor, shift: int = 0) -> torch.Tensor:
    """``table [S, V, F]`` at rows ``shift + index [S, N]`` -> ``[S, N, F]``."""
    import torch

    s, v, f = table.shape
    # index_select on the flattened table copies whole rows (gather goes element by element,
    # several times slower on the CPU); its backward is an index_add.
    offsets = torch.arange(shift, s * v + shift, v, device=index.device).unsqueeze(1)
    rows = table.reshape(s * v, f).index_select(0, (index + offsets).reshape(-1))
    return rows.view(s, index.shape[1], f)


def _forward(
    config: Config, w: dict[str, torch.Tensor], a: torch.Tensor, b: torch.Tensor
) -> torch.Tensor:
    """Logits ``[S, N, p]`` for the equations ``a op b`` (``a``, ``b``: ``[S, N]``)."""
    import torch

    if config.model == "mlp":
        # Linear(concat(E[a], E[b])) = (E @ W_a)[a] + (E @ W_b)[b]: tables per token.
        hidden = torch.relu(
            _rows(torch.bmm(w["embed"], w["w_a"]), a)
            + _rows(torch.bmm(w["embed"], w["w_b"]), b)
            + w["b_hidden"]
        )
        return torch.baddbmm(w["b_out"], hidden, w["w_out"])

    p, d, h = config.modulus, config.d_model, config.heads
    dh = d // h
    s = w["embed"].shape[0]
    tokens = w["embed"][:, :p]
    # Residual stream before the layer for every token at positions 0 and 1; position 2 is "=".
    resid_ab = torch.cat([tokens + w["pos"][:, 0:1], tokens + w["pos"][:, 1:2]], dim=1)
    resid_eq = w["embed"][:, p : p + 1] + w["pos"][:, 2:3]  # [S, 1, d]
    q = torch.bmm(resid_eq, w["w_q"]).reshape(s, 1, h, dh)
    keys = torch.bmm(resid_ab, w["w_k"]).reshape(s, 2 * p, h, dh)
    scores_ab = (keys * q).sum(-1) / math.sqrt(dh)  # [S, 2p, h]
    table = torch.cat([scores_ab, torch.bmm(resid_ab, w["w_v"])], dim=-1)  # [S, 2p, h + d]
    at_a, at_b = _rows(table, a), _rows(table, b, shift=p)  # [S, N, h + d]
    n = a.shape[1]
    key_eq = torch.bmm(resid_eq, w["w_k"]).reshape(s, 1, h, dh)
    score_eq = ((key_eq * q).sum(-1) / math.sqrt(dh)).expand(s, n, h)
    weights = torch.softmax(torch.stack([at_a[..., :h], at_b[..., :h], score_eq], dim=-1), -1)
    value_eq = torch.bmm(resid_eq, w["w_v"]).reshape(s, 1, h, dh)
    mixed = (
        weights[..., 0:1] * at_a[..., h:].reshape(s, n, h, dh)
        + weights[..., 1:2] * at_b[..., h:].reshape(s, n, h, dh)
        + weights[..., 2:3] * value_eq
    )
    x = resid_eq + torch.bmm(mixed.reshape(s, n, d), w["w_o"])
    x = x + torch.baddbmm(
        w["b_mlp_out"], torch.relu(torch.baddbmm(w["b_in"], x, w["w_in"])), w["w_mlp_out"]
    )
    return torch.bmm(x, w["w_unembed"])


# ---------------------------------------------------------------- data


def _equations(config: Config) -> tuple[list[int], list[int], list[int]]:
    p = config.modulus
    a_list, b_list, y_list = [], [], []
    for a in range(p):
        for b in range(p):
            if config.operation == "add":
                y = (a + b) % p
            elif config.operation == "sub":
                y = (a - b) % p
            elif b == 0:
                continue
            else:
                y = a * pow(b, p - 2, p) % p
            a_list.append(a)
            b_list.append(b)
            y_list.append(y)
    return a_list, b_list, y_list


def _split(config: Config, pairs: int) -> torch.Tensor:
    """``[seeds, pairs]`` bool, True for training equations: seed k's split from seed k."""
    import torch

    from reviews.experiments import _torch

    n_train = round(config.train_fraction * pairs)
    masks = []
    for seed in config.seed_list:
        order = torch.randperm(pairs, generator=_torch.generator(seed * 1_000 + 2))
        mask = torch.zeros(pairs, dtype=torch.bool)
        mask[order[:n_train]] = True
        masks.append(mask)
    return torch.stack(masks)


def _eval_points(steps: int, every: int) -> list[int]:
    """Log-spaced (10 per decade) below ``every``, then every ``every`` steps, and ``steps``."""
    points = {round(10 ** (k / 10)) for k in range(0, 50) if 10 ** (k / 10) < every}
    points.update(range(every, steps + 1, every))
    points.add(steps)
    return sorted(x for x in points if 1 <= x <= steps)


# ---------------------------------------------------------------- training


class _Trainer:
    """Static tensors and two functions, ``step`` and ``evaluate``, that only touch them.

    Members are ``[wd arm seeds..., control seeds...]``; both arms of a seed share its
    initialisation and its split. Nothing in ``step``/``evaluate`` syncs with the host or
    allocates by shape, so on CUDA they can be captured as graphs and replayed.
    """

    def __init__(self, config: Config, dev: torch.device) -> None:
        import torch

        self.config = config
        p = config.modulus
        seeds = config.seeds
        a_all, b_all, y_all = (torch.tensor(v) for v in _equations(config))
        pairs = len(y_all)
        train = _split(config, pairs)  # [seeds, pairs]
        n_train = int(train[0].sum())
        train_index = torch.stack([m.nonzero().squeeze(1) for m in train])  # [seeds, n_train]
        train_index = torch.cat([train_index, train_index])  # both arms
        train_mask = torch.cat([train, train]).float()

        self.members = 2 * seeds
        self.p = p
        self.train_a = a_all[train_index].to(dev)
        self.train_b = b_all[train_index].to(dev)
        self.train_y = y_all[train_index].to(dev)
        self.all_a = a_all.expand(self.members, -1).contiguous().to(dev)
        self.all_b = b_all.expand(self.members, -1).contiguous().to(dev)
        self.all_y = y_all.to(dev)
        self.train_weight = (train_mask / n_train).to(dev)
        self.val_weight = ((1 - train_mask) / (pairs - n_train)).to(dev)

        theta = _init_params(config)
        self.theta = torch.cat([theta, theta]).to(dev).requires_grad_(True)
        self.exp_avg = torch.zeros_like(self.theta, requires_grad=False)
        self.exp_avg_sq = torch.zeros_like(self.theta, requires_grad=False)
        self.t = torch.zeros((), device=dev)
        wd = torch.tensor([config.weight_decay] * seeds + [0.0] * seeds)
        self.decay = (1 - config.lr * wd).unsqueeze(1).to(dev)  # decoupled weight decay
        self.metrics = torch.zeros(self.members, 3, device=dev)  # train acc, val acc, |theta|

    def step(self) -> None:
        import torch

        from reviews.experiments import _torch

        c = self.config
        logits = _forward(c, _unflatten(c, self.theta), self.train_a, self.train_b)
        loss = _torch.batched_cross_entropy(logits, self.train_y)
        (grad,) = torch.autograd.grad(loss, self.theta)
        with torch.no_grad():
            # torch.optim.AdamW's update, with a weight-decay factor per member.
            self.t.add_(1)
            self.exp_avg.lerp_(grad, 1 - c.beta1)
            self.exp_avg_sq.mul_(c.beta2).addcmul_(grad, grad, value=1 - c.beta2)
            step_size = c.lr / (1 - c.beta1**self.t)
            bias2_sqrt = (1 - c.beta2**self.t).sqrt()
            denom = (self.exp_avg_sq.sqrt() / bias2_sqrt).add_(ADAM_EPS)
            self.theta.mul_(self.decay)
            self.theta.sub_(self.exp_avg / denom * step_size)

    def evaluate(self) -> None:
        import torch

        c = self.config
        with torch.no_grad():
            logits = _forward(c, _unflatten(c, self.theta), self.all_a, self.all_b)
            correct = (logits.argmax(-1) == self.all_y).float()
            self.metrics[:, 0] = (correct * self.train_weight).sum(1)
            self.metrics[:, 1] = (correct * self.val_weight).sum(1)
            self.metrics[:, 2] = self.theta.norm(dim=1)

    def state(self) -> list[torch.Tensor]:
        return [self.theta, self.exp_avg, self.exp_avg_sq, self.t, self.metrics]


def _cuda_graphs(trainer: _Trainer) -> tuple[Callable[[], None], Callable[[], None]]:
    """Capture ``step`` and ``evaluate`` as CUDA graphs; returns their replays.

    Warm-up runs on a side stream (cuBLAS handles, autograd and allocator state), then the
    state is put back so that the captured run starts exactly where the eager one would.
    """
    import torch

    saved = [x.detach().clone() for x in trainer.state()]
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(WARMUP_STEPS):
            trainer.step()
        trainer.evaluate()
    torch.cuda.current_stream().wait_stream(side)
    with torch.no_grad():
        for x, s in zip(trainer.state(), saved, strict=True):
            x.copy_(s)
    torch.cuda.synchronize()

    step_graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(step_graph):
        trainer.step()
    eval_graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(eval_graph):
        trainer.evaluate()
    # Capturing does not run the work: the state is still the initial one.
    torch.cuda.synchronize()
    return step_graph.replay, eval_graph.replay


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
    seeds = config.seeds
    precision = torch.get_float32_matmul_precision()
    if config.tf32 and dev.type == "cuda":
        torch.set_float32_matmul_precision("high")
    try:
        trainer = _Trainer(config, dev)
        if dev.type == "cuda":
            step, evaluate = _cuda_graphs(trainer)
        else:
            step, evaluate = trainer.step, trainer.evaluate

        names = (
            "train_acc_wd",
            "val_acc_wd",
            "norm_wd",
            "train_acc_wd0",
            "val_acc_wd0",
            "norm_wd0",
        )
        series = {name: Series() for name in names}
        done = 0
        train_started = time.perf_counter()
        for target in _eval_points(config.steps, config.eval_every):
            while done < target:
                step()
                done += 1
            evaluate()
            metrics = trainer.metrics.cpu().tolist()  # the host sync, once per evaluation
            for arm, rows in (("wd", metrics[:seeds]), ("wd0", metrics[seeds:])):
                series[f"train_acc_{arm}"].append(done, [r[0] for r in rows])
                series[f"val_acc_{arm}"].append(done, [r[1] for r in rows])
                series[f"norm_{arm}"].append(done, [r[2] for r in rows])
            val_wd = series["val_acc_wd"].y[-1]
            message = Text(
                gettext_noop("step %(step)s: val acc %(wd)s with weight decay, %(wd0)s without"),
                step=done,
                wd=percent(_mean(val_wd)),
                wd0=percent(_mean(series["val_acc_wd0"].y[-1])),
            )
            reporter(done / config.steps, message, series)
            if config.stop_when_grokked and min(val_wd) >= FIT:
                break
        train_s = time.perf_counter() - train_started
    finally:
        torch.set_float32_matmul_precision(precision)

    summary = _summary(series, done)
    summary["steps_per_s"] = done / train_s if train_s > 0 else 0.0
    verdict, reason = _verdict(summary, seeds)
    name, versions = _torch.describe(dev)
    return Result(
        series=series,
        summary=summary,
        verdict=verdict,
        reason=reason,
        seeds=config.seed_list,
        steps=done,
        device=name,
        versions=versions,
        duration_s=reporter.elapsed,
    )


# ---------------------------------------------------------------- verdict


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _first_reach(series: Series, level: float) -> list[float | None]:
    """Per seed, the first evaluated step with a value >= ``level`` (None if never)."""
    if not series.y:
        return []
    out: list[float | None] = [None] * len(series.y[0])
    for x, row in zip(series.x, series.y, strict=True):
        for k, v in enumerate(row):
            if out[k] is None and v >= level:
                out[k] = x
    return out


def _summary(series: Mapping[str, Series], steps: int) -> dict[str, float]:
    summary: dict[str, float] = {"steps_run": float(steps)}
    for arm in ("wd", "wd0"):
        train, val = series[f"train_acc_{arm}"], series[f"val_acc_{arm}"]
        train99 = _first_reach(train, FIT)
        val99 = _first_reach(val, FIT)
        summary[f"seeds_train99_{arm}"] = float(sum(v is not None for v in train99))
        summary[f"seeds_val99_{arm}"] = float(sum(v is not None for v in val99))
        if all(v is not None for v in train99):
            summary[f"train99_step_{arm}"] = _mean([float(v) for v in train99])
        if all(v is not None for v in val99):
            summary[f"val99_step_{arm}"] = _mean([float(v) for v in val99])
        summary[f"final_train_acc_{arm}"] = _mean(train.y[-1])
        summary[f"final_val_acc_{arm}"] = _mean(val.y[-1])
        summary[f"best_val_acc_{arm}"] = _mean([max(col) for col in zip(*val.y, strict=True)])
        summary[f"final_norm_{arm}"] = _mean(series[f"norm_{arm}"].y[-1])
    if "train99_step_wd" in summary and "val99_step_wd" in summary:
        summary["delay_ratio_wd"] = summary["val99_step_wd"] / summary["train99_step_wd"]
    return summary


def _verdict(summary: Mapping[str, float], seeds: int) -> tuple[Verdict, Text]:
    steps = int(summary["steps_run"])
    control = Text(
        gettext_noop("without weight decay best val acc %(best)s (train %(train)s)"),
        best=percent(summary["best_val_acc_wd0"]),
        train=percent(summary["final_train_acc_wd0"]),
    )
    if "train99_step_wd" not in summary:
        return Verdict.INCONCLUSIVE, Text(
            gettext_noop(
                "Only %(reached)s of %(seeds)s weight-decay seeds reached 99%% training "
                "accuracy within %(steps)s steps; %(control)s."
            ),
            reached=int(summary["seeds_train99_wd"]),
            seeds=seeds,
            steps=steps,
            control=control,
        )
    if "val99_step_wd" not in summary:
        return Verdict.INCONCLUSIVE, Text(
            gettext_noop(
                "Only %(reached)s of %(seeds)s weight-decay seeds reached 99%% validation "
                "accuracy within %(steps)s steps (best %(best)s); %(control)s."
            ),
            reached=int(summary["seeds_val99_wd"]),
            seeds=seeds,
            steps=steps,
            best=percent(summary["best_val_acc_wd"]),
            control=control,
        )
    train99, val99 = summary["train99_step_wd"], summary["val99_step_wd"]
    ratio = summary["delay_ratio_wd"]
    numbers = Text(
        gettext_noop(
            "With weight decay: 99%% train acc at step %(train99)s, 99%% val acc at step "
            "%(val99)s (%(ratio)sx later); %(control)s over the same %(steps)s steps "
            "(mean of %(seeds)s seeds)."
        ),
        train99=f"{train99:.0f}",
        val99=f"{val99:.0f}",
        ratio=f"{ratio:.1f}",
        control=control,
        steps=steps,
        seeds=seeds,
    )
    if ratio >= DELAY_FACTOR and summary["best_val_acc_wd0"] < CONTROL_MAX:
        return Verdict.REPRODUCED, numbers
    return Verdict.NOT_REPRODUCED, numbers


# ---------------------------------------------------------------- figure


def figure(series: Mapping[str, Series], config: Config) -> str:
    wd = f"wd={config.weight_decay:g}"
    blue, orange = svg.PALETTE[0], svg.PALETTE[1]
    accuracy = svg.Panel(
        title=f"a {'+-/'[OPERATIONS.index(config.operation)]} b mod {config.modulus}, "
        f"{percent(config.train_fraction)} train ({config.model})",
        xlabel="optimisation step",
        ylabel="accuracy",
        lines=[
            svg.Line(f"train, {wd}", series.get("train_acc_wd", Series()), blue, dashed=True),
            svg.Line(f"val, {wd}", series.get("val_acc_wd", Series()), blue),
            svg.Line("train, wd=0", series.get("train_acc_wd0", Series()), orange, dashed=True),
            svg.Line("val, wd=0", series.get("val_acc_wd0", Series()), orange),
        ],
        xlog=True,
        ylim=(0.0, 1.0),
        hlines=[(FIT, "99%")],
    )
    norm = svg.Panel(
        title="parameter norm",
        xlabel="optimisation step",
        ylabel="||θ||",
        lines=[
            svg.Line(wd, series.get("norm_wd", Series()), blue),
            svg.Line("wd=0", series.get("norm_wd0", Series()), orange),
        ],
        xlog=True,
    )
    return svg.chart([accuracy, norm], title=f"Grokking: {TITLE}")


# ---------------------------------------------------------------- benchmark baseline


def graph_parity(config: Config, *, device: str, steps: int) -> list[float]:
    """Largest metric difference after each step between graph replay and eager steps.

    Two trainers from the same initialisation on one CUDA device, one replaying the
    captured graphs and one calling ``step``/``evaluate`` directly: a check that the
    capture records the same computation (the benchmark prints it).
    """
    import torch

    from reviews.experiments import _torch

    dev = _torch.resolve_device(device)
    graphed, eager = _Trainer(config, dev), _Trainer(config, dev)
    step, evaluate = (
        _cuda_graphs(graphed) if dev.type == "cuda" else (graphed.step, graphed.evaluate)
    )
    worst = []
    for _ in range(steps):
        step()
        evaluate()
        eager.step()
        eager.evaluate()
        worst.append(float((graphed.metrics - eager.metrics).abs().max()))
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return worst


def eager_baseline(config: Config, *, device: str, steps: int) -> float:
    """Steps per second of a plain eager PyTorch version of the same model, for ONE seed.

    An ``nn.Module`` computing every position (causal attention over ``a b =``),
    ``torch.optim.AdamW`` with default settings besides lr, betas and weight decay, and the
    usual ``backward(); step(); zero_grad()`` loop on the same full training batch.
    """
    import torch

    from reviews.experiments import _torch

    dev = _torch.resolve_device(device)
    precision = torch.get_float32_matmul_precision()
    if config.tf32 and dev.type == "cuda":
        torch.set_float32_matmul_precision("high")  # the same matrix products as the fast path
    try:
        return _eager_steps_per_s(config, dev, steps)
    finally:
        torch.set_float32_matmul_precision(precision)


def _eager_steps_per_s(config: Config, dev: torch.device, steps: int) -> float:
    import torch
    from torch import nn

    p, d, m = config.modulus, config.d_model, config.d_mlp
    a_all, b_all, y_all = (torch.tensor(v) for v in _equations(config))
    train = _split(config, len(y_all))[0]
    a, b, y = a_all[train].to(dev), b_all[train].to(dev), y_all[train].to(dev)
    torch.manual_seed(config.seed)

    class Mlp(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(p, d)
            self.net = nn.Sequential(nn.Linear(2 * d, m), nn.ReLU(), nn.Linear(m, p))

        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return self.net(torch.cat([self.embed(a), self.embed(b)], dim=-1))

    class Transformer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(p + 1, d)
            self.pos = nn.Parameter(torch.randn(3, d) / math.sqrt(d))
            self.qkv = nn.Linear(d, 3 * d, bias=False)
            self.out = nn.Linear(d, d, bias=False)
            self.mlp = nn.Sequential(nn.Linear(d, m), nn.ReLU(), nn.Linear(m, d))
            self.unembed = nn.Linear(d, p, bias=False)

        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            tokens = torch.stack([a, b, torch.full_like(a, p)], dim=1)
            x = self.embed(tokens) + self.pos
            n, h = x.shape[0], config.heads
            q, k, v = (t.view(n, 3, h, d // h).transpose(1, 2) for t in self.qkv(x).chunk(3, -1))
            z = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.out(z.transpose(1, 2).reshape(n, 3, d))
            x = x + self.mlp(x)
            return self.unembed(x[:, -1])

    model = (Mlp() if config.model == "mlp" else Transformer()).to(dev)
    opt = torch.optim.AdamW(
        model.parameters(),
        lr=config.lr,
        betas=(config.beta1, config.beta2),
        weight_decay=config.weight_decay,
    )

    def train_step() -> None:
        loss = nn.functional.cross_entropy(model(a, b), y)
        loss.backward()
        opt.step()
        opt.zero_grad()

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    for _ in range(min(20, steps)):
        train_step()
    sync()
    started = time.perf_counter()
    for _ in range(steps):
        train_step()
    sync()
    return steps / (time.perf_counter() - started)
