"""A season in a real browser, in English and Korean: an organizer plans it and edits a
session inline, two members swap a turn, and the home page says what is next."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meetings.models import Session
from reviews.enums import CohortRole
from reviews.models import CohortMembership
from tests.e2e.support import Session as BrowserSession
from tests.e2e.support import SessionFactory, StudyData, sign_in
from tests.factories import MemberFactory
from tests.meetings.factories import SessionFactory as MeetingFactory
from tests.meetings.factories import next_week_at

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

LANGUAGES = ["en", "ko"]


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return _(text)


def _thursday() -> str:
    day = timezone.localdate() + timedelta(days=7)
    return (day + timedelta(days=(3 - day.weekday()) % 7)).isoformat()


@pytest.mark.parametrize("language", LANGUAGES)
def test_organizer_plans_a_season_and_edits_a_session_inline(
    session: BrowserSession, page: Page, study: StudyData, language: str
) -> None:
    guard = session.guard
    cohort = study.reading_list.cohort
    boss = MemberFactory(username="boss", preferred_language=language)
    CohortMembership.objects.create(cohort=cohort, member=boss, role=CohortRole.ORGANIZER)
    for name in ("alex", "minji"):
        CohortMembership.objects.create(cohort=cohort, member=MemberFactory(username=name))
    plan = f"/cohorts/{cohort.slug}/plan/"
    sign_in(page, guard, username="boss", next_path=plan)
    assert page.locator("html").get_attribute("lang") == language

    skipped = (date.fromisoformat(_thursday()) + timedelta(days=14)).isoformat()
    form = page.locator("form.schedule-form")
    form.locator("#id_first_day").fill(_thursday())
    form.locator("#id_starts").fill("19:30")
    form.locator("#id_ends").fill("21:30")
    form.locator("#id_count").fill("12")
    form.locator("#id_skip").fill(skipped)
    form.locator("#id_time_zone").select_option("Asia/Seoul")
    form.locator("#id_place").fill("Room 301")
    with page.expect_navigation():
        form.get_by_role("button", name=_in(language, "Create sessions")).click()
    assert page.locator("tr.session-row").count() == 12
    days = [timezone.localtime(s.starts_at).date().isoformat() for s in Session.objects.all()]
    assert skipped not in days
    guard.check(page)

    with page.expect_navigation():
        page.get_by_role("button", name=_in(language, "Assign presenters by rotation")).click()
    assert page.get_by_text(_in(language, "nobody yet")).count() == 0
    guard.check(page)

    first = Session.objects.filter(cohort=cohort).order_by("starts_at").first()
    page.locator(f"#session-{first.pk}").get_by_role("link", name=_in(language, "Edit")).click()
    editor = page.locator(f"#session-{first.pk} form.session-form")
    second = Session.objects.filter(cohort=cohort).order_by("starts_at")[1]
    editor.locator("[name=place]").fill("Zoom")
    editor.locator("[name=day]").fill(timezone.localtime(second.starts_at).date().isoformat())
    guard.allow_status(400, f"/sessions/{first.pk}/edit/")
    editor.get_by_role("button", name=_in(language, "Save")).click()
    # Refused (it would overlap the next week's): the editor stays in its row with the
    # reason, and nothing is saved.
    page.locator(
        f"#session-{first.pk} .form-errors, #session-{first.pk} .field-error"
    ).first.wait_for()
    first.refresh_from_db()
    assert (first.place, first.sequence) == ("Room 301", 1)
    editor = page.locator(f"#session-{first.pk} form.session-form")
    editor.locator("[name=day]").fill(timezone.localtime(first.starts_at).date().isoformat())
    editor.locator("[name=video_url]").fill("https://meet.example.org/w1")
    editor.get_by_role("button", name=_in(language, "Save")).click()
    page.locator(f"#session-{first.pk} a.edit-session").wait_for()
    assert "Zoom" in page.locator(f"#session-{first.pk}").inner_text()
    assert page.locator("tr.session-row").count() == 12
    first.refresh_from_db()
    assert (first.place, first.video_url, first.sequence) == (
        "Zoom",
        "https://meet.example.org/w1",
        2,
    )
    guard.check(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_members_swap_a_turn(new_session: SessionFactory, study: StudyData, language: str) -> None:
    cohort = study.reading_list.cohort
    alex = MemberFactory(username="alex", display_name="Alex Chen", preferred_language=language)
    minji = MemberFactory(username="minji", display_name="김민지", preferred_language=language)
    for member in (alex, minji):
        CohortMembership.objects.create(cohort=cohort, member=member)
    turn = MeetingFactory(cohort=cohort, starts_at=next_week_at())
    turn.presenters.add(alex)
    turn.entries.add(study.entry)
    asker, asked = new_session(), new_session()
    alex_page, minji_page = asker.new_page(), asked.new_page()

    sign_in(alex_page, asker.guard, username="alex", next_path=turn.get_absolute_url())
    form = alex_page.locator("form.swap-form")
    form.locator("select[name=counterpart]").select_option(str(minji.pk))
    with alex_page.expect_navigation():
        form.get_by_role("button", name=_in(language, "Send swap request")).click()
    assert list(turn.presenters.all()) == [alex]
    asker.guard.check(alex_page)

    sign_in(minji_page, asked.guard, username="minji", next_path="/")
    notice = minji_page.locator(".swap-waiting")
    assert "Alex Chen" in notice.inner_text()
    with minji_page.expect_navigation():
        notice.get_by_role("link", name=_in(language, "Answer")).click()
    with minji_page.expect_navigation():
        minji_page.get_by_role("button", name=_in(language, "Accept")).click()
    assert "김민지" in minji_page.locator("p.presenters").inner_text()
    assert list(turn.presenters.all()) == [minji]
    asked.guard.check(minji_page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_page_says_whats_next(
    session: BrowserSession, page: Page, study: StudyData, language: str
) -> None:
    cohort = study.reading_list.cohort
    minji = MemberFactory(username="minji", display_name="김민지")
    alex = MemberFactory(username="alex", preferred_language=language)
    for member in (alex, minji):
        CohortMembership.objects.create(cohort=cohort, member=member)
    turn = MeetingFactory(cohort=cohort, starts_at=next_week_at(), place="Room 301")
    turn.presenters.add(minji)
    turn.entries.add(study.entry)
    sign_in(page, session.guard, username="alex", next_path="/")
    block = page.locator("#whats-next")
    assert _in(language, "What's next for me") in block.locator("h2").inner_text()
    text = block.inner_text()
    assert "Room 301" in text and "김민지" in text and study.paper.title in text
    assert block.locator("ul.todo li").count() == 1
    with page.expect_navigation():
        block.locator(".next-session a").click()
    assert page.url.endswith(turn.get_absolute_url())
    with page.expect_navigation():
        page.get_by_role("button", name=_in(language, "Answer")).click()
    session.guard.check(page)
