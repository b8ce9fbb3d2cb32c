"""Members, their public profiles and their API tokens."""

from __future__ import annotations

from rest_framework import serializers

from reviews.models import ApiToken, Member

from .fast import FastListSerializer
from .fields import ModelSerializer, StrictCharField


class MemberSerializer(ModelSerializer):
    """Public profile fields only: never the email of someone else."""

    name = StrictCharField(read_only=True)
    avatar_initials = StrictCharField(read_only=True)
    is_organizer = serializers.BooleanField(source="is_staff", read_only=True)

    class Meta:
        model = Member
        list_serializer_class = FastListSerializer
        fields = [
            "id",
            "username",
            "name",
            "display_name",
            "bio",
            "avatar_initials",
            "is_organizer",
        ]


class MeSerializer(MemberSerializer):
    """The signed-in member, with the fields only they see and edit."""

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "email", "preferred_language"]
        read_only_fields = ["id", "username", "email"]


class AuthorSerializer(ModelSerializer):
    name = StrictCharField(read_only=True)

    class Meta:
        model = Member
        list_serializer_class = FastListSerializer
        fields = ["id", "username", "name"]


class TokenSerializer(ModelSerializer):
    name = StrictCharField(max_length=100)

    class Meta:
        model = ApiToken
        list_serializer_class = FastListSerializer
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class NewTokenSerializer(TokenSerializer):
    """The one response that carries the key itself."""

    key = StrictCharField(read_only=True)

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]
