"""API representations. Writes are handed to reviews.services by the views."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from rest_framework import serializers

from reviews.enums import ReadingStatus, Section
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
    ReviewRevision,
)
from reviews.validators import validate_markdown_size

MAX_ID = 2**63 - 1


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField would quietly store 5 or true as "5" and "True"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugField(serializers.SlugField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    """Model text fields accept only JSON strings."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
    }


def markdown_field(*, allow_blank: bool = True, **kwargs: Any) -> StrictCharField:
    return StrictCharField(
        allow_blank=allow_blank,
        trim_whitespace=False,
        validators=[validate_markdown_size],
        max_length=200_000,
        **kwargs,
    )


class MemberSerializer(ModelSerializer):
    """Public profile fields only: never the email of someone else."""

    name = StrictCharField(read_only=True)
    avatar_initials = StrictCharField(read_only=True)
    is_organizer = serializers.BooleanField(source="is_staff", read_only=True)

    class Meta:
        model = Member
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
        fields = ["id", "username", "name"]


class TagListField(serializers.ListField):
    """Tag names in, tag slugs out."""

    child = StrictCharField(max_length=60)

    def to_representation(self, data: Any) -> list[str]:
        return [tag.slug for tag in data.all()]


class PaperSerializer(ModelSerializer):
    authors = serializers.ListField(
        child=StrictCharField(max_length=300), max_length=500, allow_empty=True
    )
    tags = TagListField(max_length=30, required=False)
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    year = serializers.IntegerField(min_value=1900, max_value=2100, allow_null=True, required=False)

    class Meta:
        model = Paper
        fields = [
            "id",
            "title",
            "authors",
            "year",
            "venue",
            "arxiv_id",
            "doi",
            "url",
            "pdf_url",
            "code_url",
            "project_url",
            "abstract",
            "tags",
            "added_by",
            "created_at",
        ]
        # Uniqueness of arxiv_id is checked by the model's constraint validation.
        validators: list = []


class ReviewSerializer(ModelSerializer):
    paper = serializers.PrimaryKeyRelatedField(queryset=Paper.objects.all())
    paper_title = StrictCharField(source="paper.title", read_only=True)
    author = AuthorSerializer(read_only=True)
    introduction = markdown_field(required=False)
    core_algorithm = markdown_field(required=False)
    results = markdown_field(required=False)
    thoughts = markdown_field(required=False)

    class Meta:
        model = Review
        fields = [
            "id",
            "paper",
            "paper_title",
            "author",
            "tldr",
            "language",
            "status",
            "introduction",
            "core_algorithm",
            "results",
            "thoughts",
            "introduction_html",
            "core_algorithm_html",
            "results_html",
            "thoughts_html",
            "version",
            "created_at",
            "updated_at",
            "published_at",
        ]
        read_only_fields = [
            "status",
            "version",
            "created_at",
            "updated_at",
            "published_at",
            *[f"{s}_html" for s in Section.values],
        ]
        validators: list = []

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # The paper is chosen when the review is created and never moves.
        if self.instance is not None:
            fields["paper"].read_only = True
        return fields


class ReviewEditSerializer(ReviewSerializer):
    """For PUT and PATCH: the paper is fixed once the review exists."""

    paper = serializers.PrimaryKeyRelatedField(read_only=True)


class ReviewRevisionSerializer(ModelSerializer):
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReviewRevision
        fields = ["number", "tldr", *Section.values, "published_by", "created_at"]


class CommentSerializer(ModelSerializer):
    review = serializers.PrimaryKeyRelatedField(queryset=Review.objects.none())
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Comment.objects.none(), allow_null=True, required=False
    )
    author = AuthorSerializer(read_only=True)
    body = markdown_field(allow_blank=False)
    section = serializers.ChoiceField(choices=Section.choices, allow_blank=True, required=False)

    class Meta:
        model = Comment
        fields = [
            "id",
            "review",
            "parent",
            "section",
            "author",
            "body",
            "body_html",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["body_html", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        visible = self.context.get("visible_reviews")
        if visible is not None:
            fields["review"].queryset = visible
            fields["parent"].queryset = Comment.objects.filter(review__in=visible)
        if self.instance is not None:
            for name in ("review", "parent", "section"):
                fields[name].read_only = True
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        parent, review = attrs.get("parent"), attrs.get("review")
        if parent is not None and review is not None and parent.review_id != review.pk:
            raise serializers.ValidationError({"parent": [_("That comment is on another review.")]})
        return attrs


class CommentEditSerializer(CommentSerializer):
    """For PUT and PATCH: only the body changes; where the comment sits is fixed."""

    review = serializers.PrimaryKeyRelatedField(read_only=True)
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    section = serializers.ChoiceField(choices=Section.choices, read_only=True, allow_blank=True)


class MembershipSerializer(ModelSerializer):
    member = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CohortMembership
        fields = ["member", "role", "joined"]


class CohortSerializer(ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = Cohort
        fields = ["id", "name", "slug", "description", "memberships", "created_at"]


class ReadingListSerializer(ModelSerializer):
    cohort = serializers.SlugRelatedField(slug_field="slug", queryset=Cohort.objects.all())

    class Meta:
        model = ReadingList
        fields = ["id", "cohort", "title", "slug", "description", "created_at"]


class EntrySerializer(ModelSerializer):
    reading_list = serializers.SlugRelatedField(
        slug_field="slug", queryset=ReadingList.objects.all()
    )
    paper = serializers.PrimaryKeyRelatedField(queryset=Paper.objects.all())
    paper_title = StrictCharField(source="paper.title", read_only=True)
    presenter = serializers.SlugRelatedField(
        slug_field="username",
        queryset=Member.objects.filter(is_active=True),
        allow_null=True,
        required=False,
    )
    number = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    review_count = serializers.IntegerField(read_only=True)
    my_status = serializers.ChoiceField(
        choices=ReadingStatus.choices, read_only=True, allow_null=True
    )

    class Meta:
        model = ReadingListEntry
        fields = [
            "id",
            "reading_list",
            "number",
            "paper",
            "paper_title",
            "session_date",
            "presenter",
            "review_count",
            "my_status",
        ]


class EntryStatusSerializer(ModelSerializer):
    entry = serializers.PrimaryKeyRelatedField(queryset=ReadingListEntry.objects.all())
    status = serializers.ChoiceField(choices=ReadingStatus.choices)

    class Meta:
        model = EntryStatus
        fields = ["id", "entry", "status", "updated_at"]
        read_only_fields = ["updated_at"]
        validators: list = []


class BookmarkSerializer(ModelSerializer):
    paper = serializers.PrimaryKeyRelatedField(queryset=Paper.objects.all())
    paper_title = StrictCharField(source="paper.title", read_only=True)

    class Meta:
        model = Bookmark
        fields = ["id", "paper", "paper_title", "created_at"]
        validators: list = []


class TokenSerializer(ModelSerializer):
    name = StrictCharField(max_length=100)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class NewTokenSerializer(TokenSerializer):
    """The one response that carries the key itself."""

    key = StrictCharField(read_only=True)

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]
