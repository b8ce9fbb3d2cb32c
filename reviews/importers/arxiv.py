"""Paper metadata from the arXiv API (the id grammar lives in ``reviews.arxiv_ids``).

The API answers an ``id_list`` query with an Atom feed: one entry per paper it knows,
none for a well-formed id it does not, and an entry titled "Error" for a malformed one.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import feedparser
import httpx
from django.utils.translation import gettext as _

from ..arxiv_ids import parse_arxiv_id, strip_version
from ..validators import DOI_RE
from .base import PaperData
from .fetch import FetchError, fetch

API_URL = "https://export.arxiv.org/api/query"
API_TIMEOUT = 10.0
VENUE_MAX_LENGTH = 200  # Paper.venue


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
    entry = next((e for e in feed.entries if _entry_arxiv_id(e) == arxiv_id), None)
    title = _collapse(entry.get("title", "")) if entry is not None else ""
    if entry is None or not title:
        raise FetchError(_("arXiv does not know the paper %(id)s.") % {"id": arxiv_id})
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
