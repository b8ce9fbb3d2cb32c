"""BibTeX files and pastes, read with bibtexparser 1.4 and decoded with pylatexenc.

Each entry is cut out and parsed on its own, so one broken entry (a missing comma, an
unbalanced brace, an undefined ``@string``) is reported by its key and the rest still come in.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

from bibtexparser.bibdatabase import UndefinedString
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import splitname
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pylatexenc.latex2text import LatexNodes2Text

from ..arxiv_ids import find_arxiv_id, is_arxiv_id
from ..validators import validate_doi
from .base import PaperData
from .citations import find_doi, parse_reading_list

# BibTeX and biblatex types that describe a paper (or a book, thesis or report read as one).
PAPER_TYPES = {
    "article",
    "inproceedings",
    "conference",
    "incollection",
    "inbook",
    "book",
    "phdthesis",
    "mastersthesis",
    "thesis",
    "techreport",
    "report",
    "misc",
    "unpublished",
    "online",
    "electronic",
    "preprint",
}
NON_ENTRY_TYPES = {"string", "preamble", "comment"}
# An entry starts where "@type{" or "@type(" begins a line; BibTeX ignores text between entries.
ENTRY_START_RE = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(]", re.MULTILINE)
ENTRY_KEY_RE = re.compile(r"@\s*[A-Za-z]+\s*[{(]\s*([^,\s{}()]*)")
DETECT_RE = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
YEAR_RE = re.compile(r"^\d{4}$")
# Text without these needs no LaTeX decoding (most fields): skip pylatexenc for speed.
LATEX_CHARS_RE = re.compile(r"[\\{}$~%&]|--|``|''")
AND_RE = re.compile(r"\s+and\s+", re.IGNORECASE)

_latex = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def detect_format(text: str) -> str:
    """Return "bibtex" when an ``@type{`` entry starts a line, else "citations"."""
    return "bibtex" if DETECT_RE.search(text) else "citations"


def parse_papers(text: str) -> tuple[str, list[PaperData]]:
    """The detected format ("bibtex" or "citations") and the items of a paste or file."""
    kind = detect_format(text)
    return kind, parse_bibtex(text) if kind == "bibtex" else parse_reading_list(text)


def parse_bibtex(text: str) -> list[PaperData]:
    """One ``PaperData`` per entry that carries a paper, broken ones included with problems."""
    # Each entry is parsed alone (about 1 ms each), so a broken one cannot take others along.
    parser = _parser()
    items = []
    for entry_type, chunk, closed in _chunks(text):
        kind = entry_type.lower()
        if kind in NON_ENTRY_TYPES:
            # @string definitions must still reach the parser for the entries after them.
            if kind == "string" and closed:
                _parse(parser, chunk)
            continue
        key = _key(chunk)
        if kind not in PAPER_TYPES:
            problem = _("%(key)s: @%(type)s entries are not papers; skipped.")
            items.append(PaperData(raw=chunk, problems=[problem % {"key": key, "type": kind}]))
        elif not closed:
            problem = _("%(key)s: the braces do not balance (a “}” is missing?); entry skipped.")
            items.append(PaperData(raw=chunk, problems=[problem % {"key": key}]))
        else:
            items.append(_parse_entry(parser, chunk, key))
    return items


def _parser() -> BibTexParser:
    parser = BibTexParser(
        common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True
    )
    parser.expect_multiple_parse = True
    return parser


def _parse_entry(parser: BibTexParser, chunk: str, key: str) -> PaperData:
    try:
        entries = _parse(parser, chunk)
    except UndefinedString as error:
        problem = _("%(key)s: uses @string “%(name)s”, which is not defined; entry skipped.")
        name = error.args[0] if error.args else "?"
        return PaperData(raw=chunk, problems=[problem % {"key": key, "name": name}])
    except Exception as error:  # noqa: BLE001 - pyparsing raises many kinds
        problem = _("%(key)s: could not be read (%(error)s); entry skipped.")
        return PaperData(raw=chunk, problems=[problem % {"key": key, "error": str(error)[:200]}])
    if entries:
        return _paper(entries[0], chunk)
    problem = _(
        "%(key)s: could not be read; check the commas between fields and "
        "the quotes and braces around values. Entry skipped."
    )
    return PaperData(raw=chunk, problems=[problem % {"key": key}])


def _chunks(text: str) -> Iterator[tuple[str, str, bool]]:
    """(type, text, closed) for each entry; ``closed`` is False when its braces never balance."""
    starts = list(ENTRY_START_RE.finditer(text))
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        body = text[match.start() : end]
        close = _closing(body, len(match[0]) - 1)
        if close is None:
            yield match[1], body.strip(), False
        else:
            yield match[1], body[: close + 1].strip(), True


def _closing(body: str, open_at: int) -> int | None:
    """Index of the delimiter that closes the entry opened at ``open_at``, if any."""
    closer = "}" if body[open_at] == "{" else ")"
    depth = 0
    for index in range(open_at + 1, len(body)):
        char = body[index]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index if closer == "}" else None
            depth -= 1
        elif char == ")" and closer == ")" and depth == 0:
            return index
    return None


def _parse(parser: BibTexParser, chunk: str) -> list[dict[str, str]]:
    before = len(parser.bib_database.entries)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parser.parse(chunk)
    return parser.bib_database.entries[before:]


def _key(chunk: str) -> str:
    match = ENTRY_KEY_RE.match(chunk)
    return match[1] if match and match[1] else _("an entry without a key")


def _paper(entry: dict[str, str], chunk: str) -> PaperData:
    fields = {name.lower(): value for name, value in entry.items()}
    key = entry.get("ID", "")
    item = PaperData(raw=chunk)
    item.title = latex_to_text(fields.get("title", ""))
    if not item.title:
        item.problems.append(_("%(key)s: no title; entry skipped.") % {"key": key})
    item.authors, shortened = _authors(fields.get("author", "") or fields.get("editor", ""))
    # Said once for the whole batch by the preview, not on every entry.
    item.authors_incomplete = shortened and bool(item.authors)
    if not item.authors:
        item.problems.append(_("No authors found."))
    item.year = _year(fields, item.problems)
    item.venue = _venue(entry.get("ENTRYTYPE", ""), fields)[:200]
    item.arxiv_id = _arxiv_id(fields, item.problems)
    item.doi = _doi(fields, item.problems)
    if item.arxiv_id and not item.venue:
        item.venue = "arXiv"
    url = fields.get("url", "").strip()
    if url.startswith(("http://", "https://")) and len(url) <= 500:
        item.url = url
    item.abstract = latex_to_text(fields.get("abstract", ""))
    return item


def latex_to_text(value: str) -> str:
    """Accents and braces decoded, math kept (``{\\"u}ber $x$`` -> ``über $x$``)."""
    if not value:
        return ""
    if not LATEX_CHARS_RE.search(value):
        return " ".join(value.split())
    try:
        text = _latex.latex_to_text(value)
    except Exception:  # noqa: BLE001 - odd LaTeX: fall back to the source without braces
        text = value.replace("{", "").replace("}", "")
    return " ".join(text.split())


def _authors(value: str) -> tuple[list[str], bool]:
    """Names as "First von Last, Jr", decoded; True when the list ends with "others"."""
    names = []
    shortened = False
    for raw in _split_names(value):
        if raw.strip().lower() == "others":
            shortened = True
            continue
        try:
            parts = splitname(raw, strict_mode=False)
        except Exception:  # noqa: BLE001 - keep an odd name as written
            names.append(latex_to_text(raw))
            continue
        first = " ".join(parts["first"] + parts["von"] + parts["last"])
        name = latex_to_text(first + (", " + " ".join(parts["jr"]) if parts["jr"] else ""))
        if name:
            names.append(name)
    return names, shortened


def _split_names(value: str) -> list[str]:
    """Split on " and " outside braces, so ``{Barnes and Noble}`` stays one author."""
    names, depth, start = [], 0, 0
    value = " ".join(value.split())
    index = 0
    while index < len(value):
        char = value[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and (match := AND_RE.match(value, index)):
            names.append(value[start:index])
            index = start = match.end()
            continue
        index += 1
    names.append(value[start:])
    return [name.strip() for name in names if name.strip()]


def _year(fields: dict[str, str], problems: list[str]) -> int | None:
    raw = latex_to_text(fields.get("year", ""))
    if not raw and fields.get("date"):
        raw = fields["date"][:4]  # biblatex: date = {2019-05-01}
    if not raw:
        problems.append(_("No year found."))
        return None
    if not YEAR_RE.match(raw) or not 1900 <= int(raw) <= 2100:
        problems.append(_("The year “%(year)s” is not a year; left out.") % {"year": raw})
        return None
    return int(raw)


def _venue(entry_type: str, fields: dict[str, str]) -> str:
    names = ["journal", "journaltitle", "booktitle"]
    names += {
        "phdthesis": ["school"],
        "mastersthesis": ["school"],
        "thesis": ["school", "institution"],
        "techreport": ["institution"],
        "report": ["institution"],
        "book": ["publisher"],
        "inbook": ["publisher"],
    }.get(entry_type.lower(), [])
    names += ["howpublished", "eventtitle", "series"]
    for name in names:
        venue = latex_to_text(fields.get(name, ""))
        if venue and not venue.startswith(("http://", "https://", "\\url")):
            # "arXiv preprint arXiv:1711.09846" is a venue of "arXiv".
            if find_arxiv_id(venue) and venue.lower().startswith(("arxiv", "corr")):
                return "arXiv"
            return venue
    return ""


def _arxiv_id(fields: dict[str, str], problems: list[str]) -> str:
    prefix = (fields.get("archiveprefix", "") or fields.get("eprinttype", "")).lower()
    eprint = fields.get("eprint", "").strip()
    candidate = ""
    if eprint and (prefix == "arxiv" or not prefix):
        candidate = find_arxiv_id(f"arXiv:{eprint.removeprefix('arXiv:')}")
    for name in ("journal", "volume", "url", "note", "howpublished"):
        if candidate:
            break
        candidate = find_arxiv_id(fields.get(name, ""))
    if not candidate:
        return ""
    if not is_arxiv_id(candidate):
        problems.append(_("“%(id)s” is not a valid arXiv id; left out.") % {"id": candidate})
        return ""
    return candidate


def _doi(fields: dict[str, str], problems: list[str]) -> str:
    raw = fields.get("doi", "").strip()
    doi = find_doi(raw) if raw else find_doi(fields.get("url", ""))
    if raw and not doi:
        problems.append(_("“%(doi)s” is not a DOI; left out.") % {"doi": raw})
        return ""
    if doi:
        try:
            validate_doi(doi)
        except ValidationError:
            problems.append(_("“%(doi)s” is not a DOI; left out.") % {"doi": doi})
            return ""
    return doi
