"""Import reviews from a blog feed (preview, then import), and pasted HTML to Markdown."""

from __future__ import annotations

import base64
import zlib
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ..enums import Section
from ..importers.base import MAX_IMPORT_BYTES, ImportRefused
from ..importers.blog import FeedItem, parse_feed
from ..importers.html_markdown import html_to_markdown
from ..markdown import render_markdown
from ..services.blog_import import FeedImportReport, feed_fetch_items, feed_import

# The previewed feed waits here until the member presses Import, so that what is imported
# is exactly what was previewed (a URL is not fetched twice) and belongs to this session.
PENDING_KEY = "feed_import_pending"
# Pasted HTML from Notion or Google Docs is verbose (inline styles); 1 MiB is plenty.
MAX_PASTE_BYTES = 1024 * 1024


class FeedImportForm(forms.Form):
    """A feed file or a feed URL, one of the two."""

    feed = forms.FileField(label=gettext_lazy("Feed file (RSS or Atom)"), required=False)
    url = forms.URLField(
        label=gettext_lazy("or the feed's URL"),
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text=gettext_lazy(
            "For example https://velog.io/rss/@name or https://name.tistory.com/rss"
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("feed")) == bool(data.get("url")):
            raise forms.ValidationError(_("Choose a feed file or give a URL (one of the two)."))
        upload = data.get("feed")
        if upload is not None and upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than the %(limit)d KB limit.")
                % {"limit": MAX_IMPORT_BYTES // 1024}
            )
        return data


@login_required
@require_http_methods(["GET", "POST"])
def feed_import_page(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST preview: what each item would become. POST import: save drafts."""
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
    request.session[PENDING_KEY] = _pack(items)
    report = feed_import(items=items, member=request.user, dry_run=True)
    return _page(request, FeedImportForm(), report=report)


def _import(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending:
        error = _("Nothing to import: preview a feed first.")
        return _page(request, FeedImportForm(), error=error, status=400)
    items = _unpack(pending)
    chosen = set(request.POST.getlist("guid"))
    items = [item for item in items if item.guid in chosen]
    report = feed_import(items=items, member=request.user)
    del request.session[PENDING_KEY]
    return _page(request, FeedImportForm(), report=report)


def _page(
    request: HttpRequest,
    form: FeedImportForm,
    *,
    report: FeedImportReport | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "report": report, "rows": [], "error": error}
    if report is not None:
        context["rows"] = [_row(index, outcome) for index, outcome in enumerate(report.outcomes)]
    return render(request, "reviews/feed_import.html", context, status=status)


def _row(index: int, outcome: Any) -> dict[str, Any]:
    """One item of the preview or result: its facts and its sections rendered."""
    draft = outcome.draft
    sections = [
        (
            section.label,
            render_markdown(
                draft.sections[section.value], id_prefix=f"feed{index}-{section.value}-"
            ),
        )
        for section in Section
        if draft.sections.get(section.value)
    ]
    recognised = [Section(value).label for value in draft.recognised]
    return {"outcome": outcome, "draft": draft, "sections": sections, "recognised": recognised}


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
    markdown = html_to_markdown(html.replace("\x00", ""))
    return HttpResponse(markdown, content_type="text/plain; charset=utf-8")
