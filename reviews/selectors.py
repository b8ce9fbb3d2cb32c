"""Reusable reads. Each selector owns its joins, so pages run a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from search.selectors import filter_papers

from .enums import ReadingStatus, ReviewStatus
from .models import (
    Comment,
    EntryStatus,
    ExperimentRun,
    Member,
    Paper,
    ReadingList,
    ReadingListEntry,
    Review,
    ReviewRevision,
    Tag,
)


def reviews_visible_to(user: Member | AnonymousUser) -> QuerySet[Review]:
    published = Q(status=ReviewStatus.PUBLISHED)
    if user.is_authenticated:
        return Review.objects.filter(published | Q(author=user))
    return Review.objects.filter(published)


def published_reviews() -> QuerySet[Review]:
    return (
        Review.objects.filter(status=ReviewStatus.PUBLISHED)
        .select_related("paper", "author")
        .order_by("-published_at", "-pk")
    )


def reading_list_entries(
    *,
    reading_list: ReadingList,
    user: Member | AnonymousUser,
    tag: str = "",
    status: str = "",
    query: str = "",
) -> QuerySet[ReadingListEntry]:
    entries = (
        reading_list.entries.select_related("paper", "presenter")
        .prefetch_related(Prefetch("paper__tags", queryset=Tag.objects.order_by("name")))
        .annotate(
            review_count=Count(
                "paper__reviews",
                filter=Q(paper__reviews__status=ReviewStatus.PUBLISHED),
                distinct=True,
            )
        )
        .order_by("number")
    )
    if user.is_authenticated:
        entries = entries.annotate(
            my_status=Subquery(
                EntryStatus.objects.filter(entry=OuterRef("pk"), member=user).values("status")[:1]
            )
        )
    if tag:
        entries = entries.filter(paper__tags__slug=tag)
    if query:
        entries = filter_papers(entries, query, path="paper__")
    if status and user.is_authenticated:
        if status == ReadingStatus.TO_READ:
            entries = entries.filter(Q(my_status=status) | Q(my_status__isnull=True))
        else:
            entries = entries.filter(my_status=status)
    return entries


def paper_with_reviews(*, pk: int) -> Paper:
    reviews = published_reviews().prefetch_related(None)
    return (
        Paper.objects.select_related("added_by")
        .prefetch_related(
            "tags",
            Prefetch("reviews", queryset=reviews, to_attr="published_reviews"),
            Prefetch(
                "entries",
                queryset=ReadingListEntry.objects.select_related("reading_list"),
                to_attr="list_entries",
            ),
        )
        .get(pk=pk)
    )


def review_for_page(*, pk: int, user: Member | AnonymousUser) -> Review:
    comments = Comment.objects.select_related("author").order_by("created_at", "pk")
    revisions = ReviewRevision.objects.select_related("published_by").order_by("-number")
    return (
        reviews_visible_to(user)
        .select_related("paper", "author")
        .prefetch_related(
            "paper__tags",
            Prefetch("comments", queryset=comments, to_attr="all_comments"),
            Prefetch("revisions", queryset=revisions, to_attr="all_revisions"),
        )
        .get(pk=pk)
    )


def comment_threads(comments: list[Comment]) -> list[tuple[Comment, list[Comment]]]:
    """Top-level comments with their replies, flattened below the thread root."""
    by_id = {c.pk: c for c in comments}
    roots: list[Comment] = []
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        root = comment
        while root.parent_id and root.parent_id in by_id:
            root = by_id[root.parent_id]
        if root is comment:
            roots.append(comment)
        else:
            replies.setdefault(root.pk, []).append(comment)
    return [(root, replies.get(root.pk, [])) for root in roots]


@dataclass(frozen=True)
class ListProgress:
    reading_list: ReadingList
    reviewed: int
    total: int


def member_progress(*, member: Member) -> list[ListProgress]:
    """For each list with an entry the member has touched or is in the cohort of."""
    # The membership filter runs in a subquery so it does not narrow the counts below.
    touched = ReadingList.objects.filter(
        Q(cohort__members=member) | Q(entries__statuses__member=member)
    ).values("pk")
    lists = (
        ReadingList.objects.filter(pk__in=touched)
        .annotate(
            total=Count("entries", distinct=True),
            reviewed=Count(
                "entries__statuses",
                filter=Q(
                    entries__statuses__member=member,
                    entries__statuses__status=ReadingStatus.REVIEWED,
                ),
                distinct=True,
            ),
        )
        .order_by("-created_at")
    )
    return [ListProgress(rl, rl.reviewed, rl.total) for rl in lists]


def member_reviews(*, member: Member, user: Member | AnonymousUser) -> QuerySet[Review]:
    return (
        reviews_visible_to(user)
        .filter(author=member)
        .select_related("paper", "author")
        .order_by("-updated_at")
    )


def runs_visible_to(user: Member | AnonymousUser) -> QuerySet[ExperimentRun]:
    """Runs on reviews the user can read, with what a run list shows."""
    published = Q(review__status=ReviewStatus.PUBLISHED)
    visible = published | Q(review__author=user) if user.is_authenticated else published
    return ExperimentRun.objects.filter(visible).select_related(
        "review__paper", "review__author", "requested_by"
    )


def runs_for_review(review: Review) -> QuerySet[ExperimentRun]:
    """A review's runs, newest first, without their (large) metric series."""
    return review.runs.select_related("requested_by").defer("series")
