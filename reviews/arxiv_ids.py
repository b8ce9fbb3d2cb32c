"""arXiv ids: their grammar, and finding them in what members type, paste and import.

The one home of the rule; validators, importers, services and forms import it. No Django here,
so the experiments package and plain scripts may use it too.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

# New-style ids (1803.05407, 2201.02177v2) and old-style ones (cs/0112017, math.GT/0309136).
_ID = r"(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{7})"
_VERSION = r"(?:v\d{1,3})?"
ARXIV_ID_RE = re.compile(rf"^{_ID}{_VERSION}$")
VERSION_RE = re.compile(r"v\d+$")
HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})

# Where an id shows in running text: arxiv.org links, "arXiv:…", DBLP's "CoRR abs/…" and
# citation styles' "arXiv preprint 1711.09846". Old-style ids need a link or the prefix.
_FIND_RE = re.compile(
    rf"arxiv\.org/(?:abs|pdf|html)/(?P<link>{_ID}){_VERSION}"
    rf"|\barxiv\s*:\s*(?P<prefixed>{_ID}){_VERSION}"
    rf"|\babs/(?P<dblp>\d{{4}}\.\d{{4,5}}){_VERSION}"
    rf"|\barxiv\b[^\n\d]{{0,40}}?(?P<loose>\d{{4}}\.\d{{4,5}}){_VERSION}",
    re.IGNORECASE,
)
# The text of an id reference, for cutting it out of a citation's venue.
SPAN_RE = re.compile(
    r"(?:https?://)?(?:www\.)?arxiv\.org/(?:abs|pdf|html)/\S+"
    r"|arxiv\s*:\s*\S+|\bCoRR\s*,?\s*abs/\S+|\babs/\d{4}\.\d{4,5}\S*",
    re.IGNORECASE,
)
_PREFIX_RE = re.compile(r"^arxiv\s*:\s*", re.IGNORECASE)
_PATH_RE = re.compile(r"^/(?:abs|pdf|html)/(?P<id>[^?#]+?)(?:\.pdf)?/?$")


def strip_version(arxiv_id: str) -> str:
    """``2201.02177v2`` -> ``2201.02177``: versions of a paper are one paper."""
    return VERSION_RE.sub("", arxiv_id.strip())


def is_arxiv_id(value: str) -> bool:
    """Whether ``value`` is a well-formed id, with or without a version."""
    if not ARXIV_ID_RE.match(value):
        return False
    if "/" in value:
        return True
    yymm, number = value.split("v")[0].split(".")
    # Sequence numbers grew from four digits to five in January 2015 (1501).
    return 1 <= int(yymm[2:]) <= 12 and len(number) == (5 if int(yymm) >= 1501 else 4)


def parse_arxiv_id(text: str) -> str | None:
    """The id (without version) a member typed or pasted as one value, or None.

    Accepts ``1711.09846``, ``arXiv:2201.02177v2``, ``hep-th/9901001`` and arxiv.org /
    export.arxiv.org ``/abs/``, ``/pdf/`` and ``/html/`` links.
    """
    text = text.strip()
    if not text or len(text) > 300:
        return None
    if text.lower().startswith(tuple(f"{host}/" for host in HOSTS)):
        text = f"https://{text}"
    if "://" in text:
        try:
            parts = urlsplit(text)
        except ValueError:  # e.g. an unclosed "[" in the host
            return None
        if parts.scheme.lower() not in ("http", "https") or parts.hostname not in HOSTS:
            return None
        match = _PATH_RE.match(parts.path)
        if match is None:
            return None
        candidate = match["id"]
    else:
        candidate = _PREFIX_RE.sub("", text)
    candidate = strip_version(candidate)
    return candidate if candidate and is_arxiv_id(candidate) else None


def find_arxiv_ids(text: str) -> list[str]:
    """Every id referenced in ``text``, in order, without versions; malformed ones included.

    Callers that keep an id check it with ``is_arxiv_id`` (a citation reports a malformed one).
    """
    found = []
    for match in _FIND_RE.finditer(text):
        candidate = next(group for group in match.groups() if group)
        found.append(strip_version(candidate))
    return found


def find_arxiv_id(text: str) -> str:
    """The first id referenced in ``text`` (possibly malformed), or ""."""
    ids = find_arxiv_ids(text)
    return ids[0] if ids else ""


def most_cited_arxiv_id(text: str) -> str:
    """The well-formed id ``text`` links or cites most, the first one on a tie, or ""."""
    ids = [arxiv_id for arxiv_id in find_arxiv_ids(text) if is_arxiv_id(arxiv_id)]
    if not ids:
        return ""
    counts = Counter(ids)
    return max(ids, key=lambda arxiv_id: (counts[arxiv_id], -ids.index(arxiv_id)))
