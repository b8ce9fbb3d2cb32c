"""The "For you" page, and "Not for me" with its undo."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews.models import Paper

from . import selectors, services


@login_required
@require_GET
def for_you(request: HttpRequest) -> HttpResponse:
    context = {"found": selectors.for_you(request.user)}
    return render(request, "recommend/for_you.html", context)


@login_required
@require_POST
def not_for_me(request: HttpRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper.objects.only("title"), pk=paper_id)
    services.dismissal_create(member=request.user, paper=paper)
    messages.success(
        request, _("“%(title)s” will not be recommended to you again.") % {"title": paper.title}
    )
    return redirect("recommend:for_you")


@login_required
@require_POST
def undo_not_for_me(request: HttpRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper.objects.only("title"), pk=paper_id)
    if services.dismissal_delete(member=request.user, paper=paper):
        messages.success(
            request, _("“%(title)s” can be recommended to you again.") % {"title": paper.title}
        )
    return redirect("recommend:for_you")
