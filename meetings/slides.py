"""A review as Marp slides (Markdown a presenter opens in Marp or its VS Code extension).

A title slide, then each section on one or more slides: a heading inside a section starts a
slide, and a long section continues on the next. Blocks are never cut: a fenced code block,
a ``$$…$$`` formula or a table always stays whole on one slide. The sections' Markdown is
kept as written, so ``$…$`` math reaches Marp's KaTeX (``math: katex``) unchanged; the only
change is that a thematic break (``---``), which Marp would read as a new slide, is dropped.
"""

from __future__ import annotations

import json
import re

from django.utils import translation
from django.utils.translation import gettext as _

from reviews.enums import Section
from reviews.models import Review

# About what fits on a 16:9 slide at Marp's default size.
MAX_SLIDE_CHARS = 900
MAX_SLIDE_LINES = 16

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BREAK = re.compile(r"^ {0,3}([-*_])( *\1){2,} *$")
_HEADING = re.compile(r"^ {0,3}#{1,6}\s")


def _blocks(text: str) -> list[str]:
    """Paragraph-level blocks: split at blank lines, never inside a fence or a $$ formula."""
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None
    in_math = False
    previous_blank = True
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if fence is not None:
            current.append(line)
            if stripped.startswith(fence) and set(stripped) <= set(fence[0]):
                fence = None
            continue
        opened = _FENCE.match(line)
        if opened and not in_math:
            fence = opened.group(1)
            current.append(line)
            previous_blank = False
            continue
        if stripped.count("$$") % 2 == 1:
            in_math = not in_math
        if not in_math and not stripped:
            if current:
                blocks.append("\n".join(current))
                current = []
            previous_blank = True
            continue
        if not in_math and previous_blank and _BREAK.match(line):
            continue  # a slide separator to Marp: the block around it carries on
        if not in_math and _HEADING.match(line) and current:
            blocks.append("\n".join(current))
            current = []
        current.append(line)
        previous_blank = False
    if current:
        blocks.append("\n".join(current))
    return blocks


def _section_slides(label: str, text: str) -> list[str]:
    slides: list[list[str]] = []
    size = lines = 0
    for block in _blocks(text):
        starts_slide = _HEADING.match(block) is not None
        block_lines = block.count("\n") + 1
        too_big = size + len(block) > MAX_SLIDE_CHARS or lines + block_lines > MAX_SLIDE_LINES
        if not slides or (starts_slide and size) or (too_big and size):
            slides.append([])
            size = lines = 0
        slides[-1].append(block)
        size += len(block)
        lines += block_lines
    if not slides:
        return []
    titled = []
    for index, blocks in enumerate(slides):
        title = label if index == 0 else _("%(section)s (continued)") % {"section": label}
        titled.append("\n\n".join([f"## {title}", *blocks]))
    return titled


def review_slides(review: Review) -> str:
    """The review as one Marp Markdown document, in the review's own language."""
    paper = review.paper
    with translation.override(review.language):
        lines = [
            "---",
            "marp: true",
            "math: katex",
            "paginate: true",
            f"title: {json.dumps(paper.title, ensure_ascii=False)}",
            f"author: {json.dumps(review.author.name, ensure_ascii=False)}",
            "---",
            "",
            f"# {paper.title}",
            "",
        ]
        details = [paper.authors_short, paper.venue, str(paper.year or "")]
        byline = " · ".join(part for part in details if part)
        if byline:
            lines += [byline, ""]
        lines.append(_("Review by %(name)s") % {"name": review.author.name})
        if review.tldr:
            lines += ["", f"> {review.tldr}"]
        slides = ["\n".join(lines)]
        for section in Section:
            slides += _section_slides(str(section.label), getattr(review, section.value))
    return "\n\n---\n\n".join(slides) + "\n"
