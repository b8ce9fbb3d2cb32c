"""The "Import papers" page: paste or upload, preview what was understood, then import.

Preview never writes. The import form carries the text back in a hidden field and the
server parses it again, so what is saved is exactly what the member previewed (no client-side
state, no scripts). Writes go through ``services.imports``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ..forms import PaperImportForm
from ..importers.arxiv import complete_authors
from ..importers.base import MAX_IMPORT_BYTES
from ..importers.bibtex import parse_papers
from ..models import ReadingList
from ..services.imports import papers_import, papers_import_preview


@login_required
@require_http_methods(["GET", "POST"])
def import_papers(request: HttpRequest) -> HttpResponse:
    can_number = request.user.is_staff
    if request.method == "GET":
        initial = {}
        if can_number and (slug := request.GET.get("list")):
            initial["reading_list"] = ReadingList.objects.filter(slug=slug).first()
        form = PaperImportForm(initial=initial, can_number=can_number)
        return _page(request, form)

    form = PaperImportForm(request.POST, request.FILES, can_number=can_number)
    if not form.is_valid():
        return _page(request, form, status=400)
    source = form.cleaned_data["source"]
    reading_list = form.cleaned_data.get("reading_list")
    kind, items = parse_papers(source)
    # Before the preview and again before the import, so what is saved is what was shown.
    completion = complete_authors(items)
    context: dict[str, Any] = {
        "source": source,
        "kind": kind,
        "reading_list": reading_list,
        "completion": completion,
    }
    if request.POST.get("action") == "import":
        try:
            report = papers_import(items=items, by=request.user, reading_list=reading_list)
        except ValidationError as error:
            context["import_errors"] = error.messages
        except PermissionDenied as error:
            return HttpResponse(str(error), status=403)
        else:
            # A fresh, empty form below the report, for the next batch.
            form = PaperImportForm(initial={"reading_list": reading_list}, can_number=can_number)
            return _page(request, form, report=report, **context)
    # The pasted text goes back into the textarea, so the member can fix a line and retry.
    form = PaperImportForm(
        initial={"text": source, "reading_list": reading_list}, can_number=can_number
    )
    plan = papers_import_preview(items=items, reading_list=reading_list)
    status = 400 if context.get("import_errors") else 200
    return _page(request, form, plan=plan, status=status, **context)


def _page(
    request: HttpRequest, form: PaperImportForm, *, status: int = 200, **context: Any
) -> HttpResponse:
    plan = context.get("plan")
    if plan is not None:
        kept = [p for p in plan if p.status != "skip"]
        context["importable"] = len(kept)
        context["blocked"] = any(p.errors for p in plan)
        # Warnings that hold for several rows are said once, above the table.
        context["incomplete_authors"] = sum(1 for p in kept if p.item.authors_incomplete)
        context["numbers_unused"] = context.get("reading_list") is None and any(
            p.item.number is not None for p in plan
        )
    context.update(form=form, max_kb=MAX_IMPORT_BYTES // 1024)
    return render(request, "reviews/import_papers.html", context, status=status)
