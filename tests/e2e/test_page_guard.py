"""The guard every e2e test relies on really sees CSP violations and script errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import PageGuard, Session

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def test_page_guard_inline_script_is_caught(
    session: Session, page: Page, guard: PageGuard, transactional_db: None
) -> None:
    page.goto("/")
    guard.check(page)

    # evaluate() itself is exempt from CSP, but the inline <script> it adds is not.
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__inlineRan = true";
          document.body.append(script);
          setTimeout(() => { throw new Error("boom from the page"); }, 0);
        }"""
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    page.wait_for_timeout(50)
    assert page.evaluate("window.__inlineRan === undefined")

    with pytest.raises(AssertionError, match="CSP violations"):
        guard.check(page)
    assert any(v.get("directive", "").startswith("script-src") for v in guard.csp_violations)
    assert any("Content Security Policy" in v.get("console", "") for v in guard.csp_violations)
    assert any("Content Security Policy" in e for e in guard.console_errors)
    assert any("boom from the page" in e for e in guard.page_errors)

    # Forget what this test provoked so the end-of-test check passes.
    page.evaluate("window.__cspViolations.length = 0")
    guard.csp_violations.clear()
    guard.console_errors.clear()
    guard.page_errors.clear()
    guard.check(page)
