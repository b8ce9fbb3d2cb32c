"""The demo experiments' texts in the reader's language.

``reviews.experiments`` never imports Django: its claims, verdict rules and setting help
texts are message ids (the English text, marked with its own ``gettext_noop`` so that
``makemessages`` finds them). The web layer (views, templates, forms, serializers) shows
them through here; templates may also write ``{% translate demo.claim %}``.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext

from . import experiments


def translate(message_id: str) -> str:
    """A demo's message id in the active language; an empty id stays empty (``gettext("")``
    would be the catalog's header)."""
    return gettext(message_id) if message_id else ""


translate_lazy = lazy(translate, str)


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
