"""Papers, reviews, revisions and comments."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from reviews import sections
from reviews.enums import Section
from reviews.models import (
    Comment,
    CommentRevision,
    Paper,
    Review,
    ReviewRevision,
    ReviewWorkingCopy,
)

from .fast import FastListSerializer
from .fields import ModelSerializer, StrictCharField, TagListField, markdown_field
from .members import AuthorSerializer


class PaperSerializer(ModelSerializer):
    authors = serializers.ListField(
        child=StrictCharField(max_length=300), max_length=500, allow_empty=True
    )
    tags = TagListField(max_length=30, required=False)
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    year = serializers.IntegerField(min_value=1900, max_value=2100, allow_null=True, required=False)

    class Meta:
        model = Paper
        list_serializer_class = FastListSerializer
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

    class Meta:
        model = Review
        list_serializer_class = FastListSerializer
        fields = [
            "id",
            "paper",
            "paper_title",
            "author",
            "tldr",
            "language",
            "status",
            *sections.KEYS,
            *sections.HTML_FIELDS,
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
            *sections.HTML_FIELDS,
        ]
        validators: list = []

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for key in sections.KEYS:
            fields[key] = markdown_field(required=False)
        # The paper is chosen when the review is created and never moves.
        if self.instance is not None:
            fields["paper"].read_only = True
        return fields


class ReviewEditSerializer(ReviewSerializer):
    """For PUT and PATCH: the paper is fixed once the review exists."""

    paper = serializers.PrimaryKeyRelatedField(read_only=True)


class ReviewWorkingCopySerializer(ModelSerializer):
    """A published review's unpublished changes; only its author reads or writes them."""

    introduction = markdown_field(required=False)
    core_algorithm = markdown_field(required=False)
    results = markdown_field(required=False)
    thoughts = markdown_field(required=False)

    class Meta:
        model = ReviewWorkingCopy
        fields = [
            "review",
            "tldr",
            "language",
            *sections.KEYS,
            "base_version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["review", "base_version", "created_at", "updated_at"]


class ReviewRevisionSerializer(ModelSerializer):
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReviewRevision
        list_serializer_class = FastListSerializer
        fields = [
            "number",
            "tldr",
            *sections.KEYS,
            *sections.HTML_FIELDS,
            "published_by",
            "created_at",
        ]


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
        list_serializer_class = FastListSerializer
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
            "edited_at",
        ]
        read_only_fields = ["body_html", "created_at", "updated_at", "edited_at"]

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


class CommentRevisionSerializer(ModelSerializer):
    """A comment's text before one of its author's edits."""

    class Meta:
        model = CommentRevision
        list_serializer_class = FastListSerializer
        fields = ["body", "written_at", "replaced_at"]


class CommentEditSerializer(CommentSerializer):
    """For PUT and PATCH: only the body changes; where the comment sits is fixed."""

    review = serializers.PrimaryKeyRelatedField(read_only=True)
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    section = serializers.ChoiceField(choices=Section.choices, read_only=True, allow_blank=True)
