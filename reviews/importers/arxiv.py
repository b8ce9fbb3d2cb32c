"""arXiv ids and URLs, and paper metadata from the arXiv API.

The API answers an ``id_list`` query with an Atom feed: one entry per paper it knows,
none for a well-formed id it does not, and an entry titled "Error" for a malformed one.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import feedparser
import httpx
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..validators import DOI_RE, validate_arxiv_id
from .base import PaperData
from .fetch import FetchError, fetch

API_URL = "https://export.arxiv.org/api/query"
API_TIMEOUT = 10.0
ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
VENUE_MAX_LENGTH = 200  # Paper.venue

_PREFIX_RE = re.compile(r"^arxiv\s*:\s*", re.IGNORECASE)
# /abs/<id>, /pdf/<id>, /pdf/<id>.pdf, /html/<id>; old ids carry a slash of their own.
_PATH_RE = re.compile(r"^/(?:abs|pdf|html)/(?P<id>[^?#]+?)(?:\.pdf)?/?$")
_VERSION_RE = re.compile(r"v\d+$")


def _collapse(text: str) -> str:
    return " ".join(text.split())


def parse_arxiv_id(text: str) -> str | None:
    """The arXiv id (without version) in what a member typed or pasted, or None.

    Accepts ``1711.09846``, ``arXiv:2201.02177v2``, ``hep-th/9901001`` and arxiv.org /
    export.arxiv.org ``/abs/``, ``/pdf/`` and ``/html/`` links.
    """
    text = text.strip()
    if not text or len(text) > 300:
        return None
    if text.lower().startswith(tuple(f"{host}/" for host in ARXIV_HOSTS)):
        text = f"https://{text}"
    if "://" in text:
        try:
            parts = urlsplit(text)
        except ValueError:  # e.g. an unclosed "[" in the host
            return None
        if parts.scheme.lower() not in ("http", "https") or parts.hostname not in ARXIV_HOSTS:
            return None
        match = _PATH_RE.match(parts.path)
        if match is None:
            return None
        candidate = match["id"]
    else:
        candidate = _PREFIX_RE.sub("", text)
    candidate = _VERSION_RE.sub("", candidate)
    try:
        validate_arxiv_id(candidate)
    except ValidationError:
        return None
    return candidate or None


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
    return _VERSION_RE.sub("", path.removeprefix("/abs/")) if path.startswith("/abs/") else ""


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
