"""Reads of the meetings app, each with the joins its page needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reviews.enums import ReviewStatus
from reviews.models import Cohort, Comment, Member, ReadingListEntry, Review

from . import rules
from .enums import SessionStatus, SwapStatus
from .models import Assignment, Attendance, Session, SwapRequest, Unavailability

MEMBER_FIELDS = ("username", "display_name", "first_name", "last_name")


def _sessions() -> QuerySet[Session]:
    entries = ReadingListEntry.objects.select_related("paper", "reading_list").order_by("number")
    presenters = Member.objects.only(*MEMBER_FIELDS).order_by("username")
    return Session.objects.select_related("cohort").prefetch_related(
        Prefetch("entries", queryset=entries), Prefetch("presenters", queryset=presenters)
    )


def cohort_sessions(*, cohort: Cohort) -> QuerySet[Session]:
    return _sessions().filter(cohort=cohort).order_by("starts_at", "number")


def session_for_page(*, pk: int) -> Session | None:
    return _sessions().filter(pk=pk).first()


def next_session(*, cohort: Cohort, now: datetime | None = None) -> Session | None:
    """The cohort's next planned session that has not ended yet."""
    now = now or timezone.now()
    return (
        _sessions()
        .filter(cohort=cohort, status=SessionStatus.PLANNED, ends_at__gt=now)
        .order_by("starts_at")
        .first()
    )


def session_reviews(*, session: Session, user: Member | AnonymousUser) -> list[Review]:
    """Every published review of the session's papers (and the viewer's own drafts)."""
    visible = Q(status=ReviewStatus.PUBLISHED)
    if user.is_authenticated:
        visible |= Q(author_id=user.pk)
    papers = [e.paper_id for e in session.entries.all()]
    return list(
        Review.objects.filter(visible, paper_id__in=papers)
        .select_related("author", "paper")
        .only(
            "tldr",
            "status",
            "published_at",
            "paper__title",
            *(f"author__{n}" for n in MEMBER_FIELDS),
        )
        .order_by("paper_id", "-published_at", "pk")
    )


@dataclass
class ReviewerRow:
    """One cohort member and, for each of the session's papers, whether they reviewed it."""

    member: Member
    reviewed: list[bool] = field(default_factory=list)
    answer: str = ""
    attended: bool | None = None


def session_roster(*, session: Session) -> list[ReviewerRow]:
    """Who has and hasn't reviewed each paper, with attendance answers, member by member."""
    member_ids = rules.cohort_member_ids(session.cohort)
    members = Member.objects.filter(pk__in=member_ids).only(*MEMBER_FIELDS).order_by("username")
    papers = [e.paper_id for e in session.entries.all()]
    done = set(
        Review.objects.filter(
            paper_id__in=papers, author_id__in=member_ids, status=ReviewStatus.PUBLISHED
        ).values_list("author_id", "paper_id")
    )
    answers = {a.member_id: a for a in Attendance.objects.filter(session=session)}
    rows = []
    for member in members:
        answer = answers.get(member.pk)
        rows.append(
            ReviewerRow(
                member=member,
                reviewed=[(member.pk, p) in done for p in papers],
                answer=answer.answer if answer else "",
                attended=answer.attended if answer else None,
            )
        )
    return rows


def session_questions(*, session: Session) -> QuerySet[Comment]:
    """Questions asked on published reviews of the session's papers, open ones first."""
    papers = [e.paper_id for e in session.entries.all()]
    return (
        Comment.objects.filter(
            is_question=True,
            review__paper_id__in=papers,
            review__status=ReviewStatus.PUBLISHED,
        )
        .select_related("author", "review__paper", "review__author")
        .order_by(F("resolved_at").asc(nulls_first=True), "created_at", "pk")
    )


def pending_swaps(*, member: Member) -> QuerySet[SwapRequest]:
    return SwapRequest.objects.filter(
        status=SwapStatus.PENDING, counterpart=member, session__starts_at__gt=timezone.now()
    ).select_related("session__cohort", "requested_by", "counterpart_session")


@dataclass
class Progress:
    """A member's progress on an assignment: published reviews of the list's papers."""

    member: Member
    done: int
    required: int

    @property
    def complete(self) -> bool:
        return self.done >= self.required

    @property
    def shown(self) -> int:
        return min(self.done, self.required)


def assignment_progress(*, assignment: Assignment) -> list[Progress]:
    member_ids = rules.cohort_member_ids(assignment.cohort)
    papers = assignment.reading_list.entries.values("paper_id")
    counts = dict(
        Review.objects.filter(
            author_id__in=member_ids,
            paper_id__in=papers,
            status=ReviewStatus.PUBLISHED,
            published_at__lte=assignment.due_at,
        )
        .values("author_id")
        .annotate(n=Count("pk"))
        .values_list("author_id", "n")
    )
    members = Member.objects.filter(pk__in=member_ids).only(*MEMBER_FIELDS).order_by("username")
    return [Progress(m, counts.get(m.pk, 0), assignment.papers_required) for m in members]


def cohort_assignments(*, cohort: Cohort) -> QuerySet[Assignment]:
    return Assignment.objects.filter(cohort=cohort).select_related("reading_list", "cohort")


@dataclass
class Todo:
    """Something a member still has to do, and by when."""

    text: str
    due: datetime
    url: str = ""


@dataclass
class NextForMe:
    """The home page's answer for one cohort: the next session, what is left, my progress."""

    cohort: Cohort
    session: Session | None
    presenting: bool
    todo: list[Todo]
    progress: list[tuple[Assignment, Progress]]
    reviewed: int
    total: int


def whats_next(*, member: Member) -> list[NextForMe]:
    cohorts = Cohort.objects.filter(memberships__member=member).order_by("-created_at")
    answers = []
    now = timezone.now()
    for cohort in cohorts:
        session = next_session(cohort=cohort, now=now)
        todo: list[Todo] = []
        presenting = False
        if session is not None:
            presenting = any(p.pk == member.pk for p in session.presenters.all())
            mine = set(
                Review.objects.filter(
                    author=member,
                    status=ReviewStatus.PUBLISHED,
                    paper_id__in=[e.paper_id for e in session.entries.all()],
                ).values_list("paper_id", flat=True)
            )
            for entry in session.entries.all():
                if entry.paper_id not in mine:
                    todo.append(
                        Todo(
                            _("Read and review “%(title)s”") % {"title": entry.paper.title},
                            session.starts_at,
                            entry.paper.get_absolute_url(),
                        )
                    )
            if presenting:
                todo.append(Todo(_("Prepare your presentation"), session.starts_at, ""))
        progress = []
        for assignment in cohort_assignments(cohort=cohort).filter(due_at__gt=now):
            mine = next(
                p for p in assignment_progress(assignment=assignment) if p.member.pk == member.pk
            )
            progress.append((assignment, mine))
            if not mine.complete:
                todo.append(
                    Todo(
                        ngettext(
                            "Review %(left)s more paper of %(list)s",
                            "Review %(left)s more papers of %(list)s",
                            mine.required - mine.done,
                        )
                        % {
                            "left": mine.required - mine.done,
                            "list": assignment.reading_list.title,
                        },
                        assignment.due_at,
                        assignment.reading_list.get_absolute_url(),
                    )
                )
        entries = ReadingListEntry.objects.filter(reading_list__cohort=cohort)
        reviewed = (
            Review.objects.filter(
                author=member,
                status=ReviewStatus.PUBLISHED,
                paper_id__in=entries.values("paper_id"),
            )
            .values("paper_id")
            .distinct()
            .count()
        )
        answers.append(
            NextForMe(
                cohort=cohort,
                session=session,
                presenting=presenting,
                todo=sorted(todo, key=lambda t: t.due),
                progress=progress,
                reviewed=reviewed,
                total=entries.values("paper_id").distinct().count(),
            )
        )
    return answers


def calendar_sessions(*, cohorts: QuerySet[Cohort] | list[Cohort]) -> QuerySet[Session]:
    return (
        Session.objects.filter(cohort__in=cohorts)
        .select_related("cohort")
        .prefetch_related(
            Prefetch("presenters", queryset=Member.objects.only(*MEMBER_FIELDS)),
            Prefetch("entries", queryset=ReadingListEntry.objects.select_related("paper")),
        )
        .order_by("starts_at")
    )


def upcoming_unavailable(*, member: Member) -> list[date]:
    return list(
        Unavailability.objects.filter(member=member, day__gte=timezone.localdate()).values_list(
            "day", flat=True
        )
    )


def session_my_comments(*, session: Session, user: Member | AnonymousUser) -> QuerySet[Comment]:
    """The viewer's own comments on the session's reviews that are not questions yet."""
    if not user.is_authenticated:
        return Comment.objects.none()
    papers = [e.paper_id for e in session.entries.all()]
    return (
        Comment.objects.filter(
            author_id=user.pk,
            is_question=False,
            review__paper_id__in=papers,
            review__status=ReviewStatus.PUBLISHED,
        )
        .select_related("review__paper", "review__author")
        .order_by("created_at", "pk")
    )


@dataclass
class SinceLastSession:
    """What happened in a cohort since its previous meeting: reviews published by its members
    or of its lists' papers, and comments on them (questions first)."""

    cohort: Cohort
    previous: Session | None
    next: Session | None
    since: datetime | None
    reviews: list[Review] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    questions: list[Comment] = field(default_factory=list)


SINCE_LIMIT = 100


def since_last_session(*, cohort: Cohort, now: datetime | None = None) -> SinceLastSession:
    now = now or timezone.now()
    previous = (
        Session.objects.filter(cohort=cohort, starts_at__lt=now)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("-starts_at")
        .first()
    )
    answer = SinceLastSession(cohort, previous, next_session(cohort=cohort, now=now), None)
    if previous is None:
        return answer
    answer.since = min(previous.ends_at, now)
    ours = Q(author__memberships__cohort=cohort) | Q(paper__entries__reading_list__cohort=cohort)
    published = Review.objects.filter(ours, status=ReviewStatus.PUBLISHED).values("pk")
    answer.reviews = list(
        Review.objects.filter(pk__in=published, published_at__gt=answer.since)
        .select_related("author", "paper")
        .only("tldr", "published_at", "author", "paper__title", *_author_fields("author"))
        .order_by("-published_at")[:SINCE_LIMIT]
    )
    comments = (
        Comment.objects.filter(review__in=published, created_at__gt=answer.since)
        .select_related("author", "review__paper", "review__author")
        .order_by("-created_at")
    )
    answer.questions = list(comments.filter(is_question=True)[:SINCE_LIMIT])
    answer.comments = list(comments.filter(is_question=False)[:SINCE_LIMIT])
    return answer


def _author_fields(prefix: str) -> list[str]:
    return [f"{prefix}__{name}" for name in MEMBER_FIELDS]
