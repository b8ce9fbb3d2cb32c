"""What every demo shares: validated configs, metric series, results, verdicts.

Plain Python: no torch and no Django, so the web process can read the registry
(configs, presets, claims, figures) and only the worker imports torch.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self


def gettext_noop(message: str) -> str:
    """Mark ``message`` as a message id: the English text, which the web layer translates.

    The package stays free of Django, so it returns the id itself (the CLI prints English);
    ``makemessages`` finds the ids by this name, and ``reviews.experiment_texts`` looks them
    up in the reader's language.
    """
    return message


class Text(str):
    """A message id with its values, read as its English text.

    Progress messages, verdict reasons and config errors are ``Text``: the CLI prints them
    as they are (English), and the web layer stores ``to_dict()`` and shows them in the
    reader's language. The id is marked with ``gettext_noop`` and names its values as
    ``%(name)s`` (a literal percent sign as ``%%``); a value may itself be a ``Text``.
    """

    id: str
    params: dict[str, Any]

    def __new__(cls, message_id: str, /, **params: Any) -> Self:
        text = super().__new__(cls, message_id % params if params else message_id)
        text.id = message_id
        text.params = params
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return _text, (self.id, self.params)

    def to_dict(self) -> dict[str, Any]:
        """JSON: the id and each value, a nested ``Text`` as its own dict, others as text."""
        return {
            "id": self.id,
            "params": {
                name: value.to_dict() if isinstance(value, Text) else str(value)
                for name, value in self.params.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Text:
        params = {
            name: cls.from_dict(value) if isinstance(value, Mapping) else str(value)
            for name, value in data.get("params", {}).items()
        }
        return cls(str(data["id"]), **params)


def _text(message_id: str, params: dict[str, Any]) -> Text:
    return Text(message_id, **params)


class Verdict(enum.StrEnum):
    REPRODUCED = "reproduced"
    NOT_REPRODUCED = "not_reproduced"
    INCONCLUSIVE = "inconclusive"


class ConfigError(ValueError):
    """A config that cannot run; ``errors`` maps a field name to its message (a ``Text``)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class Cancelled(Exception):
    """Raised inside a demo when ``should_stop()`` said to stop."""


def setting(
    default: Any,
    *,
    help: str,
    min: float | None = None,
    max: float | None = None,
    choices: Sequence[Any] | None = None,
) -> Any:
    """A config field with its bounds and a one-line help text."""
    return field(
        default=default,
        metadata={"help": help, "min": min, "max": max, "choices": choices},
    )


_JSON_TYPES = {int: "integer", float: "number", bool: "boolean", str: "string"}
# The JSON type of a setting as its errors name it, translated along with them.
_TYPE_NAMES = {
    int: Text(gettext_noop("an integer")),
    float: Text(gettext_noop("a number")),
    bool: Text(gettext_noop("true or false")),
    str: Text(gettext_noop("text")),
}


@dataclass(frozen=True)
class ExperimentConfig:
    """Base for demo configs: scalar fields declared with ``setting()``.

    Every config has ``seed`` (the first seed) and ``seeds`` (how many run batched).
    """

    seed: int = setting(
        0,
        help=gettext_noop("First random seed; seed k of the batch is seed + k."),
        min=0,
        max=2**31 - 1,
    )
    seeds: int = setting(
        3, help=gettext_noop("Seeds trained side by side in one batch."), min=1, max=64
    )

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            kind = _field_type(f)
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                try:
                    value = float(value)
                except OverflowError:
                    errors[f.name] = Text(gettext_noop("is out of range"))
                    continue
                object.__setattr__(self, f.name, value)
            if not _is_type(value, kind):
                errors[f.name] = Text(
                    gettext_noop("must be %(type)s, not %(value)s"),
                    type=_TYPE_NAMES[kind],
                    value=repr(value),
                )
                continue
            if kind is float and not math.isfinite(value):
                errors[f.name] = Text(gettext_noop("must be a finite number"))
                continue
            meta = f.metadata
            if meta.get("choices") is not None and value not in meta["choices"]:
                errors[f.name] = Text(
                    gettext_noop("must be one of %(choices)s"),
                    choices=", ".join(map(str, meta["choices"])),
                )
            elif meta.get("min") is not None and value < meta["min"]:
                errors[f.name] = Text(gettext_noop("must be at least %(min)s"), min=meta["min"])
            elif meta.get("max") is not None and value > meta["max"]:
                errors[f.name] = Text(gettext_noop("must be at most %(max)s"), max=meta["max"])
        if not errors:
            errors.update(self.check())
        if errors:
            raise ConfigError(errors)

    def check(self) -> dict[str, str]:
        """Cross-field rules; returns field -> message for each broken one."""
        return {}

    @property
    def seed_list(self) -> list[int]:
        return [self.seed + k for k in range(self.seeds)]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base: ExperimentConfig | None = None) -> Self:
        """Build from JSON-like data over ``base`` (or the defaults); unknown keys are errors."""
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(names))
        if unknown:
            unknown_error = Text(gettext_noop("is not a setting of this experiment"))
            raise ConfigError({key: unknown_error for key in unknown})
        values = dataclasses.asdict(base) if base is not None else {}
        values.update(data)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            meta = f.metadata
            prop: dict[str, Any] = {"type": _JSON_TYPES[_field_type(f)], "default": f.default}
            prop["description"] = meta.get("help", "")
            if meta.get("min") is not None:
                prop["minimum"] = meta["min"]
            if meta.get("max") is not None:
                prop["maximum"] = meta["max"]
            if meta.get("choices") is not None:
                prop["enum"] = list(meta["choices"])
            properties[f.name] = prop
        return {"type": "object", "properties": properties, "additionalProperties": False}

    @classmethod
    def fields_info(cls) -> list[dict[str, Any]]:
        """Name, type, bounds and help of each field, in declaration order (for forms)."""
        schema = cls.json_schema()["properties"]
        return [{"name": name, **prop} for name, prop in schema.items()]


def _field_type(f: dataclasses.Field) -> type:
    kind = {"int": int, "float": float, "bool": bool, "str": str}.get(str(f.type), f.type)
    if kind not in _JSON_TYPES:
        raise TypeError(f"config field {f.name} must be int, float, bool or str")
    return kind


def _is_type(value: Any, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, float)
    return isinstance(value, str)


@dataclass
class Series:
    """A metric over x for every seed: ``y[i]`` holds one value per seed at ``x[i]``."""

    x: list[float] = field(default_factory=list)
    y: list[list[float]] = field(default_factory=list)

    def append(self, x: float, values: Sequence[float]) -> None:
        self.x.append(float(x))
        self.y.append([float(v) for v in values])

    def mean(self) -> list[float]:
        return [sum(v) / len(v) for v in self.y]

    def band(self) -> tuple[list[float], list[float]]:
        """Min and max over seeds at each x."""
        return [min(v) for v in self.y], [max(v) for v in self.y]

    def to_dict(self) -> dict[str, list]:
        return {"x": list(self.x), "y": [list(v) for v in self.y]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Series:
        return cls(
            x=[float(v) for v in data["x"]], y=[[float(v) for v in row] for row in data["y"]]
        )


@dataclass
class Result:
    """What a run produced: its curves, the numbers behind the verdict, and where it ran."""

    series: dict[str, Series]
    summary: dict[str, float]
    verdict: Verdict
    reason: str  # a Text
    seeds: list[int]
    steps: int
    device: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    duration_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": {name: s.to_dict() for name, s in self.series.items()},
            "summary": dict(self.summary),
            "verdict": str(self.verdict),
            "reason": str(self.reason),
            "reason_text": text_dict(self.reason),
            "seeds": list(self.seeds),
            "steps": self.steps,
            "device": self.device,
            "versions": dict(self.versions),
            "duration_s": self.duration_s,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        return cls(
            series={name: Series.from_dict(s) for name, s in data["series"].items()},
            summary=dict(data["summary"]),
            verdict=Verdict(data["verdict"]),
            reason=Text.from_dict(data["reason_text"])
            if data.get("reason_text")
            else data["reason"],
            seeds=list(data["seeds"]),
            steps=int(data["steps"]),
            device=data.get("device", ""),
            versions=dict(data.get("versions", {})),
            duration_s=float(data.get("duration_s", 0.0)),
        )


@dataclass
class Progress:
    """A progress point: the fraction done, a short message (a ``Text``) and the curves so far."""

    fraction: float
    message: str
    series: Mapping[str, Series]


ProgressCallback = Callable[[Progress], None]
StopCheck = Callable[[], bool]


class Reporter:
    """Sends progress and honours cancellation; demos call it at every evaluation point."""

    def __init__(self, on_progress: ProgressCallback, should_stop: StopCheck) -> None:
        self.on_progress = on_progress
        self.should_stop = should_stop
        self.started = time.perf_counter()

    def __call__(self, fraction: float, message: str, series: Mapping[str, Series]) -> None:
        self.on_progress(Progress(min(max(fraction, 0.0), 1.0), message, series))
        if self.should_stop():
            raise Cancelled

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def text_dict(text: str) -> dict[str, Any]:
    """``text.to_dict()`` for a ``Text``; ``{}`` for plain text, which has no message id."""
    return text.to_dict() if isinstance(text, Text) else {}


def no_progress(progress: Progress) -> None:
    """An ``on_progress`` that ignores progress (tests, scripts)."""


def never_stop() -> bool:
    return False


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"
