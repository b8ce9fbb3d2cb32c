"""Blog feeds (RSS 2.0 and Atom from Hugo, velog, Tistory, WordPress) to review drafts.

Nothing here touches the database: ``parse_feed`` reads the feed, ``item_to_review`` turns one
post into a ``ReviewDraft`` (Markdown sections, the arXiv id or the paper title it names).
``reviews.services.blog_import`` finds the paper and saves what the member confirmed.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
from django.utils.translation import gettext as _

from ..arxiv_ids import most_cited_arxiv_id
from ..enums import Language, Section
from .base import MAX_IMPORT_BYTES, ImportRefused
from .html_markdown import html_to_markdown

MAX_GUID_LENGTH = 500

# The words a heading may start or end with to name one of the four sections. English ones
# must be whole words; Korean ones may carry a particle ("결론 및 소감", "결과와 분석").
SECTION_KEYWORDS: dict[Section, tuple[str, ...]] = {
    Section.INTRODUCTION: (
        "소개", "개요", "서론", "요약", "배경", "도입",
        "introduction", "intro", "summary", "overview", "background", "motivation", "abstract",
    ),
    Section.CORE_ALGORITHM: (
        "핵심 알고리즘", "알고리즘", "방법론", "방법", "제안 방법", "핵심 아이디어", "모델",
        "core algorithm", "algorithm", "algorithms", "method", "methods", "methodology",
        "approach", "key idea", "key ideas", "model", "architecture",
    ),
    Section.RESULTS: (
        "결과", "실험", "성능", "평가",
        "results", "result", "experiments", "experiment", "evaluation",
    ),
    Section.THOUGHTS: (
        "소감", "생각", "느낀 점", "느낀점", "후기", "결론", "논의", "한계", "총평",
        "comments", "thoughts", "my thoughts", "discussion", "conclusion", "conclusions",
        "takeaways", "limitations", "opinion",
    ),
}  # fmt: skip

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_NUMBERING_RE = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})*|[ivx]{1,4}|[a-z]|[ⅰ-ⅻⅠ-Ⅻ]|[가-하]|step \d+)[.):]\s*|^\d{1,2}\s+"
)
# "[논문 리뷰] …", "(Paper Review) …", "Paper review: …", "… - 논문 리뷰" around a paper's title.
_TITLE_BRACKETS_RE = re.compile(r"^\s*[\[(【「<][^\])】」>]{0,40}[\])】」>]\s*")
_REVIEW_WORDS = r"(?:paper\s*review|논문\s*리뷰|논문\s*정리|논문\s*읽기|리뷰|review|summary|정리)"
_TITLE_PREFIX_RE = re.compile(rf"^\s*{_REVIEW_WORDS}\s*[:：\-–—|]\s*", re.IGNORECASE)
_TITLE_SUFFIX_RE = re.compile(
    rf"\s*(?:[:：\-–—|]\s*{_REVIEW_WORDS}|[(\[]{_REVIEW_WORDS}[)\]]|\s{_REVIEW_WORDS})\s*$",
    re.IGNORECASE,
)
_NOT_PROSE_RE = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\([^)]*://[^)]*\)", re.DOTALL)
_GENERIC_TAG_RE = re.compile(rf"^\s*(?:{_REVIEW_WORDS}|논문|paper|papers)\s*$", re.IGNORECASE)


@dataclass
class FeedItem:
    """One post of a feed, as the feed describes it."""

    guid: str
    link: str
    title: str
    published: datetime | None
    tags: list[str]
    content_html: str


@dataclass
class ReviewDraft:
    """What a post becomes: four Markdown sections and the paper it is about."""

    item: FeedItem
    paper_title: str
    arxiv_id: str
    language: str
    sections: dict[str, str]
    recognised: list[str] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_feed(data: bytes) -> list[FeedItem]:
    """The posts of an RSS 2.0 or Atom feed; ImportRefused when it is not a feed at all."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(
            _("The feed is larger than the %(limit)d KB limit.")
            % {"limit": MAX_IMPORT_BYTES // 1024}
        )
    if not data.strip():
        raise ImportRefused(_("The feed is empty."))
    # A stream, never bytes or str: feedparser would read a short string as a path or URL.
    # Its own sanitizer is off because it strips what the conversion needs (code languages,
    # KaTeX annotations); the Markdown renderer sanitizes everything later anyway.
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=True)
    if not parsed.get("version") and not parsed.entries:
        reason = str(parsed.get("bozo_exception") or "")
        raise ImportRefused(
            _("This is not an RSS or Atom feed%(reason)s.")
            % {"reason": f" ({reason})" if reason else ""}
        )
    return [_feed_item(entry) for entry in parsed.entries]


def _feed_item(entry: Any) -> FeedItem:
    link = str(entry.get("link") or "").strip()
    guid = str(entry.get("id") or link).strip()
    if len(guid) > MAX_GUID_LENGTH:
        guid = "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
    tags = [str(t.get("label") or t.get("term") or "").strip() for t in entry.get("tags", [])]
    return FeedItem(
        guid=guid,
        link=link,
        title=" ".join(str(entry.get("title") or "").split()),
        published=_entry_date(entry),
        tags=list(dict.fromkeys(t for t in tags if t)),
        content_html=_entry_html(entry),
    )


def _entry_date(entry: Any) -> datetime | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return None
    # feedparser normalises to UTC struct_time; timegm reads it as such.
    return datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC)


def _entry_html(entry: Any) -> str:
    """The fullest body a feed gives: content:encoded / Atom content, else description."""
    contents = entry.get("content") or []
    html_parts = [c for c in contents if "html" in str(c.get("type", ""))]
    chosen = html_parts or contents
    if chosen:
        return max((str(c.get("value") or "") for c in chosen), key=len)
    return str(entry.get("summary") or entry.get("description") or "")


def item_to_review(item: FeedItem) -> ReviewDraft:
    """Turn a post into a draft: sections from its headings, the paper from its links."""
    markdown = html_to_markdown(item.content_html, base_url=item.link)
    sections, recognised, unrecognised = split_sections(markdown)
    note = _import_note(item.link, recognised, unrecognised) if markdown.strip() else ""
    if note:
        sections[Section.INTRODUCTION] = f"{note}\n\n{sections[Section.INTRODUCTION]}".rstrip()
    problems = []
    if not markdown.strip():
        problems.append(_("The post has no text."))
    return ReviewDraft(
        item=item,
        paper_title=clean_post_title(item.title),
        arxiv_id=most_cited_arxiv_id(f"{item.link}\n{item.title}\n{item.content_html}"),
        language=guess_language(markdown or item.title),
        sections={s.value: text.strip() for s, text in sections.items()},
        recognised=[s.value for s in recognised],
        unrecognised=unrecognised,
        tags=[t for t in item.tags if not _GENERIC_TAG_RE.match(t)],
        problems=problems,
    )


def _import_note(link: str, recognised: list[Section], unrecognised: list[str]) -> str:
    if recognised and not unrecognised:
        return ""
    source = link or _("the blog feed")
    if not recognised:
        text = _("sections not recognised; the whole post is kept here in Introduction.")
    else:
        names = ", ".join(f"“{name}”" for name in unrecognised)
        text = _("sections not recognised: %(names)s; they are kept here in Introduction.") % {
            "names": names
        }
    return "> " + _("Imported from %(source)s: %(text)s") % {"source": source, "text": text}


def heading_section(heading: str) -> Section | None:
    """The section a heading names ("1. 소개", "Experimental Results"), or None."""
    text = unicodedata.normalize("NFKC", heading).replace("\\", "")
    text = re.sub(r"[*_`~]", "", text).strip().lower()
    text = _NUMBERING_RE.sub("", text).strip(" :：.-–—")
    text = " ".join(text.split())
    if not text or len(text) > 60:
        return None
    starts = ends = None
    for section, keywords in SECTION_KEYWORDS.items():
        for keyword in keywords:
            boundary = "" if not keyword.isascii() else r"(?![\w])"
            if starts is None and re.match(rf"{re.escape(keyword)}{boundary}", text):
                starts = section
            lead = "" if not keyword.isascii() else r"(?<![\w])"
            if ends is None and re.search(rf"{lead}{re.escape(keyword)}$", text):
                ends = section
    return starts or ends


def split_sections(markdown: str) -> tuple[dict[Section, str], list[Section], list[str]]:
    """Split Markdown at the headings that name sections.

    Returns the four section texts, the sections recognised, and the headings (at the same
    level) that were not recognised; their text and anything before the first heading go to
    Introduction. Headings inside code fences are code, not headings.
    """
    lines = markdown.split("\n")
    headings: list[tuple[int, int, str, Section | None]] = []  # line, level, text, section
    fence = ""
    for index, line in enumerate(lines):
        opener = _FENCE_RE.match(line)
        if fence:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = ""
            continue
        if opener:
            fence = opener.group(1)
            continue
        match = _HEADING_RE.match(line)
        if match:
            text = match.group(2)
            headings.append((index, len(match.group(1)), text, heading_section(text)))
    sections: dict[Section, list[str]] = {s: [] for s in Section}
    recognised = [h for h in headings if h[3] is not None]
    if not recognised:
        return {**{s: "" for s in Section}, Section.INTRODUCTION: markdown.strip()}, [], []
    level = min(h[1] for h in recognised)
    cuts = [h for h in headings if h[1] <= level]
    sections[Section.INTRODUCTION].append("\n".join(lines[: cuts[0][0]]).strip())
    unrecognised: list[str] = []
    for position, (start, _level, text, section) in enumerate(cuts):
        end = cuts[position + 1][0] if position + 1 < len(cuts) else len(lines)
        body = "\n".join(lines[start + 1 : end]).strip()
        if section is not None:
            sections[section].append(body)
        elif body:
            unrecognised.append(text.strip())
            sections[Section.INTRODUCTION].append(f"{lines[start]}\n\n{body}")
    found = [s for s in Section if any(h[3] == s for h in cuts)]
    joined = {s: "\n\n".join(part for part in parts if part) for s, parts in sections.items()}
    return joined, found, unrecognised


def clean_post_title(title: str) -> str:
    """A paper title from a post title: "[논문 리뷰] Adam: …" -> "Adam: …"."""
    text = " ".join(unicodedata.normalize("NFKC", title).split())
    for _round in range(3):
        before = text
        text = _TITLE_BRACKETS_RE.sub("", text)
        text = _TITLE_PREFIX_RE.sub("", text)
        text = _TITLE_SUFFIX_RE.sub("", text)
        if text == before:
            break
    return text.strip().strip("\"'“”‘’「」").strip() or title.strip()


def guess_language(text: str) -> str:
    """Korean when a good share of the prose letters are Hangul (code, math and links aside)."""
    prose = _NOT_PROSE_RE.sub(" ", text)
    letters = [c for c in prose if c.isalpha()]
    if not letters:
        return Language.ENGLISH
    hangul = sum(1 for c in letters if "\uac00" <= c <= "\ud7a3" or "\u1100" <= c <= "\u11ff")
    return Language.KOREAN if hangul / len(letters) > 0.2 else Language.ENGLISH
