"""loaddemo gives the demo group a season: held and planned sessions, presenters,
an assignment and attendance."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from meetings.enums import SessionStatus
from meetings.models import Assignment, Attendance, Session
from reviews.models import Member

pytestmark = pytest.mark.django_db


def test_loaddemo_has_a_season() -> None:
    call_command("loaddemo", stdout=StringIO())
    sessions = list(Session.objects.order_by("starts_at"))
    held = [s for s in sessions if s.status == SessionStatus.HELD]
    planned = [s for s in sessions if s.status == SessionStatus.PLANNED]
    assert len(held) == 6 and len(planned) >= 5
    assert all(s.ends_at < timezone.now() for s in held)
    assert all(s.starts_at > timezone.now() - timezone.timedelta(days=7) for s in planned)
    assert all(s.presenters.exists() and s.entries.exists() for s in sessions)
    assert Assignment.objects.count() == 1
    assert Attendance.objects.filter(attended=True).exists()
    assert Attendance.objects.filter(session=planned[0]).exists()
    assert "<li>" in held[0].notes_html


def test_loaddemo_twice_keeps_one_season() -> None:
    call_command("loaddemo", stdout=StringIO())
    call_command("loaddemo", stdout=StringIO())
    assert Session.objects.count() == 12
    assert Assignment.objects.count() == 1


def test_demo_home_shows_whats_next() -> None:
    call_command("loaddemo", stdout=StringIO())
    alex = Member.objects.get(username="alex")
    client = Client()
    client.force_login(alex)
    page = client.get("/").content.decode()
    assert "whats-next" in page and "Week 7" in page
