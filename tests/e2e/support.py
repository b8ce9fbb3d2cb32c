"""Browser-side helpers for the end-to-end tests: the page guard, sessions, sign-in.

Every page a test opens is watched by a `PageGuard`: console errors, uncaught page
errors, CSP violations (console messages and `securitypolicyviolation` events), error
statuses and the Content-Security-Policy header of every main document.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tests.conftest import CHROMIUM
from tests.factories import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response

    from reviews.models import Member, Paper, ReadingList, ReadingListEntry

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000

# Runs before any page script, injected over the DevTools protocol, so the page's CSP
# does not apply to it. Violations are kept on the page (window.__cspViolations) and
# also reported to Python, so one that happens just before a navigation is not lost.
CSP_LISTENER = """
(() => {
  window.__cspViolations = [];
  window.addEventListener("securitypolicyviolation", (event) => {
    const violation = {
      directive: event.violatedDirective,
      blocked: event.blockedURI,
      source: event.sourceFile,
      line: event.lineNumber,
      sample: event.sample,
      page: document.location.href,
    };
    window.__cspViolations.push(violation);
    if (typeof window.__reportCspViolation === "function") {
      window.__reportCspViolation(violation);
    }
  }, true);
})();
"""


def chromium_path() -> str | None:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    return shutil.which("chromium")


@dataclass
class PageGuard:
    """What went wrong on the pages of one browser context."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[dict[str, Any]] = field(default_factory=list)
    documents: list[Response] = field(default_factory=list)
    checked_documents: int = 0
    # (status, url substring) pairs a test expects, e.g. the 409 of a conflicting save:
    # Chromium logs "Failed to load resource" for a main document with an error status.
    allowed_statuses: list[tuple[int, str]] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.add_init_script(CSP_LISTENER)
        context.expose_binding(
            "__reportCspViolation",
            lambda _source, violation: self.csp_violations.append(violation),
        )

    def watch(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("response", lambda response: self._on_response(page, response))

    def _on_console(self, message: ConsoleMessage) -> None:
        text = message.text
        location = message.location.get("url", "") if message.location else ""
        if "Content Security Policy" in text:
            self.csp_violations.append({"console": text, "page": location})
        if message.type == "error" and not self._allowed(text, location):
            self.console_errors.append(f"{location}: {text}")

    def _on_response(self, page: Page, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == page.main_frame:
            self.documents.append(response)

    def _allowed(self, text: str, url: str) -> bool:
        return any(
            f"status of {status}" in text and fragment in url
            for status, fragment in self.allowed_statuses
        )

    def allow_status(self, status: int, url_fragment: str) -> None:
        """Expect one main document to answer `status` (its console error is not a failure)."""
        self.allowed_statuses.append((status, url_fragment))

    def check(self, page: Page | None = None) -> None:
        """Fail on anything recorded so far; with a page, also read its __cspViolations."""
        if page is not None and not page.is_closed():
            on_page = page.evaluate("window.__cspViolations || []")
            assert on_page == [], f"CSP violations on {page.url}: {on_page}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.page_errors == [], f"uncaught page errors: {self.page_errors}"
        assert self.csp_violations == [], f"CSP violations: {self.csp_violations}"
        for response in self.documents[self.checked_documents :]:
            if response.status >= 400:
                assert self._allowed(f"status of {response.status}", response.url), (
                    f"{response.url} answered {response.status}"
                )
            policy = response.all_headers().get("content-security-policy", "")
            assert policy, f"no Content-Security-Policy header on {response.url}"
            script_src = _directive(policy, "script-src") or _directive(policy, "default-src")
            assert script_src, f"no script-src or default-src in the CSP of {response.url}"
            assert "'unsafe-inline'" not in script_src, f"{response.url}: {script_src}"
            assert "'unsafe-eval'" not in script_src, f"{response.url}: {script_src}"
        self.checked_documents = len(self.documents)


def _directive(policy: str, name: str) -> str:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0].lower() == name:
            return " ".join(words[1:])
    return ""


@dataclass
class Session:
    """A browser context with its guard: what one person at one computer sees."""

    context: BrowserContext
    guard: PageGuard
    base_url: str

    def new_page(self) -> Page:
        page = self.context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        self.guard.watch(page)
        return page

    def check(self) -> None:
        for page in self.context.pages:
            self.guard.check(page)
        self.guard.check()


SessionFactory = Callable[[], Session]


@dataclass
class StudyData:
    author: Member
    reading_list: ReadingList
    entry: ReadingListEntry
    paper: Paper


def sign_in(page: Page, guard: PageGuard, *, username: str, next_path: str = "/") -> None:
    """Sign in through the login form and land on `next_path`."""
    page.goto(f"/login/?{urlencode({'next': next_path})}")
    form = page.locator("main form")
    form.locator("#id_username").fill(username)
    form.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    path = re.sub(r"^https?://[^/]+", "", page.url)
    assert path == next_path, f"expected {next_path} after signing in, got {page.url}"
    guard.check(page)


def type_into(page: Page, selector: str, text: str) -> None:
    """Fill all but the last character, then type that one as a keystroke.

    Both fire `input` events, so htmx's `input changed delay:300ms` trigger runs.
    """
    field = page.locator(selector)
    field.fill(text[:-1])
    field.press_sequentially(text[-1])
    assert field.input_value() == text
