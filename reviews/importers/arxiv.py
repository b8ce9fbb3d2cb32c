"""Paper metadata from the arXiv API (the id grammar lives in ``reviews.arxiv_ids``).

The API answers an ``id_list`` query with an Atom feed: one entry per paper it knows,
none for a well-formed id it does not, and an entry titled "Error" for a malformed one.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import feedparser
import httpx
from django.utils.translation import gettext as _

from ..arxiv_ids import is_arxiv_id, parse_arxiv_id, strip_version
from ..validators import DOI_RE
from .base import PaperData
from .fetch import FetchError, fetch

API_URL = "https://export.arxiv.org/api/query"
API_TIMEOUT = 10.0
VENUE_MAX_LENGTH = 200  # Paper.venue
# One query completes the author lists of a whole pasted reading list; arXiv pages at 100.
MAX_IDS_PER_QUERY = 100


def _collapse(text: str) -> str:
    return " ".join(text.split())


def fetch_arxiv(arxiv_id: str, *, client: httpx.Client | None = None) -> PaperData:
    """Title, authors, year, abstract, DOI and journal of a paper, from the arXiv API.

    Raises FetchError when arXiv cannot be reached or does not know the id.
    """
    clean = parse_arxiv_id(arxiv_id)
    if clean is None:
        raise FetchError(
            _("“%(value)s” is not an arXiv id or arXiv link.") % {"value": arxiv_id.strip()}
        )
    url = httpx.URL(API_URL, params={"id_list": clean, "max_results": "1"})
    fetched = fetch(str(url), timeout=API_TIMEOUT, client=client)
    return parse_arxiv_feed(fetched.content, clean)


def _entry_arxiv_id(entry: feedparser.FeedParserDict) -> str:
    """``http://arxiv.org/abs/hep-th/9711200v3`` -> ``hep-th/9711200``."""
    path = urlsplit(entry.get("id", "")).path
    return strip_version(path.removeprefix("/abs/")) if path.startswith("/abs/") else ""


def parse_arxiv_feed(content: bytes, arxiv_id: str) -> PaperData:
    """The paper ``arxiv_id`` from an arXiv API answer; FetchError if it is not there."""
    paper = parse_arxiv_entries(content).get(arxiv_id)
    if paper is None:
        raise FetchError(_("arXiv does not know the paper %(id)s.") % {"id": arxiv_id})
    return paper


def parse_arxiv_entries(content: bytes) -> dict[str, PaperData]:
    """Every paper of an arXiv API answer by its id; FetchError for an error answer."""
    # A file-like object: given bytes or a str, feedparser may treat them as a path or URL.
    feed = feedparser.parse(io.BytesIO(content))
    if feed.bozo and not feed.entries:
        raise FetchError(_("arXiv sent an answer that could not be read; try again later."))
    for entry in feed.entries:
        if "/api/errors" in entry.get("id", ""):
            raise FetchError(
                _("arXiv refused the query: %(reason)s.")
                % {"reason": _collapse(entry.get("summary", "")) or _("unknown error")}
            )
    papers = {}
    for entry in feed.entries:
        arxiv_id = _entry_arxiv_id(entry)
        if arxiv_id and _collapse(entry.get("title", "")):
            papers.setdefault(arxiv_id, _entry_paper(entry, arxiv_id))
    return papers


def _entry_paper(entry: feedparser.FeedParserDict, arxiv_id: str) -> PaperData:
    title = _collapse(entry.get("title", ""))
    names = (_collapse(author.get("name", "")) for author in entry.get("authors", []))
    paper = PaperData(
        title=title,
        authors=[name for name in names if name],
        abstract=_collapse(entry.get("summary", "")),
        arxiv_id=arxiv_id,
        url=f"https://arxiv.org/abs/{arxiv_id}",
        venue=_collapse(entry.get("arxiv_journal_ref", ""))[:VENUE_MAX_LENGTH] or "arXiv",
        raw=arxiv_id,
    )
    published = entry.get("published_parsed")
    if published is not None:
        paper.year = published.tm_year
    # Some entries list several DOIs separated by spaces; the first valid one is the paper's.
    dois = entry.get("arxiv_doi", "").split()
    paper.doi = next((doi for doi in dois if DOI_RE.match(doi)), "")
    if dois and not paper.doi:
        paper.problems.append(_("arXiv gave a DOI that does not look like one: %s") % dois[0])
    return paper


@dataclass
class AuthorCompletion:
    """What ``complete_authors`` did: how many lists it completed, or why it could not."""

    completed: int = 0
    failed: str = ""  # the fetch error, for the member


def _surname(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = folded.replace(",", " ").split()
    return (words[0] if "," in name else words[-1]) if words else ""


def complete_authors(
    items: list[PaperData], *, client: httpx.Client | None = None
) -> AuthorCompletion:
    """Complete the cut-short ("et al.") author lists of items with an arXiv id, in one query.

    arXiv's list replaces the item's when arXiv names the item's first author too (a wrong id
    in a citation must not bring another paper's authors). Items arXiv cannot complete stay
    ``authors_incomplete``; nothing is raised.
    """
    wanted = [
        item
        for item in items
        if item.authors_incomplete and item.arxiv_id and is_arxiv_id(strip_version(item.arxiv_id))
    ]
    ids = list(dict.fromkeys(strip_version(item.arxiv_id) for item in wanted))
    if not ids:
        return AuthorCompletion()
    ids = ids[:MAX_IDS_PER_QUERY]
    params = {"id_list": ",".join(ids), "max_results": str(len(ids))}
    try:
        fetched = fetch(str(httpx.URL(API_URL, params=params)), timeout=API_TIMEOUT, client=client)
        papers = parse_arxiv_entries(fetched.content)
    except FetchError as error:
        return AuthorCompletion(failed=error.message)
    result = AuthorCompletion()
    for item in wanted:
        paper = papers.get(strip_version(item.arxiv_id))
        if paper is None or len(paper.authors) < len(item.authors):
            continue
        if item.authors and _surname(item.authors[0]) not in {_surname(a) for a in paper.authors}:
            continue
        item.authors = list(paper.authors)
        item.authors_incomplete = False
        result.completed += 1
    return result
