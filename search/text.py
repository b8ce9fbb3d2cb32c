"""From a user's query to index terms; no database here.

Korean attaches particles to words (알고리즘을, 알고리즘의). The index keeps words whole, and
every query term is a prefix, so `알고리즘` finds `알고리즘을`; a particle typed in the query
is taken off first, so `알고리즘을` finds `알고리즘의` too. English terms go through
PostgreSQL's English stemmer at query time, the same as the indexed text.
"""

from __future__ import annotations

import re

from reviews.services import normalize_search_text

CONFIG = "english"
MAX_TERMS = 8
MAX_TERM_LENGTH = 100

HANGUL_WORD_RE = re.compile(r"[\uac00-\ud7a3]+")
# Longest first; a term keeps at least two syllables, so 평가 or 정도 stay whole.
PARTICLES = sorted(
    """에서는 으로는 이라는 에서 에게 께서 으로 로서 로써 까지 부터 보다 처럼 마다 이나
    이라 라는 에는 에도 와는 과는 로는 들은 들이 들을 들의 은 는 이 가 을 를 의 에 로 와 과
    도 만""".split(),
    key=len,
    reverse=True,
)
# What to_tsquery treats as syntax inside a quoted lexeme.
QUOTE_RE = re.compile(r"['\\]")


def query_terms(query: str) -> list[str]:
    """Normalized words of the query, at most MAX_TERMS of them; every one must match."""
    terms = normalize_search_text(query.replace("\x00", " ")).split()
    # "arXiv:2106.09685" as copied from a paper's page is its id.
    terms = [t.removeprefix("arxiv:") for t in terms]
    return [strip_particle(t[:MAX_TERM_LENGTH]) for t in terms[:MAX_TERMS] if t]


def strip_particle(term: str) -> str:
    if not HANGUL_WORD_RE.fullmatch(term) or len(term) < 3:
        return term
    for particle in PARTICLES:
        if term.endswith(particle) and len(term) - len(particle) >= 2:
            return term[: -len(particle)]
    return term


def tsquery(terms: list[str]) -> str:
    """A to_tsquery() source matching documents with every term as a word prefix.

    Each term is a quoted lexeme, so nothing a user types is read as tsquery syntax; the
    parser still splits `hep-th/9901001` or `o(n^2)` into its parts.
    """
    quoted = (QUOTE_RE.sub(r"\\\g<0>", term) for term in terms)
    return " & ".join(f"'{term}':*" for term in quoted)
