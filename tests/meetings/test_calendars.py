"""iCalendar feeds: per cohort and per member, stable UIDs, zones, SEQUENCE, cancellations."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from meetings import services
from meetings.calendar import calendar_token
from meetings.enums import SessionStatus
from meetings.models import Assignment
from meetings.services import SessionFields
from tests.factories import PASSWORD, CohortFactory, ReadingListFactory
from tests.meetings.factories import SessionFactory, cohort_with, next_week_at

pytestmark = pytest.mark.django_db


def _events(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_cohort_calendar_has_uid_tzid_sequence_and_cancelled_sessions() -> None:
    cohort, boss, _members = cohort_with(1)
    kept = SessionFactory(cohort=cohort)
    dropped = SessionFactory(cohort=cohort)
    url = reverse("meetings:cohort_calendar", args=[cohort.slug])
    first = Client().get(url)
    assert first["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VTIMEZONE" in first.content and b"TZID:Asia/Seoul" in first.content
    uids = {str(e["UID"]) for e in _events(first.content)}
    fields = SessionFields(
        starts_at=dropped.starts_at,
        ends_at=dropped.ends_at,
        time_zone="Asia/Seoul",
        status=SessionStatus.CANCELLED,
    )
    services.session_update(session=dropped, by=boss, fields=fields)
    events = {str(e["UID"]): e for e in _events(Client().get(url).content)}
    assert set(events) == uids
    cancelled = events[f"session-{dropped.uid}@studygroup"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 1
    assert str(events[f"session-{kept.uid}@studygroup"]["STATUS"]) == "CONFIRMED"
    assert cancelled["DTSTART"].params["TZID"] == "Asia/Seoul"


def test_member_calendar_private_address_turns_and_deadlines(settings: Any) -> None:
    settings.MEMBERS_ONLY = True
    cohort, _boss, (alex, _minji) = cohort_with(2)
    session = SessionFactory(cohort=cohort)
    session.presenters.add(alex)
    Assignment.objects.create(
        cohort=cohort,
        reading_list=ReadingListFactory(cohort=cohort),
        papers_required=2,
        due_at=next_week_at(),
    )
    SessionFactory(cohort=CohortFactory())  # not alex's cohort
    key = services.calendar_key_create(member=alex)
    url = reverse("meetings:private_calendar", args=[calendar_token(key)])
    response = Client().get(url)
    assert response.status_code == 200
    summaries = [str(e["SUMMARY"]) for e in _events(response.content)]
    assert len(summaries) == 2
    assert any(s.startswith("You present:") for s in summaries)
    assert any(s.startswith("Due:") for s in summaries)
    cohort_url = reverse(
        "meetings:private_cohort_calendar", args=[calendar_token(key), cohort.slug]
    )
    assert Client().get(cohort_url).status_code == 200
    # Members only: the public cohort feed sends strangers to sign in.
    assert Client().get(reverse("meetings:cohort_calendar", args=[cohort.slug])).status_code == 302
    services.calendar_key_revoke(member=alex)
    assert Client().get(url).status_code == 404
    assert Client().get(cohort_url).status_code == 404


def test_member_calendar_new_address_retires_the_old_one() -> None:
    _cohort, _boss, (alex,) = cohort_with(1)
    old = calendar_token(services.calendar_key_create(member=alex))
    new = calendar_token(services.calendar_key_create(member=alex))
    assert Client().get(reverse("meetings:private_calendar", args=[old])).status_code == 404
    assert Client().get(reverse("meetings:private_calendar", args=[new])).status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "1-1:forged", "x" * 300])
def test_member_calendar_bad_token_404(token: str) -> None:
    assert Client().get(reverse("meetings:private_calendar", args=[token])).status_code == 404


def test_private_cohort_calendar_needs_membership() -> None:
    _cohort, _boss, (alex,) = cohort_with(1)
    other = CohortFactory()
    key = services.calendar_key_create(member=alex)
    url = reverse("meetings:private_cohort_calendar", args=[calendar_token(key), other.slug])
    assert Client().get(url).status_code == 404


def test_member_page_links_private_calendar_to_its_owner_only() -> None:
    _cohort, _boss, (alex, minji) = cohort_with(2)
    key = services.calendar_key_create(member=alex)
    token = calendar_token(key)
    client = Client()
    client.login(username=alex.username, password=PASSWORD)
    assert token in client.get(alex.get_absolute_url()).content.decode()
    other = Client()
    other.login(username=minji.username, password=PASSWORD)
    assert token not in other.get(alex.get_absolute_url()).content.decode()
    assert token not in Client().get(alex.get_absolute_url()).content.decode()
