"""The demo group's season (loaddemo): weekly sessions around today, some held, some planned,
with the reading list's presenters, an assignment, answers and attendance."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from reviews import demo_data
from reviews.enums import CohortRole
from reviews.markdown import render_markdown
from reviews.models import Cohort, CohortMembership, Member, ReadingList, ReadingListEntry

from .enums import RsvpAnswer, SessionStatus
from .models import Assignment, Attendance, Session

ZONE = "Asia/Seoul"
HELD = 6  # sessions before today
ROOM = "공학관 301호 (Engineering Hall 301)"
VIDEO = "https://meet.example.org/studygroup"
NOTES = """\
- 발표: {presenter}
- Decision: next week's presenter brings a one-slide recap of this paper.
- 다음 주까지 리뷰를 올리기로 했습니다.
"""


@transaction.atomic
def season_load(*, cohort: Cohort) -> list[Session]:
    """Create the season once; a cohort that already has sessions is left as it is."""
    if Session.objects.filter(cohort=cohort).exists():
        return []
    zone = zoneinfo.ZoneInfo(ZONE)
    today = timezone.localdate(timezone=zone)
    thursday = today + timedelta(days=(3 - today.weekday()) % 7)
    first = thursday - timedelta(weeks=HELD)
    reading_list = ReadingList.objects.get(slug=demo_data.READING_LIST["slug"])
    entries = {e.number: e for e in ReadingListEntry.objects.filter(reading_list=reading_list)}
    members = {m.username: m for m in Member.objects.filter(memberships__cohort=cohort)}
    rows = [r for r in demo_data.READING_LIST["entries"] if r["session_date"]]
    sessions = []
    for index, row in enumerate(rows):
        day = first + timedelta(weeks=index)
        starts_at = datetime.combine(day, time(19, 30), tzinfo=zone)
        held = index < HELD
        presenter = members.get(row["presenter"] or "")
        notes = NOTES.format(presenter=presenter.name) if held and presenter else ""
        agenda = f"1. {entries[row['number']].paper.title}\n2. Q&A\n3. 다음 주 안내"
        session = Session.objects.create(
            cohort=cohort,
            number=index + 1,
            title=f"Week {index + 1}",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            time_zone=ZONE,
            place=ROOM,
            video_url=VIDEO,
            agenda=agenda,
            agenda_html=render_markdown(agenda),
            notes=notes,
            notes_html=render_markdown(notes),
            status=SessionStatus.HELD if held else SessionStatus.PLANNED,
        )
        session.entries.set([entries[row["number"]]])
        if presenter is not None:
            session.presenters.set([presenter])
        sessions.append(session)
    people = sorted(members.values(), key=lambda m: m.username)
    for index, session in enumerate(sessions[:HELD]):
        for offset, member in enumerate(people):
            came = (index + offset) % 4 != 0
            Attendance.objects.create(
                session=session,
                member=member,
                answer=RsvpAnswer.YES if came else RsvpAnswer.NO,
                attended=came,
            )
    upcoming = sessions[HELD] if len(sessions) > HELD else None
    if upcoming is not None:
        for member, answer in zip(people, (RsvpAnswer.YES, RsvpAnswer.MAYBE), strict=False):
            Attendance.objects.create(session=upcoming, member=member, answer=answer)
    organizer = (
        CohortMembership.objects.filter(cohort=cohort, role=CohortRole.ORGANIZER)
        .select_related("member")
        .first()
    )
    Assignment.objects.create(
        cohort=cohort,
        reading_list=reading_list,
        title="중간 과제: 논문 3편 리뷰 (Midterm: review 3 papers)",
        papers_required=3,
        due_at=datetime.combine(thursday + timedelta(weeks=3), time(23, 59), tzinfo=zone),
        length_guideline="논문당 반 쪽 이상 (at least half a page per paper)",
        created_by=organizer.member if organizer else None,
    )
    return sessions
