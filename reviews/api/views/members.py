"""Member profiles and what belongs to the signed-in member alone."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from reviews import services
from reviews.models import ApiToken, Bookmark, EntryStatus, Member

from .. import filters, permissions, serializers
from .imports import MemberBibtexMixin

# What a public profile shows (MemberSerializer): never a password hash or an email.
PROFILE_FIELDS = ("username", "display_name", "first_name", "last_name", "bio", "is_staff")


class MemberViewSet(MemberBibtexMixin, viewsets.ReadOnlyModelViewSet):
    """Public member profiles; `me` is the signed-in member's own, editable profile."""

    serializer_class = serializers.MemberSerializer
    lookup_field = "username"
    lookup_value_regex = r"[\w.@+-]+"
    search_fields = ("username", "display_name")
    ordering_fields = ["username", "id"]
    ordering = ["username"]

    def get_queryset(self) -> QuerySet[Member]:
        members = Member.objects.filter(is_active=True)
        if self.action == "list":
            members = members.only(*PROFILE_FIELDS)
        return members

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
