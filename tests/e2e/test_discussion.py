"""Reading and discussing in a real browser: comments at their section, the working copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from reviews.models import Comment
from tests.e2e.support import Session, SessionFactory, StudyData, sign_in
from tests.factories import MemberFactory, make_review

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def test_section_comment_shows_at_its_section_with_count(
    session: Session, page: Page, study: StudyData
) -> None:
    guard = session.guard
    review = make_review(paper=study.paper, author=study.author)
    reader = MemberFactory(username="minji", display_name="Minji Seo")
    sign_in(page, guard, username=reader.username, next_path=review.get_absolute_url())
    results = page.locator("section#results")
    assert results.locator(".section-comment-count").inner_text() == "0 comments"

    results.get_by_role("link", name="Comment on this section").click()
    # The script chose the section in place: no reload, the comment box has the focus.
    assert page.locator("#id_section").input_value() == "results"
    assert page.evaluate("document.activeElement.id") == "id_body"
    page.locator("#id_body").fill("표의 SWA 열은 **세 번** 돌린 평균인가요?")
    with page.expect_navigation():
        page.locator("#comment-form button[type=submit]").click()

    comment = Comment.objects.get(review=review)
    assert comment.section == "results"
    assert page.url.endswith(f"#comment-{comment.pk}")
    assert results.locator(".section-comment-count").inner_text() == "1 comment"
    shown = results.locator(f"#comment-{comment.pk}")
    assert "세 번" in shown.locator(".comment-body strong").inner_text()
    assert page.locator("section#introduction .section-comments .comment").count() == 0
    assert page.locator("#comments > .thread").count() == 0
    guard.check(page)


def test_section_comment_link_works_without_script(
    new_session: SessionFactory, study: StudyData
) -> None:
    session = new_session()
    page = session.new_page()
    review = make_review(paper=study.paper, author=study.author)
    sign_in(
        page, session.guard, username=study.author.username, next_path=review.get_absolute_url()
    )
    href = page.locator("section#thoughts a.comment-on-section").get_attribute("href")
    assert href == "?section=thoughts#comment-form"
    page.goto(review.get_absolute_url() + href)
    assert page.locator("#id_section").input_value() == "thoughts"
    session.guard.check(page)
