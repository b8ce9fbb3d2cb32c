"""Validators for paper identifiers and Markdown sources."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .markdown import MAX_SOURCE_BYTES

# New-style ids (1803.05407, 2201.02177v2) and old-style ones (cs/0112017, math.GT/0309136).
ARXIV_ID_RE = re.compile(
    r"^(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{7})(?:v\d{1,3})?$"
)
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")


def _arxiv_id_ok(value: str) -> bool:
    if not ARXIV_ID_RE.match(value):
        return False
    if "/" in value:
        return True
    yymm, number = value.split("v")[0].split(".")
    # Sequence numbers grew from four digits to five in January 2015 (1501).
    return 1 <= int(yymm[2:]) <= 12 and len(number) == (5 if int(yymm) >= 1501 else 4)


def validate_arxiv_id(value: str) -> None:
    if value and not _arxiv_id_ok(value):
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
            params={"size": size // 1024, "limit": MAX_SOURCE_BYTES // 1024},
        )
