"""Reading and discussing in a real browser: comments at their section, the working copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from reviews.models import Comment
from tests.e2e.support import Session, SessionFactory, StudyData, sign_in, type_into
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


def test_working_copy_stays_private_until_published(
    new_session: SessionFactory, study: StudyData
) -> None:
    review = make_review(paper=study.paper, author=study.author, thoughts="처음 소감.")
    reader = MemberFactory(username="minji", display_name="Minji Seo")
    author_session, reader_session = new_session(), new_session()
    author_page, reader_page = author_session.new_page(), reader_session.new_page()
    editor_path = f"/papers/{study.paper.pk}/review/"
    sign_in(
        author_page, author_session.guard, username=study.author.username, next_path=editor_path
    )
    sign_in(reader_page, reader_session.guard, username=reader.username, next_path="/")

    type_into(author_page, "#id_thoughts", "고친 소감: 재현해 보니 **0.4%p** 낮았다.")
    with author_page.expect_navigation():
        author_page.get_by_role("button", name="Save working copy").click()
    assert author_page.url.endswith(editor_path)
    assert "Only you can see it" in author_page.locator("#working-copy-note").inner_text()
    assert "0.4%p" in author_page.locator("#id_thoughts").input_value()
    author_session.check()

    reader_page.goto(review.get_absolute_url())
    assert reader_page.locator("section#thoughts .prose").inner_text() == "처음 소감."
    assert "0.4%p" not in reader_page.content()
    reader_session.check()

    with author_page.expect_navigation():
        author_page.get_by_role("button", name="Publish changes").click()
    assert author_page.url.endswith(review.get_absolute_url())
    author_session.check()

    reader_page.reload()
    assert "0.4%p" in reader_page.locator("section#thoughts strong").inner_text()
    reader_session.check()
