"""Images pasted or dropped into the review editor are stored here and shown under the CSP."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from reviews.models import Review
from tests.e2e.support import Session, StudyData, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

# A 1×1 PNG, and an SVG (a document, which the editor must refuse).
PNG_BASE64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5E"
    "rkJggg=="
)
SVG_BASE64 = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="

# Paste or drop one file into a text box, as the browser does for a screenshot or a file.
GIVE_FILE = """
([selector, kind, base64, type, name]) => {
  const area = document.querySelector(selector);
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type }));
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
  const init = { bubbles: true, cancelable: true };
  const event = kind === "paste"
    ? new ClipboardEvent("paste", { ...init, clipboardData: data })
    : new DragEvent("drop", { ...init, dataTransfer: data });
  return area.dispatchEvent(event);
}
"""


PASTE_HTML = """
([selector, html]) => {
  const area = document.querySelector(selector);
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
  const data = new DataTransfer();
  data.setData("text/html", html);
  data.setData("text/plain", "plain");
  const init = { clipboardData: data, bubbles: true, cancelable: true };
  return area.dispatchEvent(new ClipboardEvent("paste", init));
}
"""


def test_editor_image_paste_and_drop_upload_and_show_in_preview(
    session: Session, page: Page, study: StudyData
) -> None:
    guard = session.guard
    paper, author = study.paper, study.author
    sign_in(page, guard, username=author.username, next_path=f"/papers/{paper.pk}/review/")
    area = page.locator("#id_results")
    area.fill("결과 그림:\n")

    handled = page.evaluate(GIVE_FILE, ["#id_results", "paste", PNG_BASE64, "image/png", "a.png"])
    assert handled is False  # the editor took the paste over
    image = re.compile(rf"!\[\]\(/images/{author.pk}/{paper.pk}/[A-Za-z0-9_-]{{22}}\.png\)")
    expect(area).to_have_value(re.compile(r"^결과 그림:\n" + image.pattern + "$"))
    # The live preview shows it, loaded from this site under the page's CSP.
    preview_image = page.locator("#preview-results img")
    preview_image.wait_for()
    page.wait_for_function(
        "document.querySelector('#preview-results img').naturalWidth === 1", timeout=10_000
    )

    page.evaluate(GIVE_FILE, ["#id_results", "drop", PNG_BASE64, "image/png", "b.png"])
    expect(area).to_have_value(re.compile(image.pattern + image.pattern + "$"))

    # An SVG is refused: the text stays as it was and the server's reason shows.
    guard.allow_status(400, "/review/images/")
    before = area.input_value()
    page.evaluate(GIVE_FILE, ["#id_results", "drop", SVG_BASE64, "image/svg+xml", "c.svg"])
    expect(page.locator(".editor-upload-error")).to_have_text(
        "Only PNG, JPEG, GIF and WebP images are accepted."
    )
    expect(area).to_have_value(before)

    # Rich text pasted with an image the server may not fetch: the image stays a link, and
    # the editor says why.
    before = area.input_value()
    html = '<p>사설 주소 <img src="http://127.0.0.1/x.png" alt="x"></p>'
    page.evaluate(PASTE_HTML, ["#id_results", html])
    expect(area).to_have_value(before + "사설 주소 [x](http://127.0.0.1/x.png)")
    expect(page.locator(".editor-paste-note")).to_contain_text(
        "The image http://127.0.0.1/x.png is left as a link"
    )
    area.fill(before)

    # Published, the review page shows both images, from this site under its CSP.
    page.locator("#id_tldr").fill("그림이 있는 리뷰.")
    with page.expect_navigation():
        page.locator("button[name=publish]").click()
    review = Review.objects.get(paper=paper, author=author)
    assert page.url.endswith(review.get_absolute_url())
    assert len(image.findall(review.results)) == 2
    page.wait_for_function(
        "[...document.querySelectorAll('#results img')].filter((i) => i.naturalWidth === 1)"
        ".length === 2",
        timeout=10_000,
    )
    guard.check(page)
