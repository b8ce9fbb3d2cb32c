"""The API's orjson renderer writes what DRF's JSONRenderer writes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.test import APIClient

from reviews.api.renderers import JSONRenderer

DOCUMENTS: dict[str, Any] = {
    "korean": {"title": "경사 하강법", "authors": ["김", "Lee"], "count": 3, "next": None},
    "separators": {"text": "line\u2028break and\u2029paragraph", "nested": [["\u2028"]]},
    "punctuation": {"text": "“quoted” — it’s \u2028 and \u2029 … ≤ → ₩"},
    "escapes": {"quote": '"<script>"&\\', "control": "\x00\x1f\t\n", "emoji": "🙂"},
    "lazy text and dates": {
        "detail": gettext_lazy("Not found."),
        "at": datetime(2026, 12, 6, 8, 0, 0, 123456, tzinfo=UTC),
        "on": date(2026, 12, 6),
    },
    "numbers": {"int": 2**63 - 1, "negative": -1, "bool": True, "float": 0.5},
    "list": [1, "two", {"three": 3}, None],
}


@pytest.mark.parametrize("data", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_render_same_bytes_as_drf(data: Any) -> None:
    assert JSONRenderer().render(data) == renderers.JSONRenderer().render(data)


def test_render_float_same_number_as_drf() -> None:
    data = {"lr": 1e-05, "big": 1e16, "third": 1 / 3}
    assert json.loads(JSONRenderer().render(data)) == data


def test_render_integer_past_64_bits_falls_back_to_drf() -> None:
    data = {"huge": 2**70}
    assert JSONRenderer().render(data) == renderers.JSONRenderer().render(data)


def test_render_indent_requested_falls_back_to_drf() -> None:
    data = {"a": [1, 2]}
    media_type = "application/json; indent=2"
    assert JSONRenderer().render(data, media_type) == b'{\n  "a": [\n    1,\n    2\n  ]\n}'


def test_render_none_is_empty() -> None:
    assert JSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_api_error_rendered_as_drf(api: APIClient) -> None:
    response = api.get("/api/reviews/", {"page": "x"})
    assert response.status_code == 400
    assert response.content == renderers.JSONRenderer().render(response.json())
