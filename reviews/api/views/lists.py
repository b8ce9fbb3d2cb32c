"""Cohorts, reading lists and their entries: everyone reads, organizers write."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.serializers import BaseSerializer

from reviews.enums import ReviewStatus
from reviews.models import (
    Cohort,
    CohortMembership,
    EntryStatus,
    ReadingList,
    ReadingListEntry,
    Review,
)

from .. import filters, permissions, serializers
from .imports import ReadingListBibtexMixin


class CohortViewSet(viewsets.ModelViewSet):
    """Cohorts and their members: everyone reads, organizers write."""

    serializer_class = serializers.CohortSerializer
    permission_classes = [permissions.ReadOnlyOrOrganizer]
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    ordering_fields = ["created_at", "name", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Cohort]:
        memberships = (
            CohortMembership.objects.select_related("member")
            .only("cohort", "role", "joined", "member__username")
            .order_by("member__username")
        )
        return Cohort.objects.prefetch_related(Prefetch("memberships", queryset=memberships))


class ReadingListViewSet(ReadingListBibtexMixin, viewsets.ModelViewSet):
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
    # The index answers, as for papers.
    search_fields = ("paper__title", "paper__abstract", "paper__reviews")
    ordering_fields = ["number", "id"]
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
        # A subquery per entry on the page, not a GROUP BY over every entry and review (which
        # the page's count would have to repeat).
        published = Review.objects.filter(paper=OuterRef("paper_id"), status=ReviewStatus.PUBLISHED)
        review_count = published.values("paper_id").annotate(n=Count("pk")).values("n")
        entries = ReadingListEntry.objects.select_related("reading_list", "paper").annotate(
            review_count=Coalesce(Subquery(review_count), 0)
        )
        if self.action == "list":
            entries = entries.only("number", "reading_list__slug", "paper__title")
        user = self.request.user
        if user.is_authenticated:
            mine = EntryStatus.objects.filter(entry=OuterRef("pk"), member=user)
            return entries.annotate(my_status=Subquery(mine.values("status")[:1]))
        return entries.annotate(my_status=Value(None, output_field=CharField()))
