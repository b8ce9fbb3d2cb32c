"""Imports in the browser: a pasted reading list (preview, then import), rich text pasted into
the review editor."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from reviews.importers.html_markdown import html_to_markdown
from reviews.models import Paper, ReadingListEntry
from tests.e2e.support import Session, StudyData, sign_in
from tests.factories import MemberFactory, PaperFactory, ReadingListFactory

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

READING_LIST = "\n".join(
    [
        "## 3주차 — AutoML",
        '16. Jaderberg, Max, et al. "Population based training of neural networks." '
        "arXiv preprint arXiv:1711.09846 (2017).",
        '42.Lim, Sungbin, et al. "Fast autoaugment." Advances in Neural Information '
        "Processing Systems. 2019.",
        '7. 홍길동, 김철수. "딥러닝 기반 $\\ell_1$ 정규화 연구." '
        "한국정보과학회 논문지 47.3 (2020): 1-10.",
        "43. not a citation at all",
    ]
)


def test_import_reading_list_preview_then_import(
    session: Session, page: Page, transactional_db: None
) -> None:
    guard = session.guard
    MemberFactory(username="mina", display_name="Mina Seo", is_staff=True)
    reading_list = ReadingListFactory(slug="automl", title="AutoML season")
    existing = PaperFactory(title="Fast AutoAugment", arxiv_id="", venue="", year=None)
    sign_in(page, guard, username="mina", next_path="/papers/import/?list=automl")
    expect(page.locator("#id_reading_list")).to_have_value("automl")

    page.locator("#id_text").fill(READING_LIST)
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    guard.check(page)
    rows = page.locator(".import-table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Population based training of neural networks")
    expect(rows.nth(0)).to_contain_text("1711.09846")
    expect(rows.nth(0)).to_contain_text("new")
    expect(rows.nth(1)).to_contain_text("matches existing paper Fast AutoAugment")
    expect(rows.nth(2)).to_contain_text("딥러닝 기반 $\\ell_1$ 정규화 연구")
    expect(rows.nth(2)).to_contain_text("홍길동, 김철수")
    expect(rows.nth(3)).to_contain_text("No title found")
    # The textarea keeps the paste for a fix-and-retry; nothing is saved yet.
    expect(page.locator("#id_text")).to_have_value(READING_LIST)
    assert Paper.objects.count() == 1
    assert not ReadingListEntry.objects.exists()

    with page.expect_navigation():
        page.get_by_role("button", name="Import 3 papers").click()
    guard.check(page)
    report = page.locator(".import-report")
    expect(report).to_contain_text("2 new papers")
    expect(report).to_contain_text("1 already there")
    expect(report).to_contain_text("3 entries on the list")
    expect(report).to_contain_text("No. 43: No title found")
    numbers = dict(reading_list.entries.values_list("number", "paper__title"))
    assert numbers == {
        7: "딥러닝 기반 $\\ell_1$ 정규화 연구",
        16: "Population based training of neural networks",
        42: "Fast AutoAugment",
    }
    existing.refresh_from_db()
    assert (existing.venue, existing.year) == (
        "Advances in Neural Information Processing Systems",
        2019,
    )

    with page.expect_navigation():
        report.get_by_role("link", name="Open “AutoML season”").click()
    expect(page.locator("#entry-16")).to_contain_text("Population based training")
    expect(page.locator("#entry-7")).to_contain_text("딥러닝 기반")
    guard.check(page)


NOTION_HTML = (
    "<h2>핵심 알고리즘</h2>"
    "<p>SWA는 <strong>가중치 평균</strong>을 쓴다: <code>w_swa</code>, $\\hat{w}_{t+1}$</p>"
    "<ul><li>학습률을 <em>크게</em> 유지</li><li>BN 통계 재계산</li></ul>"
    '<pre class="language-python"><code>for x in loader:\n    model(x)</code></pre>'
    "<table><tr><th>모델</th><th>SWA</th></tr><tr><td>VGG-16</td><td>74.27</td></tr></table>"
)
PASTE = """
([selector, html, plain]) => {
  const area = document.querySelector(selector);
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
  const data = new DataTransfer();
  data.setData("text/html", html);
  data.setData("text/plain", plain);
  const init = { clipboardData: data, bubbles: true, cancelable: true };
  const paste = new ClipboardEvent("paste", init);
  return area.dispatchEvent(paste);
}
"""


def test_rich_text_paste_into_editor_becomes_markdown(
    session: Session, page: Page, study: StudyData
) -> None:
    guard = session.guard
    sign_in(
        page, guard, username=study.author.username, next_path=f"/papers/{study.paper.pk}/review/"
    )
    area = page.locator("#id_core_algorithm")
    area.fill("앞 문단.\n\n")

    handled = page.evaluate(PASTE, ["#id_core_algorithm", NOTION_HTML, "plain text"])
    assert handled is False  # the editor took the paste over from the browser
    expected = "앞 문단.\n\n" + html_to_markdown(NOTION_HTML).rstrip("\n")
    expect(area).to_have_value(expected)
    for piece in ("## 핵심 알고리즘", "**가중치 평균**", "$\\hat{w}_{t+1}$", "```python"):
        assert piece in expected
    assert "| VGG-16 | 74.27 |" in expected
    # The insertion is typing as far as the page knows: the live preview renders it.
    page.locator("#preview-core_algorithm table").wait_for()
    page.locator("#preview-core_algorithm math").first.wait_for(state="attached")
    guard.check(page)

    # A paste the server refuses (over its size limit) goes in as the clipboard's plain text.
    guard.allow_status(413, "/markdown/from-html/")
    area.fill("")
    huge = "<p>" + "가" * 400_000 + "</p>"
    page.evaluate(PASTE, ["#id_core_algorithm", huge, "plain fallback"])
    expect(area).to_have_value("plain fallback")
    guard.check(page)
