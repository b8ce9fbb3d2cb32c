"""Reads for recommendations: the texts the worker weighs, each member's signals, and what
the pages show (similar papers, who reviewed what else, who can help, a member's list)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Concat, Substr
from django.utils.translation import gettext as _

from reviews.enums import ReadingStatus, ReviewStatus
from reviews.models import (
    Bookmark,
    CohortMembership,
    EntryStatus,
    Member,
    Paper,
    ReadingListEntry,
    Review,
)

from .models import Dismissal, Recommendation, SimilarPaper

# What of a paper its vector is made of; the title counts twice. Review text is capped so
# that a paper with fifty reviews does not drown the rest, and reading it stays fast.
ABSTRACT_CHARS = 2000
REVIEW_CHARS = 1000
REVIEWS_PER_PAPER = 3
# Statuses that say a member already reads (or read) a paper.
READING = [ReadingStatus.READING, ReadingStatus.REVIEWED]


def paper_texts(paper_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Each paper's text: title twice, tags, the start of its abstract, and the start of its
    newest published reviews (TL;DR, introduction, core algorithm)."""
    papers = Paper.objects.all()
    reviews = Review.objects.filter(status=ReviewStatus.PUBLISHED)
    tags = Paper.tags.through.objects.all()
    if paper_ids is not None:
        ids = list(paper_ids)
        papers, reviews, tags = (
            papers.filter(pk__in=ids),
            reviews.filter(paper_id__in=ids),
            tags.filter(paper_id__in=ids),
        )
    parts: dict[int, list[str]] = {}
    for pk, title, abstract in papers.values_list(
        "pk", "title", Substr("abstract", 1, ABSTRACT_CHARS)
    ):
        parts[pk] = [title, title, abstract or ""]
    for paper_id, name in tags.values_list("paper_id", "tag__name"):
        parts[paper_id].append(name)
    excerpt = Substr(
        Concat(
            "tldr",
            Value(" "),
            "introduction",
            Value(" "),
            "core_algorithm",
            output_field=TextField(),
        ),
        1,
        REVIEW_CHARS,
    )
    taken: dict[int, int] = defaultdict(int)
    rows = reviews.order_by("paper_id", "-published_at", "-pk").values_list("paper_id", excerpt)
    for paper_id, text in rows.iterator(chunk_size=2000):
        if taken[paper_id] < REVIEWS_PER_PAPER:
            taken[paper_id] += 1
            parts[paper_id].append(text)
    return {pk: "\n".join(texts) for pk, texts in parts.items()}


@dataclass
class MemberSignals:
    """What a member's model learns from and what it must not offer them."""

    positives: set[int] = field(default_factory=set)  # reviewed (any status) or bookmarked
    dismissed: set[int] = field(default_factory=set)  # "not for me"
    reading: set[int] = field(default_factory=set)  # marked reading or reviewed on a list
    listed: set[int] = field(default_factory=set)  # on one of their cohorts' lists

    @property
    def excluded(self) -> set[int]:
        return self.positives | self.dismissed | self.reading


def member_signals(member_ids: Iterable[int] | None = None) -> dict[int, MemberSignals]:
    """Every active member's signals (or those of `member_ids`), in five queries."""
    members = Member.objects.filter(is_active=True)
    if member_ids is not None:
        members = members.filter(pk__in=list(member_ids))
    found = {pk: MemberSignals() for pk in members.values_list("pk", flat=True)}
    ids = list(found)

    def pairs(queryset: QuerySet, member: str, paper: str) -> Iterable[tuple[int, int]]:
        return queryset.filter(**{f"{member}__in": ids}).values_list(member, paper).iterator()

    for member_id, paper_id in pairs(Review.objects.all(), "author_id", "paper_id"):
        found[member_id].positives.add(paper_id)
    for member_id, paper_id in pairs(Bookmark.objects.all(), "member_id", "paper_id"):
        found[member_id].positives.add(paper_id)
    for member_id, paper_id in pairs(Dismissal.objects.all(), "member_id", "paper_id"):
        found[member_id].dismissed.add(paper_id)
    statuses = EntryStatus.objects.filter(status__in=READING)
    for member_id, paper_id in pairs(statuses, "member_id", "entry__paper_id"):
        found[member_id].reading.add(paper_id)
    cohorts: dict[int, list[int]] = defaultdict(list)
    for member_id, cohort_id in pairs(CohortMembership.objects.all(), "member_id", "cohort_id"):
        cohorts[cohort_id].append(member_id)
    entries = ReadingListEntry.objects.filter(reading_list__cohort_id__in=list(cohorts))
    for cohort_id, paper_id in entries.values_list("reading_list__cohort_id", "paper_id"):
        for member_id in cohorts[cohort_id]:
            found[member_id].listed.add(paper_id)
    return found


# --- What the pages read ------------------------------------------------------------------

NEIGHBOURS = 5


def similar_papers(paper: Paper, limit: int = NEIGHBOURS) -> list[Paper]:
    """The papers closest to `paper` in text, best first, each with `similarity` (0–1)."""
    links = SimilarPaper.objects.filter(paper=paper).select_related("similar")
    found = []
    for link in links.order_by("-score", "similar_id")[:limit]:
        link.similar.similarity = link.score
        found.append(link.similar)
    return found


def also_reviewed(paper: Paper, limit: int = NEIGHBOURS) -> QuerySet[Paper]:
    """Members who reviewed this also reviewed…: the papers most of this paper's reviewers
    published a review of, each with `shared_reviewers`."""
    reviewers = Review.objects.filter(paper=paper, status=ReviewStatus.PUBLISHED).values(
        "author_id"
    )
    return (
        Paper.objects.filter(
            reviews__status=ReviewStatus.PUBLISHED, reviews__author_id__in=reviewers
        )
        .exclude(pk=paper.pk)
        .annotate(shared_reviewers=Count("reviews__author", distinct=True))
        .order_by("-shared_reviewers", "title", "pk")[:limit]
    )


def who_can_help(
    paper: Paper, similar: Iterable[Paper], limit: int = 8, asking: object = None
) -> list[Member]:
    """Members who published a review of this paper or of a similar one, but not the member
    `asking`; those who reviewed this one first, then by how many of the similar ones. Each
    has `reviewed_this` and `similar_reviewed`."""
    similar_ids = [p.pk for p in similar]
    rows = (
        Review.objects.filter(
            status=ReviewStatus.PUBLISHED,
            paper_id__in=[paper.pk, *similar_ids],
            author__is_active=True,
        )
        .exclude(author_id=getattr(asking, "pk", None))
        .values("author_id", "author__username", "author__display_name")
        .annotate(
            this=Count("pk", filter=Q(paper_id=paper.pk)),
            similar=Count("paper_id", filter=~Q(paper_id=paper.pk), distinct=True),
        )
        .order_by("-this", "-similar", "author_id")[:limit]
    )
    found = []
    for row in rows:
        member = Member(
            pk=row["author_id"],
            username=row["author__username"],
            display_name=row["author__display_name"],
        )
        member.reviewed_this = bool(row["this"])
        member.similar_reviewed = row["similar"]
        found.append(member)
    return found


RECOMMENDED = 10


@dataclass
class ForYou:
    """A member's recommendations: from their cohorts' lists and from the rest of the group,
    or, before they have reviewed or bookmarked anything, what their cohorts read most."""

    from_lists: list[Recommendation]
    from_group: list[Recommendation]
    popular: list[Paper]
    dismissed: list[Dismissal]

    @property
    def empty(self) -> bool:
        return not (self.from_lists or self.from_group or self.popular)

    @property
    def shelves(self) -> list[tuple[list[Recommendation], str]]:
        named = [
            (self.from_lists, _("From your cohorts' reading lists")),
            (self.from_group, _("From the rest of the group")),
        ]
        return [(shelf, heading) for shelf, heading in named if shelf]


def for_you(member: Member, limit: int = RECOMMENDED) -> ForYou:
    """Two queries for a member with a model; three more the first time (cold start). What
    they reviewed, bookmarked, dismissed or marked reading since the model was fitted is left
    out at once."""
    recommendations = (
        Recommendation.objects.filter(member=member)
        .exclude(Exists(Dismissal.objects.filter(member=member, paper=OuterRef("paper"))))
        .exclude(Exists(Review.objects.filter(author=member, paper=OuterRef("paper"))))
        .exclude(Exists(Bookmark.objects.filter(member=member, paper=OuterRef("paper"))))
        .exclude(
            Exists(
                EntryStatus.objects.filter(
                    member=member, entry__paper=OuterRef("paper"), status__in=READING
                )
            )
        )
        .select_related("paper")
        .order_by("-score", "paper_id")
    )
    from_lists, from_group = [], []
    for recommendation in recommendations[: 4 * limit]:
        shelf = from_lists if recommendation.on_list else from_group
        if len(shelf) < limit:
            shelf.append(recommendation)
    dismissed = list(Dismissal.objects.filter(member=member).select_related("paper")[:limit])
    popular = [] if from_lists or from_group else list(cohort_favourites(member, limit))
    return ForYou(from_lists, from_group, popular, dismissed)


def cohort_favourites(member: Member, limit: int = RECOMMENDED) -> QuerySet[Paper]:
    """What the member's cohorts read most, that the member has not: papers of their lists by
    how many cohort members are reading or reviewed them, then by published reviews. Without
    a cohort, the group's most reviewed papers."""
    cohorts = CohortMembership.objects.filter(member=member).values("cohort_id")
    papers = Paper.objects.exclude(Q(reviews__author=member) | Q(bookmarks__member=member)).exclude(
        pk__in=Dismissal.objects.filter(member=member).values("paper_id")
    )
    published = Count("reviews", filter=Q(reviews__status=ReviewStatus.PUBLISHED), distinct=True)
    if not CohortMembership.objects.filter(member=member).exists():
        return (
            papers.annotate(readers=published)
            .filter(readers__gt=0)
            .order_by("-readers", "title", "pk")[:limit]
        )
    readers = (
        EntryStatus.objects.filter(
            entry__paper=OuterRef("pk"),
            entry__reading_list__cohort_id__in=cohorts,
            status__in=READING,
        )
        .values("entry__paper")
        .annotate(n=Count("member", distinct=True))
        .values("n")
    )
    listed = ReadingListEntry.objects.filter(reading_list__cohort_id__in=cohorts).values("paper_id")
    return (
        papers.filter(pk__in=listed)
        .exclude(
            pk__in=EntryStatus.objects.filter(member=member, status__in=READING).values(
                "entry__paper_id"
            )
        )
        .annotate(
            readers=Coalesce(Subquery(readers, output_field=IntegerField()), 0),
            reviewed=published,
        )
        .order_by("-readers", "-reviewed", "title", "pk")[:limit]
    )
