"""Validators for paper identifiers and Markdown sources."""

from __future__ import annotations

import functools
import re
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .arxiv_ids import is_arxiv_id
from .markdown import MAX_SOURCE_BYTES

DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")


def validate_arxiv_id(value: str) -> None:
    if value and not is_arxiv_id(value):
        raise ValidationError(
            _("“%(value)s” is not an arXiv id (like 1803.05407 or cs/0112017)."),
            code="invalid_arxiv_id",
            params={"value": value},
        )


def validate_doi(value: str) -> None:
    if value and not DOI_RE.match(value):
        raise ValidationError(
            _("“%(value)s” is not a DOI (like 10.1000/xyz123)."),
            code="invalid_doi",
            params={"value": value},
        )


def validate_authors(value: Any) -> None:
    if not isinstance(value, list) or not all(
        isinstance(name, str) and name.strip() for name in value
    ):
        raise ValidationError(_("Authors must be a list of names."), code="invalid_authors")


def validate_markdown_size(value: str) -> None:
    size = len(value.encode("utf-8", errors="surrogatepass"))
    if size > MAX_SOURCE_BYTES:
        raise ValidationError(
            _("This section is %(size)d KB; the limit is %(limit)d KB."),
            code="too_long",
            # Rounded up: a text just over the limit must not read "100 KB; the limit is 100 KB".
            params={"size": -(-size // 1024), "limit": MAX_SOURCE_BYTES // 1024},
        )


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            _("“%(value)s” is not a time zone (like Asia/Seoul or Europe/Berlin)."),
            code="invalid_time_zone",
            params={"value": value},
        )


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
