"""Papers as BibTeX, for a reference manager or a LaTeX document.

Choices, kept simple on purpose:

- Entry type: ``@inproceedings`` (with ``booktitle``) when the venue looks like a
  conference or workshop (its name says so, or it is a well-known ML conference acronym);
  otherwise ``@article`` with the venue as ``journal``; an arXiv paper without a venue is
  ``@article`` with ``journal = {arXiv preprint arXiv:<id>}`` as Google Scholar writes it;
  no venue and no arXiv id gives ``@misc``. Every arXiv paper also gets ``eprint`` and
  ``archivePrefix = {arXiv}`` for biblatex.
- Citation keys: ``lastnameYEARfirstword`` in ASCII (``jaderberg2017population``), with
  ``a``, ``b``, … appended to repeats within one file.
- LaTeX specials in text fields are escaped; non-ASCII text (Korean, accents) stays UTF-8,
  which biber and bibtex8 read (classic 7-bit ``bibtex`` may mangle sorting).
- Titles are double-braced so styles keep their capitalisation.
- A paper whose author list is known to be cut short ends it with ``and others``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ..models import Paper

BIBTEX_CONTENT_TYPE = "text/x-bibtex; charset=utf-8"

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_SPECIALS_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIALS))

_CONFERENCE_WORDS = re.compile(
    r"\b(conference|proceedings|workshop|symposium|congress|advances in neural information)\b",
    re.IGNORECASE,
)
_CONFERENCE_ACRONYMS = re.compile(
    r"\b(neurips|nips|icml|iclr|cvpr|iccv|eccv|acl|emnlp|naacl|coling|aaai|ijcai|kdd|"
    r"sigir|www|interspeech|icassp|colt|aistats|uai|corl|rss|icra|iros|wacv|bmvc|miccai)\b",
    re.IGNORECASE,
)
_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "is", "are"}


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters; collapse whitespace (a newline would end a field)."""
    text = " ".join(text.split())
    return _LATEX_SPECIALS_RE.sub(lambda m: _LATEX_SPECIALS[m.group()], text)


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _last_name(author: str) -> str:
    author = author.strip()
    if "," in author:  # "Jaderberg, Max"
        return author.split(",", 1)[0]
    words = author.split()
    return words[-1] if words else ""


def citation_key(paper: Paper) -> str:
    """``lastnameYEARfirstword``; parts without ASCII letters (Korean names) drop out."""
    last = _ascii_word(_last_name(paper.authors[0])) if paper.authors else ""
    words = [_ascii_word(w) for w in re.split(r"[\s\-:/]+", paper.title)]
    first = next((w for w in words if w and w not in _STOP_WORDS), "")
    return f"{last or 'anon'}{paper.year or ''}{first}"


def entry_type(paper: Paper) -> tuple[str, str, str]:
    """The entry type, the field the venue goes in and its (unescaped) value."""
    venue = " ".join(paper.venue.split())
    if venue and not re.search(r"\barxiv\b", venue, re.IGNORECASE):
        if _CONFERENCE_WORDS.search(venue) or _CONFERENCE_ACRONYMS.search(venue):
            return "inproceedings", "booktitle", venue
        return "article", "journal", venue
    if paper.arxiv_id:
        return "article", "journal", f"arXiv preprint arXiv:{paper.arxiv_id}"
    return "misc", "howpublished", venue


def _author(name: str) -> str:
    # " and " separates names in BibTeX, so a name containing the word is kept whole in braces.
    escaped = latex_escape(name)
    return f"{{{escaped}}}" if re.search(r"\band\b", escaped, re.IGNORECASE) else escaped


def _url_value(url: str) -> str:
    # URL and DOI fields are read verbatim by biblatex and the url package, so only what
    # would unbalance the entry's braces is percent-encoded.
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def bibtex_entry(paper: Paper, key: str) -> str:
    kind, venue_field, venue = entry_type(paper)
    fields: list[tuple[str, str]] = [("title", "{" + latex_escape(paper.title) + "}")]
    if paper.authors:
        names = [_author(name) for name in paper.authors if name.strip()]
        if paper.authors_incomplete:
            # BibTeX's own word for "et al.": styles print it as such.
            names.append("others")
        fields.append(("author", " and ".join(names)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if venue:
        fields.append((venue_field, latex_escape(venue)))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
    if paper.doi:
        fields.append(("doi", _url_value(paper.doi)))
    url = paper.url or paper.arxiv_url
    if url:
        fields.append(("url", _url_value(url)))
    tags = sorted(tag.name for tag in paper.tags.all())
    if tags:
        fields.append(("keywords", latex_escape(", ".join(tags))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def unique_keys(papers: Iterable[Paper]) -> list[tuple[Paper, str]]:
    """Each paper with its key; repeats get ``a``, ``b``, … in the order given."""
    out: list[tuple[Paper, str]] = []
    used: set[str] = set()
    for paper in papers:
        base = citation_key(paper)
        key, n = base, 0
        while key in used:
            key = f"{base}{_suffix(n)}"
            n += 1
        used.add(key)
        out.append((paper, key))
    return out


def _suffix(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def bibtex(papers: Iterable[Paper], *, notes: dict[int, str] | None = None) -> str:
    """The papers as one BibTeX file, in the order given.

    ``notes`` maps a paper's pk to a ``%`` comment line put above its entry (a reading
    list's number); BibTeX and bibtexparser ignore text between entries.
    """
    notes = notes or {}
    chunks = []
    for paper, key in unique_keys(papers):
        note = notes.get(paper.pk)
        prefix = f"% {note}\n" if note else ""
        chunks.append(prefix + bibtex_entry(paper, key))
    return "\n".join(chunks)
