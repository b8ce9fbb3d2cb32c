"""The editor's preview says why it cannot render instead of going blank."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from reviews.sections import MAX_BYTES
from tests.e2e.support import PageGuard, StudyData, sign_in, type_into

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = pytest.mark.e2e


def _open_editor(page: Page, guard: PageGuard, study: StudyData) -> None:
    path = f"/papers/{study.paper.pk}/review/"
    sign_in(page, guard, username=study.author.username, next_path=path)


def test_preview_of_section_over_limit_says_why(
    page: Page, guard: PageGuard, study: StudyData
) -> None:
    guard.allow_status(400, "/preview/")
    _open_editor(page, guard, study)
    type_into(page, "#id_results", "| a | b |\n| --- | --- |\n| 1 | 2 |")
    page.locator("#preview-results table").wait_for()
    page.locator("#id_results").fill("가" * (MAX_BYTES // 3 + 1))
    error = page.locator("#preview-results .preview-error[role=alert]")
    error.wait_for()
    assert error.inner_text() == "This section is 101 KB; the limit is 100 KB."
    assert page.locator("#preview-results table").count() == 0
    # Back under the limit, the preview comes back.
    type_into(page, "#id_results", "**bold**")
    page.locator("#preview-results strong").wait_for()
    assert page.locator("#preview-results .preview-error").count() == 0
    guard.check(page)


def test_preview_server_error_and_lost_connection_say_so(
    page: Page, guard: PageGuard, study: StudyData
) -> None:
    guard.allow_status(500, "/preview/")
    _open_editor(page, guard, study)

    def fail(route: Route) -> None:
        route.fulfill(status=500, content_type="text/html", body="<h1>Server Error</h1>")

    page.route("**/preview/", fail)
    type_into(page, "#id_thoughts", "good paper")
    error = page.locator("#preview-thoughts .preview-error[role=alert]")
    error.wait_for()
    assert error.inner_text().startswith("The preview could not be rendered")
    assert "Server Error" not in page.locator("#preview-thoughts").inner_text()
    guard.check(page)
