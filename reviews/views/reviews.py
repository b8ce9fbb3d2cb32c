"""Reviews: the page, the editor and its preview, the history, unpublishing."""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services
from ..enums import Section
from ..forms import (
    CommentForm,
    ReviewForm,
    RunForm,
)
from ..markdown import render_markdown
from ..models import (
    Comment,
    Paper,
    Review,
    ReviewWorkingCopy,
)
from ..validators import validate_markdown_size
from .conditional import conditional_page
from .runs import review_runs_context


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write or revise the signed-in member's review of a paper."""
    paper = get_object_or_404(Paper, pk=pk)
    review = Review.objects.filter(paper=paper, author=request.user).first()
    working_copy = ReviewWorkingCopy.objects.filter(review=review).first() if review else None
    conflict: Review | None = None
    if request.method == "POST" and review is not None and "discard_working_copy" in request.POST:
        services.review_working_copy_discard(review=review, by=request.user)
        messages.success(request, _("Working copy discarded; the published review is unchanged."))
        return redirect("review_edit", pk=paper.pk)
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            publish = "publish" in request.POST
            # "Save working copy": a published review's changes, kept without publishing.
            keep = review is not None and "working_copy" in request.POST
            try:
                if review is None:
                    review = services.review_create(
                        paper=paper, author=request.user, content=form.content(), publish=publish
                    )
                elif keep:
                    services.review_working_copy_save(
                        review=review,
                        by=request.user,
                        content=form.content(),
                        expected_version=form.cleaned_data["version"],
                    )
                else:
                    review = services.review_save(
                        review=review,
                        by=request.user,
                        content=form.content(),
                        expected_version=form.cleaned_data["version"],
                        publish=publish,
                        drop_working_copy=True,
                    )
            except services.ReviewConflict as error:
                conflict = error.current
                form.add_error(
                    None,
                    _(
                        "This review was saved elsewhere (now version %(version)d) after you "
                        "opened the editor, so your changes were not saved. Your text is kept "
                        "below; compare it with the saved version, then save again to replace it."
                    )
                    % {"version": conflict.version},
                )
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form.data = data
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if keep:
                    messages.success(
                        request,
                        _(
                            "Working copy saved. Only you can see it: readers see the published "
                            "review until you publish the changes."
                        ),
                    )
                    return redirect("review_edit", pk=paper.pk)
                if publish or review.is_published:
                    messages.success(request, _("Your review is published."))
                    return redirect(review)
                messages.success(request, _("Draft saved."))
                return redirect("review_edit", pk=paper.pk)
    elif review is not None:
        # The author goes on from their working copy when they saved one.
        content = services.ReviewContent.from_review(working_copy or review)
        form = ReviewForm(initial={**vars(content), "version": review.version})
    else:
        form = ReviewForm(initial={"version": 0, "language": request.user.preferred_language})
    section_fields = [form[s.value] for s in Section]
    context = {
        "paper": paper,
        "review": review,
        "form": form,
        "section_fields": section_fields,
        "conflict": conflict,
        "conflict_sections": _conflict_sections(form, conflict) if conflict else [],
        "working_copy": working_copy,
    }
    status = 409 if conflict else (400 if request.method == "POST" else 200)
    return render(request, "reviews/review_edit.html", context, status=status)


def _conflict_sections(form: ReviewForm, current: Review) -> list[dict[str, Any]]:
    """For each section that differs, the saved text beside what the user typed."""
    out = []
    for section in Section:
        mine = form.data.get(section.value, "")
        saved = getattr(current, section.value)
        if mine.replace("\r\n", "\n") != saved.replace("\r\n", "\n"):
            out.append({"key": section.value, "label": section.label, "saved": saved})
    return out


@login_required
@require_POST
def review_preview(request: HttpRequest) -> HttpResponse:
    """Render whichever section the editor sent; the same renderer as the saved page."""
    # htmx names the textarea that fired; a plain POST may carry just one section.
    name = request.headers.get("HX-Trigger-Name") or next(
        (s for s in Section.values if s in request.POST), ""
    )
    if name not in Section.values or name not in request.POST:
        return _preview_error(request, _("Nothing to preview."))
    section, text = Section(name), request.POST[name]
    try:
        validate_markdown_size(text)
    except ValidationError as error:
        return _preview_error(request, " ".join(error.messages))
    html = render_markdown(text.replace("\x00", ""), id_prefix=f"preview-{section.value}-")
    return render(request, "reviews/partials/preview.html", {"html": html})


def _preview_error(request: HttpRequest, message: str) -> HttpResponse:
    """Why the preview cannot render; the editor shows it in place of the preview."""
    context = {"message": message}
    return render(request, "reviews/partials/preview_error.html", context, status=400)


def review_page(
    request: HttpRequest,
    review: Review,
    comment_form: CommentForm | None = None,
    *,
    run_form: RunForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The review page; a comment or run form with errors comes back here with them."""
    _prepare_comments(review.all_comments)
    sections, general_threads = selectors.review_discussion(review, review.all_comments)
    if comment_form is None:
        # "Comment on this section" without JavaScript: a link to the form, section chosen.
        section = request.GET.get("section", "")
        comment_form = CommentForm(initial={"section": section if section in Section else ""})
    context = {
        **review_runs_context(request, review, run_form),
        "review": review,
        "paper": review.paper,
        "sections": sections,
        "threads": general_threads,
        "comment_count": len(review.all_comments),
        "comment_form": comment_form,
        "can_moderate": request.user.is_authenticated
        and (request.user.pk == review.author_id or request.user.is_staff),
        "viewer": _comment_viewer(request, review),
        "working_copy": _own_working_copy(request, review),
    }
    return render(request, "reviews/review_detail.html", context, status=status)


def _own_working_copy(request: HttpRequest, review: Review) -> ReviewWorkingCopy | None:
    """The author's unpublished changes, which the page mentions to them alone."""
    if request.user.pk != review.author_id:
        return None
    return ReviewWorkingCopy.objects.filter(review=review).only("updated_at").first()


def _prepare_comments(comments: list[Comment]) -> None:
    """Each comment's time and id as text, made here in one pass: through the template's
    date filter and number formatting they were a quarter of a 200-comment page's time."""
    for comment in comments:
        created = localtime(comment.created_at)
        comment.created_iso = created.isoformat(timespec="seconds")
        comment.created_text = created.strftime("%Y-%m-%d %H:%M")
        comment.pk_text = str(comment.pk)


def _comment_viewer(request: HttpRequest, review: Review) -> dict[str, Any]:
    """What each of (maybe hundreds of) comments needs to know of the viewer, worked out once."""
    user = request.user
    if not user.is_authenticated:
        return {"id": None}
    return {
        "id": user.pk,
        "is_staff": user.is_staff,
        "comment_action": reverse("comment_create", args=[review.pk]),
        "reply": _("Reply"),
        "review_author_id": review.author_id,
        "review_url": review.get_absolute_url(),
    }


@require_GET
@conditional_page(lambda request, pk: selectors.review_version(pk=pk))
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review = selectors.review_for_page(pk=pk, user=request.user)
    except Review.DoesNotExist:
        raise Http404 from None
    if request.user.is_authenticated:
        since = services.visit_record(member=request.user, page=f"review:{review.pk}")
        for comment in review.all_comments:
            comment.is_new = bool(
                since and comment.author_id != request.user.pk and comment.created_at > since
            )
    return review_page(request, review)


@require_GET
def review_history(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review = selectors.review_for_page(pk=pk, user=request.user, full_revisions=True)
    except Review.DoesNotExist:
        raise Http404 from None
    revisions = review.all_revisions
    by_number = {r.number: r for r in revisions}
    older = newer = None
    if len(revisions) >= 2:
        newer, older = revisions[0], revisions[1]
    try:
        if "a" in request.GET:
            older = by_number[int(request.GET["a"])]
        if "b" in request.GET:
            newer = by_number[int(request.GET["b"])]
    except (KeyError, ValueError):
        return render(
            request,
            "reviews/review_history.html",
            {"review": review, "revisions": revisions, "error": _("No such revision.")},
            status=404,
        )
    diff = _revision_diff(older, newer) if older and newer else []
    context = {
        "review": review,
        "revisions": revisions,
        "older": older,
        "newer": newer,
        "diff": diff,
    }
    return render(request, "reviews/review_history.html", context)


def _revision_diff(older: Any, newer: Any) -> list[dict[str, Any]]:
    """Line diff of the TL;DR and each section; unchanged sections are left out."""
    parts = [("tldr", _("TL;DR"))] + [(s.value, s.label) for s in Section]
    out = []
    for key, label in parts:
        a = getattr(older, key).splitlines()
        b = getattr(newer, key).splitlines()
        if a == b:
            continue
        lines = []
        for line in difflib.unified_diff(a, b, lineterm="", n=2):
            if line.startswith(("---", "+++")):
                continue
            kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
            lines.append((kind, line[1:] if kind != "hunk" else line))
        out.append({"label": label, "lines": lines})
    return out


@login_required
@require_POST
def review_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        selectors.reviews_visible_to(request.user).select_related("paper"), pk=pk
    )
    try:
        services.review_unpublish(review=review, by=request.user)
    except PermissionDenied:
        return HttpResponse(_("Only the author or an organizer can do that."), status=403)
    messages.success(request, _("The review is back to draft."))
    return redirect(review.paper)
