"""Tables copied from papers use the page's width on the review page and the compare view."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.support import VIEWPORT
from tests.factories import MemberFactory, PaperFactory, make_review

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

HEADER = (
    "| Method | CIFAR-10 top-1 | CIFAR-100 top-1 | ImageNet top-1 | Params (M) | Epochs |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: |\n"
)
ROWS = (
    "| SGD (VGG-16, step decay) | 93.25 ± 0.16 | 72.55 ± 0.10 | 73.15 | 138.4 | 300 |\n"
    "| SWA (VGG-16, cyclical lr) | 93.64 ± 0.18 | 74.27 ± 0.25 | 74.30 | 138.4 | 300 |\n"
)
WIDE_TABLE = HEADER + ROWS

# The table, its last header cell and the text column it stands in, in CSS pixels.
MEASURE = """(table) => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right};
  };
  const cells = table.querySelectorAll("thead th");
  return {
    columns: cells.length,
    table: box(table),
    last: box(cells[cells.length - 1]),
    prose: box(table.closest(".prose")),
    scrollWidth: table.scrollWidth,
    clientWidth: table.clientWidth,
    pageScroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""


def _assert_all_columns_show(measured: dict[str, Any]) -> None:
    assert measured["columns"] == 6
    # Nothing hidden behind a sideways scroll, nothing past the window, no page-wide scroll.
    assert measured["scrollWidth"] <= measured["clientWidth"] + 1, measured
    assert measured["last"]["right"] <= measured["table"]["right"] + 1, measured
    assert 0 <= measured["table"]["left"] < measured["table"]["right"] <= VIEWPORT["width"]
    assert measured["pageScroll"] == 0, measured


def test_wide_table_on_review_page_shows_every_column(transactional_db: None, page: Page) -> None:
    review = make_review(author=MemberFactory(), results=WIDE_TABLE)
    page.goto(review.get_absolute_url())
    measured = page.locator("#results .prose table").evaluate(MEASURE)
    _assert_all_columns_show(measured)
    # It needed more than the text column: it left it rather than scroll inside it.
    assert measured["table"]["right"] > measured["prose"]["right"] + 1, measured


def test_wide_table_in_compare_view_shows_every_column(transactional_db: None, page: Page) -> None:
    paper = PaperFactory()
    for name in ("Jiwoo", "Minseo", "Hyunwoo"):
        make_review(paper=paper, author=MemberFactory(display_name=name), results=WIDE_TABLE)
    make_review(paper=paper, author=MemberFactory(display_name="Seoyeon"), results="No table.")
    page.goto(f"/papers/{paper.pk}/compare/?section=results")
    tables = page.locator(".compare-column .prose table")
    assert tables.count() == 3
    for index in range(3):
        _assert_all_columns_show(tables.nth(index).evaluate(MEASURE))
