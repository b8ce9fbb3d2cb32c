"""Notifications in a real browser, in English and Korean: the bell counts a reply, the inbox
groups and marks read, and the settings page saves a member's choices."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.enums import Delivery, Kind
from notifications.models import NotificationSettings
from tests.e2e.support import Session as BrowserSession
from tests.e2e.support import StudyData, sign_in
from tests.factories import MemberFactory, make_comment, make_review

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

LANGUAGES = ["en", "ko"]


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return _(text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_bell_counts_then_the_inbox_marks_read(
    session: BrowserSession, page: Page, study: StudyData, language: str
) -> None:
    guard = session.guard
    me = MemberFactory(username="minji", preferred_language=language)
    review = make_review(author=me, paper=study.paper)
    question = make_comment(review=review, author=study.author, body="Why $\\sqrt{t}$?")
    make_comment(review=review, author=MemberFactory(), parent=question, body="@minji 답해 주세요")
    sign_in(page, guard, username="minji")

    bell = page.locator("a.nav-bell")
    assert bell.locator(".bell-count").inner_text() == "2"
    assert "2" in (bell.get_attribute("aria-label") or "")
    with page.expect_navigation():
        bell.click()
    guard.check(page)
    groups = page.locator("section.notification-group")
    assert groups.count() == 1  # both are about my review
    assert page.locator("li.notification.unread").count() == 2
    with page.expect_navigation():
        page.locator("li.notification.unread button.mark-read").first.click()
    guard.check(page)
    assert page.locator("li.notification.unread").count() == 1
    assert page.locator("a.nav-bell .bell-count").inner_text() == "1"

    # Opening one goes to the comment and marks it read.
    with page.expect_navigation():
        page.locator("li.notification.unread a").first.click()
    guard.check(page)
    assert "#comment-" in page.url
    assert page.locator("a.nav-bell .bell-count").count() == 0
    page.goto("/notifications/")
    assert page.locator("li.notification.unread").count() == 0
    assert page.locator(f"text={_in(language, 'Mark all read')}").count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_settings_page_saves_choices_and_shows_errors(
    session: BrowserSession, page: Page, study: StudyData, language: str
) -> None:
    guard = session.guard
    me = MemberFactory(username="joon", preferred_language=language)
    sign_in(page, guard, username="joon", next_path="/notifications/settings/")
    form = page.locator("form.notification-settings")
    form.locator(f"#id_{Kind.NEW_REVIEW}").select_option(Delivery.WEEKLY)
    form.locator(f"#id_{Kind.REPLY}").select_option(Delivery.OFF)
    form.locator("#id_remind_days").fill("5")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    guard.check(page)
    assert _in(language, "Notification settings saved.") in page.locator(".messages").inner_text()
    saved = NotificationSettings.objects.get(member=me)
    assert saved.deliveries == {Kind.NEW_REVIEW: Delivery.WEEKLY, Kind.REPLY: Delivery.OFF}
    assert saved.remind_days == 5
    assert page.locator(f"#id_{Kind.NEW_REVIEW}").input_value() == Delivery.WEEKLY

    # Out of range: the browser's own check stops it; past it, the server says so.
    page.locator("#id_remind_days").evaluate(
        "el => { el.removeAttribute('max'); el.value = '40'; }"
    )
    guard.allowed_statuses.append((400, "/notifications/settings/"))
    with page.expect_navigation():
        page.locator("form.notification-settings button[type=submit]").click()
    assert page.locator(".field-error").count() == 1
    assert NotificationSettings.objects.get(member=me).remind_days == 5
