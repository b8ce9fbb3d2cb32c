"""What every paper importer produces: one ``PaperData`` per paper it understood."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext

# Inputs larger than this are refused before parsing (uploads, pastes, fetched documents).
MAX_IMPORT_BYTES = 2 * 1024 * 1024


def import_too_big() -> str:
    """What a member is told of a paste or upload over ``MAX_IMPORT_BYTES``, in their language."""
    return gettext("This is over the %(size)d KB import limit; split it into parts.") % {
        "size": MAX_IMPORT_BYTES // 1024
    }


@dataclass
class PaperData:
    """A paper as read from a citation line, a BibTeX entry or the arXiv API.

    ``problems`` lists what could not be read (shown in the preview); an item with a title
    can still be imported, one without cannot.
    """

    title: str = ""
    authors: list[str] = field(default_factory=list)
    authors_incomplete: bool = False  # the source named some authors, then "et al."
    year: int | None = None
    venue: str = ""
    arxiv_id: str = ""
    doi: str = ""
    url: str = ""
    abstract: str = ""
    number: int | None = None
    raw: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def importable(self) -> bool:
        return bool(self.title.strip())


class ImportRefused(Exception):
    """Input that cannot be imported at all; ``message`` is shown to the member."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalize_title(title: str) -> str:
    """A title as duplicates are compared: NFKC, case-folded, no punctuation or symbols.

    ``"BERT: Pre-training…"``, ``"ＢＥＲＴ — pre‐training…"`` and ``"bert pre training…"``
    are one title.
    """
    text = unicodedata.normalize("NFKC", title).casefold()
    kept = (" " if unicodedata.category(char)[0] in "PSZC" else char for char in text)
    return " ".join("".join(kept).split())
