"""Recommendations in a real browser, in English and Korean: "Not for me" hides a paper and
Undo brings it back; the paper page shows similar papers and who can help."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from recommend import compute
from tests.e2e.support import Session as BrowserSession
from tests.e2e.support import StudyData, sign_in
from tests.factories import MemberFactory, make_review
from tests.recommend.corpus import make_corpus, reader_of

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

LANGUAGES = ["en", "ko"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_not_for_me_hides_then_undo_restores(
    session: BrowserSession, page: Page, study: StudyData, language: str
) -> None:
    guard = session.guard
    corpus = make_corpus()
    reader = reader_of(corpus, "rl", "reader")
    reader.preferred_language = language
    reader.save(update_fields=["preferred_language"])
    compute.vectors_rebuild()
    sign_in(page, guard, username="reader")

    with page.expect_navigation():
        page.locator("nav a[href='/for-you/']").click()
    guard.check(page)
    first = page.locator("li.recommendation").first
    paper_id = (first.get_attribute("id") or "").removeprefix("recommendation-")
    assert corpus.topic_of(int(paper_id)) == "rl"
    assert first.locator(".why .term").count() >= 1
    with page.expect_navigation():
        first.locator("button.not-for-me").click()
    guard.check(page)
    assert page.locator(f"#recommendation-{paper_id}").count() == 0
    assert page.locator(f"#dismissal-{paper_id}").count() == 1
    assert page.locator(".message-success").count() == 1

    with page.expect_navigation():
        page.locator(f"#dismissal-{paper_id} button.undo").click()
    guard.check(page)
    assert page.locator(f"#dismissal-{paper_id}").count() == 0
    # The model is refitted by the worker; the page offers the paper again at once.
    compute.recommendations_refresh(member_id=reader.pk)
    page.reload()
    guard.check(page)
    assert page.locator(f"#recommendation-{paper_id}").count() == 1


def test_paper_page_shows_similar_papers_and_who_can_help(
    session: BrowserSession, page: Page, study: StudyData
) -> None:
    guard = session.guard
    corpus = make_corpus()
    ppo, dqn = corpus.papers["rl"][:2]
    make_review(paper=dqn, author=MemberFactory(username="helper", display_name="도우미"))
    compute.vectors_rebuild()
    page.goto(ppo.get_absolute_url())
    guard.check(page)
    similar = page.locator(".similar-papers li a")
    assert dqn.title in similar.all_inner_texts()
    with page.expect_navigation():
        page.locator(".who-can-help a", has_text="도우미").click()
    guard.check(page)
    assert page.url.endswith("/members/helper/")
