"""Display helpers for demo-experiment runs."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django import template
from django.utils.translation import gettext as _

from reviews import experiment_texts
from reviews.models import ExperimentRun

register = template.Library()


@register.filter
def run_message(run: ExperimentRun) -> str:
    """The run's progress or state message in the reader's language."""
    return experiment_texts.run_message(run)


@register.filter
def run_verdict_reason(run: ExperimentRun) -> str:
    """The numbers behind the run's verdict in the reader's language."""
    return experiment_texts.run_verdict_reason(run)


@register.filter
def percent_done(fraction: float | None) -> int:
    """Progress 0..1 as a whole percentage for a ``<progress max="100">``."""
    if fraction is None or not math.isfinite(fraction):
        return 0
    return max(0, min(100, math.floor(fraction * 100)))


@register.filter
def duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    seconds = value.total_seconds()
    if seconds < 60:
        return _("%(seconds).1f s") % {"seconds": seconds}
    minutes, rest = divmod(round(seconds), 60)
    return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}


@register.filter
def metric(value: Any) -> str:
    """A summary number, short: integers as such, others with four significant digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.4g}"


@register.filter
def setting_value(value: Any) -> str:
    """A config value as the experiment's CLI would take it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
