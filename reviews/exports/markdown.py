"""A review as a Markdown blog post with YAML front matter, for Hugo or Jekyll.

The sections are the stored Markdown, unchanged, so ``$…$`` math reaches the blog as
written; the blog's own math renderer (KaTeX or MathJax, switched on by ``math: true``)
draws it. A review with finished demo runs or images stored here becomes a Hugo page
bundle: a ZIP holding ``<slug>/index.md``, ``<slug>/figures/<experiment>-<run id>.svg`` and
``<slug>/images/<name>``, which the text then points at.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..enums import Language, RunStatus, RunVerdict, Section
from ..experiment_texts import run_verdict_reason
from ..images import IMAGE_SRC_RE, storage_name
from ..images import URL_PREFIX as IMAGE_URL_PREFIX
from ..models import ExperimentRun, Review

# Characters YAML (1.1, as PyYAML and Ruby's Psych read it) treats as line breaks, which a
# JSON string leaves raw; escaped so a title holding one stays on its line.
_YAML_BREAKS = {"\u0085": "\\N", "\u2028": "\\L", "\u2029": "\\P"}


@dataclass(frozen=True)
class Download:
    """A file for the browser: its name, media type and bytes."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Figure:
    """A run's stored SVG, with where the post links it and the line under it."""

    path: str
    svg: bytes
    run: ExperimentRun


def yaml_string(value: str) -> str:
    """A double-quoted YAML scalar: safe for colons, quotes, ``#`` and Korean text.

    A JSON string is a valid YAML double-quoted scalar; only the YAML-only line breaks
    need escaping on top.
    """
    quoted = json.dumps(value, ensure_ascii=False)
    for char, escape in _YAML_BREAKS.items():
        quoted = quoted.replace(char, escape)
    return quoted


def post_date(review: Review) -> datetime:
    return review.published_at or review.updated_at or review.created_at


def has_math(review: Review) -> bool:
    # The renderer's own decision: `$5 and $10` or `$x$` inside code is not math.
    return any("<math" in getattr(review, s.html_field) for s in Section)


def post_slug(review: Review) -> str:
    return slugify(review.paper.title, allow_unicode=True)[:80].strip("-") or f"review-{review.pk}"


def front_matter(review: Review) -> str:
    paper = review.paper
    date = timezone.localtime(post_date(review)).replace(microsecond=0)
    lines = [
        "---",
        f"title: {yaml_string(paper.title)}",
        f"date: {date.isoformat()}",
        f"author: {yaml_string(review.author.name)}",
    ]
    tags = sorted(tag.name for tag in paper.tags.all())
    lines.append("tags: []" if not tags else "tags:")
    lines += [f"  - {yaml_string(tag)}" for tag in tags]
    if review.tldr:
        lines.append(f"summary: {yaml_string(review.tldr)}")
    lines.append(f"lang: {review.language}")
    if has_math(review):
        lines.append("math: true")
    if not review.is_published:
        lines.append("draft: true")
    lines.append(f"paper_title: {yaml_string(paper.title)}")
    if paper.arxiv_id:
        lines.append(f"arxiv: {yaml_string(paper.arxiv_id)}")
    if paper.doi:
        lines.append(f"doi: {yaml_string(paper.doi)}")
    if paper.year:
        lines.append(f"paper_year: {paper.year}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _section_text(text: str) -> str:
    return text.replace("\r\n", "\n").strip("\n")


def review_markdown(
    review: Review, figures: list[Figure] = (), images: Mapping[str, str] | None = None
) -> str:
    """Front matter, the TL;DR, the non-empty sections, then the run figures if any.

    ``images``: this site's image addresses -> their paths in the page bundle.
    """
    language = review.language if review.language in Language.values else Language.ENGLISH
    parts = [front_matter(review)]
    if review.tldr:
        tldr = " ".join(review.tldr.split())
        parts.append(f"> **TL;DR** {tldr}\n")
    for section in Section:
        text = _section_text(getattr(review, section.value))
        for url, path in (images or {}).items():
            text = text.replace(f"]({url})", f"]({path})")
        if text:
            parts.append(f"## {section.heading(language)}\n\n{text}\n")
    if figures:
        parts.append(_runs_markdown(figures, language))
    return "\n".join(parts)


def _runs_markdown(figures: list[Figure], language: str) -> str:
    # In the review's own language, not the reader's, as the section headings: the post is
    # the author's text.
    with translation.override(language):
        lines = [f"## {_('Demo experiments')}\n"]
        for figure in figures:
            run = figure.run
            lines.append(f"![{run.experiment} #{run.pk}]({figure.path})\n")
            verdict = RunVerdict(run.verdict).label if run.verdict in RunVerdict.values else ""
            reason = " ".join(run_verdict_reason(run).split())
            line = " — ".join(p for p in (f"**{verdict}**" if verdict else "", reason) if p)
            if line:
                lines.append(f"{line}\n")
    return "\n".join(lines)


def bundles_figures(runs: Iterable[ExperimentRun], review: Review | None = None) -> bool:
    """Whether the blog download is a ZIP (a Hugo page bundle): a finished run has a figure,
    or the review shows images stored here (read from its rendered HTML, which a page has).

    The review page labels its download link with this, so the label names what comes.
    """
    if any(run.status == RunStatus.SUCCEEDED and run.figure for run in runs):
        return True
    marker = f'src="{IMAGE_URL_PREFIX}'
    return review is not None and any(marker in getattr(review, s.html_field) for s in Section)


def review_images(review: Review) -> dict[str, tuple[str, bytes]]:
    """This site's images the review's text shows: address -> (path in the bundle, bytes).

    A lost file is left out: its address stays in the text.
    """
    text = "\n".join(getattr(review, section.value) for section in Section)
    found = {}
    for match in IMAGE_SRC_RE.finditer(text):
        url = match.group()
        if url in found:
            continue
        try:
            with default_storage.open(storage_name(url.removeprefix(IMAGE_URL_PREFIX))) as f:
                found[url] = (f"images/{match['token']}.{match['ext']}", f.read())
        except OSError:
            continue
    return found


def run_figures(runs: Iterable[ExperimentRun]) -> list[Figure]:
    """Figures of the finished runs, in the order given; a missing file is left out."""
    figures = []
    for run in runs:
        if not (run.status == RunStatus.SUCCEEDED and run.figure):
            continue
        try:
            with run.figure.open("rb") as stored:
                svg = stored.read()
        except OSError:
            continue
        figures.append(
            Figure(path=f"figures/{slugify(run.experiment)}-{run.pk}.svg", svg=svg, run=run)
        )
    return figures


def review_download(review: Review) -> Download:
    """``<slug>.md``, or ``<slug>.zip`` (a Hugo page bundle) with the run figures and the
    review's images stored here, when it has any."""
    slug = post_slug(review)
    runs = list(
        review.runs.filter(status=RunStatus.SUCCEEDED)
        .exclude(figure="")
        .defer("series")
        .order_by("created_at", "pk")
    )
    figures = run_figures(runs)
    images = review_images(review)
    text = review_markdown(review, figures, {url: path for url, (path, _data) in images.items()})
    if not bundles_figures(runs) and not images:
        return Download(f"{slug}.md", "text/markdown; charset=utf-8", text.encode())
    buffer = io.BytesIO()
    stamp = timezone.localtime(post_date(review)).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        # A fixed timestamp keeps the ZIP identical from one download to the next.
        bundle.writestr(
            zipfile.ZipInfo(f"{slug}/index.md", stamp), text.encode(), zipfile.ZIP_DEFLATED
        )
        for figure in figures:
            info = zipfile.ZipInfo(f"{slug}/{figure.path}", stamp)
            bundle.writestr(info, figure.svg, zipfile.ZIP_DEFLATED)
        for path, data in sorted(images.values()):
            bundle.writestr(zipfile.ZipInfo(f"{slug}/{path}", stamp), data, zipfile.ZIP_STORED)
    return Download(f"{slug}.zip", "application/zip", buffer.getvalue())
