"""A review as Marp slides, for its presenter (anyone who may read the review)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from reviews.selectors import reviews_visible_to

from ..slides import review_slides


@require_GET
def review_slides_download(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        reviews_visible_to(request.user).select_related("paper", "author"), pk=pk
    )
    name = slugify(review.paper.title)[:60].strip("-") or f"review-{review.pk}"
    response = HttpResponse(
        review_slides(review).encode(), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{name}-slides.md")
    response["X-Content-Type-Options"] = "nosniff"
    # Drafts are private, and a cached copy would outlive an unpublish.
    response["Cache-Control"] = "private, no-cache"
    return response
