"""A member's path through the app in a real browser: sign in, write, publish, read."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

import feedparser
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import expect

from reviews.enums import ReadingStatus, ReviewStatus
from reviews.models import EntryStatus, Member, Review
from tests.e2e.support import PageGuard, Session, SessionFactory, StudyData, sign_in, type_into
from tests.factories import make_review

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

FORMULA = r"$w_{\text{SWA}} \leftarrow \frac{w_{\text{SWA}} \cdot n + w}{n + 1}$"
INTRODUCTION = f"이 논문은 가중치 평균을 제안한다. {FORMULA}"
RESULTS = "| 모델 | SGD | SWA |\n| --- | --- | --- |\n| VGG-16 | 72.55 | $74.27 \\pm 0.25$ |"
CONFLICT_MESSAGE = "This review was saved elsewhere"


def test_review_publish_shows_everywhere(session: Session, page: Page, study: StudyData) -> None:
    guard = session.guard
    paper_path = study.paper.get_absolute_url()
    sign_in(page, guard, username=study.author.username, next_path=paper_path)

    with page.expect_navigation():
        page.get_by_role("link", name="Write a review").click()
    assert page.url.endswith(f"/papers/{study.paper.pk}/review/")
    guard.check(page)

    page.locator("#id_tldr").fill("SGD 궤적 위의 가중치를 평균내면 더 넓은 최적점에 간다.")
    page.locator("#id_language").select_option("ko")
    type_into(page, "#id_introduction", INTRODUCTION)
    page.locator("#preview-introduction math mfrac").first.wait_for(state="attached")
    assert "가중치 평균을 제안한다" in page.locator("#preview-introduction").inner_text()
    type_into(page, "#id_results", RESULTS)
    page.locator("#preview-results table math").first.wait_for(state="attached")
    type_into(page, "#id_thoughts", "좋은 논문이다. **꼭 재현해 보자.**")
    page.locator("#preview-thoughts strong").wait_for()
    guard.check(page)

    with page.expect_navigation():
        page.locator("button[name=publish]").click()
    review = Review.objects.get(paper=study.paper, author=study.author)
    assert review.status == ReviewStatus.PUBLISHED
    assert review.introduction == INTRODUCTION
    assert page.url.endswith(review.get_absolute_url())
    assert page.locator(".messages").inner_text() == "Your review is published."
    assert page.locator("article.review").get_attribute("lang") == "ko"
    assert page.locator("#introduction math mfrac").count() >= 1
    assert "가중치 평균을 제안한다" in page.locator("#introduction").inner_text()
    assert page.locator("#results table td math").count() == 1
    assert "좋은 논문이다" in page.locator("#thoughts").inner_text()
    guard.check(page)

    page.goto(study.reading_list.get_absolute_url())
    entry = page.locator(f"#entry-{study.entry.number}")
    assert entry.locator(".entry-title").inner_text() == study.paper.title
    assert entry.locator(".review-count").inner_text() == "1 review"
    guard.check(page)

    page.goto(paper_path)
    link = page.locator(f'.review-list a.review-link[href="{review.get_absolute_url()}"]')
    assert link.inner_text() == f"Review by {study.author.display_name}"
    assert page.get_by_role("link", name="Edit my review").is_visible()
    guard.check(page)

    feed = page.request.get("/feeds/reviews.atom")
    assert feed.ok
    assert feed.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(feed.body())
    assert not parsed.bozo, parsed.get("bozo_exception")
    entries = [e for e in parsed.entries if study.paper.title in e.title]
    assert len(entries) == 1
    assert entries[0].link.endswith(review.get_absolute_url())
    assert "가중치 평균을 제안한다" in entries[0].summary


def test_review_save_conflict_keeps_typed_text(
    new_session: SessionFactory, study: StudyData
) -> None:
    review = make_review(paper=study.paper, author=study.author, introduction="첫 버전.")
    edit_path = f"/papers/{study.paper.pk}/review/"
    first, second = new_session(), new_session()
    first_page, second_page = first.new_page(), second.new_page()
    sign_in(first_page, first.guard, username=study.author.username, next_path=edit_path)
    sign_in(second_page, second.guard, username=study.author.username, next_path=edit_path)
    opened_at = review.version
    # Each section previews its own text when the editor opens.
    expect(second_page.locator("#preview-thoughts")).to_have_text("좋은 논문이다.")
    expect(second_page.locator("#preview-introduction")).to_have_text("첫 버전.")
    assert second_page.locator("#id_version").input_value() == str(opened_at)

    first_text = "첫 번째 세션에서 고친 소개. $x^2$"
    type_into(first_page, "#id_introduction", first_text)
    # Let the preview land first, so no request is in flight when the page navigates.
    first_page.locator("#preview-introduction math msup").first.wait_for(state="attached")
    with first_page.expect_navigation():
        first_page.get_by_role("button", name="Publish changes").click()
    assert first_page.url.endswith(review.get_absolute_url())
    first.check()

    second_text = "두 번째 세션의 소개.\n\n$$a^2 + b^2 = c^2$$\n\n끝."
    type_into(second_page, "#id_introduction", second_text)
    second_page.locator("#preview-introduction math msup").first.wait_for(state="attached")
    second.guard.allow_status(409, edit_path)
    with second_page.expect_navigation() as navigation:
        second_page.get_by_role("button", name="Publish changes").click()
    response = navigation.value
    assert response is not None
    assert response.status == 409
    errors = second_page.locator(".form-errors")
    assert errors.inner_text().startswith(CONFLICT_MESSAGE)
    assert second_page.locator("#id_introduction").input_value() == second_text
    conflict = second_page.locator(".conflict")
    assert "Introduction" in conflict.inner_text()
    assert conflict.locator("pre.saved-text").first.text_content() == first_text
    second.check()

    review.refresh_from_db()
    assert review.introduction == first_text
    assert review.version == opened_at + 1
    assert second_page.locator("#id_version").input_value() == str(review.version)

    # Having seen the saved text, the second session may save again on purpose.
    with second_page.expect_navigation():
        second_page.get_by_role("button", name="Publish changes").click()
    assert second_page.url.endswith(review.get_absolute_url())
    review.refresh_from_db()
    # Browsers submit textarea line breaks as CRLF and the app stores them as sent.
    assert review.introduction.replace("\r\n", "\n") == second_text
    assert review.revisions.count() == 3
    second.check()


def test_reading_status_select_saves_in_place(
    session: Session, page: Page, study: StudyData
) -> None:
    list_path = study.reading_list.get_absolute_url()
    sign_in(page, session.guard, username=study.author.username, next_path=list_path)
    select = page.locator(f"#status-{study.entry.pk}")
    assert select.input_value() == ReadingStatus.TO_READ

    with page.expect_response(f"**/entries/{study.entry.pk}/status/") as posted:
        select.select_option(ReadingStatus.READING)
    assert posted.value.status == 200
    assert posted.value.request.headers.get("hx-request") == "true"
    saved = page.locator(f"#entry-{study.entry.number} .saved")
    saved.wait_for()
    assert saved.inner_text() == "Saved"
    assert page.url.endswith(list_path)
    assert page.locator(f"#status-{study.entry.pk}").input_value() == ReadingStatus.READING
    session.check()

    row = EntryStatus.objects.get(entry=study.entry, member=study.author)
    assert row.status == ReadingStatus.READING

    page.reload()
    assert page.locator(f"#status-{study.entry.pk}").input_value() == ReadingStatus.READING
    assert page.locator(f"#entry-{study.entry.number} .saved").count() == 0
    session.check()


def test_language_switch_korean_changes_ui(session: Session, page: Page, study: StudyData) -> None:
    list_path = study.reading_list.get_absolute_url()
    sign_in(page, session.guard, username=study.author.username, next_path=list_path)
    assert page.locator("html").get_attribute("lang") == "en"
    sign_out = page.locator(".site-header form[action='/logout/'] button")
    assert sign_out.inner_text() == "Sign out"

    with page.expect_navigation():
        page.locator("#language-select").select_option("ko")
    assert page.url.endswith(list_path)
    assert page.locator("html").get_attribute("lang") == "ko"
    with translation.override("ko"):
        korean_sign_out = translation.gettext("Sign out")
    if korean_sign_out != "Sign out":  # only once the Korean catalog is compiled
        assert sign_out.inner_text() == korean_sign_out
    session.check()

    page.goto(study.paper.get_absolute_url())
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("#language-select").input_value() == "ko"
    session.check()


def test_demo_review_page_renders_clean(
    session: Session, page: Page, guard: PageGuard, tmp_path: Path, transactional_db: None
) -> None:
    """Minji's Korean SWA review (tables, code, math, comments) at its results table.

    With SCREENSHOT=1 the shot is saved as docs/screenshot.png for the README.
    """
    call_command("loaddemo", stdout=io.StringIO())
    review = Review.objects.get(
        paper__arxiv_id="1803.05407", author=Member.objects.get(username="minji")
    )
    page.goto(review.get_absolute_url())
    assert page.locator("#core_algorithm math[display=block]").count() >= 1
    assert page.locator("#core_algorithm pre").count() >= 1
    results = page.locator("#results")
    assert results.locator("table td math").count() >= 1
    guard.check(page)

    page.evaluate("document.fonts.ready")
    results.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 24)")
    expect(results.locator("table")).to_be_in_viewport()
    if os.environ.get("SCREENSHOT") == "1":
        target = Path(settings.BASE_DIR) / "docs" / "screenshot.png"
        target.parent.mkdir(exist_ok=True)
    else:
        target = tmp_path / "screenshot.png"
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    guard.check(page)
