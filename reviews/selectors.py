"""Reusable reads. Each selector owns its joins, so pages run a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import (
    CharField,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _

from search.selectors import filter_papers

from .enums import ReadingStatus, ReviewStatus, RunStatus, Section
from .models import (
    Bookmark,
    Cohort,
    CohortMembership,
    Comment,
    CommentRevision,
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

# The columns each kind of page shows. Section bodies are wide (and the paper's search text
# wider still), so a page reads them only where it prints them.
MEMBER_NAME_FIELDS = ("username", "display_name", "first_name", "last_name")
AUTHOR_NAME_FIELDS = tuple(f"author__{name}" for name in MEMBER_NAME_FIELDS)
# A line of a review list (partials/review_item.html).
REVIEW_ITEM_FIELDS = (
    "status",
    "language",
    "tldr",
    "published_at",
    "updated_at",
    "paper",
    "paper__title",
    "author",
    *AUTHOR_NAME_FIELDS,
)
# The Markdown sources: pages and feeds print the HTML rendered from them at save.
SECTION_SOURCES = tuple(s.value for s in Section)
# A review page: every column of the review but the sources.
REVIEW_PAGE_FIELDS = (
    *(f.name for f in Review._meta.concrete_fields if f.name not in SECTION_SOURCES),
    "paper__title",
    "paper__year",
    "paper__arxiv_id",
    *AUTHOR_NAME_FIELDS,
)
PAPER_PAGE_FIELDS = (
    "title",
    "authors",
    "authors_incomplete",
    "year",
    "venue",
    "arxiv_id",
    "doi",
    "url",
    "pdf_url",
    "code_url",
    "project_url",
    "abstract",
    "created_at",
)
# A line of a reading list.
PAPER_LINE_FIELDS = ("title", "authors", "year")


def reviews_visible_to(user: Member | AnonymousUser) -> QuerySet[Review]:
    published = Q(status=ReviewStatus.PUBLISHED)
    if user.is_authenticated:
        return Review.objects.filter(published | Q(author=user))
    return Review.objects.filter(published)


class SubqueryCount(Subquery):
    """COUNT(*) of a correlated subquery: no join and no DISTINCT in the outer query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def published_reviews() -> QuerySet[Review]:
    return (
        Review.objects.filter(status=ReviewStatus.PUBLISHED)
        .select_related("paper", "author")
        .order_by("-published_at", "-pk")
    )


def review_items(reviews: QuerySet[Review]) -> QuerySet[Review]:
    """The reviews with only the columns a review list shows, paper and author joined."""
    return reviews.select_related("paper", "author").only(*REVIEW_ITEM_FIELDS)


def feed_reviews() -> QuerySet[Review]:
    """Published reviews with their rendered sections, not their Markdown sources."""
    return (
        published_reviews()
        .only(
            "tldr",
            "language",
            "published_at",
            "updated_at",
            *(f"{s}_html" for s in SECTION_SOURCES),
            "paper",
            "paper__title",
            "author",
            *AUTHOR_NAME_FIELDS,
        )
        .prefetch_related(Prefetch("paper__tags", queryset=Tag.objects.only("name")))
    )


def reading_list_entries(
    *,
    reading_list: ReadingList,
    user: Member | AnonymousUser,
    tag: str = "",
    status: str = "",
    query: str = "",
) -> QuerySet[ReadingListEntry]:
    published = Review.objects.filter(paper=OuterRef("paper"), status=ReviewStatus.PUBLISHED)
    entries = (
        reading_list.entries.select_related("paper")
        .only(
            "number",
            "reading_list",
            "paper",
            *(f"paper__{name}" for name in PAPER_LINE_FIELDS),
        )
        .prefetch_related(
            Prefetch("paper__tags", queryset=Tag.objects.only("name", "slug").order_by("name"))
        )
        .annotate(review_count=SubqueryCount(published.values("pk")))
        .order_by("number")
    )
    if user.is_authenticated:
        # The newest review by someone else, to mark entries with reviews new since a visit.
        others = published.exclude(author=user).order_by("-published_at")
        entries = entries.annotate(
            my_status=Subquery(
                EntryStatus.objects.filter(entry=OuterRef("pk"), member=user).values("status")[:1]
            ),
            latest_review_at=Subquery(others.values("published_at")[:1]),
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


PAPER_ORDERS = {
    "newest": ("-created_at", "-pk"),
    "reviewed": ("-review_count", "-created_at", "-pk"),
    "title": ("title", "pk"),
}


def papers_index(
    *,
    tag: str = "",
    year: int | None = None,
    venue: str = "",
    cohort: str = "",
    listed: str = "",
    reviewed: str = "",
    sort: str = "",
) -> QuerySet[Paper]:
    """Every paper of the group, filtered (`listed`, `reviewed`: "yes", "no" or "" for
    either) and ordered: newest, most reviewed or by title."""
    published = Review.objects.filter(paper=OuterRef("pk"), status=ReviewStatus.PUBLISHED)
    entries = ReadingListEntry.objects.filter(paper=OuterRef("pk"))
    papers = (
        Paper.objects.only(*PAPER_LINE_FIELDS, "venue", "arxiv_id", "created_at")
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.only("name", "slug").order_by("name"))
        )
        # One grouped join: a count subquery per paper took four times as long to order
        # 10,000 papers by their reviews.
        .annotate(review_count=Count("reviews", filter=Q(reviews__status=ReviewStatus.PUBLISHED)))
    )
    if tag:
        papers = papers.filter(pk__in=Tag.objects.filter(slug=tag).values("papers"))
    if year is not None:
        papers = papers.filter(year=year)
    if venue:
        papers = papers.filter(venue__icontains=venue)
    if cohort:
        papers = papers.filter(
            pk__in=ReadingListEntry.objects.filter(reading_list__cohort__slug=cohort).values(
                "paper"
            )
        )
    if listed:
        papers = papers.filter(Exists(entries) if listed == "yes" else ~Exists(entries))
    if reviewed:
        papers = papers.filter(Exists(published) if reviewed == "yes" else ~Exists(published))
    return papers.order_by(*PAPER_ORDERS.get(sort or "newest", PAPER_ORDERS["newest"]))


def paper_with_reviews(*, pk: int, user: Member | AnonymousUser | None = None) -> Paper:
    """The paper with its published reviews and list entries; for a member, in the same
    query, the status of their own review (`my_review_status`, None without one) and
    whether they bookmarked it (`bookmarked`)."""
    reviews = review_items(published_reviews())
    papers = Paper.objects.only(*PAPER_PAGE_FIELDS)
    if user is not None and user.is_authenticated:
        mine = Review.objects.filter(paper=OuterRef("pk"), author=user).values("status")[:1]
        marked = Bookmark.objects.filter(paper=OuterRef("pk"), member=user)
        papers = papers.annotate(my_review_status=Subquery(mine), bookmarked=Exists(marked))
    return papers.prefetch_related(
        "tags",
        Prefetch("reviews", queryset=reviews, to_attr="published_reviews"),
        Prefetch(
            "entries",
            queryset=ReadingListEntry.objects.select_related("reading_list"),
            to_attr="list_entries",
        ),
    ).get(pk=pk)


def review_for_page(
    *, pk: int, user: Member | AnonymousUser, full_revisions: bool = False
) -> Review:
    """The review with its rendered sections, comments and revisions (numbers only, unless
    the history page asks for their text)."""
    comments = Comment.objects.select_related("author").defer("body").order_by("created_at", "pk")
    reviews = (
        reviews_visible_to(user)
        .select_related("paper", "author")
        .only(*REVIEW_PAGE_FIELDS)
        .prefetch_related(
            "paper__tags", Prefetch("comments", queryset=comments, to_attr="all_comments")
        )
    )
    if full_revisions:
        # The history page diffs the sources; each revision's HTML is for its own page.
        html = [f"{key}_html" for key in SECTION_SOURCES]
        revisions = ReviewRevision.objects.order_by("-number")
        revisions = revisions.select_related("published_by").defer(*html)
        reviews = reviews.prefetch_related(
            Prefetch("revisions", queryset=revisions, to_attr="all_revisions")
        )
    else:
        # The review page only counts them, in its own query.
        numbers = ReviewRevision.objects.filter(review=OuterRef("pk")).values("pk")
        reviews = reviews.annotate(revision_count=SubqueryCount(numbers))
    return reviews.get(pk=pk)


def review_revision(*, pk: int, number: int, user: Member | AnonymousUser) -> ReviewRevision:
    """One published revision of a review the user may read, with its rendered sections;
    `revision.numbers` lists every revision number of the review, newest first."""
    revision = (
        ReviewRevision.objects.filter(review__in=reviews_visible_to(user))
        .select_related("review__paper", "review__author", "published_by")
        .get(review_id=pk, number=number)
    )
    numbers = ReviewRevision.objects.filter(review_id=pk).order_by("-number")
    revision.numbers = list(numbers.values_list("number", flat=True))
    return revision


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


Thread = tuple[Comment, list[Comment]]


@dataclass(frozen=True)
class SectionDiscussion:
    """One section of a review page: its rendered text, and the threads anchored to it."""

    key: str
    label: str
    html: str
    threads: list[Thread]

    @property
    def comment_count(self) -> int:
        return sum(1 + len(replies) for _root, replies in self.threads)


def review_discussion(
    review: Review, comments: list[Comment]
) -> tuple[list[SectionDiscussion], list[Thread]]:
    """The review's sections, each with the threads started on it, and the general threads
    (those about the whole review) that the page shows after them."""
    parts = review.sections()
    by_section: dict[str, list[Thread]] = {key: [] for key, _label, _html in parts}
    general: list[Thread] = []
    for thread in comment_threads(comments):
        by_section.get(thread[0].section, general).append(thread)
    sections = [SectionDiscussion(key, label, html, by_section[key]) for key, label, html in parts]
    return sections, general


def comment_revisions(
    *, comment: Comment, viewer: Member | AnonymousUser
) -> QuerySet[CommentRevision]:
    """A comment's earlier texts, newest first: for its author and organizers alone."""
    if not viewer.is_authenticated or (viewer.pk != comment.author_id and not viewer.is_staff):
        raise PermissionDenied(_("Only the comment's author or an organizer can see its edits."))
    return comment.revisions.order_by("-written_at", "-pk")


@dataclass(frozen=True)
class ListProgress:
    reading_list: ReadingList
    reviewed: int
    total: int


def member_progress(*, member: Member) -> list[ListProgress]:
    """For each list with an entry the member has touched or is in the cohort of."""
    # Each count is its own correlated subquery: joining entries to every member's statuses
    # and counting DISTINCT reads (entries x statuses) rows per list.
    # Two small subqueries: one OR across both joins multiplied every list's entries by
    # everyone's statuses (100 ms for a member of five lists of 500).
    in_cohort = ReadingList.objects.filter(cohort__members=member).values("pk")
    touched = EntryStatus.objects.filter(member=member).values("entry__reading_list_id")
    entries = ReadingListEntry.objects.filter(reading_list=OuterRef("pk"))
    reviewed = EntryStatus.objects.filter(
        entry__reading_list=OuterRef("pk"), member=member, status=ReadingStatus.REVIEWED
    )
    lists = (
        ReadingList.objects.filter(Q(pk__in=in_cohort) | Q(pk__in=touched))
        .only("title", "slug")
        .annotate(
            total=SubqueryCount(entries.values("pk")),
            reviewed=SubqueryCount(reviewed.values("pk")),
        )
        .order_by("-created_at")
    )
    return [ListProgress(rl, rl.reviewed, rl.total) for rl in lists]


def member_reviews(*, member: Member, user: Member | AnonymousUser) -> QuerySet[Review]:
    return review_items(reviews_visible_to(user).filter(author=member)).order_by(
        "-updated_at", "-pk"
    )


def member_bookmarks(*, member: Member) -> QuerySet[Bookmark]:
    """The member's read-later list, newest first, with each paper's title."""
    return member.bookmarks.select_related("paper").only(
        "member", "created_at", "paper", "paper__title"
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


# Versions for conditional GETs: one cheap query each, which changes whenever what an
# anonymous visitor sees on the page changes (names of papers, members and tags shown on
# other pages aside: the ETag also turns over every few minutes for those).


def _summary(rows: QuerySet, *latest: str) -> Subquery:
    """The rows as one short text: their count, and the largest value of each field."""
    parts: list[Any] = [Cast(Count("pk"), CharField())]
    for field in latest:
        parts += [Value("|"), Coalesce(Cast(Max(field), CharField()), Value(""))]
    summed = (
        rows.order_by()
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(summary=Concat(*parts, output_field=CharField()))
        .values("summary")
    )
    return Subquery(summed, output_field=CharField())


def _review_rows(reviews: QuerySet[Review]) -> Subquery:
    # An unpublish bumps the version, not updated_at.
    return _summary(reviews, "updated_at", "version")


def home_version(*, tag: str) -> tuple[object, ...]:
    latest = published_reviews().select_related(None)
    if tag:
        latest = latest.filter(paper__tags__slug=tag)
    lists = Cohort.objects.aggregate(
        cohorts=Count("pk", distinct=True),
        cohort=Max("created_at"),
        lists=Count("reading_lists"),
        list=Max("reading_lists__created_at"),
    )
    return (*latest.values_list("pk", "updated_at", "version")[:10], *lists.values())


def feed_version(reviews: QuerySet[Review], size: int) -> tuple[object, ...]:
    return tuple(reviews.select_related(None).values_list("pk", "updated_at", "version")[:size])


def reading_list_version(*, slug: str, page: int, per_page: int) -> tuple[object, ...] | None:
    """The list, its entries, and the reviews and tags of the papers on one page of it."""
    entries = ReadingListEntry.objects.filter(reading_list__slug=slug)
    on_page = entries.order_by("number").values("paper")[(page - 1) * per_page : page * per_page]
    lists = ReadingList.objects.filter(slug=slug).annotate(
        v_entries=_summary(
            entries.filter(reading_list=OuterRef("pk")),
            "number",
            "paper",
        ),
        v_reviews=_review_rows(Review.objects.filter(paper__in=on_page)),
        v_tags=_summary(Paper.tags.through.objects.filter(paper__in=on_page), "tag"),
        v_others=_summary(ReadingList.objects.all(), "created_at"),
    )
    found = lists.values_list(
        "title", "description", "cohort__name", "v_entries", "v_reviews", "v_tags", "v_others"
    ).first()
    # Past the last page the page shows the last one, which this version does not cover.
    total = int(str(found[3]).split("|")[0]) if found else 0
    return found if found and (page - 1) * per_page < max(total, 1) else None


def paper_version(*, pk: int) -> tuple[object, ...] | None:
    papers = Paper.objects.filter(pk=pk).annotate(
        v_reviews=_review_rows(Review.objects.filter(paper=OuterRef("pk"))),
        v_entries=_summary(
            ReadingListEntry.objects.filter(paper=OuterRef("pk")), "number", "reading_list"
        ),
        v_tags=_summary(Paper.tags.through.objects.filter(paper=OuterRef("pk")), "tag"),
    )
    return papers.values_list(*PAPER_PAGE_FIELDS, "v_reviews", "v_entries", "v_tags").first()


def review_version(*, pk: int) -> tuple[object, ...] | None:
    """None while a demo run is queued or running: its progress changes by the second."""
    runs = ExperimentRun.objects.filter(review=OuterRef("pk"))
    reviews = (
        reviews_visible_to(AnonymousUser())
        .filter(pk=pk)
        .annotate(
            v_comments=_summary(Comment.objects.filter(review=OuterRef("pk")), "updated_at"),
            v_runs=_summary(runs, "created_at", "finished_at"),
            v_running=Exists(runs.filter(status__in=RunStatus.active())),
        )
    )
    found = reviews.values_list(
        "updated_at", "version", "v_comments", "v_runs", "v_running"
    ).first()
    return None if found is None or found[-1] else found


def member_version(*, username: str) -> tuple[object, ...] | None:
    members = Member.objects.filter(username=username, is_active=True).annotate(
        v_reviews=_review_rows(Review.objects.filter(author=OuterRef("pk"))),
        v_statuses=_summary(EntryStatus.objects.filter(member=OuterRef("pk")), "updated_at"),
        v_cohorts=_summary(CohortMembership.objects.filter(member=OuterRef("pk")), "cohort"),
    )
    return members.values_list(
        "display_name",
        "first_name",
        "last_name",
        "bio",
        "is_staff",
        "v_reviews",
        "v_statuses",
        "v_cohorts",
    ).first()
