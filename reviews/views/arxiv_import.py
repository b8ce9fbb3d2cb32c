"""Add a paper from arXiv: look up an id or link, check the prefilled form, save.

When arXiv cannot be reached the page says why and keeps the paper form open, so the
member can type the details in by hand instead of losing the visit. A paper the group has
already (same arXiv id, DOI or normalised title) is completed, never added twice.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..forms import ArxivLookupForm, PaperForm
from ..importers.arxiv import fetch_arxiv
from ..importers.base import PaperData
from ..importers.fetch import FetchError
from ..models import Paper
from ..services.imports import (
    PaperImportResult,
    paper_import,
    paper_with_arxiv_id,
    papers_import_preview,
)
from ..services.papers import paper_write


def _go_to_existing(request: HttpRequest, paper: Paper) -> HttpResponse:
    messages.info(
        request,
        _("“%(title)s” is already in the group; here it is.") % {"title": paper.title},
    )
    return redirect(paper)


def _done(request: HttpRequest, result: PaperImportResult) -> HttpResponse:
    title = result.paper.title
    if result.created:
        messages.success(request, _("Added “%(title)s”.") % {"title": title})
    elif result.filled:
        messages.info(
            request,
            _("“%(title)s” was already in the group (same %(match)s); filled in its %(fields)s.")
            % {
                "title": title,
                "match": result.matched_by_label,
                "fields": ", ".join(result.filled_labels),
            },
        )
    else:
        return _go_to_existing(request, result.paper)
    return redirect(result.paper)


@login_required
@require_http_methods(["GET", "POST"])
def arxiv_import(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "fetch") if request.method == "POST" else ""
    # The search page offers an id the group does not have: ?query= fills it in.
    initial = {"query": request.GET.get("query", "")[:300]}
    lookup = ArxivLookupForm(request.POST if action == "fetch" else None, initial=initial)
    paper_form: PaperForm | None = None
    fetch_error = ""

    if action == "fetch" and lookup.is_valid():
        arxiv_id = lookup.cleaned_data["query"]
        existing = paper_with_arxiv_id(arxiv_id)
        if existing is not None:
            return _go_to_existing(request, existing)
        try:
            data = fetch_arxiv(arxiv_id)
        except FetchError as error:
            fetch_error = error.message
            data = PaperData(arxiv_id=arxiv_id, url=f"https://arxiv.org/abs/{arxiv_id}")
        else:
            # The group may have it already: without its arXiv id (same DOI or title), or
            # with it but incomplete (from a blog post's title). Complete that paper.
            if papers_import_preview(items=[data])[0].match is not None:
                try:
                    return _done(request, paper_import(item=data, by=request.user))
                except ValidationError as error:
                    fetch_error = " ".join(error.messages)
        paper_form = PaperForm(initial=PaperForm.initial_from(data))
    elif action == "save":
        paper_form = PaperForm(request.POST)
        if paper_form.is_valid():
            try:
                return _done(
                    request,
                    paper_import(item=PaperData(**paper_form.cleaned_data), by=request.user),
                )
            except ValidationError as error:
                for message in error.messages:
                    paper_form.add_error(None, message)
    elif request.GET.get("manual"):
        paper_form = PaperForm()

    context = {"lookup": lookup, "paper_form": paper_form, "fetch_error": fetch_error}
    return render(request, "reviews/arxiv_import.html", context)


@login_required
@require_POST
def paper_complete_authors(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Complete authors" action: a cut-short ("et al.") author list gets arXiv's."""
    paper = get_object_or_404(Paper, pk=pk)
    if not paper.arxiv_id:
        messages.error(request, _("This paper has no arXiv id to complete its authors from."))
        return redirect(paper)
    try:
        data = fetch_arxiv(paper.arxiv_id)
    except FetchError as error:
        messages.error(request, error.message)
        return redirect(paper)
    try:
        paper, filled = paper_write(item=data, by=request.user, match=paper)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(paper)
    if "authors" in filled:
        messages.success(
            request,
            _("The authors were completed from arXiv: %(count)d authors.")
            % {"count": len(paper.authors)},
        )
    else:
        messages.info(request, _("arXiv names no more authors than the paper has."))
    return redirect(paper)
