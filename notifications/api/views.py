"""`/api/notifications/`: my notifications, the unread count, marking read, my settings."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from reviews.api.permissions import MemberOnly

from .. import selectors, services
from ..models import Notification
from . import serializers

_COUNT = inline_serializer("UnreadCount", {"unread": drf_serializers.IntegerField()})
_MARKED = inline_serializer("MarkedRead", {"marked": drf_serializers.IntegerField()})


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """My notifications, newest first (`?unread=1` for the unread ones). Another member's
    are not found; one whose review was unpublished since is gone from the list."""

    serializer_class = serializers.NotificationSerializer
    permission_classes = [MemberOnly]

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        unread = self.request.query_params.get("unread") in ("1", "true")
        return selectors.inbox(self.request.user, unread_only=unread)

    @extend_schema(responses=_COUNT)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(request.user)})

    @extend_schema(request=None, responses=serializers.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        notification = self.get_object()
        services.notification_mark_read(member=request.user, ids=[notification.pk])
        notification.refresh_from_db(fields=["read_at"])
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=serializers.MarkReadSerializer, responses=_MARKED)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark the given `ids` of mine read, or all of mine without `ids`."""
        body = serializers.MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data.get("ids")
        marked = services.notification_mark_read(member=request.user, ids=ids)
        return Response({"marked": marked})

    @extend_schema(
        methods=["GET"], request=None, responses=serializers.NotificationSettingsSerializer
    )
    @extend_schema(
        methods=["PATCH"],
        request=serializers.NotificationSettingsSerializer,
        responses=serializers.NotificationSettingsSerializer,
    )
    @action(detail=False, methods=["get", "patch"], url_path="settings")
    def preferences(self, request: Request) -> Response:
        """How each kind reaches me by e-mail: immediate, daily, weekly or off."""
        if request.method == "PATCH":
            body = serializers.NotificationSettingsSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            services.notification_settings_save(member=request.user, **body.validated_data)
        current = services.notification_settings_for(request.user)
        return Response(serializers.NotificationSettingsSerializer(current).data)
