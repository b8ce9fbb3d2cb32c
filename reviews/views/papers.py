"""Papers: a paper's page, its reviews side by side, bookmarks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..enums import Section
from ..models import (
    Paper,
)
from .conditional import conditional_page
from .lists import is_htmx


@require_GET
@conditional_page(lambda request, pk: selectors.paper_version(pk=pk))
def paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        paper = selectors.paper_with_reviews(pk=pk, user=request.user)
    except Paper.DoesNotExist:
        raise Http404 from None
    if request.user.is_authenticated:
        since = services.visit_record(member=request.user, page=f"paper:{paper.pk}")
        for review in paper.published_reviews:
            review.is_new = bool(
                since and review.author_id != request.user.pk and review.published_at > since
            )
    context = {
        "paper": paper,
        "reviews": paper.published_reviews,
        "my_review_status": getattr(paper, "my_review_status", None),
        "bookmarked": getattr(paper, "bookmarked", False),
        "sections": Section.choices,
    }
    return render(request, "reviews/paper_detail.html", context)


@require_GET
@conditional_page(lambda request, pk: selectors.paper_version(pk=pk))
def paper_compare(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_object_or_404(Paper.objects.only("title"), pk=pk)
    section = request.GET.get("section", Section.RESULTS)
    if section not in Section.values:
        return render(
            request,
            "reviews/paper_compare.html",
            {"paper": paper, "error": _("Unknown section."), "sections": Section.choices},
            status=400,
        )
    reviews = (
        selectors.published_reviews()
        .filter(paper=paper)
        .select_related(None)
        .select_related("author")
        .only("language", f"{section}_html", "author", *selectors.AUTHOR_NAME_FIELDS)
    )
    columns = [(review, getattr(review, f"{section}_html")) for review in reviews]
    context = {
        "paper": paper,
        "section": section,
        "section_label": Section(section).label,
        "sections": Section.choices,
        "columns": columns,
    }
    return render(request, "reviews/paper_compare.html", context)


@login_required
@require_POST
def bookmark(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=pk)
    saved = services.bookmark_toggle(member=request.user, paper=paper)
    if is_htmx(request):
        return render(
            request, "reviews/partials/bookmark.html", {"paper": paper, "bookmarked": saved}
        )
    return redirect(paper)
