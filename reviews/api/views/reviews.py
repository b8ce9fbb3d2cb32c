"""Papers, reviews and comments."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from reviews import selectors, services
from reviews.enums import Section
from reviews.models import Comment, Paper, Review, ReviewWorkingCopy, Tag

from .. import filters, permissions, serializers
from ..serializers.fields import PREFETCHED_TAGS
from .base import PreconditionRequired, review_etag
from .imports import PaperImportExportMixin, ReviewImportExportMixin

IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=True,
    description="The ETag from GET; a stale one gets 412, none gets 428.",
)

# What the list serializers read, and no more: a page of 100 skips every member's password
# and profile, every paper's abstract under a review, the import source of every review.
AUTHOR_FIELDS = ("username", "display_name", "first_name", "last_name")
PAPER_LIST_FIELDS = (
    *(f for f in serializers.PaperSerializer.Meta.fields if f not in ("tags", "added_by")),
    "added_by__username",
)
REVIEW_LIST_FIELDS = (
    *(f for f in serializers.ReviewSerializer.Meta.fields if f not in ("paper_title", "author")),
    "paper__title",
    *(f"author__{name}" for name in AUTHOR_FIELDS),
)
COMMENT_LIST_FIELDS = (
    *(f for f in serializers.CommentSerializer.Meta.fields if f != "author"),
    *(f"author__{name}" for name in AUTHOR_FIELDS),
)


class PaperViewSet(PaperImportExportMixin, viewsets.ModelViewSet):
    """Papers: everyone reads, members add and edit, organizers delete."""

    serializer_class = serializers.PaperSerializer
    permission_classes = [permissions.PapersPermission]
    filterset_class = filters.PaperFilter
    # The index answers: details, tags and the text of published reviews.
    search_fields = ("title", "abstract", "reviews")
    ordering_fields = ["title", "year", "created_at", "id"]
    ordering = ["title", "id"]

    def get_queryset(self) -> QuerySet[Paper]:
        tags = Tag.objects.only("slug").order_by("slug")
        papers = Paper.objects.select_related("added_by")
        if self.action == "list":
            # Read-only rows: tags as a plain list (a saved paper's must stay the manager's);
            # on PostgreSQL their slugs come in the page's own query.
            papers = papers.only(*PAPER_LIST_FIELDS)
            if connection.vendor == "postgresql":
                slugs = tags.filter(papers=OuterRef("pk")).values("slug")
                return papers.annotate(**{PREFETCHED_TAGS: ArraySubquery(slugs)})
            tag_list = Prefetch("tags", queryset=tags, to_attr=PREFETCHED_TAGS)
            return papers.prefetch_related(tag_list)
        return papers.prefetch_related(Prefetch("tags", queryset=tags))

    def _save(self, serializer: BaseSerializer, paper: Paper) -> None:
        data = dict(serializer.validated_data)
        tag_names = data.pop("tags", None)
        for key, value in data.items():
            setattr(paper, key, value)
        serializer.instance = services.paper_save(paper=paper, tag_names=tag_names)

    def perform_create(self, serializer: BaseSerializer) -> None:
        self._save(serializer, Paper(added_by=self.request.user))

    def perform_update(self, serializer: BaseSerializer) -> None:
        self._save(serializer, serializer.instance)


class ReviewViewSet(ReviewImportExportMixin, viewsets.ModelViewSet):
    """Reviews: published ones for everyone, drafts for their author only.

    Writes need `If-Match` with the ETag from GET, the same guard as the browser editor.
    """

    serializer_class = serializers.ReviewSerializer
    permission_classes = [permissions.AuthorOrOrganizerDeletes]
    filterset_class = filters.ReviewFilter
    search_fields = ("tldr", *Section.values, "paper__title")
    ordering_fields = ["published_at", "updated_at", "created_at", "id"]
    ordering = ["-published_at", "-id"]

    def get_queryset(self) -> QuerySet[Review]:
        reviews = selectors.reviews_visible_to(self.request.user).select_related("paper", "author")
        if self.action == "list":
            reviews = reviews.only(*REVIEW_LIST_FIELDS)
        return reviews

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action in ("update", "partial_update"):
            return serializers.ReviewEditSerializer
        if self.action == "working_copy":
            return serializers.ReviewWorkingCopySerializer
        return serializers.ReviewSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        review = self.get_object()
        response = Response(self.get_serializer(review).data)
        response["ETag"] = review_etag(review)
        return response

    def _expected_version(self, review: Review) -> int:
        header = self.request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            raise PreconditionRequired()
        tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
        if review_etag(review) not in tags:
            raise services.ReviewConflict(review)
        return review.version

    def _respond(self, review: Review, code: int = status.HTTP_200_OK) -> Response:
        response = Response(self.get_serializer(review).data, status=code)
        response["ETag"] = review_etag(review)
        return response

    def _content(
        self, review: Review | ReviewWorkingCopy | None, data: dict[str, Any]
    ) -> services.ReviewContent:
        base = services.ReviewContent.from_review(review) if review else services.ReviewContent()
        fields = {k: v for k, v in data.items() if k in base.__dataclass_fields__}
        return services.ReviewContent(**{**vars(base), **fields})

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_create(
            paper=serializer.validated_data["paper"],
            author=request.user,
            content=self._content(None, serializer.validated_data),
        )
        return self._respond(review, status.HTTP_201_CREATED)

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        review = self.get_object()
        partial = kwargs.get("partial", False)
        serializer = self.get_serializer(review, data=request.data, partial=partial)
        # Bad input is 400 whatever the If-Match: a stale client learns both in turn.
        serializer.is_valid(raise_exception=True)
        expected = self._expected_version(review)
        saved = services.review_save(
            review=review,
            by=request.user,
            content=self._content(review, serializer.validated_data),
            expected_version=expected,
        )
        return self._respond(saved)

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(parameters=[IF_MATCH])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance: Review) -> None:
        services.review_delete(
            review=instance, by=self.request.user, expected_version=self._expected_version(instance)
        )

    @extend_schema(request=None, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish the review (or a new revision of it) as it is now."""
        review = self.get_object()
        if review.author_id != request.user.pk:
            raise PermissionDenied(_("Only the author can publish a review."))
        saved = services.review_save(
            review=review,
            by=request.user,
            content=services.ReviewContent.from_review(review),
            expected_version=self._expected_version(review),
            publish=True,
        )
        return self._respond(saved)

    @extend_schema(request=None, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"], permission_classes=[permissions.MemberOnly])
    def unpublish(self, request: Request, pk: str | None = None) -> Response:
        """Back to draft: the author, or an organizer moderating."""
        review = self.get_object()
        unpublished = services.review_unpublish(
            review=review, by=request.user, expected_version=self._expected_version(review)
        )
        return self._respond(unpublished)

    @extend_schema(methods=["GET"], responses=serializers.ReviewWorkingCopySerializer)
    @extend_schema(methods=["PUT", "PATCH"], parameters=[IF_MATCH])
    @extend_schema(methods=["DELETE"], request=None, responses={204: None}, parameters=[IF_MATCH])
    @action(
        detail=True,
        methods=["get", "put", "patch", "delete"],
        url_path="working-copy",
        permission_classes=[permissions.MemberOnly],
    )
    def working_copy(self, request: Request, pk: str | None = None) -> Response:
        """The author's unpublished changes to their published review.

        Nobody else can read it (404) or write it (403). Writes need `If-Match` with the
        review's ETag, which a working copy leaves as it is; publish it with
        `POST working-copy/publish/`.
        """
        review = self.get_object()
        if review.author_id != request.user.pk:
            if request.method == "GET":
                raise NotFound()
            raise PermissionDenied(_("Only the author can change this review's working copy."))
        copy = ReviewWorkingCopy.objects.filter(review=review).first()
        if request.method == "GET":
            if copy is None:
                raise NotFound(_("This review has no working copy."))
            return self._respond_copy(copy, review)
        if request.method == "DELETE":
            discarded = services.review_working_copy_discard(
                review=review, by=request.user, expected_version=self._expected_version(review)
            )
            if not discarded:
                raise NotFound(_("This review has no working copy."))
            return Response(status=status.HTTP_204_NO_CONTENT)
        partial = request.method == "PATCH"
        serializer = self.get_serializer(copy, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        saved = services.review_working_copy_save(
            review=review,
            by=request.user,
            content=self._content(copy or review, serializer.validated_data),
            expected_version=self._expected_version(review),
        )
        return self._respond_copy(saved, review)

    def _respond_copy(self, copy: ReviewWorkingCopy, review: Review) -> Response:
        response = Response(serializers.ReviewWorkingCopySerializer(copy).data)
        response["ETag"] = review_etag(review)
        return response

    @extend_schema(request=None, parameters=[IF_MATCH])
    @action(
        detail=True,
        methods=["post"],
        url_path="working-copy/publish",
        url_name="working-copy-publish",
        permission_classes=[permissions.MemberOnly],
    )
    def publish_working_copy(self, request: Request, pk: str | None = None) -> Response:
        """Publish the working copy as the review's new revision, and drop the copy."""
        review = self.get_object()
        if review.author_id != request.user.pk:
            raise PermissionDenied(_("Only the author can publish a review."))
        saved = services.review_working_copy_publish(
            review=review, by=request.user, expected_version=self._expected_version(review)
        )
        return self._respond(saved)

    @extend_schema(responses=serializers.ReviewRevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        """Every published revision, newest first."""
        review = self.get_object()
        revisions = review.revisions.select_related("published_by").order_by("-number")
        return Response(serializers.ReviewRevisionSerializer(revisions, many=True).data)


class CommentViewSet(viewsets.ModelViewSet):
    """Comments on reviews you can see; authors edit their own, organizers delete any."""

    serializer_class = serializers.CommentSerializer
    permission_classes = [permissions.AuthorOrOrganizerDeletes]
    filterset_class = filters.CommentFilter
    search_fields = ("body",)
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]

    def visible_reviews(self) -> QuerySet[Review]:
        return selectors.reviews_visible_to(self.request.user)

    def get_queryset(self) -> QuerySet[Comment]:
        comments = Comment.objects.filter(review__in=self.visible_reviews()).select_related(
            "author"
        )
        if self.action == "list":
            comments = comments.only(*COMMENT_LIST_FIELDS)
        return comments

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action in ("update", "partial_update"):
            return serializers.CommentEditSerializer
        return serializers.CommentSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "visible_reviews": self.visible_reviews()}

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.comment_create(
            review=data["review"],
            author=self.request.user,
            body=data["body"],
            section=data.get("section", ""),
            parent=data.get("parent"),
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        serializer.instance = services.comment_update(
            comment=serializer.instance,
            by=self.request.user,
            body=serializer.validated_data.get("body", serializer.instance.body),
        )

    def perform_destroy(self, instance: Comment) -> None:
        services.comment_delete(comment=instance, by=self.request.user)

    @extend_schema(responses=serializers.CommentRevisionSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        filter_backends=[],
        permission_classes=[permissions.MemberOnly],
    )
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        """The comment's earlier texts, newest first: for its author and organizers."""
        revisions = selectors.comment_revisions(comment=self.get_object(), viewer=request.user)
        return Response(serializers.CommentRevisionSerializer(revisions, many=True).data)
