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
from ..markdown import lines_outside_fences
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
        "핵심 알고리즘", "알고리즘", "방법론", "방법", "제안 방법", "핵심 아이디어", "핵심", "모델",
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
class PostPart:
    """One top-level heading of a post, its text, and the section it goes to by default."""

    heading: str
    body: str
    guess: Section
    recognised: bool


@dataclass
class ReviewDraft:
    """What a post becomes: its parts under their headings, mapped to the four sections."""

    item: FeedItem
    paper_title: str
    arxiv_id: str
    language: str
    preamble: str = ""
    parts: list[PostPart] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    markdown: str = ""

    @property
    def sections(self) -> dict[str, str]:
        """The four sections with every heading at its default section."""
        return assemble_sections(self.preamble, self.parts, [p.guess for p in self.parts])

    @property
    def recognised(self) -> list[str]:
        return [s.value for s in Section if any(p.recognised and p.guess == s for p in self.parts)]

    @property
    def unrecognised(self) -> list[str]:
        return [p.heading for p in self.parts if not p.recognised]


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
    """Turn a post into a draft: parts at its headings, the paper from its links."""
    # Images stay images: the import fetches and stores them (services.images).
    markdown = html_to_markdown(item.content_html, base_url=item.link, images=True)
    preamble, parts = split_post(markdown)
    problems = []
    if not markdown.strip():
        problems.append(_("The post has no text."))
    return ReviewDraft(
        item=item,
        paper_title=clean_post_title(item.title),
        arxiv_id=most_cited_arxiv_id(f"{item.link}\n{item.title}\n{item.content_html}"),
        language=guess_language(markdown or item.title),
        preamble=preamble,
        parts=parts,
        tags=[t for t in item.tags if not _GENERIC_TAG_RE.match(t)],
        problems=problems,
        markdown=markdown,
    )


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


def _headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line, level, text) of each Markdown heading outside code fences."""
    headings = []
    for index in lines_outside_fences(lines):
        if match := _HEADING_RE.match(lines[index]):
            headings.append((index, len(match.group(1)), match.group(2).strip()))
    return headings


def split_post(markdown: str) -> tuple[str, list[PostPart]]:
    """The text before the first heading, and one part per top-level heading.

    The top level is the shallowest one with two or more headings (a lone title heading
    above them does not count). Each part gets its best-guess section: the one its heading
    names, else the one before it; a topic heading is Introduction only when it opens the post
    and Core algorithm after an introduction, so topic posts do not land whole in one.
    """
    lines = markdown.split("\n")
    headings = _headings(lines)
    levels = sorted({level for _line, level, _text in headings})
    level = next((lv for lv in levels if sum(h[1] == lv for h in headings) >= 2), None)
    if level is None:
        level = levels[0] if levels else None
    cuts = [h for h in headings if h[1] == level]
    if not cuts:
        return markdown.strip(), []
    # Deeper headings before the first cut belong to the preamble; shallower ones are titles.
    preamble = "\n".join(lines[: cuts[0][0]]).strip()
    parts: list[PostPart] = []
    previous: Section | None = None
    for position, (start, _level, text) in enumerate(cuts):
        end = cuts[position + 1][0] if position + 1 < len(cuts) else len(lines)
        body = "\n".join(lines[start + 1 : end]).strip()
        named = heading_section(text)
        if named is not None:
            guess = named
        elif previous not in (None, Section.INTRODUCTION):
            guess = previous
        else:
            guess = Section.INTRODUCTION if position == 0 else Section.CORE_ALGORITHM
        parts.append(PostPart(heading=text, body=body, guess=guess, recognised=named is not None))
        previous = guess
    return preamble, parts


def assemble_sections(
    preamble: str, parts: list[PostPart], choices: list[Section | str]
) -> dict[str, str]:
    """The four section texts for a mapping of the post's parts to sections.

    A part under a heading that names its section keeps only its text; any other part keeps
    its heading (one level below the page's), so a topic post keeps its structure.
    """
    texts: dict[str, list[str]] = {s.value: [] for s in Section}
    texts[Section.INTRODUCTION].append(preamble)
    for part, choice in zip(parts, choices, strict=True):
        section = Section(choice)
        if part.recognised and heading_section(part.heading) == section:
            texts[section].append(part.body)
        else:
            texts[section].append(f"### {part.heading}\n\n{part.body}".strip())
    return {key: "\n\n".join(t for t in chunks if t).strip() for key, chunks in texts.items()}


_TITLE_LABEL_RE = re.compile(rf"{_REVIEW_WORDS}|논문|\bpaper\b", re.IGNORECASE)
_DOI_RE = re.compile(r"\b10\.\d{4,9}/\S+")


def paper_signals(draft: ReviewDraft) -> list[str]:
    """What makes a post look like a paper review; none at all: it is some other post."""
    signals = []
    if draft.arxiv_id:
        signals.append(_("an arXiv link"))
    if _DOI_RE.search(draft.item.content_html):
        signals.append(_("a DOI"))
    if _TITLE_LABEL_RE.search(draft.item.title):
        signals.append(_("a review label in the title"))
    if any(_GENERIC_TAG_RE.match(tag) for tag in draft.item.tags):
        signals.append(_("a paper-review category"))
    named = {p.guess for p in draft.parts if p.recognised}
    if {Section.CORE_ALGORITHM, Section.RESULTS} & named:
        signals.append(_("method or results headings"))
    return signals


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
