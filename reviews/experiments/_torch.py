"""Torch helpers shared by the demos: devices, data, and layers with a seed axis.

Imported only inside a demo's ``run`` so that the registry stays torch-free.
Seeds train side by side: a batched layer holds one weight matrix per seed
(shape ``[seeds, in, out]``) and multiplies with ``torch.baddbmm``, so S seeds
cost one kernel launch per layer instead of S.
"""

from __future__ import annotations

import math
import platform

import numpy as np
import torch
from torch import nn


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA when present; anything else must be usable here."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {name!r} was asked for, but CUDA is not available on this host")
    return device


def describe(device: torch.device) -> tuple[str, dict[str, str]]:
    """A human name for the device and the library versions a result depends on."""
    versions = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        name = torch.cuda.get_device_name(index)
        versions["cuda"] = torch.version.cuda or ""
    else:
        name = f"CPU ({platform.machine()}, {torch.get_num_threads()} threads)"
    return name, versions


def generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    g = torch.Generator(device=device)
    g.manual_seed(seed)
    return g


def digits(*, device: torch.device, test_fraction: float = 0.3, split_seed: int = 0):
    """scikit-learn's 8x8 digits (1,797 images shipped with the package), standardised.

    Returns ``(x_train, y_train, x_test, y_test)``; the split is fixed by ``split_seed``
    so that every seed and every arm of a demo sees the same examples.
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    x = torch.tensor(data.data, dtype=torch.float32)
    y = torch.tensor(data.target, dtype=torch.long)
    order = torch.randperm(len(y), generator=generator(split_seed))
    n_test = int(round(test_fraction * len(y)))
    test, train = order[:n_test], order[n_test:]
    mean, std = x[train].mean(0), x[train].std(0).clamp_min(1e-3)
    x = (x - mean) / std
    return x[train].to(device), y[train].to(device), x[test].to(device), y[test].to(device)


def noisy_labels(
    labels: torch.Tensor, fraction: float, classes: int, seeds: list[int]
) -> torch.Tensor:
    """One noisy copy of ``labels`` per seed: ``fraction`` of them moved to another class.

    Shape ``[seeds, n]``; seed k's noise depends only on seed k.
    """
    out = []
    n = labels.shape[0]
    for seed in seeds:
        g = generator(10_000 + seed)
        flip = torch.randperm(n, generator=g)[: int(round(fraction * n))]
        shift = torch.randint(1, classes, (len(flip),), generator=g)
        noisy = labels.cpu().clone()
        noisy[flip] = (noisy[flip] + shift) % classes
        out.append(noisy)
    return torch.stack(out).to(labels.device)


class BatchedLinear(nn.Module):
    """``seeds`` independent linear layers applied to ``[seeds, batch, in]`` inputs.

    Each seed's weights are drawn like ``nn.Linear``'s (Kaiming-uniform) from that
    seed's own generator, so a seed's run does not depend on how many ran beside it.
    """

    def __init__(self, seeds: list[int], d_in: int, d_out: int, *, salt: int = 0) -> None:
        super().__init__()
        bound = 1 / math.sqrt(d_in)
        weights, biases = [], []
        for seed in seeds:
            g = generator(seed * 1_000 + salt)
            weights.append(torch.empty(d_in, d_out).uniform_(-bound, bound, generator=g))
            biases.append(torch.empty(1, d_out).uniform_(-bound, bound, generator=g))
        self.weight = nn.Parameter(torch.stack(weights))
        self.bias = nn.Parameter(torch.stack(biases))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


class BatchedMLP(nn.Module):
    """A ReLU MLP with a seed axis: ``widths`` like ``(64, 256, 256, 10)``."""

    def __init__(
        self, seeds: list[int], widths: tuple[int, ...], *, batchnorm: bool = False
    ) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            BatchedLinear(seeds, a, b, salt=i)
            for i, (a, b) in enumerate(zip(widths, widths[1:], strict=False))
        )
        # BatchNorm over features of every seed at once: channels = seeds x features.
        self.norms = nn.ModuleList(
            nn.BatchNorm1d(len(seeds) * w) if batchnorm else nn.Identity() for w in widths[1:-1]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer, norm in zip(self.layers[:-1], self.norms, strict=True):
            x = layer(x)
            if isinstance(norm, nn.BatchNorm1d):
                s, b, f = x.shape
                x = norm(x.transpose(0, 1).reshape(b, s * f)).reshape(b, s, f).transpose(0, 1)
            x = torch.relu(x)
        return self.layers[-1](x)


def batched_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean loss per seed summed over seeds: ``logits [S, B, C]``, ``labels [S, B]`` or ``[B]``.

    Summing keeps each seed's gradient equal to its own mean-loss gradient.
    """
    s, b, c = logits.shape
    if labels.dim() == 1:
        labels = labels.expand(s, b)
    losses = nn.functional.cross_entropy(
        logits.reshape(s * b, c), labels.reshape(s * b), reduction="none"
    )
    return losses.view(s, b).mean(1).sum()


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> list[float]:
    """Accuracy per seed."""
    if labels.dim() == 1:
        labels = labels.expand(logits.shape[0], -1)
    return (logits.argmax(-1) == labels).float().mean(1).tolist()
