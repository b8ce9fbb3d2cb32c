"""Cohorts, reading lists, entries, reading status and bookmarks."""

from __future__ import annotations

from rest_framework import serializers

from reviews.enums import ReadingStatus
from reviews.models import (
    Bookmark,
    Cohort,
    CohortMembership,
    EntryStatus,
    Paper,
    ReadingList,
    ReadingListEntry,
)

from .fast import FastListSerializer
from .fields import ModelSerializer, StrictCharField


class MembershipSerializer(ModelSerializer):
    member = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CohortMembership
        list_serializer_class = FastListSerializer
        fields = ["member", "role", "joined"]


class CohortSerializer(ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = Cohort
        list_serializer_class = FastListSerializer
        fields = ["id", "name", "slug", "description", "memberships", "created_at"]


class ReadingListSerializer(ModelSerializer):
    cohort = serializers.SlugRelatedField(slug_field="slug", queryset=Cohort.objects.all())

    class Meta:
        model = ReadingList
        list_serializer_class = FastListSerializer
        fields = ["id", "cohort", "title", "slug", "description", "created_at"]


class EntrySerializer(ModelSerializer):
    reading_list = serializers.SlugRelatedField(
        slug_field="slug", queryset=ReadingList.objects.all()
    )
    paper = serializers.PrimaryKeyRelatedField(queryset=Paper.objects.all())
    paper_title = StrictCharField(source="paper.title", read_only=True)
    number = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    review_count = serializers.IntegerField(read_only=True)
    my_status = serializers.ChoiceField(
        choices=ReadingStatus.choices, read_only=True, allow_null=True
    )

    class Meta:
        model = ReadingListEntry
        list_serializer_class = FastListSerializer
        fields = [
            "id",
            "reading_list",
            "number",
            "paper",
            "paper_title",
            "review_count",
            "my_status",
        ]


class EntryStatusSerializer(ModelSerializer):
    entry = serializers.PrimaryKeyRelatedField(queryset=ReadingListEntry.objects.all())
    status = serializers.ChoiceField(choices=ReadingStatus.choices)

    class Meta:
        model = EntryStatus
        list_serializer_class = FastListSerializer
        fields = ["id", "entry", "status", "updated_at"]
        read_only_fields = ["updated_at"]
        validators: list = []


class BookmarkSerializer(ModelSerializer):
    paper = serializers.PrimaryKeyRelatedField(queryset=Paper.objects.all())
    paper_title = StrictCharField(source="paper.title", read_only=True)

    class Meta:
        model = Bookmark
        list_serializer_class = FastListSerializer
        fields = ["id", "paper", "paper_title", "created_at"]
        validators: list = []
