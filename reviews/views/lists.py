"""Home, reading lists and reading statuses. Reads go through selectors, writes through
services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..enums import ReadingStatus
from ..forms import (
    EntryStatusForm,
    ReadingListFilterForm,
)
from ..models import (
    Cohort,
    ReadingList,
    ReadingListEntry,
    Tag,
)
from .conditional import conditional_page

# Each entry costs ~1 ms to render with its status form; 500 at once took over a second.
ENTRIES_PER_PAGE = 50


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (it swaps in a fragment, not a whole page)."""
    return request.headers.get("HX-Request") == "true"


@require_GET
@conditional_page(lambda request: selectors.home_version(tag=request.GET.get("tag", "")))
def home(request: HttpRequest) -> HttpResponse:
    cohorts = Cohort.objects.prefetch_related("reading_lists").order_by("-created_at")
    latest = selectors.review_items(selectors.published_reviews())
    tag = Tag.objects.filter(slug=request.GET.get("tag", "")).first()
    if tag is not None:
        latest = latest.filter(paper__tags=tag)
    context = {"cohorts": cohorts, "latest": latest[:10], "tag": tag}
    return render(request, "reviews/home.html", context)


def _reading_list_version(request: HttpRequest, slug: str) -> object:
    # The plain list, page by page; filtered and searched lists are not conditional.
    if set(request.GET) - {"page"}:
        return None
    page = _positive_int(request.GET.get("page", "1"))
    if page is None:
        return None
    return selectors.reading_list_version(slug=slug, page=page, per_page=ENTRIES_PER_PAGE)


@require_GET
@conditional_page(_reading_list_version)
def reading_list(request: HttpRequest, slug: str) -> HttpResponse:
    # This list and the others (for the switcher) in one query: a group has a few dozen.
    lists = list(ReadingList.objects.select_related("cohort"))
    rl = next((each for each in lists if each.slug == slug), None)
    if rl is None:
        raise Http404
    form = ReadingListFilterForm(request.GET or None)
    filters: dict[str, str] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    entries = selectors.reading_list_entries(
        reading_list=rl,
        user=request.user,
        tag=filters.get("tag", ""),
        status=filters.get("status", ""),
        query=filters.get("q", ""),
    )
    kept = {k: v for k, v in request.GET.items() if k in ("q", "tag", "status") and v}
    if (number := _positive_int(request.GET.get("entry"))) is not None:
        # Jump to an entry number: the page that holds it (under the same filters).
        before = entries.filter(number__lt=number).count()
        query = urlencode({**kept, "page": before // ENTRIES_PER_PAGE + 1})
        return redirect(f"{rl.get_absolute_url()}?{query}#entry-{number}")
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    if request.user.is_authenticated:
        since = services.visit_record(member=request.user, page=f"list:{rl.pk}")
        for entry in page:
            entry.has_new = bool(
                since and entry.latest_review_at and entry.latest_review_at > since
            )
    context = {
        "reading_list": rl,
        "other_lists": [each for each in lists if each.pk != rl.pk],
        "entries": page,
        "page_query": urlencode(kept),
        "kept_filters": kept,
        "form": form,
        "tags": Tag.objects.filter(papers__entries__reading_list=rl).distinct(),
        "status_choices": _status_choices(),
        "filtered": bool(filters),
    }
    return render(request, "reviews/reading_list.html", context)


def _positive_int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def _status_choices() -> list[tuple[str, str]]:
    # Translated once per page, not once per entry.
    return [(value, str(label)) for value, label in ReadingStatus.choices]


@login_required
@require_POST
def entry_status(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(ReadingListEntry.objects.select_related("reading_list"), pk=pk)
    form = EntryStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown reading status."), status=400)
    services.entry_status_set(entry=entry, member=request.user, status=form.cleaned_data["status"])
    if is_htmx(request):
        entry.my_status = form.cleaned_data["status"]
        context = {"entry": entry, "status_choices": _status_choices(), "saved": True}
        return render(request, "reviews/partials/entry_status.html", context)
    return redirect(f"{entry.reading_list.get_absolute_url()}?entry={entry.number}")
