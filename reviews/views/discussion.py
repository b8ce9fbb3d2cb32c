"""Reading and discussing: comment edits and their earlier texts, published revisions read
rendered, and the author's working copy of a published review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .. import selectors, services
from ..forms import CommentEditForm
from ..models import Comment, ReviewRevision


def _visible_comment(request: HttpRequest, pk: int) -> Comment:
    """A comment on a review the member may read (404 otherwise, as for the review)."""
    visible = selectors.reviews_visible_to(request.user)
    return get_object_or_404(
        Comment.objects.filter(review__in=visible).select_related("review__paper", "author"),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The author changes their comment's text; what it said before is kept."""
    comment = _visible_comment(request, pk)
    if comment.author_id != request.user.pk:
        return HttpResponse(_("Only the author can edit a comment."), status=403)
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(
                comment=comment, by=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Comment saved."))
            return redirect(f"{comment.review.get_absolute_url()}#comment-{comment.pk}")
    context = {"comment": comment, "review": comment.review, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "reviews/comment_edit.html", context, status=status)


@login_required
@require_GET
def comment_history(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment's earlier texts, for its author and the organizers."""
    comment = _visible_comment(request, pk)
    try:
        revisions = selectors.comment_revisions(comment=comment, viewer=request.user)
    except PermissionDenied as refused:
        return HttpResponse(str(refused), status=403)
    context = {"comment": comment, "review": comment.review, "revisions": revisions}
    return render(request, "reviews/comment_history.html", context)


@require_GET
def review_revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One published revision read as it was rendered when it was published."""
    try:
        revision = selectors.review_revision(pk=pk, number=number, user=request.user)
    except ReviewRevision.DoesNotExist:
        raise Http404 from None
    numbers = revision.numbers
    at = numbers.index(revision.number)
    context = {
        "revision": revision,
        "review": revision.review,
        "paper": revision.review.paper,
        "latest": numbers[0],
        "newer": numbers[at - 1] if at > 0 else None,
        "older": numbers[at + 1] if at + 1 < len(numbers) else None,
    }
    return render(request, "reviews/review_revision.html", context)
