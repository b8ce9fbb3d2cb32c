"""API representations of notifications and of a member's notification settings."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reviews.api.serializers import MAX_ID

from ..enums import MAX_REMIND_DAYS, Delivery, Kind
from ..models import Notification, NotificationSettings
from ..selectors import notification_text, notification_url
from ..services import delivery_of


class NotificationSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    text = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "text",
            "url",
            "actor",
            "review",
            "comment",
            "session",
            "assignment",
            "run",
            "section",
            "created_at",
            "read",
            "read_at",
        ]
        read_only_fields = fields

    def get_text(self, obj: Notification) -> str:
        return notification_text(obj)

    def get_url(self, obj: Notification) -> str:
        path = notification_url(obj)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None and path else path

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    """`ids` of my notifications to mark read; none means all of them."""

    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=1000,
    )


@extend_schema_field(
    {
        "type": "object",
        "properties": {kind: {"type": "string", "enum": Delivery.values} for kind in Kind.values},
        "additionalProperties": False,
    }
)
class _Deliveries(serializers.DictField):
    child = serializers.ChoiceField(choices=Delivery.choices)

    def to_internal_value(self, data: Any) -> dict[str, str]:
        value = super().to_internal_value(data)
        unknown = sorted(k for k in value if k not in Kind.values)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown kind: %(kinds)s.") % {"kinds": ", ".join(unknown)}
            )
        return value


class NotificationSettingsSerializer(serializers.Serializer):
    """How each kind reaches me by e-mail (every kind, defaults filled in), and how many days
    ahead I am reminded of presenting and deadlines. A write may name some kinds only."""

    deliveries = _Deliveries(required=False)
    remind_days = serializers.IntegerField(min_value=1, max_value=MAX_REMIND_DAYS, required=False)

    def to_representation(self, instance: NotificationSettings) -> dict[str, Any]:
        return {
            "deliveries": {kind: delivery_of(instance, kind) for kind in Kind.values},
            "remind_days": instance.remind_days,
        }
