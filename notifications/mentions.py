"""`@username` in Markdown: who a text mentions.

Korean writers attach particles to a name (`@minji님`, `@minji가`), so each mention is matched
to the longest username it starts with. Code (fenced blocks and `inline spans`) mentions
nobody, nor does an e-mail address.
"""

from __future__ import annotations

import re

from django.db.models.functions import Lower

from reviews.markdown import lines_outside_fences
from reviews.models import Member

# Django's username characters; not after a word character, so a@b.org is no mention.
_MENTION_RE = re.compile(r"(?<![\w@.+-])@([\w.@+-]{1,150})")
_CODE_SPAN_RE = re.compile(r"(`+).*?\1", re.DOTALL)
MAX_MENTIONS = 50
# What may follow a username: a particle (님께서는) or punctuation (...).
MAX_SUFFIX = 10


def mention_candidates(text: str) -> list[str]:
    """The words after each `@` outside code, lower-cased, in order, without repeats."""
    lines = text.splitlines()
    prose = "\n".join(lines[i] for i in lines_outside_fences(lines))
    prose = _CODE_SPAN_RE.sub(" ", prose)
    found: dict[str, None] = {}
    for match in _MENTION_RE.finditer(prose):
        found.setdefault(match.group(1).lower(), None)
        if len(found) >= MAX_MENTIONS:
            break
    return list(found)


def mentioned_ids(*texts: str) -> set[int]:
    """Active members mentioned in any of `texts`: for each mention, the longest username
    it starts with (one query)."""
    candidates = [c for text in texts for c in mention_candidates(text)]
    if not candidates:
        return set()
    prefixes = {c[:n] for c in candidates for n in _lengths(c)}
    known = dict(
        Member.objects.filter(is_active=True)
        .annotate(lower=Lower("username"))
        .filter(lower__in=prefixes)
        .values_list("lower", "pk")
    )
    found = set()
    for candidate in candidates:
        for n in _lengths(candidate):
            if candidate[:n] in known:
                found.add(known[candidate[:n]])
                break
    return found


def _lengths(candidate: str) -> range:
    """Longest first: the whole word, then it less up to MAX_SUFFIX characters."""
    return range(len(candidate), max(0, len(candidate) - MAX_SUFFIX - 1), -1)
