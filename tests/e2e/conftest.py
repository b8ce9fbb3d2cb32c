"""Headless Chromium (Debian's, driven by Playwright) against pytest-django's live server.

Pages come from guarded sessions (see `tests.e2e.support.PageGuard`). The guard of
every session is checked when the test ends, so no test can forget it; tests also
call `check()` after each step so a failure points at the step that broke.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.conftest import CHROMIUM, services_required
from tests.e2e.support import (
    CHROMIUM_ARGS,
    VIEWPORT,
    PageGuard,
    Session,
    SessionFactory,
    StudyData,
    chromium_path,
)
from tests.factories import EntryFactory, MemberFactory, PaperFactory, ReadingListFactory

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.fixtures import SettingsWrapper
    from pytest_django.live_server_helper import LiveServer


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all e2e tests; each test gets its own context (cookies, storage).

    Package scope is the session as far as these tests go, and it stops Playwright's
    event loop (and lifts DJANGO_ALLOW_ASYNC_UNSAFE) before the rest of the suite runs.
    """
    executable = chromium_path()
    if executable is None:
        message = f"Chromium not found at {CHROMIUM} or on PATH"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, which Django's
    # async-safety check would take for async code calling the ORM.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture
def new_session(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[SessionFactory]:
    """Open guarded browser contexts; each is checked and closed when the test ends."""
    sessions: list[Session] = []

    def make() -> Session:
        context = browser.new_context(
            base_url=live_server.url, viewport=VIEWPORT, locale="en-US", timezone_id="Asia/Seoul"
        )
        guard = PageGuard()
        guard.attach(context)
        session = Session(context=context, guard=guard, base_url=live_server.url)
        sessions.append(session)
        return session

    yield make
    try:
        # A test that already failed has said what went wrong; do not say it twice.
        if not request.node.stash.get(CALL_FAILED, True):
            for session in sessions:
                session.check()
    finally:
        for session in sessions:
            session.context.close()


@pytest.fixture
def session(new_session: SessionFactory) -> Session:
    return new_session()


@pytest.fixture
def page(session: Session) -> Page:
    return session.new_page()


@pytest.fixture
def guard(session: Session) -> PageGuard:
    return session.guard


@pytest.fixture(autouse=True)
def _fast_passwords(settings: SettingsWrapper) -> None:
    """The live server runs in this process, so one setting speeds up every sign-in."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def study(transactional_db: None) -> StudyData:
    """A member and a reading list with one paper, committed so the live server sees them."""
    author = MemberFactory(username="jiwoo", display_name="Jiwoo Han")
    paper = PaperFactory(
        title="Averaging Weights Leads to Wider Optima and Better Generalization",
        authors=["Pavel Izmailov", "Dmitrii Podoprikhin", "Andrew Gordon Wilson"],
        year=2018,
        venue="UAI",
        arxiv_id="1803.05407",
    )
    reading_list = ReadingListFactory(title="Optimization and generalization", slug="optim")
    entry = EntryFactory(reading_list=reading_list, paper=paper, number=1)
    return StudyData(author=author, reading_list=reading_list, entry=entry, paper=paper)
