"""The admin fallback renders a session's Markdown and raises its SEQUENCE."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.meetings.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_admin_session_save_renders_and_bumps_sequence(organizer) -> None:
    organizer.is_superuser = True
    organizer.save()
    client = Client()
    client.force_login(organizer)
    session = SessionFactory()
    start = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    data = {
        "cohort": session.cohort.pk,
        "number": session.number,
        "title": "Week 1",
        "starts_at_0": start.date().isoformat(),
        "starts_at_1": start.time().isoformat(),
        "ends_at_0": end.date().isoformat(),
        "ends_at_1": end.time().isoformat(),
        "time_zone": "Asia/Seoul",
        "place": "",
        "video_url": "",
        "agenda": "**Bring questions**",
        "notes": "",
        "status": "planned",
    }
    url = reverse("admin:meetings_session_change", args=[session.pk])
    response = client.post(url, data)
    errors = response.context["adminform"].form.errors if response.status_code == 200 else None
    assert response.status_code == 302, errors
    session.refresh_from_db()
    assert session.sequence == 1
    assert "<strong>Bring questions</strong>" in session.agenda_html
