"""The registry of demo experiments: small PyTorch reproductions of a paper's headline effect.

Each demo is one module (``grokking``, ``swa``, ...) with ``SLUG``, ``TITLE``, ``ARXIV_ID``,
``CLAIM``, ``CRITERION`` (the verdict rule, fixed before any run), ``TIME_LIMIT_S``, a
``Config`` dataclass with ``PRESETS`` (at least ``tiny`` and ``full``),
``run(config, *, device, on_progress, should_stop) -> Result`` and
``figure(series, config) -> str`` (SVG).

This package never imports Django, and importing it does not import torch: the demos
import torch inside ``run``, so the web process can list, validate and draw without it.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from reviews.experiments.base import (
    Cancelled,
    ConfigError,
    ExperimentConfig,
    Progress,
    ProgressCallback,
    Result,
    Series,
    StopCheck,
    Text,
    Verdict,
    never_stop,
    no_progress,
    text_dict,
)

__all__ = [
    "Cancelled",
    "ConfigError",
    "Experiment",
    "Progress",
    "Result",
    "Series",
    "Text",
    "Verdict",
    "all_experiments",
    "get",
    "text_dict",
]

MODULES = ("grokking", "swa", "pbt", "lottery_ticket", "double_descent", "mixup")


@dataclass(frozen=True)
class Experiment:
    """One demo, seen through a uniform face."""

    module: ModuleType

    @property
    def slug(self) -> str:
        return self.module.SLUG

    @property
    def title(self) -> str:
        return self.module.TITLE

    @property
    def arxiv_id(self) -> str:
        return self.module.ARXIV_ID

    @property
    def claim(self) -> str:
        return self.module.CLAIM

    @property
    def criterion(self) -> str:
        return self.module.CRITERION

    @property
    def time_limit_s(self) -> int:
        return self.module.TIME_LIMIT_S

    @property
    def config_class(self) -> type[ExperimentConfig]:
        return self.module.Config

    @property
    def presets(self) -> dict[str, ExperimentConfig]:
        return dict(self.module.PRESETS)

    def config(
        self, preset: str | None = "tiny", overrides: Mapping[str, Any] | None = None
    ) -> ExperimentConfig:
        """The preset (or the defaults) with ``overrides`` applied, validated."""
        if preset is not None and preset not in self.module.PRESETS:
            raise ConfigError(
                {"preset": f"unknown preset {preset!r}; one of {', '.join(self.module.PRESETS)}"}
            )
        base = self.module.PRESETS[preset] if preset is not None else None
        return self.config_class.from_dict(dict(overrides or {}), base=base)

    def run(
        self,
        config: ExperimentConfig,
        *,
        device: str = "auto",
        on_progress: ProgressCallback = no_progress,
        should_stop: StopCheck = never_stop,
    ) -> Result:
        return self.module.run(
            config, device=device, on_progress=on_progress, should_stop=should_stop
        )

    def figure(self, series: Mapping[str, Series], config: ExperimentConfig) -> str:
        return self.module.figure(series, config)


@functools.cache
def _registry() -> dict[str, Experiment]:
    # Built on first use, so that importing one demo module does not import the others.
    found = (Experiment(importlib.import_module(f"{__name__}.{name}")) for name in MODULES)
    return {experiment.slug: experiment for experiment in found}


def all_experiments() -> list[Experiment]:
    """Every demo, in registry order."""
    return list(_registry().values())


def get(slug: str) -> Experiment:
    """The demo with this slug; ``KeyError`` if there is none."""
    return _registry()[slug]
