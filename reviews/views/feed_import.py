"""Import reviews from a blog feed (preview, then import), and pasted HTML to Markdown."""

from __future__ import annotations

import base64
import dataclasses
import json
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..arxiv_ids import parse_arxiv_id
from ..enums import Section
from ..forms import FeedImportForm
from ..images import IMPORT_FOLDER
from ..importers.base import ImportRefused, PaperData
from ..importers.blog import FeedItem, parse_feed
from ..importers.fetch import FetchError
from ..importers.html_markdown import html_to_markdown
from ..markdown import render_markdown
from ..models import Paper
from ..services.blog_import import (
    Action,
    FeedImportReport,
    PostChoice,
    PostPlan,
    feed_fetch_items,
    feed_import,
    feed_preview,
)
from ..services.images import images_as_links, review_images_import
from ..services.papers import PaperIndex

# The previewed feed waits here until the member presses Import, so that what is imported
# is exactly what was previewed (a URL is not fetched twice) and belongs to this session.
PENDING_KEY = "feed_import_pending"
# Pasted HTML from Notion or Google Docs is verbose (inline styles); 1 MiB is plenty.
MAX_PASTE_BYTES = 1024 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def feed_import_page(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST preview: each post's proposal. POST import: save the choices."""
    if request.method == "GET":
        return _page(request, FeedImportForm())
    if "import" in request.POST:
        return _import(request)
    form = FeedImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        if form.cleaned_data["feed"]:
            data = form.cleaned_data["feed"].read()
            items = parse_feed(data)
        else:
            items = feed_fetch_items(form.cleaned_data["url"])
    except ImportRefused as error:
        form.add_error(None, error.message)
        return _page(request, form, status=400)
    if not items:
        form.add_error(None, _("The feed has no posts."))
        return _page(request, form, status=400)
    records: dict[str, PaperData] = {}
    plans = feed_preview(items=items, member=request.user, arxiv_lookup=_remembering(records))
    request.session[PENDING_KEY] = {**_pack(items), "arxiv": _pack_records(records)}
    return _page(request, FeedImportForm(), plans=plans)


def _remembering(records: dict[str, PaperData]) -> Callable[[str], PaperData]:
    from ..importers.arxiv import fetch_arxiv

    def lookup(arxiv_id: str) -> PaperData:
        records[arxiv_id] = fetch_arxiv(arxiv_id)
        return records[arxiv_id]

    return lookup


def _replaying(records: dict[str, PaperData]) -> Callable[[str], PaperData]:
    # The import decides on what the preview showed: arXiv is not asked twice.
    def lookup(arxiv_id: str) -> PaperData:
        if arxiv_id not in records:
            raise FetchError(_("not looked up in the preview"))
        return records[arxiv_id]

    return lookup


def _import(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending:
        error = _("Nothing to import: preview a feed first.")
        return _page(request, FeedImportForm(), error=error, status=400)
    items = _unpack(pending)
    records = _unpack_records(pending.get("arxiv", {}))
    plans = feed_preview(items=items, member=request.user, arxiv_lookup=_replaying(records))
    choices, errors = _choices(request, plans)
    if errors:
        return _page(request, FeedImportForm(), plans=plans, row_errors=errors, status=400)
    report = feed_import(plans=plans, member=request.user, choices=choices)
    del request.session[PENDING_KEY]
    return _page(request, FeedImportForm(), report=report)


def _choices(
    request: HttpRequest, plans: list[PostPlan]
) -> tuple[dict[str, PostChoice], dict[int, str]]:
    """The member's choice for each post from the form; messages for choices not understood."""
    choices: dict[str, PostChoice] = {}
    errors: dict[int, str] = {}
    index: PaperIndex | None = None
    for n, plan in enumerate(plans):
        if plan.blocked:
            continue
        value = request.POST.get(f"choice-{n}", _default(plan))
        choice = PostChoice(action=Action.SKIP)
        kind, _sep, key = value.partition(":")
        search = request.POST.get(f"search-{n}", "").strip()[:500]
        if search:
            index = index or PaperIndex(names=True)
            paper = _search(index, search)
            if paper is None:
                errors[n] = _("No paper of the group matches “%(query)s”.") % {"query": search}
                continue
            choice = PostChoice(action=Action.PAPER, paper=paper)
        elif kind == Action.PAPER and key.isdigit():
            choice = PostChoice(action=Action.PAPER, paper=Paper.objects.filter(pk=key).first())
            if choice.paper is None:
                errors[n] = _("That paper no longer exists.")
                continue
        elif kind == Action.ARXIV and plan.arxiv is not None:
            choice = PostChoice(action=Action.ARXIV, arxiv=plan.arxiv)
        elif kind == Action.INBOX:
            choice = PostChoice(action=Action.INBOX)
        parts = plan.draft.parts
        sections = [request.POST.get(f"section-{n}-{j}", p.guess) for j, p in enumerate(parts)]
        if any(section not in Section.values for section in sections):
            errors[n] = _("Choose a section for every heading.")
            continue
        choice.sections = sections
        choices[plan.guid] = choice
    return choices, errors


def _search(index: PaperIndex, query: str) -> Paper | None:
    """The group's paper a member named: its arXiv id or link, or its title or short name."""
    arxiv_id = parse_arxiv_id(query)
    if arxiv_id:
        return Paper.objects.filter(arxiv_id=arxiv_id).first()
    match, _candidates = index.find_post(query)
    return match.paper if match else None


def _page(
    request: HttpRequest,
    form: FeedImportForm,
    *,
    plans: list[PostPlan] | None = None,
    report: FeedImportReport | None = None,
    row_errors: dict[int, str] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "report": report,
        "rows": [],
        "error": error,
        "section_choices": list(Section),
    }
    if plans is not None:
        errors = row_errors or {}
        context["rows"] = [
            _row(n, plan, request.POST if errors else None, errors.get(n, ""))
            for n, plan in enumerate(plans)
        ]
    return render(request, "reviews/feed_import.html", context, status=status)


def _row(n: int, plan: PostPlan, posted: Any, error: str) -> dict[str, Any]:
    """One post of the preview: its proposal, its options and its parts rendered."""
    draft = plan.draft
    options = []
    if plan.paper is not None:
        options.append((f"paper:{plan.paper.pk}", plan.paper.title))
    if plan.arxiv is not None:
        options.append(
            (
                f"arxiv:{plan.arxiv.arxiv_id}",
                _("New paper from arXiv: %(title)s") % {"title": plan.arxiv.title},
            )
        )
    options += [(f"paper:{p.pk}", p.title) for p in plan.candidates if p != plan.paper]
    options += [
        (Action.INBOX, _("Paper unknown: keep it in my import inbox")),
        (Action.SKIP, _("Leave it out")),
    ]
    default = _default(plan)
    selected = posted.get(f"choice-{n}", default) if posted is not None else default
    parts = [
        {
            "heading": part.heading,
            "guess": (posted.get(f"section-{n}-{j}") if posted is not None else None)
            or part.guess.value,
            "html": render_markdown(images_as_links(part.body), id_prefix=f"feed{n}-{j}-"),
        }
        for j, part in enumerate(draft.parts)
    ]
    preamble = (
        render_markdown(images_as_links(draft.preamble), id_prefix=f"feed{n}-p-")
        if draft.preamble
        else ""
    )
    return {
        "n": n,
        "plan": plan,
        "draft": draft,
        "options": options,
        "selected": selected,
        "parts": parts,
        "preamble": preamble,
        "error": error,
        "search": posted.get(f"search-{n}", "") if posted is not None else "",
    }


def _default(plan: PostPlan) -> str:
    """The proposal as the value of the post's choice."""
    if plan.action == Action.PAPER and plan.paper is not None:
        return f"paper:{plan.paper.pk}"
    if plan.action == Action.ARXIV and plan.arxiv is not None:
        return f"arxiv:{plan.arxiv.arxiv_id}"
    return plan.action


def _pack_records(records: dict[str, PaperData]) -> dict[str, Any]:
    return {key: dataclasses.asdict(record) for key, record in records.items()}


def _unpack_records(rows: dict[str, Any]) -> dict[str, PaperData]:
    return {key: PaperData(**row) for key, row in rows.items()}


def _pack(items: list[FeedItem]) -> dict[str, Any]:
    # The parsed items, not the raw feed: the session then holds only what will be imported.
    rows = [
        {
            "guid": i.guid,
            "link": i.link,
            "title": i.title,
            "published": i.published.isoformat() if i.published else "",
            "tags": i.tags,
            "html": base64.b64encode(zlib.compress(i.content_html.encode())).decode(),
        }
        for i in items
    ]
    return {"items": rows}


def _unpack(pending: dict[str, Any]) -> list[FeedItem]:
    return [
        FeedItem(
            guid=row["guid"],
            link=row["link"],
            title=row["title"],
            published=datetime.fromisoformat(row["published"]) if row["published"] else None,
            tags=list(row["tags"]),
            content_html=zlib.decompress(base64.b64decode(row["html"])).decode(),
        )
        for row in pending["items"]
    ]


@login_required
@require_POST
def markdown_from_html(request: HttpRequest) -> HttpResponse:
    """Pasted rich text (Notion, Google Docs) as Markdown, for the review editor."""
    html = request.POST.get("html", "")
    if len(html.encode("utf-8", errors="surrogatepass")) > MAX_PASTE_BYTES:
        return HttpResponse(
            _("The pasted text is larger than %(limit)d KB.") % {"limit": MAX_PASTE_BYTES // 1024},
            status=413,
            content_type="text/plain; charset=utf-8",
        )
    markdown = html_to_markdown(html.replace("\x00", ""), images=True)
    # The paste's images are fetched and stored here; one that cannot be stays a link.
    images = review_images_import({"text": markdown}, member=request.user, folder=IMPORT_FOLDER)
    response = HttpResponse(images.sections["text"], content_type="text/plain; charset=utf-8")
    if images.problems:
        # For the editor to show; percent-encoded JSON, as a header holds only ASCII.
        response["X-Image-Problems"] = quote(json.dumps(images.problems, ensure_ascii=False))
    return response
