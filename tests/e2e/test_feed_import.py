"""The blog import preview in the browser: each post's paper proposed, sections mapped."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import expect

from reviews.importers import fetch as fetch_module
from reviews.models import ImportedPost, Paper, Review
from tests.e2e.support import Session, sign_in
from tests.factories import MemberFactory, PaperFactory
from tests.test_import_arxiv import arxiv_api

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

FEED = Path(__file__).parent.parent / "data" / "feeds" / "hugo_study.xml"
VIT = "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale"


@pytest.fixture
def recorded_arxiv(monkeypatch: pytest.MonkeyPatch) -> None:
    # The live server runs in this process: arXiv is answered by tests/data/arxiv.
    monkeypatch.setattr(fetch_module, "resolve_host", lambda host, port: ["151.101.3.42"])
    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(_arxiv_or_404))


def _arxiv_or_404(request: httpx.Request) -> httpx.Response:
    if request.headers["host"] != "export.arxiv.org":
        return httpx.Response(404)  # the posts' images: not recorded, they stay links
    return arxiv_api(request)


def test_feed_import_preview_proposes_papers_maps_sections_and_confirms(
    session: Session, page: Page, transactional_db: None, recorded_arxiv: None
) -> None:
    guard = session.guard
    mina = MemberFactory(username="mina", display_name="Mina Seo")
    vit = PaperFactory(
        title=VIT, arxiv_id="2010.11929", abstract="A pure Vision Transformer (ViT) works."
    )
    PaperFactory(title="Learning Transferable Visual Models (CLIP)", arxiv_id="2103.00020")
    sign_in(page, guard, username="mina", next_path="/reviews/import/feed/")

    page.locator("#id_feed").set_input_files(str(FEED))
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    guard.check(page)
    posts = page.locator(".feed-item")
    expect(posts).to_have_count(10)

    # A short-name title is proposed as the group's paper; a post that links another
    # paper's arXiv id is not given it; a post that is no paper review is left out.
    vit_post = posts.filter(has_text="[논문 리뷰] Vision Transformer")
    expect(vit_post.locator("select[name^=choice]")).to_have_value(f"paper:{vit.pk}")
    expect(vit_post).to_contain_text("short name “Vision Transformer”")
    fast = posts.filter(has_text="[논문 리뷰] Fast AutoAugment")
    expect(fast.locator("select[name^=choice]")).to_have_value("inbox")
    expect(fast).to_contain_text("which is another paper")
    rust = posts.filter(has_text="Rust 생태계 둘러보기")
    expect(rust.locator("select[name^=choice]")).to_have_value("skip")
    expect(rust).to_contain_text("Not a paper review")
    pbt = posts.filter(has_text="[논문 리뷰] Population Based Training")
    expect(pbt.locator("select[name^=choice]")).to_have_value("arxiv:1711.09846")

    # Topic headings get their best guesses; the member moves one of them.
    grokking = posts.filter(has_text="Grokking 논문 정리")
    selects = grokking.locator(".feed-sections select")
    expect(selects).to_have_count(4)
    expect(selects.nth(0)).to_have_value("introduction")
    expect(selects.nth(1)).to_have_value("core_algorithm")
    selects.nth(3).select_option("results")
    # The member leaves the ViT post out.
    vit_post.locator("select[name^=choice]").select_option("skip")
    assert not Review.objects.exists()

    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    guard.check(page)
    report = page.locator(".import-report")
    expect(report).to_contain_text("3 draft reviews imported.")
    expect(report).to_contain_text("4 posts wait in your import inbox.")
    expect(report).to_contain_text("3 posts left out.")
    grokking_review = Review.objects.get(author=mina, paper__arxiv_id="2201.02177")
    assert grokking_review.results.startswith("### Phase change")
    assert "### Modular arithmetic" in grokking_review.core_algorithm
    assert not Review.objects.filter(paper=vit).exists()
    assert not Paper.objects.filter(title__icontains="Fast AutoAugment").exists()

    with page.expect_navigation():
        report.get_by_role("link", name="Open the inbox").click()
    guard.check(page)
    expect(page.locator(".inbox-post")).to_have_count(4)
    assert ImportedPost.objects.filter(member=mina).count() == 4
