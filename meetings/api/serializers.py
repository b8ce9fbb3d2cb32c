"""API representations of sessions, swaps and assignments; writes go to meetings.services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reviews.api.serializers.fields import StrictCharField, markdown_field
from reviews.models import Cohort, Member, ReadingList, ReadingListEntry
from reviews.validators import validate_time_zone

from .. import rules
from ..enums import RsvpAnswer, SessionStatus
from ..models import Assignment, Session, SwapRequest


class SessionSerializer(serializers.ModelSerializer):
    cohort = serializers.SlugRelatedField(slug_field="slug", queryset=Cohort.objects.all())
    title = StrictCharField(max_length=200, allow_blank=True, required=False)
    label = serializers.SerializerMethodField()
    time_zone = StrictCharField(max_length=64, validators=[validate_time_zone], required=False)
    place = StrictCharField(max_length=200, allow_blank=True, required=False)
    video_url = serializers.URLField(max_length=500, allow_blank=True, required=False)
    entries = serializers.PrimaryKeyRelatedField(
        many=True, queryset=ReadingListEntry.objects.all(), required=False
    )
    presenters = serializers.SlugRelatedField(
        many=True,
        slug_field="username",
        queryset=Member.objects.filter(is_active=True),
        required=False,
    )
    agenda = markdown_field(required=False)
    notes = markdown_field(required=False)
    status = serializers.ChoiceField(choices=SessionStatus.choices, required=False)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id",
            "cohort",
            "number",
            "title",
            "label",
            "starts_at",
            "ends_at",
            "time_zone",
            "place",
            "video_url",
            "entries",
            "presenters",
            "agenda",
            "agenda_html",
            "notes",
            "notes_html",
            "status",
            "uid",
            "sequence",
            "url",
        ]
        read_only_fields = ["number", "agenda_html", "notes_html", "uid", "sequence"]

    def get_label(self, session: Session) -> str:
        return str(session.label)

    def get_url(self, session: Session) -> str:
        return session.get_absolute_url()

    def to_representation(self, session: Session) -> dict[str, Any]:
        data = super().to_representation(session)
        # A meeting's video link is for the cohort, not for the public.
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if data.get("video_url") and not (
            user is not None
            and (rules.is_member(user, session.cohort) or rules.may_plan(user, session.cohort))
        ):
            data["video_url"] = ""
        return data


class ScheduleSerializer(serializers.Serializer):
    cohort = serializers.SlugRelatedField(slug_field="slug", queryset=Cohort.objects.all())
    first_day = serializers.DateField()
    starts = serializers.TimeField()
    ends = serializers.TimeField()
    count = serializers.IntegerField(min_value=1, max_value=52)
    skip = serializers.ListField(child=serializers.DateField(), required=False, max_length=100)
    time_zone = StrictCharField(max_length=64, validators=[validate_time_zone])
    place = StrictCharField(max_length=200, allow_blank=True, required=False)
    video_url = serializers.URLField(max_length=500, allow_blank=True, required=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["ends"] <= data["starts"]:
            raise serializers.ValidationError({"ends": [_("A session must end after it starts.")]})
        return data


class CohortSlugSerializer(serializers.Serializer):
    cohort = serializers.SlugRelatedField(slug_field="slug", queryset=Cohort.objects.all())


class RsvpSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=RsvpAnswer.choices)


class AttendanceSerializer(serializers.Serializer):
    present = serializers.SlugRelatedField(
        many=True, slug_field="username", queryset=Member.objects.filter(is_active=True)
    )


class SwapSerializer(serializers.ModelSerializer):
    session = serializers.PrimaryKeyRelatedField(queryset=Session.objects.all())
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    counterpart = serializers.SlugRelatedField(
        slug_field="username", queryset=Member.objects.filter(is_active=True)
    )
    counterpart_session = serializers.PrimaryKeyRelatedField(
        queryset=Session.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = SwapRequest
        fields = [
            "id",
            "session",
            "requested_by",
            "counterpart",
            "counterpart_session",
            "status",
            "created_at",
            "answered_at",
        ]
        read_only_fields = ["status", "created_at", "answered_at"]


class ProgressSerializer(serializers.Serializer):
    member = serializers.CharField(source="member.username")
    done = serializers.IntegerField()
    required = serializers.IntegerField()


class AssignmentSerializer(serializers.ModelSerializer):
    cohort = serializers.SlugRelatedField(slug_field="slug", queryset=Cohort.objects.all())
    reading_list = serializers.SlugRelatedField(
        slug_field="slug", queryset=ReadingList.objects.all()
    )
    title = StrictCharField(max_length=200, allow_blank=True, required=False)
    length_guideline = StrictCharField(max_length=200, allow_blank=True, required=False)
    papers_required = serializers.IntegerField(min_value=1, max_value=1000)
    label = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "cohort",
            "reading_list",
            "title",
            "label",
            "papers_required",
            "due_at",
            "length_guideline",
            "uid",
            "created_at",
        ]
        read_only_fields = ["uid", "created_at"]

    @extend_schema_field(serializers.CharField())
    def get_label(self, assignment: Assignment) -> str:
        return str(assignment.label)
