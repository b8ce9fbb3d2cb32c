"""Filters of the list endpoints (`?search=` is search.filters.IndexSearchFilter)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from reviews.enums import Language, ReadingStatus, ReviewStatus, RunStatus, RunVerdict, Section
from reviews.models import (
    Comment,
    EntryStatus,
    ExperimentRun,
    Paper,
    ReadingListEntry,
    Review,
)

# The query parameters of pagination, ordering and search (the other backends'): a list
# request with no other has nothing for its FilterSet to do.
NOT_FILTERS = frozenset({"page", "page_size", "ordering", "search", "format"})


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds no FilterSet and form for a request without
    filters (half a millisecond of a list request). Every filter here passes an empty
    value through, so the result is the same."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: APIView) -> QuerySet:
        if NOT_FILTERS.issuperset(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(filters.NumberFilter):
    """A primary key: a whole number from 1 up."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=2**63 - 1, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value is not None and value != int(value):
            raise ValidationError({self.field_name: [_("A whole number is required.")]})
        return super().filter(qs, value)


@extend_schema_field({"type": "integer", "minimum": 1900, "maximum": 2100})
class YearFilter(filters.NumberFilter):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1900, max_value=2100, **kwargs)


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 timestamp, compared in UTC.

    PostgreSQL refuses UTC offsets past ±15:59 and year 1 or 9999 can overflow when made
    UTC, so the value is converted here and anything unrepresentable is a 400.
    """

    def __init__(self, *, param: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.param = param

    def filter(self, qs: QuerySet, value: datetime | None) -> QuerySet:
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                raise ValidationError(
                    {self.param: [_("That date and time is out of range.")]}
                ) from None
        return super().filter(qs, value)


class PaperFilter(filters.FilterSet):
    tag = filters.CharFilter(field_name="tags__slug", max_length=60)
    year = YearFilter()
    arxiv_id = filters.CharFilter(max_length=40)

    class Meta:
        model = Paper
        fields = ["tag", "year", "arxiv_id"]


class ReviewFilter(filters.FilterSet):
    paper = IdFilter(field_name="paper_id")
    author = filters.CharFilter(field_name="author__username", max_length=150)
    tag = filters.CharFilter(field_name="paper__tags__slug", max_length=60)
    status = filters.ChoiceFilter(choices=ReviewStatus.choices)
    language = filters.ChoiceFilter(choices=Language.choices)
    cohort = filters.CharFilter(
        field_name="paper__entries__reading_list__cohort__slug",
        max_length=50,
        method="filter_cohort",
    )
    published_after = UtcDateTimeFilter(
        param="published_after", field_name="published_at", lookup_expr="gte"
    )
    published_before = UtcDateTimeFilter(
        param="published_before", field_name="published_at", lookup_expr="lt"
    )

    class Meta:
        model = Review
        fields = ["paper", "author", "tag", "status", "language", "cohort"]

    def filter_cohort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A paper can sit on several lists of a cohort: a subquery, not a join, keeps each
        # review once without a DISTINCT over every column. (A tag is one row per paper.)
        papers = ReadingListEntry.objects.filter(reading_list__cohort__slug=value)
        return queryset.filter(paper__in=papers.values("paper_id"))


class CommentFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")
    section = filters.ChoiceFilter(choices=Section.choices)
    author = filters.CharFilter(field_name="author__username", max_length=150)

    class Meta:
        model = Comment
        fields = ["review", "section", "author"]


class EntryFilter(filters.FilterSet):
    reading_list = filters.CharFilter(field_name="reading_list__slug", max_length=50)
    tag = filters.CharFilter(field_name="paper__tags__slug", max_length=60)

    class Meta:
        model = ReadingListEntry
        fields = ["reading_list", "tag"]


class EntryStatusFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ReadingStatus.choices)
    reading_list = filters.CharFilter(field_name="entry__reading_list__slug", max_length=50)

    class Meta:
        model = EntryStatus
        fields = ["status", "reading_list"]


class RunFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")
    paper = IdFilter(field_name="review__paper_id")
    experiment = filters.CharFilter()
    status = filters.ChoiceFilter(choices=RunStatus.choices)
    verdict = filters.ChoiceFilter(choices=RunVerdict.choices)
    requested_by = filters.CharFilter(field_name="requested_by__username", max_length=150)

    class Meta:
        model = ExperimentRun
        fields = ["review", "paper", "experiment", "status", "verdict", "requested_by"]
