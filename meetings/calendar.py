"""iCalendar feeds (RFC 5545) built with the icalendar library: sessions, deadlines, turns.

Every event keeps its UID for life and carries the session's SEQUENCE, so a subscribed
calendar updates an event in place; a cancelled session stays, marked STATUS:CANCELLED.
Times are written in the session's own zone (TZID) with its VTIMEZONE.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import timedelta

from django.core import signing
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from reviews.models import Member

from .enums import SessionStatus
from .models import Assignment, CalendarKey, Session

SALT = "meetings.calendar"
DOMAIN = "studygroup"


def calendar_token(key: CalendarKey) -> str:
    return signing.Signer(salt=SALT).sign(f"{key.member_id}-{key.generation}")


def calendar_key_member(token: str) -> Member | None:
    """The member whose current, active key signed `token`; None for anything else."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
        member_id, generation = (int(part) for part in value.split("-"))
    except (signing.BadSignature, ValueError):
        return None
    key = (
        CalendarKey.objects.select_related("member")
        .filter(member_id=member_id, generation=generation, active=True, member__is_active=True)
        .first()
    )
    return key.member if key else None


def _session_event(session: Session, base_url: str, presenter_id: int | None) -> Event:
    zone = zoneinfo.ZoneInfo(session.time_zone)
    presenters = list(session.presenters.all())
    summary = f"{session.cohort.name}: {session.label}"
    if presenter_id is not None and any(p.pk == presenter_id for p in presenters):
        summary = _("You present: %(summary)s") % {"summary": summary}
    lines = [f"{e.number}. {e.paper.title}" for e in session.entries.all()]
    if presenters:
        lines.append(_("Presenters: %(names)s") % {"names": ", ".join(p.name for p in presenters)})
    if session.agenda:
        lines += ["", session.agenda]
    event = Event()
    event.add("uid", f"session-{session.uid}@{DOMAIN}")
    event.add("dtstamp", session.updated_at)
    event.add("last-modified", session.updated_at)
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("sequence", session.sequence)
    event.add("summary", summary)
    event.add("description", "\n".join(lines))
    event.add("url", base_url + session.get_absolute_url())
    location = session.place or session.video_url
    if location:
        event.add("location", location)
    cancelled = session.status == SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _deadline_event(assignment: Assignment, base_url: str) -> Event:
    event = Event()
    event.add("uid", f"assignment-{assignment.uid}@{DOMAIN}")
    event.add("dtstamp", assignment.created_at)
    event.add("dtstart", assignment.due_at - timedelta(minutes=30))
    event.add("dtend", assignment.due_at)
    event.add("sequence", assignment.sequence)
    event.add("summary", _("Due: %(assignment)s") % {"assignment": assignment.label})
    if assignment.length_guideline:
        event.add("description", assignment.length_guideline)
    event.add("url", base_url + assignment.reading_list.get_absolute_url())
    return event


def build_calendar(
    *,
    name: str,
    sessions: Iterable[Session],
    assignments: Iterable[Assignment] = (),
    base_url: str,
    presenter: Member | None = None,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//StudyGroup//meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        calendar.add_component(
            _session_event(session, base_url, presenter.pk if presenter else None)
        )
    for assignment in assignments:
        calendar.add_component(_deadline_event(assignment, base_url))
    calendar.add_missing_timezones()
    return calendar.to_ical()
