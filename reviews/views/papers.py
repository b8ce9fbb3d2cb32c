"""Papers: the index of all papers, a paper's page, its reviews side by side, bookmarks."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..enums import Section
from ..forms import PaperIndexForm
from ..models import Cohort, Paper
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


PAPERS_PER_PAGE = 50


@require_GET
def paper_index(request: HttpRequest) -> HttpResponse:
    """Every paper of the group, whether or not a list holds it."""
    form = PaperIndexForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "papers": None, "cohorts": Cohort.objects.all()}
        return render(request, "reviews/paper_index.html", context, status=400)
    filters = {k: v for k, v in (form.cleaned_data if form.is_bound else {}).items() if v}
    page = Paginator(selectors.papers_index(**filters), PAPERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    kept = {k: v for k, v in request.GET.items() if k in form.fields and v}
    context = {
        "form": form,
        "papers": page,
        "page_query": urlencode(kept),
        "cohorts": Cohort.objects.all(),
    }
    return render(request, "reviews/paper_index.html", context)


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
