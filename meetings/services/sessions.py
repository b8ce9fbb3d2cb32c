"""Sessions: one at a time, a season in one go, and the presenter rotation."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reviews.markdown import render_markdown
from reviews.models import (
    Cohort,
    Member,
    ReadingList,
    ReadingListEntry,
)
from reviews.validators import validate_markdown_size, validate_time_zone

from .. import rules, signals
from ..enums import SessionStatus
from ..models import Session, Unavailability
from ..rotation import NoRotation, Slot, rotation_plan
from .checks import bump, lock_cohort, require_planner

MAX_SESSIONS_AT_ONCE = 52
# What members plan around: a change to one of these is news to the cohort.
NOTICED_FIELDS = ("starts_at", "ends_at", "time_zone", "place", "video_url", "status")


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


def session_render(session: Session) -> None:
    """Check the agenda and notes against the Markdown size limit and render them."""
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
    session_render(session)
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
    require_planner(cohort, by)
    entries, presenters = list(entries), list(presenters)
    lock_cohort(cohort)
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
    require_planner(session.cohort, by)
    lock_cohort(session.cohort)
    before = {name: getattr(session, name) for name in NOTICED_FIELDS}
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
    changed = [name for name, value in before.items() if getattr(session, name) != value]
    if changed:
        cancelled = "status" in changed and session.is_cancelled
        signals.session_changed.send(
            sender=Session, session_id=session.pk, by_id=by.pk, cancelled=cancelled, changed=changed
        )
    return session


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
    require_planner(cohort, by)
    _check_schedule(schedule)
    lock_cohort(cohort)
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
    require_planner(cohort, by)
    lock_cohort(cohort)
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
        bump(session)
    return {key: people[member_id] for key, member_id in plan.items()}
