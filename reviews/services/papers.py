"""The one way imports find the group's copy of a paper and write a paper they read.

``PaperIndex`` answers "is this the same paper?" for every importer (BibTeX, citations, arXiv,
blog posts) and the archive import: same arXiv id, same DOI, a similar title, or, for a blog
post, a short name or acronym that one of the group's papers carries ("ViT", "CLIP").
``paper_from_data`` / ``paper_fill_empty`` / ``paper_write`` are the one write path.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..arxiv_ids import strip_version
from ..importers.base import PaperData, normalize_title
from ..models import Member, Paper
from . import paper_save

# Fields an import may fill on a paper; only empty ones are ever filled.
MERGE_FIELDS = ("authors", "year", "venue", "arxiv_id", "doi", "url", "abstract")
# Shorter titles are too generic to be compared loosely ("Attention", "Adam").
MIN_SIMILAR_TITLE = 20
SIMILAR_TITLE_RATIO = 0.92
# A short name is a model's or method's name, not a sentence: "ViT", "Vision Transformer".
MAX_NAME_WORDS = 4
MAX_NAME_CHARS = 40
_SUBTITLE_RE = re.compile(r"\s*(?::|：|\s[-–—|]\s)\s*")
_PARENS_RE = re.compile(r"\(([^()]{2,40})\)")


def match_label(matched_by: str) -> str:
    """How a paper was recognised, in words."""
    labels = {
        "arxiv": _("arXiv id"),
        "doi": _("DOI"),
        "title": _("title"),
        "similar": _("similar title"),
        "name": _("short name"),
    }
    return labels.get(matched_by, "")


@dataclass(frozen=True)
class PaperMatch:
    """The group's paper an item is, how that was found, and the name that matched (if any)."""

    paper: Paper
    matched_by: str
    name: str = ""

    @property
    def label(self) -> str:
        if self.name:
            return _("short name “%(name)s”") % {"name": self.name}
        return match_label(self.matched_by)


def _short(text: str) -> bool:
    return 2 <= len(text) <= MAX_NAME_CHARS and len(text.split()) <= MAX_NAME_WORDS


def title_names(title: str) -> list[str]:
    """The short names a title gives: "CLIP: …" -> CLIP, "… (ViT)" -> ViT, "ViT" -> ViT."""
    title = " ".join(title.split())
    names = []
    head = _SUBTITLE_RE.split(title, maxsplit=1)[0].strip()
    if head != title and _short(head):
        names.append(head)
    names += [inner.strip() for inner in _PARENS_RE.findall(title) if _short(inner.strip())]
    bare = _PARENS_RE.sub(" ", title).strip()
    if _short(bare):
        names.append(" ".join(bare.split()))
    return list(dict.fromkeys(names))


def _name_re(name: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(word) for word in name.split())
    # An acronym ("CLIP", "ViT") keeps its case, so "clip the gradient" is not CLIP.
    flags = 0 if len(name.split()) == 1 and not name.islower() else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){words}s?(?![\w-])", flags)


def name_tier(name: str | re.Pattern[str], title: str, abstract: str) -> int | None:
    """How a paper carries a short name: 0 defines it ("CLIP: …", "Vision Transformer (ViT)",
    "(ViT)"), 1 has it in the title, 2 mentions it in the abstract; None: not at all."""
    pattern = _name_re(name) if isinstance(name, str) else name
    text = f"{title}\n{abstract}"
    if not pattern.search(text):
        return None
    own_names = title_names(title) + _PARENS_RE.findall(text)
    long_form = re.search(
        rf"(?:{pattern.pattern})\s*\([A-Za-z][A-Za-z0-9]{{1,10}}\)", text, pattern.flags
    )
    if long_form or any(pattern.fullmatch(n.strip()) for n in own_names):
        return 0
    return 1 if pattern.search(title) else 2


class PaperIndex:
    """The group's papers by arXiv id, DOI and normalised title, plus items of the batch.

    Reads one row per paper once; papers are fetched whole only when matched. Items of a
    batch are remembered by position, so a batch with the same paper twice makes it once.
    """

    def __init__(self, *, names: bool = False) -> None:
        columns = ["pk", "title", "arxiv_id", "doi"] + (["abstract"] if names else [])
        self._rows = list(Paper.objects.order_by("pk").values_list(*columns))
        self._papers: dict[int, Paper] = {}
        self.keys: dict[tuple[str, str], int | tuple[str, int]] = {}
        # (arXiv id, DOI) of each paper and of each remembered batch item.
        self._ids: dict[int | tuple[str, int], tuple[str, str]] = {}
        for row in self._rows:
            pk, title, arxiv_id, doi = row[:4]
            self._ids[pk] = (arxiv_id, doi)
            if arxiv_id:
                self.keys.setdefault(("arxiv", arxiv_id), pk)
            if doi:
                self.keys.setdefault(("doi", doi.lower()), pk)
            self.keys.setdefault(("title", normalize_title(title)), pk)
        self._titles = [key for kind, key in self.keys if kind == "title"]

    # --- lookups -----------------------------------------------------------------------------

    def papers(self, pks: Iterable[int]) -> dict[int, Paper]:
        """The papers with these pks, fetched once (one query for all that are new)."""
        wanted = [pk for pk in pks if pk not in self._papers]
        if wanted:
            self._papers.update(Paper.objects.in_bulk(wanted))
        return {pk: self._papers[pk] for pk in pks if pk in self._papers}

    def find_key(self, item: PaperData) -> tuple[int | tuple[str, int] | None, str]:
        """A paper pk (or ``("item", n)`` of the batch) the item duplicates, and by what."""
        for kind, key in self.item_keys(item):
            target = self.keys.get((kind, key))
            if target is not None and not (kind == "title" and self._conflicts(item, target)):
                return target, kind
        title = normalize_title(item.title)
        if len(title) >= MIN_SIMILAR_TITLE:
            close = difflib.get_close_matches(title, self._titles, n=1, cutoff=SIMILAR_TITLE_RATIO)
            if close and not self._conflicts(item, self.keys[("title", close[0])]):
                return self.keys[("title", close[0])], "similar"
        return None, ""

    def find(self, item: PaperData) -> PaperMatch | None:
        """The group's paper this item is, or None (batch items are not papers yet)."""
        target, kind = self.find_key(item)
        if isinstance(target, int):
            return PaperMatch(self.papers([target])[target], kind)
        return None

    def find_post(self, title: str, *, arxiv_id: str = "") -> tuple[PaperMatch | None, list[Paper]]:
        """The paper a blog post's title (already cleaned of "[논문 리뷰]") is about.

        Returns the match, if one paper fits, and the candidates worth offering otherwise
        (several papers carry the same short name).
        """
        match = self.find(PaperData(title=title, arxiv_id=arxiv_id))
        if match is not None:
            return match, []
        for part in _SUBTITLE_RE.split(title, maxsplit=1)[1:]:
            match = self.find(PaperData(title=part))
            if match is not None and match.matched_by in ("title", "similar"):
                return match, []
        candidates: list[int] = []
        for name in title_names(title):
            found = self._carrying(name)
            if len(found) == 1:
                return PaperMatch(self.papers(found)[found[0]], "name", name), []
            candidates += [pk for pk in found if pk not in candidates]
        return None, list(self.papers(candidates[:5]).values())

    def _carrying(self, name: str) -> list[int]:
        """Papers that carry a short name, best tier first: defined, in the title, in text."""
        pattern = _name_re(name)
        tiers: list[list[int]] = [[], [], []]
        for row in self._rows:
            tier = name_tier(pattern, row[1], row[4] if len(row) > 4 else "")
            if tier is not None:
                tiers[tier].append(row[0])
        return next((tier for tier in tiers if tier), [])

    # --- batches -----------------------------------------------------------------------------

    @staticmethod
    def item_keys(item: PaperData) -> list[tuple[str, str]]:
        keys = []
        if item.arxiv_id:
            keys.append(("arxiv", strip_version(item.arxiv_id)))
        if item.doi:
            keys.append(("doi", item.doi.lower()))
        keys.append(("title", normalize_title(item.title)))
        return keys

    def remember(self, item: PaperData, target: int | tuple[str, int]) -> None:
        """Later items with the same keys are the same paper as ``target``."""
        self._ids.setdefault(target, (strip_version(item.arxiv_id), item.doi))
        for key in self.item_keys(item):
            self.keys.setdefault(key, target)

    def _conflicts(self, item: PaperData, target: int | tuple[str, int]) -> bool:
        # Same title but different arXiv ids or DOIs: two papers that share a title.
        arxiv_id, doi = self._ids.get(target, ("", ""))
        return bool(
            (item.arxiv_id and arxiv_id and strip_version(item.arxiv_id) != arxiv_id)
            or (item.doi and doi and item.doi.lower() != doi.lower())
        )


# --- the write path -------------------------------------------------------------------------


def paper_from_data(item: PaperData, *, by: Member | None) -> Paper:
    """An unsaved paper with what an importer read (title, authors, ids, venue…)."""
    return Paper(
        title=item.title.strip(),
        authors=list(item.authors),
        authors_incomplete=item.authors_incomplete,
        year=item.year,
        venue=item.venue,
        arxiv_id=strip_version(item.arxiv_id),
        doi=item.doi,
        url=item.url,
        abstract=item.abstract,
        added_by=by,
    )


def paper_fill_empty(paper: Paper, item: PaperData) -> list[str]:
    """Copy the item's values into the paper's empty fields; the names of those filled.

    A longer author list replaces one known to be cut short ("et al.").
    """
    filled = []
    for name in MERGE_FIELDS:
        value = getattr(item, name)
        if value and not getattr(paper, name):
            setattr(paper, name, list(value) if name == "authors" else value)
            filled.append(name)
    if (
        paper.authors_incomplete
        and not item.authors_incomplete
        and len(item.authors) >= len(paper.authors)
        and "authors" not in filled
        and item.authors
    ):
        paper.authors = list(item.authors)
        paper.authors_incomplete = False
        filled.append("authors")
    return filled


def paper_write(
    *, item: PaperData, by: Member, match: Paper | None = None
) -> tuple[Paper, list[str]]:
    """Create the paper an item describes, or fill the empty fields of ``match``.

    Returns the paper and the fields filled (all of them for a new paper). Raises
    ``ValidationError`` when the paper cannot be saved as it is.
    """
    if match is None:
        paper = paper_save(paper=paper_from_data(item, by=by))
        return paper, list(MERGE_FIELDS)
    filled = paper_fill_empty(match, item)
    if filled:
        paper_save(paper=match)
    return match, filled
