"""The demo experiments' texts in the reader's language.

``reviews.experiments`` never imports Django: its claims, verdict rules and setting help
texts are message ids (the English text, marked with its own ``gettext_noop`` so that
``makemessages`` finds them), and its progress messages, verdict reasons and config errors
are ``Text``: an id with its values, stored on a run as ``ExperimentRun.texts``. The web
layer (views, templates, forms, serializers, exports) shows them through here; templates may
also write ``{% translate demo.claim %}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.functional import lazy
from django.utils.translation import gettext

from . import experiments

if TYPE_CHECKING:
    from .models import ExperimentRun


def translate(message_id: str) -> str:
    """A demo's message id in the active language; an empty id stays empty (``gettext("")``
    would be the catalog's header)."""
    return gettext(message_id) if message_id else ""


translate_lazy = lazy(translate, str)


def translate_text(text: str) -> str:
    """A ``Text`` (a message id with its values, themselves translated) in the active
    language; plain text as it is."""
    if not isinstance(text, experiments.Text):
        return str(text)
    if not text.params:
        return translate(text.id)
    params = {name: translate_text(value) for name, value in text.params.items()}
    try:
        return gettext(text.id) % params
    except (KeyError, TypeError, ValueError):  # a translation whose placeholders do not match
        return str(text)


def stored_text(data: Mapping[str, Any] | None, english: str) -> str:
    """A text stored as ``Text.to_dict()``, in the active language; ``english`` (the stored
    rendering) when it has no message id or one this version cannot read."""
    if not data:
        return english
    try:
        text = experiments.Text.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return english
    return translate_text(text)


def run_message(run: ExperimentRun) -> str:
    """The run's progress or state message in the active language."""
    return stored_text((run.texts or {}).get("message"), run.message)


def run_verdict_reason(run: ExperimentRun) -> str:
    """The numbers behind the run's verdict in the active language."""
    return stored_text((run.texts or {}).get("verdict_reason"), run.verdict_reason)


def config_schema(config_class: type[experiments.ExperimentConfig]) -> dict[str, Any]:
    """The config's JSON Schema with each setting's description translated."""
    schema = config_class.json_schema()
    for prop in schema["properties"].values():
        prop["description"] = translate(prop.get("description", ""))
    return schema


def message_ids() -> set[str]:
    """Every message id the registry shows: claims, verdict rules and setting help texts."""
    ids: set[str] = set()
    for demo in experiments.all_experiments():
        ids |= {demo.claim, demo.criterion}
        ids |= {info["description"] for info in demo.config_class.fields_info()}
    return ids - {""}
