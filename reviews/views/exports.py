"""Downloads: a review as a blog post (Markdown or a Hugo page bundle), papers as BibTeX.

Each download is readable by whoever can read the page it comes from: drafts by their
author only (404 for everyone else, as on the review page).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from .. import selectors
from ..exports.bibtex import BIBTEX_CONTENT_TYPE, bibtex
from ..exports.markdown import review_download
from ..models import Member, Paper, ReadingList


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    # Drafts are private, and a cached copy would outlive an unpublish.
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def review_export(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        selectors.reviews_visible_to(request.user).select_related("paper", "author"), pk=pk
    )
    download = review_download(review)
    return _attachment(download.content, download.content_type, download.filename)


def _bibtex_response(text: str, filename: str) -> HttpResponse:
    return _attachment(text.encode(), BIBTEX_CONTENT_TYPE, filename)


@require_GET
def paper_bibtex(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_object_or_404(Paper.objects.prefetch_related("tags"), pk=pk)
    name = slugify(paper.title)[:60].strip("-") or f"paper-{paper.pk}"
    return _bibtex_response(bibtex([paper]), f"{name}.bib")


@require_GET
def reading_list_bibtex(request: HttpRequest, slug: str) -> HttpResponse:
    rl = get_object_or_404(ReadingList, slug=slug)
    entries = list(
        rl.entries.select_related("paper").prefetch_related("paper__tags").order_by("number")
    )
    papers = [entry.paper for entry in entries]
    notes = {entry.paper_id: f"{rl.title} #{entry.number}" for entry in entries}
    return _bibtex_response(bibtex(papers, notes=notes), f"{slugify(rl.slug) or 'list'}.bib")


@require_GET
def member_bibtex(request: HttpRequest, username: str) -> HttpResponse:
    """The papers of the member's reviews the requester can read, by title."""
    member = get_object_or_404(Member, username=username, is_active=True)
    reviews = selectors.member_reviews(member=member, user=request.user)
    papers = (
        Paper.objects.filter(reviews__in=reviews)
        .distinct()
        .prefetch_related("tags")
        .order_by("title", "pk")
    )
    return _bibtex_response(bibtex(papers), f"{slugify(member.username) or 'member'}-reviews.bib")
