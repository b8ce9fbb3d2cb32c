"""The header's search box in a real browser, in English and Korean."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import Session as BrowserSession
from tests.e2e.support import StudyData, sign_in
from tests.factories import MemberFactory, make_review

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

LANGUAGES = ["en", "ko"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_header_search_box_finds_a_review_section(
    session: BrowserSession, page: Page, study: StudyData, language: str
) -> None:
    guard = session.guard
    MemberFactory(username="reader", preferred_language=language)
    review = make_review(
        paper=study.paper, core_algorithm="가중치를 반복해서 가지치기하는 알고리즘을 쓴다."
    )
    sign_in(page, guard, username="reader")
    box = page.locator("form.nav-search input[name=q]")
    box.fill("가지치기")
    with page.expect_navigation():
        box.press("Enter")
    guard.check(page)
    hit = page.locator("#results-section li.search-hit").first
    assert "<mark>" in hit.inner_html()
    with page.expect_navigation():
        hit.locator("a").first.click()
    guard.check(page)
    assert page.url.endswith(f"/reviews/{review.pk}/#core_algorithm")
