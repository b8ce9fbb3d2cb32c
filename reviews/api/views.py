"""API viewsets. Reads use selectors' querysets; writes call reviews.services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import (
    APIException,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from reviews import selectors, services
from reviews.enums import ReviewStatus, Section
from reviews.models import (
    ApiToken,
    Bookmark,
    Cohort,
    CohortMembership,
    Comment,
    EntryStatus,
    Member,
    Paper,
    ReadingList,
    ReadingListEntry,
    Review,
    Tag,
)

from . import filters, permissions, serializers


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The review changed since you read it; GET it again for the new ETag."
    default_code = "precondition_failed"


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send If-Match with the review's ETag to change it."
    default_code = "precondition_required"


def review_etag(review: Review) -> str:
    return f'"review-{review.pk}-v{review.version}"'


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Service errors become the same 4xx answers as DRF's own."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = ValidationError(exc.message_dict)
        else:
            exc = ValidationError({"detail": " ".join(exc.messages)})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(str(exc) or None)
    elif isinstance(exc, services.ReviewConflict):
        response = drf_exception_handler(PreconditionFailed(), context)
        response["ETag"] = review_etag(exc.current)
        return response
    return drf_exception_handler(exc, context)


IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=True,
    description="The ETag from GET; a stale one gets 412, none gets 428.",
)


class PaperViewSet(viewsets.ModelViewSet):
    """Papers: everyone reads, members add and edit, organizers delete."""

    serializer_class = serializers.PaperSerializer
    permission_classes = [permissions.PapersPermission]
    filterset_class = filters.PaperFilter
    search_fields = ("search_text",)
    ordering_fields = ["title", "year", "created_at", "id"]
    ordering = ["title", "id"]

    def get_queryset(self) -> QuerySet[Paper]:
        tags = Prefetch("tags", queryset=Tag.objects.order_by("slug"))
        return Paper.objects.select_related("added_by").prefetch_related(tags)

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


class ReviewViewSet(viewsets.ModelViewSet):
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
        return selectors.reviews_visible_to(self.request.user).select_related("paper", "author")

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action in ("update", "partial_update"):
            return serializers.ReviewEditSerializer
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

    def _content(self, review: Review | None, data: dict[str, Any]) -> services.ReviewContent:
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
        expected = self._expected_version(review)
        partial = kwargs.get("partial", False)
        serializer = self.get_serializer(review, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
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

    def perform_destroy(self, instance: Review) -> None:
        services.review_delete(review=instance, by=self.request.user)

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

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], permission_classes=[permissions.MemberOnly])
    def unpublish(self, request: Request, pk: str | None = None) -> Response:
        """Back to draft: the author, or an organizer moderating."""
        review = self.get_object()
        return self._respond(services.review_unpublish(review=review, by=request.user))

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
        return Comment.objects.filter(review__in=self.visible_reviews()).select_related("author")

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


class MemberViewSet(viewsets.ReadOnlyModelViewSet):
    """Public member profiles; `me` is the signed-in member's own, editable profile."""

    serializer_class = serializers.MemberSerializer
    lookup_field = "username"
    lookup_value_regex = r"[\w.@+-]+"
    search_fields = ("username", "display_name")
    ordering_fields = ["username", "id"]
    ordering = ["username"]

    def get_queryset(self) -> QuerySet[Member]:
        return Member.objects.filter(is_active=True)

    @extend_schema(methods=["GET"], responses=serializers.MeSerializer)
    @extend_schema(
        methods=["PATCH"], request=serializers.MeSerializer, responses=serializers.MeSerializer
    )
    @action(
        detail=False,
        methods=["get", "patch"],
        permission_classes=[permissions.MemberOnly],
        serializer_class=serializers.MeSerializer,
        pagination_class=None,
        filter_backends=[],
    )
    def me(self, request: Request) -> Response:
        member = request.user
        if request.method == "PATCH":
            serializer = serializers.MeSerializer(member, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            member = services.member_update_profile(
                member=member,
                display_name=data.get("display_name", member.display_name),
                bio=data.get("bio", member.bio),
                preferred_language=data.get("preferred_language", member.preferred_language),
            )
        return Response(serializers.MeSerializer(member).data)


class CohortViewSet(viewsets.ModelViewSet):
    """Cohorts and their members: everyone reads, organizers write."""

    serializer_class = serializers.CohortSerializer
    permission_classes = [permissions.ReadOnlyOrOrganizer]
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    ordering_fields = ["created_at", "name", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Cohort]:
        memberships = CohortMembership.objects.select_related("member").order_by("member__username")
        return Cohort.objects.prefetch_related(Prefetch("memberships", queryset=memberships))


class ReadingListViewSet(viewsets.ModelViewSet):
    """Reading lists: everyone reads, organizers write."""

    serializer_class = serializers.ReadingListSerializer
    permission_classes = [permissions.ReadOnlyOrOrganizer]
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    search_fields = ("title", "description")
    ordering_fields = ["created_at", "title", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[ReadingList]:
        return ReadingList.objects.select_related("cohort")


class EntryViewSet(viewsets.ModelViewSet):
    """Numbered reading-list entries with review counts and, signed in, your status."""

    serializer_class = serializers.EntrySerializer
    permission_classes = [permissions.ReadOnlyOrOrganizer]
    filterset_class = filters.EntryFilter
    search_fields = ("paper__search_text",)
    ordering_fields = ["number", "session_date", "id"]
    ordering = ["reading_list_id", "number"]

    def _save(self, serializer: BaseSerializer) -> None:
        # A concurrent write can pass the serializer's uniqueness check; the constraint decides.
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError:
            raise ValidationError(
                {"number": [_("This list already has that number or that paper.")]}
            ) from None

    def perform_create(self, serializer: BaseSerializer) -> None:
        self._save(serializer)

    def perform_update(self, serializer: BaseSerializer) -> None:
        self._save(serializer)

    def get_queryset(self) -> QuerySet[ReadingListEntry]:
        entries = ReadingListEntry.objects.select_related(
            "reading_list", "paper", "presenter"
        ).annotate(
            review_count=Count(
                "paper__reviews",
                filter=Q(paper__reviews__status=ReviewStatus.PUBLISHED),
                distinct=True,
            )
        )
        user = self.request.user
        if user.is_authenticated:
            mine = EntryStatus.objects.filter(entry=OuterRef("pk"), member=user)
            return entries.annotate(my_status=Subquery(mine.values("status")[:1]))
        return entries.annotate(my_status=Value(None, output_field=CharField()))


class _OwnViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Things that belong to the signed-in member and nobody else sees."""

    permission_classes = [permissions.MemberOnly]


class EntryStatusViewSet(_OwnViewSet):
    """Your reading status per entry; POST sets (or changes) it."""

    queryset = EntryStatus.objects.none()  # the schema's model; get_queryset narrows
    serializer_class = serializers.EntryStatusSerializer
    filterset_class = filters.EntryStatusFilter
    ordering_fields = ["updated_at", "id"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self) -> QuerySet[EntryStatus]:
        return EntryStatus.objects.filter(member=self.request.user).select_related("entry")

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.entry_status_set(
            entry=data["entry"], member=self.request.user, status=data["status"]
        )


class BookmarkViewSet(_OwnViewSet):
    """Your read-later list."""

    queryset = Bookmark.objects.none()  # the schema's model; get_queryset narrows
    serializer_class = serializers.BookmarkSerializer
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Bookmark]:
        return Bookmark.objects.filter(member=self.request.user).select_related("paper")

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = services.bookmark_add(
            member=self.request.user, paper=serializer.validated_data["paper"]
        )

    def perform_destroy(self, instance: Bookmark) -> None:
        services.bookmark_remove(member=self.request.user, paper=instance.paper)


class TokenViewSet(_OwnViewSet):
    """Your API tokens. The key is in the create response only; DELETE revokes."""

    queryset = ApiToken.objects.none()  # the schema's model; get_queryset narrows
    serializer_class = serializers.TokenSerializer
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(member=self.request.user)

    @extend_schema(responses={201: serializers.NewTokenSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = services.api_token_create(
            member=request.user, name=serializer.validated_data["name"]
        )
        token.key = key
        data = serializers.NewTokenSerializer(token).data
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        services.api_token_revoke(token=instance, by=self.request.user)


class ApiNotFound(APIView):
    """Any other path under /api/ answers in JSON, not with the site's HTML 404 page."""

    permission_classes: list = []
    schema = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        raise NotFound()
