"""Every write the meetings app makes, one keyword-only function each.

Views and the API call these. Each checks who may do it and what the cohort allows, and
either writes everything or raises (ValidationError with field errors, PermissionDenied)
having written nothing. Every change a calendar shows bumps the session's SEQUENCE.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reviews.enums import ReadingStatus, ReviewStatus
from reviews.markdown import render_markdown
from reviews.models import (
    Cohort,
    Comment,
    EntryStatus,
    Member,
    ReadingList,
    ReadingListEntry,
    Review,
)
from reviews.validators import validate_markdown_size, validate_time_zone

from . import rules
from .enums import RsvpAnswer, SessionStatus, SwapStatus
from .models import Assignment, Attendance, CalendarKey, Session, SwapRequest, Unavailability
from .rotation import NoRotation, Slot, rotation_plan

MAX_SESSIONS_AT_ONCE = 52


def _require_planner(cohort: Cohort, by: Member) -> None:
    if not rules.may_plan(by, cohort):
        raise PermissionDenied(_("Only an organizer of this cohort can plan its sessions."))


def _lock_cohort(cohort: Cohort) -> None:
    # Plans of one cohort are checked against each other one at a time (overlaps, numbers).
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()


def _overlapping(
    cohort: Cohort, starts_at: datetime, ends_at: datetime, exclude: Iterable[int] = ()
) -> Session | None:
    return (
        Session.objects.filter(cohort=cohort, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(status=SessionStatus.CANCELLED)
        .exclude(pk__in=list(exclude))
        .first()
    )


def _overlap_error(other: Session) -> ValidationError:
    when = date_format(timezone.localtime(other.starts_at), "Y-m-d H:i")
    return ValidationError(
        {
            "starts_at": [
                _("This overlaps %(session)s (%(when)s).") % {"session": other.label, "when": when}
            ]
        }
    )


def _check_presenters(cohort: Cohort, presenters: Iterable[Member]) -> None:
    members = set(rules.cohort_member_ids(cohort))
    outside = [p for p in presenters if p.pk not in members]
    if outside:
        raise ValidationError(
            {
                "presenters": [
                    _("%(name)s is not a member of this cohort.") % {"name": p.name}
                    for p in outside
                ]
            }
        )


def _check_entries(cohort: Cohort, entries: Iterable[ReadingListEntry]) -> None:
    lists = set(ReadingList.objects.filter(cohort=cohort).values_list("pk", flat=True))
    outside = [e for e in entries if e.reading_list_id not in lists]
    if outside:
        raise ValidationError(
            {"entries": [_("A paper of another cohort's reading list cannot be on this session.")]}
        )


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError({"starts_at": [_("A session's times need a time zone.")]})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": [_("A session must end after it starts.")]})


def _render(session: Session) -> None:
    for name in ("agenda", "notes"):
        try:
            validate_markdown_size(getattr(session, name))
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from None
        setattr(session, f"{name}_html", render_markdown(getattr(session, name)))


@dataclass(frozen=True)
class SessionFields:
    """What an organizer edits on one session (everything but cohort and number)."""

    starts_at: datetime
    ends_at: datetime
    time_zone: str
    title: str = ""
    place: str = ""
    video_url: str = ""
    agenda: str = ""
    notes: str = ""
    status: str = SessionStatus.PLANNED


def _apply(session: Session, fields: SessionFields) -> None:
    _check_times(fields.starts_at, fields.ends_at)
    try:
        validate_time_zone(fields.time_zone)
    except ValidationError as error:
        raise ValidationError({"time_zone": error.messages}) from None
    for name, value in vars(fields).items():
        setattr(session, name, value)
    _render(session)
    session.full_clean(exclude=["cohort", "entries", "presenters"], validate_unique=False)


@transaction.atomic
def session_create(
    *,
    cohort: Cohort,
    by: Member,
    fields: SessionFields,
    entries: Iterable[ReadingListEntry] = (),
    presenters: Iterable[Member] = (),
) -> Session:
    _require_planner(cohort, by)
    entries, presenters = list(entries), list(presenters)
    _lock_cohort(cohort)
    session = Session(cohort=cohort, number=_next_number(cohort))
    _apply(session, fields)
    _check_entries(cohort, entries)
    _check_presenters(cohort, presenters)
    if fields.status != SessionStatus.CANCELLED:
        other = _overlapping(cohort, fields.starts_at, fields.ends_at)
        if other is not None:
            raise _overlap_error(other)
    session.save()
    session.entries.set(entries)
    session.presenters.set(presenters)
    return session


@transaction.atomic
def session_update(
    *,
    session: Session,
    by: Member,
    fields: SessionFields,
    entries: Iterable[ReadingListEntry] | None = None,
    presenters: Iterable[Member] | None = None,
) -> Session:
    """Change a session; its SEQUENCE goes up so subscribed calendars take the change."""
    _require_planner(session.cohort, by)
    _lock_cohort(session.cohort)
    _apply(session, fields)
    if entries is not None:
        entries = list(entries)
        _check_entries(session.cohort, entries)
    if presenters is not None:
        presenters = list(presenters)
        _check_presenters(session.cohort, presenters)
    if fields.status != SessionStatus.CANCELLED:
        other = _overlapping(session.cohort, fields.starts_at, fields.ends_at, [session.pk])
        if other is not None:
            raise _overlap_error(other)
    session.sequence = F("sequence") + 1
    session.save()
    session.refresh_from_db(fields=["sequence"])
    if entries is not None:
        session.entries.set(entries)
    if presenters is not None:
        session.presenters.set(presenters)
    return session


def _bump(session: Session) -> None:
    Session.objects.filter(pk=session.pk).update(
        sequence=F("sequence") + 1, updated_at=timezone.now()
    )
    session.refresh_from_db(fields=["sequence", "updated_at"])


def _next_number(cohort: Cohort) -> int:
    return (Session.objects.filter(cohort=cohort).aggregate(n=Max("number"))["n"] or 0) + 1


@dataclass(frozen=True)
class Schedule:
    """ "Every <weekday of first_day> at <at> for <count> sessions, skipping these dates"."""

    first_day: date
    at: time
    duration: timedelta
    count: int
    time_zone: str
    skip: frozenset[date] = frozenset()
    place: str = ""
    video_url: str = ""


def schedule_days(schedule: Schedule) -> list[date]:
    """The days a schedule's sessions fall on: weekly from its first day, skipped days passed."""
    days: list[date] = []
    day = schedule.first_day
    while len(days) < schedule.count:
        if day not in schedule.skip:
            days.append(day)
        day += timedelta(days=7)
    return days


def _check_schedule(schedule: Schedule) -> None:
    errors: dict[str, list[str]] = {}
    if not 1 <= schedule.count <= MAX_SESSIONS_AT_ONCE:
        errors["count"] = [
            _("Plan between 1 and %(max)s sessions at once.") % {"max": MAX_SESSIONS_AT_ONCE}
        ]
    if schedule.duration <= timedelta(0):
        errors["ends_at"] = [_("A session must end after it starts.")]
    elif schedule.duration > timedelta(hours=24):
        errors["ends_at"] = [_("A session lasts at most a day.")]
    try:
        validate_time_zone(schedule.time_zone)
    except ValidationError as error:
        errors["time_zone"] = error.messages
    wrong_day = sorted(d for d in schedule.skip if d.weekday() != schedule.first_day.weekday())
    early = sorted(d for d in schedule.skip if d < schedule.first_day)
    if wrong_day or early:
        errors["skip"] = [
            _("%(day)s is not one of the schedule's days.") % {"day": d.isoformat()}
            for d in sorted(set(wrong_day) | set(early))
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def schedule_create(*, cohort: Cohort, by: Member, schedule: Schedule) -> list[Session]:
    """Create a season's sessions in one go; any conflict and none is created."""
    _require_planner(cohort, by)
    _check_schedule(schedule)
    _lock_cohort(cohort)
    zone = zoneinfo.ZoneInfo(schedule.time_zone)
    number = _next_number(cohort)
    sessions = []
    for offset, day in enumerate(schedule_days(schedule)):
        starts_at = datetime.combine(day, schedule.at, tzinfo=zone)
        ends_at = starts_at + schedule.duration
        other = _overlapping(cohort, starts_at, ends_at)
        if other is not None:
            raise _overlap_error(other)
        session = Session(
            cohort=cohort,
            number=number + offset,
            starts_at=starts_at,
            ends_at=ends_at,
            time_zone=schedule.time_zone,
            place=schedule.place,
            video_url=schedule.video_url,
        )
        session.full_clean(exclude=["cohort"], validate_unique=False)
        sessions.append(session)
    return Session.objects.bulk_create(sessions)


@transaction.atomic
def rotation_assign(
    *, cohort: Cohort, by: Member, sessions: Iterable[Session] | None = None
) -> dict[int, Member]:
    """Give each session without a presenter one, by the fair rotation (rotation.py).

    Without `sessions`: every planned, upcoming session of the cohort that has none. Turns
    already taken in the cohort count, so a second run keeps the season balanced.
    """
    _require_planner(cohort, by)
    _lock_cohort(cohort)
    if sessions is None:
        sessions = Session.objects.filter(
            cohort=cohort,
            status=SessionStatus.PLANNED,
            starts_at__gte=timezone.now(),
            presenters__isnull=True,
        )
    todo = sorted(
        (s for s in sessions if s.cohort_id == cohort.pk and s.status == SessionStatus.PLANNED),
        key=lambda s: (s.starts_at, s.number),
    )
    if not todo:
        raise ValidationError({"sessions": [_("There is no planned session to assign.")]})
    members = rules.cohort_member_ids(cohort)
    if not members:
        raise ValidationError({"sessions": [_("This cohort has no members to present.")]})
    zone_days = {
        s.pk: timezone.localtime(s.starts_at, zoneinfo.ZoneInfo(s.time_zone)).date() for s in todo
    }
    unavailable: dict[int, set[date]] = {}
    for member_id, day in Unavailability.objects.filter(
        member_id__in=members, day__in=set(zone_days.values())
    ).values_list("member_id", "day"):
        unavailable.setdefault(member_id, set()).add(day)
    past = Session.presenters.through.objects.filter(
        session__cohort=cohort, member_id__in=members
    ).exclude(session__status=SessionStatus.CANCELLED)
    past_turns: dict[int, int] = {}
    for member_id in past.values_list("member_id", flat=True):
        past_turns[member_id] = past_turns.get(member_id, 0) + 1
    before = (
        Session.objects.filter(cohort=cohort, starts_at__lt=todo[0].starts_at)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("-starts_at")
        .prefetch_related("presenters")
        .first()
    )
    previous_ids = [p.pk for p in before.presenters.all()] if before else []
    try:
        plan = rotation_plan(
            slots=[Slot(s.pk, zone_days[s.pk]) for s in todo],
            members=members,
            unavailable=unavailable,
            past_turns=past_turns,
            previous=previous_ids[0] if len(previous_ids) == 1 else None,
        )
    except NoRotation as failure:
        if failure.day is not None:
            message = _("Nobody in the cohort is available on %(day)s.") % {
                "day": failure.day.isoformat()
            }
        else:
            message = _(
                "No rotation works: with these unavailable dates someone would present twice "
                "in a row. Free a date or assign that session by hand."
            )
        raise ValidationError({"sessions": [message]}) from None
    people = {m.pk: m for m in Member.objects.filter(pk__in=set(plan.values()))}
    for session in todo:
        session.presenters.set([people[plan[session.pk]]])
        _bump(session)
    return {key: people[member_id] for key, member_id in plan.items()}


def _require_member(session: Session, member: Member) -> None:
    if member.pk not in rules.cohort_member_ids(session.cohort):
        raise PermissionDenied(_("Only members of this cohort can do that."))


def _require_upcoming(session: Session) -> None:
    if session.status != SessionStatus.PLANNED or session.starts_at <= timezone.now():
        raise ValidationError({"session": [_("This session is not upcoming any more.")]})


@transaction.atomic
def session_volunteer(*, session: Session, member: Member) -> Session:
    """A member offers to present (beside whoever already does)."""
    _require_member(session, member)
    _require_upcoming(session)
    if session.presenters.filter(pk=member.pk).exists():
        raise ValidationError({"session": [_("You already present this session.")]})
    session.presenters.add(member)
    _bump(session)
    return session


@transaction.atomic
def session_withdraw(*, session: Session, member: Member) -> Session:
    """A volunteer steps back; the organizer (or the rotation) fills the turn again."""
    _require_upcoming(session)
    if not session.presenters.filter(pk=member.pk).exists():
        raise ValidationError({"session": [_("You do not present this session.")]})
    session.presenters.remove(member)
    _bump(session)
    return session


@transaction.atomic
def swap_request(
    *,
    session: Session,
    by: Member,
    counterpart: Member,
    counterpart_session: Session | None = None,
) -> SwapRequest:
    """A presenter asks another member to take the turn, optionally taking theirs instead."""
    _require_upcoming(session)
    if not session.presenters.filter(pk=by.pk).exists():
        raise PermissionDenied(_("Only a presenter of this session can ask for a swap."))
    if counterpart.pk == by.pk:
        raise ValidationError({"counterpart": [_("Ask someone other than yourself.")]})
    if counterpart.pk not in rules.cohort_member_ids(session.cohort):
        raise ValidationError(
            {
                "counterpart": [
                    _("%(name)s is not a member of this cohort.") % {"name": counterpart.name}
                ]
            }
        )
    if session.presenters.filter(pk=counterpart.pk).exists():
        raise ValidationError(
            {
                "counterpart": [
                    _("%(name)s already presents this session.") % {"name": counterpart.name}
                ]
            }
        )
    if counterpart_session is not None:
        if (
            counterpart_session.cohort_id != session.cohort_id
            or counterpart_session.pk == session.pk
        ):
            raise ValidationError(
                {"counterpart_session": [_("Pick another session of the same cohort.")]}
            )
        _require_upcoming(counterpart_session)
        if not counterpart_session.presenters.filter(pk=counterpart.pk).exists():
            raise ValidationError(
                {
                    "counterpart_session": [
                        _("%(name)s does not present that session.") % {"name": counterpart.name}
                    ]
                }
            )
    if SwapRequest.objects.filter(
        session=session, requested_by=by, status=SwapStatus.PENDING
    ).exists():
        raise ValidationError({"session": [_("You already asked for a swap of this session.")]})
    return SwapRequest.objects.create(
        session=session,
        requested_by=by,
        counterpart=counterpart,
        counterpart_session=counterpart_session,
    )


def _lock_swap(swap: SwapRequest) -> SwapRequest:
    locked = SwapRequest.objects.select_for_update().get(pk=swap.pk)
    if locked.status != SwapStatus.PENDING:
        raise ValidationError({"swap": [_("This swap request was already answered.")]})
    return locked


@transaction.atomic
def swap_accept(*, swap: SwapRequest, by: Member) -> SwapRequest:
    """The asked member accepts: the turns change hands now, and both sessions' SEQUENCE rise."""
    if by.pk != swap.counterpart_id:
        raise PermissionDenied(_("Only the member who was asked can accept this swap."))
    swap = _lock_swap(swap)
    session, other = swap.session, swap.counterpart_session
    _require_upcoming(session)
    if not session.presenters.filter(pk=swap.requested_by_id).exists():
        raise ValidationError({"swap": [_("The turn this swap was about has changed.")]})
    if other is not None:
        _require_upcoming(other)
        if not other.presenters.filter(pk=swap.counterpart_id).exists():
            raise ValidationError({"swap": [_("The turn this swap was about has changed.")]})
    session.presenters.remove(swap.requested_by_id)
    session.presenters.add(swap.counterpart_id)
    _bump(session)
    if other is not None:
        other.presenters.remove(swap.counterpart_id)
        other.presenters.add(swap.requested_by_id)
        _bump(other)
    swap.status = SwapStatus.ACCEPTED
    swap.answered_at = timezone.now()
    swap.save(update_fields=["status", "answered_at"])
    return swap


@transaction.atomic
def swap_decline(*, swap: SwapRequest, by: Member) -> SwapRequest:
    """The asked member declines, or the asker withdraws; nothing else changes."""
    if by.pk not in (swap.counterpart_id, swap.requested_by_id):
        raise PermissionDenied(_("This swap request is not yours."))
    swap = _lock_swap(swap)
    swap.status = SwapStatus.DECLINED if by.pk == swap.counterpart_id else SwapStatus.WITHDRAWN
    swap.answered_at = timezone.now()
    swap.save(update_fields=["status", "answered_at"])
    return swap


def attendance_answer(*, session: Session, member: Member, answer: str) -> Attendance:
    """A member says whether they will come."""
    _require_member(session, member)
    if answer not in RsvpAnswer.values:
        raise ValidationError({"answer": [_("Answer yes, maybe or no.")]})
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError({"session": [_("This session is cancelled.")]})
    row, _created = Attendance.objects.update_or_create(
        session=session, member=member, defaults={"answer": answer}
    )
    return row


@transaction.atomic
def attendance_take(*, session: Session, by: Member, present: Iterable[Member]) -> None:
    """The organizer records who came; everyone else in the cohort is marked absent."""
    _require_planner(session.cohort, by)
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError({"session": [_("This session is cancelled.")]})
    members = rules.cohort_member_ids(session.cohort)
    came = {m.pk for m in present}
    if came - set(members):
        raise ValidationError({"present": [_("Only members of this cohort can attend.")]})
    for member_id in members:
        Attendance.objects.update_or_create(
            session=session, member_id=member_id, defaults={"attended": member_id in came}
        )


@transaction.atomic
def unavailability_set(*, member: Member, days: Iterable[date]) -> list[Unavailability]:
    """Replace the member's upcoming unavailable days (past ones stay as history)."""
    today = timezone.localdate()
    wanted = {d for d in days if d >= today}
    Unavailability.objects.filter(member=member, day__gte=today).exclude(day__in=wanted).delete()
    have = set(Unavailability.objects.filter(member=member).values_list("day", flat=True))
    Unavailability.objects.bulk_create(
        [Unavailability(member=member, day=d) for d in sorted(wanted - have)]
    )
    return list(Unavailability.objects.filter(member=member, day__gte=today))


@transaction.atomic
def assignment_create(
    *,
    cohort: Cohort,
    by: Member,
    reading_list: ReadingList,
    papers_required: int,
    due_at: datetime,
    title: str = "",
    length_guideline: str = "",
) -> Assignment:
    _require_planner(cohort, by)
    if reading_list.cohort_id != cohort.pk:
        raise ValidationError({"reading_list": [_("Pick a reading list of this cohort.")]})
    size = reading_list.entries.count()
    if not 1 <= papers_required <= max(size, 1):
        raise ValidationError(
            {
                "papers_required": [
                    _("Ask for between 1 and %(size)s papers (the list's length).") % {"size": size}
                ]
            }
        )
    if timezone.is_naive(due_at):
        raise ValidationError({"due_at": [_("A deadline needs a time zone.")]})
    assignment = Assignment(
        cohort=cohort,
        reading_list=reading_list,
        papers_required=papers_required,
        due_at=due_at,
        title=title,
        length_guideline=length_guideline,
        created_by=by,
    )
    assignment.full_clean(exclude=["created_by"])
    assignment.save()
    return assignment


def entry_statuses_follow_review(*, paper_id: int, author_id: int) -> None:
    """Reading status follows the author's review of the paper: published → reviewed, and
    back to reading when it is unpublished or deleted. Statuses the member set by hand to
    anything but "reviewed" are left alone while there is no published review."""
    entries = list(
        ReadingListEntry.objects.filter(
            paper_id=paper_id, reading_list__cohort__memberships__member_id=author_id
        ).values_list("pk", flat=True)
    )
    published = Review.objects.filter(
        paper_id=paper_id, author_id=author_id, status=ReviewStatus.PUBLISHED
    ).exists()
    if published:
        # Only rows that change are written, so a status's updated_at keeps its meaning.
        now = timezone.now()
        statuses = EntryStatus.objects.filter(entry_id__in=entries, member_id=author_id)
        statuses.exclude(status=ReadingStatus.REVIEWED).update(
            status=ReadingStatus.REVIEWED, updated_at=now
        )
        have = set(statuses.values_list("entry_id", flat=True))
        EntryStatus.objects.bulk_create(
            [
                EntryStatus(entry_id=e, member_id=author_id, status=ReadingStatus.REVIEWED)
                for e in entries
                if e not in have
            ]
        )
    else:
        EntryStatus.objects.filter(
            entry__paper_id=paper_id, member_id=author_id, status=ReadingStatus.REVIEWED
        ).update(status=ReadingStatus.READING, updated_at=timezone.now())


def entry_statuses_follow_paper(*, paper_id: int) -> None:
    """After a bulk change to a paper's reviews (an import), every author's status follows."""
    authors = set(
        Review.objects.filter(paper_id=paper_id).values_list("author_id", flat=True)
    ) | set(
        EntryStatus.objects.filter(
            entry__paper_id=paper_id, status=ReadingStatus.REVIEWED
        ).values_list("member_id", flat=True)
    )
    for author_id in sorted(authors):
        entry_statuses_follow_review(paper_id=paper_id, author_id=author_id)


@transaction.atomic
def calendar_key_create(*, member: Member) -> CalendarKey:
    """Give the member a private calendar address, or a new one (the old one stops working)."""
    key, created = CalendarKey.objects.select_for_update().get_or_create(member=member)
    if not created:
        key.generation += 1
        key.active = True
        key.save(update_fields=["generation", "active", "created_at"])
    return key


def calendar_key_revoke(*, member: Member) -> None:
    CalendarKey.objects.filter(member=member).update(active=False, generation=F("generation") + 1)


@transaction.atomic
def comment_mark_question(*, comment: Comment, by: Member, question: bool) -> Comment:
    """Its author (or an organizer) marks a comment as a question for the session, or not."""
    if by.pk != comment.author_id and not by.is_staff:
        raise PermissionDenied(_("Only the comment's author can mark it as a question."))
    comment.is_question = question
    if not question:
        comment.resolved_at = None
    comment.save(update_fields=["is_question", "resolved_at"])
    return comment


@transaction.atomic
def comment_resolve(*, comment: Comment, by: Member, resolved: bool = True) -> Comment:
    """The asker, the review's author or an organizer marks a question resolved (or reopens it)."""
    if by.pk not in (comment.author_id, comment.review.author_id) and not by.is_staff:
        raise PermissionDenied(
            _("Only the asker, the review's author or an organizer can resolve a question.")
        )
    if not comment.is_question:
        raise ValidationError({"comment": [_("This comment is not a question.")]})
    comment.resolved_at = timezone.now() if resolved else None
    comment.save(update_fields=["resolved_at"])
    return comment
