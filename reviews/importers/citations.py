"""Reading lists pasted as citation strings, one per line, with the group's own numbering.

Understands the styles that Google Scholar, reference managers and papers print:
MLA/Chicago (``Last, First, et al. "Title." Venue (2017).``), IEEE (``A. Last et al.,
"Title," in Proc. X, 2017.``), APA (``Last, A., & Other, B. (2017). Title. Venue.``) and
ACM/Harvard (``First Last and Other. 2017. Title. In Venue.``), in English or Korean.
What a line does not yield goes to ``PaperData.problems``; nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..arxiv_ids import SPAN_RE as ARXIV_SPAN_RE
from ..arxiv_ids import find_arxiv_id, is_arxiv_id
from ..validators import validate_doi
from .base import PaperData

# Longer lines are not citations; the patterns below are not meant for megabyte-long lines.
MAX_LINE_CHARS = 2000
# "16. ", "42.Lim", "[3] ", "(7) ", "12) ": a number that is not the start of "1711.09846".
NUMBER_RE = re.compile(r"^(?:\[(\d{1,5})\]|\((\d{1,5})\)|(\d{1,5})[.):](?!\d))\s*")
BULLET_RE = re.compile(r"^[-*•·]\s+")
HEADING_RE = re.compile(
    r"^(?:#{1,6}\s|[=\-*_]{3,}\s*$|(?:week|session|part|chapter|unit|module|day)\s*\d+\b"
    r"|제?\s*\d+\s*(?:주차|주|회차|장|부)\b)",
    re.IGNORECASE,
)
# Straight, curly, CJK and guillemet quotes around a title.
QUOTED_TITLE_RE = re.compile(
    r'"([^"]{2,})"|“([^”]{2,})”|「([^」]{2,})」|『([^』]{2,})』|«([^»]{2,})»'
)
APA_RE = re.compile(
    r"^(?P<authors>.+?)\s*\((?P<year>\d{4})[a-z]?(?:,[^)]*)?\)\s*[.,:]?\s+(?P<rest>.+)$"
)
ACM_RE = re.compile(r"^(?P<authors>.+?)[.,]\s+(?P<year>\d{4})[a-z]?\.\s+(?P<rest>.+)$")
YEAR_RE = re.compile(r"(?<![\d.:/])(1[89]\d\d|20\d\d|2100)[a-z]?(?![\d])")
YEAR_ISSUE_RE = re.compile(r"(?<![\d.:/])(?:1[89]|20)\d\d\.\d{1,4}(?![\d.])")
PAREN_YEAR_RE = re.compile(r"\((?:[^()]*?\s)?(1[89]\d\d|20\d\d)[a-z]?\)")

DOI_RE = re.compile(r"(?:doi\s*:\s*|doi\.org/)?\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
URL_RE = re.compile(r"https?://[^\s\"<>]+")
PAGES_RE = re.compile(
    r"\(?\b(?:pp?\.|pages?)\s*\d+\s*(?:[-–—]+\s*\d+)?\)?|:\s*\d+\s*[-–—]+\s*\d+|,\s*\d+\s*[-–—]+\s*\d+"
)
ET_AL_RE = re.compile(
    r"(?:,?\s*(?:et\s+al\.?|and\s+others)|\s*외(?:\s*\d+\s*(?:인|명))?)\s*[.,]?$", re.IGNORECASE
)
INITIALS_RE = re.compile(r"^(?:[A-Z]\.?[\s\-]*){1,4}$")
HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")
PUBLISHER_RE = re.compile(
    r"(?<!\bProc)(?<!\bConf)\.\s+(?=(?:PMLR|Curran|Springer|ACM|IEEE|MIT Press|OpenReview|JMLR"
    r"|Elsevier|AAAI Press|Morgan|Association for|Cambridge|Oxford|Wiley|Omnipress)\b)"
)
SENTENCE_END_RE = re.compile(r"([.?!])\s+")
# Words whose period does not end a title.
ABBREVIATIONS = {"vs", "al", "vol", "no", "pp", "e.g", "i.e", "etc", "proc", "conf", "st", "dr"}


def parse_reading_list(text: str) -> list[PaperData]:
    """One ``PaperData`` per citation line; blank lines and headings are skipped."""
    items = []
    for line in text.splitlines():
        line = unicodedata.normalize("NFC", line).strip()
        if not line or HEADING_RE.match(line):
            continue
        items.append(parse_citation(line))
    return items


def parse_citation(line: str) -> PaperData:
    """Read one citation string; what cannot be read is listed in ``problems``."""
    item = PaperData(raw=line[:MAX_LINE_CHARS])
    if len(line) > MAX_LINE_CHARS:
        item.problems.append(
            _("This line is over %(limit)d characters; it is not a citation.")
            % {"limit": MAX_LINE_CHARS}
        )
        return item
    text = BULLET_RE.sub("", line.strip())
    if match := NUMBER_RE.match(text):
        number = int(next(group for group in match.groups() if group))
        if number >= 1:
            item.number = number
        else:
            item.problems.append(_("The number must be 1 or more."))
        text = text[match.end() :]
        text = BULLET_RE.sub("", text)
    item.arxiv_id = _arxiv_id(text, item.problems)
    item.doi = _doi(text, item.problems)
    item.url = _url(text)

    authors, title, rest, year = _split(text)
    if not title:
        item.problems.append(
            _("No title found: put it in quotes, or write “Authors (2017). Title. Venue.”")
        )
        return item
    item.title = _clean_title(title)
    item.authors, item.authors_incomplete = _authors(authors)
    rest = _strip_identifiers(rest)
    if year is None:
        year = _year(rest)
    if year is None:
        item.problems.append(_("No year found."))
    elif not 1900 <= year <= 2100:
        item.problems.append(_("The year %(year)s is out of range.") % {"year": year})
    else:
        item.year = year
    item.venue = _venue(rest)
    if not item.authors:
        item.problems.append(_("No authors found."))
    return item


def _split(text: str) -> tuple[str, str, str, int | None]:
    """(authors, title, rest, year from the author block) for the styles above."""
    if match := QUOTED_TITLE_RE.search(text):
        title = next(group for group in match.groups() if group)
        return text[: match.start()], title, text[match.end() :], None
    if match := APA_RE.match(text):
        title, rest = _first_sentence(match["rest"])
        return match["authors"], title, rest, int(match["year"])
    if match := ACM_RE.match(text):
        title, rest = _first_sentence(match["rest"])
        return match["authors"], title, rest, int(match["year"])
    return "", "", text, None


def _first_sentence(text: str) -> tuple[str, str]:
    """Split "Title. Venue…" at the first period that is not an initial or abbreviation."""
    for match in SENTENCE_END_RE.finditer(text):
        word = text[: match.start()].rsplit(maxsplit=1)[-1] if match.start() else ""
        if match[1] == "." and (word.lower() in ABBREVIATIONS or re.fullmatch(r"[A-Z]", word)):
            continue
        end = match.start() + (1 if match[1] in "?!" else 0)
        return text[:end], text[match.end() :]
    return text.rstrip("."), ""


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    # MLA and IEEE put the closing period or comma inside the quotes.
    title = title.rstrip(",;: ")
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    return title.strip()


def _authors(block: str) -> tuple[list[str], bool]:
    """The named authors, and whether the line cut the list short ("et al.", "…")."""
    block = " ".join(block.split()).strip(" ,;:")
    shortened = False
    # APA elides the middle of long lists: "Gomez, A. N., ... & Polosukhin, I."
    block, elided = re.subn(r"(?:,\s*)?(?:\.\s?\.\s?\.|…)\s*,?", ",", block)
    if match := ET_AL_RE.search(block):
        block = block[: match.start()]
        shortened = True
    names = _names(block)
    return names, bool(names) and bool(elided or shortened)


def _names(block: str) -> list[str]:
    # "and" and "&" separate the last author, with or without a serial comma.
    block = re.sub(r"(?:,\s*)?\s(?:and|&)\s+|\s+및\s+|,\s*&\s*", ", ", block, flags=re.IGNORECASE)
    parts = [_name(p) for p in re.split(r"\s*[,;]\s*", block)]
    parts = [p for p in parts if p]
    if not parts:
        return []
    if HANGUL_RE.search(block):
        # Korean names are written whole ("홍길동"); commas only separate people.
        return parts
    if len(parts) >= 2 and all(INITIALS_RE.match(p) for p in parts[1::2]):
        # APA and Harvard: every name inverted, "Vaswani, A., Shazeer, N."
        pairs = zip(parts[0::2], parts[1::2], strict=False)
        names = [f"{first} {last}" for last, first in pairs]
        if len(parts) % 2:
            names.append(parts[-1])
        return names
    if len(parts) >= 2 and " " not in parts[0]:
        # MLA and Chicago: only the first name inverted, "Jaderberg, Max, Valentin Dalibard".
        return [f"{parts[1]} {parts[0]}", *parts[2:]]
    return parts


def _name(part: str) -> str:
    """One name without the period that ends the author block, keeping initials' periods."""
    part = part.strip(" ,;:&")
    if part.endswith(".") and not re.search(r"(?:^|[\s.\-])[A-Z]\.$", part):
        part = part[:-1]
    return part.strip()


def _arxiv_id(text: str, problems: list[str]) -> str:
    """The arXiv id without its version suffix (versions are one paper)."""
    arxiv_id = find_arxiv_id(text)
    if not arxiv_id:
        return ""
    if not is_arxiv_id(arxiv_id):
        problems.append(_("“%(id)s” is not a valid arXiv id; left out.") % {"id": arxiv_id})
        return ""
    return arxiv_id


def find_doi(text: str) -> str:
    match = DOI_RE.search(text)
    return match[1].rstrip(".,;)]") if match else ""


def _doi(text: str, problems: list[str]) -> str:
    doi = find_doi(text)
    if not doi:
        return ""
    try:
        validate_doi(doi)
    except ValidationError:
        problems.append(_("“%(doi)s” is not a valid DOI; left out.") % {"doi": doi})
        return ""
    return doi


def _url(text: str) -> str:
    for match in URL_RE.finditer(text):
        url = match[0].rstrip(".,;)]")
        if "arxiv.org/" not in url and "doi.org/" not in url and len(url) <= 500:
            return url
    return ""


def _strip_identifiers(rest: str) -> str:
    rest = URL_RE.sub(" ", rest)
    rest = ARXIV_SPAN_RE.sub(" ", rest)
    rest = DOI_RE.sub(" ", rest)
    return re.sub(r"\bdoi\s*:?\s*$", " ", rest, flags=re.IGNORECASE)


def _year(rest: str) -> int | None:
    if match := PAREN_YEAR_RE.search(rest):
        return int(match[1])
    years = YEAR_RE.findall(PAGES_RE.sub(" ", rest))
    return int(years[-1]) if years else None


def _venue(rest: str) -> str:
    venue = PAGES_RE.sub(" ", rest)
    venue = PAREN_YEAR_RE.sub(" ", venue)
    # Google Scholar's "volume.issue" where the volume is the year: "Experiment 2021.12".
    venue = YEAR_ISSUE_RE.sub(" ", venue)
    venue = YEAR_RE.sub(" ", venue)
    venue = re.sub(r"\((?:[^()]*)\)", " ", venue)  # volume/issue "(3)", "(Eds.)"
    venue = re.sub(r"^\s*[.,:;]*\s*(?:in|In)\s*:?\s+", "", venue)
    venue = re.sub(r"^.*?\(Eds?\.\),\s*", "", venue)
    venue = " ".join(venue.split())
    # The publisher and its city after the venue: "…Systems. Curran Associates Inc., Red Hook".
    venue = PUBLISHER_RE.split(venue, maxsplit=1)[0]
    # Volume and issue after a journal name: "Nature 521.7553", "Journal, 47(3)".
    venue = re.sub(r"(?:[\s,]+\d+(?:\.\d+)?)+\s*[.,:;]*\s*$", "", venue)
    venue = venue.strip(" .,:;-–—")
    if re.fullmatch(r"arxiv(?: preprint)?", venue, re.IGNORECASE):
        return "arXiv"
    return venue[:200]
