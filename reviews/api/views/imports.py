"""Imports and exports as actions on the papers, reviews, reading-lists and members viewsets.

The work is the browser's: the same parsers, ``services.imports`` / ``services.blog_import``
and ``reviews.exports``; these mixins only turn requests into calls and reports into JSON.
Exports answer with the file itself (Markdown, ZIP, BibTeX); errors stay JSON.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from reviews import selectors
from reviews.exports.bibtex import BIBTEX_CONTENT_TYPE, bibtex
from reviews.exports.markdown import review_download
from reviews.importers.arxiv import complete_authors, fetch_arxiv
from reviews.importers.base import ImportRefused
from reviews.importers.bibtex import parse_papers
from reviews.importers.blog import parse_feed
from reviews.importers.fetch import FetchError
from reviews.models import Paper
from reviews.services.blog_import import (
    FeedImportReport,
    feed_fetch_items,
    feed_import,
    feed_preview,
)
from reviews.services.imports import (
    ImportReport,
    paper_import,
    paper_with_arxiv_id,
    papers_import,
    papers_import_preview,
)

from .. import permissions, serializers
from ..schema import ErrorSerializer
from ..serializers import imports as import_serializers


class UpstreamUnavailable(APIException):
    """arXiv or a feed's server could not give the document; ``detail`` says why."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "The remote server could not be reached."
    default_code = "upstream_unavailable"


UPSTREAM_502 = OpenApiResponse(
    ErrorSerializer,
    description=(
        "The remote document could not be fetched: offline, timed out, refused address "
        "(only public http/https), an HTTP error, or arXiv does not know the id. "
        "`detail` says which."
    ),
)


class FileNegotiation(BaseContentNegotiation):
    """Downloads answer with their file whatever `Accept` says, and errors in JSON.

    The file's type is fixed by what is exported, so `Accept: text/x-bibtex` (or any
    other) gets the file rather than 406; errors are JSON like everywhere else.
    """

    def select_renderer(
        self, request: Request, renderers: list[Any], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        renderer = renderers[0]
        return renderer, renderer.media_type

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return DefaultContentNegotiation().select_parser(request, parsers)


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    # Drafts are private, and a cached copy would outlive an unpublish.
    response["Cache-Control"] = "private, no-cache"
    return response


def _bibtex_response(text: str, filename: str) -> HttpResponse:
    return _attachment(text.encode(), BIBTEX_CONTENT_TYPE, filename)


BIBTEX_SCHEMA = {
    (200, "text/x-bibtex"): OpenApiResponse(OpenApiTypes.STR, description="BibTeX entries.")
}
BIBTEX_ACTION = {
    "detail": True,
    "methods": ["get"],
    "url_path": "bibtex",
    "url_name": "bibtex",
    "content_negotiation_class": FileNegotiation,
    "pagination_class": None,
    "filter_backends": [],
}


def _report_data(kind: str, report: ImportReport) -> dict[str, Any]:
    return {
        "dry_run": False,
        "kind": kind,
        "created": [paper.pk for paper in report.created],
        "merged": [paper.pk for paper in report.merged],
        "entries": [entry.pk for entry in report.entries],
        "skipped": report.skipped,
        "notes": report.notes,
    }


class PaperImportExportMixin:
    """`POST papers/import/`, `POST papers/arxiv/`, `GET papers/{id}/bibtex/`."""

    @extend_schema(
        request=import_serializers.PaperImportRequestSerializer,
        responses={
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="PaperImportResult",
                    serializers=[
                        import_serializers.PaperImportPreviewSerializer,
                        import_serializers.PaperImportReportSerializer,
                    ],
                    resource_type_field_name=None,
                ),
                description=(
                    "dry_run true: the parsed items and what each would do (PaperImportPreview)."
                    " dry_run false: what was saved (PaperImportReport)."
                ),
            ),
        },
        description=(
            "Citation lines (with the group's numbering) or BibTeX, detected. With `dry_run` "
            "(the default) nothing is saved. An import is all or nothing: any invalid item "
            "gives 400 with a message per item under `text`, and nothing is saved. Numbering "
            "on a `reading_list` is for organizers (403 otherwise)."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        permission_classes=[permissions.MemberOnly],
        pagination_class=None,
        filter_backends=[],
    )
    def import_papers(self, request: Request) -> Response:
        serializer = import_serializers.PaperImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reading_list = data.get("reading_list")
        if reading_list is not None and not request.user.is_staff:
            raise PermissionDenied(_("Only organizers can add papers to a reading list."))
        kind, items = parse_papers(data["text"])
        if not items:
            raise ValidationError({"text": [_("No citation or BibTeX entry could be read.")]})
        complete_authors(items)  # "et al." lists with an arXiv id, when arXiv answers
        if data["dry_run"]:
            plan = papers_import_preview(items=items, reading_list=reading_list)
            body = {"dry_run": True, "kind": kind, "items": plan}
            return Response(import_serializers.PaperImportPreviewSerializer(body).data)
        try:
            with transaction.atomic():
                report = papers_import(items=items, by=request.user, reading_list=reading_list)
        except DjangoValidationError as error:
            raise ValidationError({"text": error.messages}) from None
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        return Response(_report_data(kind, report))

    @extend_schema(
        request=import_serializers.ArxivImportRequestSerializer,
        responses={
            200: OpenApiResponse(
                serializers.PaperSerializer,
                description="The paper was already in the group (empty fields filled in).",
            ),
            201: OpenApiResponse(serializers.PaperSerializer, description="Added from arXiv."),
            502: UPSTREAM_502,
        },
        description=(
            "Look the id (or arxiv.org link) up on the arXiv API and add the paper. A paper "
            "already in the group is returned with 200: with the same arXiv id as it is "
            "(unless it has no authors yet), with the same DOI or normalised title with its "
            "empty fields filled from arXiv. "
            "When arXiv cannot be reached the answer is 502 with `detail`; add the paper "
            "by hand with `POST /api/papers/` then."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="arxiv",
        url_name="arxiv",
        permission_classes=[permissions.MemberOnly],
        pagination_class=None,
        filter_backends=[],
    )
    def arxiv(self, request: Request) -> Response:
        serializer = import_serializers.ArxivImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arxiv_id = serializer.validated_data["id"]
        existing = paper_with_arxiv_id(arxiv_id)
        if existing is not None:
            return self._paper_response(existing, status.HTTP_200_OK)
        try:
            data = fetch_arxiv(arxiv_id)
        except FetchError as error:
            raise UpstreamUnavailable(error.message) from None
        try:
            result = paper_import(item=data, by=request.user)
        except DjangoValidationError as error:
            raise UpstreamUnavailable(
                _("arXiv's record of %(id)s cannot be saved: %(reason)s")
                % {"id": arxiv_id, "reason": " ".join(error.messages)}
            ) from None
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return self._paper_response(result.paper, code)

    def _paper_response(self, paper: Paper, code: int) -> Response:
        paper = self.get_queryset().get(pk=paper.pk)  # type: ignore[attr-defined]
        return Response(serializers.PaperSerializer(paper).data, status=code)

    @extend_schema(responses=BIBTEX_SCHEMA, description="The paper as a BibTeX entry.")
    @action(**BIBTEX_ACTION)
    def bibtex(self, request: Request, pk: str | None = None) -> HttpResponse:
        paper = self.get_object()  # type: ignore[attr-defined]
        name = slugify(paper.title)[:60].strip("-") or f"paper-{paper.pk}"
        return _bibtex_response(bibtex([paper]), f"{name}.bib")


class ReviewImportExportMixin:
    """`POST reviews/import-feed/` and `GET reviews/{id}/export/`."""

    @extend_schema(
        request=import_serializers.FeedImportRequestSerializer,
        responses={
            200: OpenApiResponse(
                import_serializers.FeedImportReportSerializer,
                description="Each post and what it becomes (dry run) or became.",
            ),
            502: UPSTREAM_502,
        },
        description=(
            "Posts of a blog feed (RSS 2.0 or Atom; a public URL or the document as `feed`) "
            "become draft reviews of the requesting member. With `dry_run` (the default) "
            "nothing is saved. A post's paper is the group's (arXiv id, DOI, title or short "
            "name) or the paper of an arXiv link whose title agrees with the post; no paper "
            "is made from a title. Posts whose paper is unknown wait in the member's import "
            "inbox (status `inbox`); posts already imported, about a paper you reviewed, or "
            "not paper reviews are skipped with a reason. A feed that cannot be read is 400; a URL "
            "that cannot be fetched is 502."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import-feed",
        url_name="import-feed",
        permission_classes=[permissions.MemberOnly],
        pagination_class=None,
        filter_backends=[],
    )
    def import_feed(self, request: Request) -> Response:
        serializer = import_serializers.FeedImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        field = "url" if data.get("url") else "feed"
        try:
            if field == "url":
                items = feed_fetch_items(data["url"])
            else:
                items = parse_feed(data["feed"].encode("utf-8", errors="surrogatepass"))
        except FetchError as error:
            raise UpstreamUnavailable(error.message) from None
        except ImportRefused as error:
            raise ValidationError({field: [error.message]}) from None
        if not items:
            raise ValidationError({field: [_("The feed has no posts.")]})
        plans = feed_preview(items=items, member=request.user)
        if data["dry_run"]:
            report = FeedImportReport.from_plans(plans)
        else:
            report = feed_import(plans=plans, member=request.user)
        body = import_serializers.FeedImportReportSerializer(report).data
        if report.dry_run:
            # Rolled back: the ids a dry run saw do not exist.
            for row, outcome in zip(body["items"], report.outcomes, strict=True):
                row["review"] = None
                if outcome.new_paper:
                    row["paper"] = None
        return Response(body)

    @extend_schema(
        responses={
            (200, "text/markdown"): OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    "The review as Markdown with YAML front matter (Hugo, Jekyll); a ZIP "
                    "page bundle instead when it has run figures."
                ),
            ),
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description=(
                    "When the review has run figures: a Hugo page bundle, "
                    "`<slug>/index.md` with the SVG figures beside it."
                ),
            ),
        },
        description="Download the review as a blog post. Drafts: their author only (404).",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="export",
        url_name="export",
        content_negotiation_class=FileNegotiation,
        pagination_class=None,
        filter_backends=[],
    )
    def export(self, request: Request, pk: str | None = None) -> HttpResponse:
        review = self.get_object()  # type: ignore[attr-defined]
        download = review_download(review)
        return _attachment(download.content, download.content_type, download.filename)


class ReadingListBibtexMixin:
    """`GET reading-lists/{slug}/bibtex/`: the list's papers in list order."""

    @extend_schema(
        responses=BIBTEX_SCHEMA,
        description="The list's papers, in list order; each entry's note names its number.",
    )
    @action(**BIBTEX_ACTION)
    def bibtex(self, request: Request, slug: str | None = None) -> HttpResponse:
        rl = self.get_object()  # type: ignore[attr-defined]
        entries = list(
            rl.entries.select_related("paper").prefetch_related("paper__tags").order_by("number")
        )
        papers = [entry.paper for entry in entries]
        notes = {entry.paper_id: f"{rl.title} #{entry.number}" for entry in entries}
        return _bibtex_response(bibtex(papers, notes=notes), f"{slugify(rl.slug) or 'list'}.bib")


class MemberBibtexMixin:
    """`GET members/{username}/bibtex/`: papers of the member's reviews you can read."""

    @extend_schema(
        responses=BIBTEX_SCHEMA,
        description="Papers of the member's reviews that you can read, by title.",
    )
    @action(**BIBTEX_ACTION)
    def bibtex(self, request: Request, username: str | None = None) -> HttpResponse:
        member = self.get_object()  # type: ignore[attr-defined]
        reviews = selectors.member_reviews(member=member, user=request.user)
        papers: QuerySet[Paper] = (
            Paper.objects.filter(reviews__in=reviews)
            .distinct()
            .prefetch_related("tags")
            .order_by("title", "pk")
        )
        filename = f"{slugify(member.username) or 'member'}-reviews.bib"
        return _bibtex_response(bibtex(papers), filename)
