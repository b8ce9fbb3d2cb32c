"""Comments: posting and deleting (editing and earlier texts are in `discussion`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms import (
    CommentForm,
)
from ..models import (
    Comment,
)
from .reviews import review_page


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        selectors.reviews_visible_to(request.user).select_related("paper"), pk=pk
    )
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid() and form.cleaned_data["parent"]:
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], review=review).first()
        if parent is None:
            form.add_error("parent", _("That comment is not on this review."))
    if form.is_valid():
        try:
            comment = services.comment_create(
                review=review,
                author=request.user,
                body=form.cleaned_data["body"],
                section=form.cleaned_data["section"],
                parent=parent,
            )
        except PermissionDenied:
            return HttpResponse(_("You cannot comment on this review."), status=403)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Comment posted."))
            # The comment shows at its section, or with the general ones at the bottom.
            return redirect(f"{review.get_absolute_url()}#comment-{comment.pk}")
    review = selectors.review_for_page(pk=review.pk, user=request.user)
    return review_page(request, review, form, status=400)


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(
        Comment.objects.filter(
            review__in=selectors.reviews_visible_to(request.user)
        ).select_related("review"),
        pk=pk,
    )
    try:
        services.comment_delete(comment=comment, by=request.user)
    except PermissionDenied:
        return HttpResponse(_("Only the author or an organizer can do that."), status=403)
    messages.success(request, _("Comment deleted."))
    return redirect(f"{comment.review.get_absolute_url()}#comments")
