"""A member attaches a demo experiment to a review and watches it run, in a real browser,
with a real Celery worker on Redis and the test database."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from reviews import experiments
from reviews.enums import RunStatus
from reviews.models import ExperimentRun, Member, Review
from tests.e2e.support import TIMEOUT_MS, Session, sign_in
from tests.factories import MemberFactory, PaperFactory, make_review
from tests.worker import celery_worker

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

# The tiny grokking demo cut down to a few seconds on a CPU: long enough for several
# progress points (written at most once a second), short enough for a browser test.
SETTINGS = {"seeds": "1", "steps": "600", "eval_every": "20"}
DEADLINE_S = 90
SCREENSHOT = Path("/tmp/run_page.png")
HTMX_IDLE = "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


@dataclass
class RunsData:
    member: Member
    review: Review


@pytest.fixture
def runs_data(transactional_db: None) -> RunsData:
    """A published review of the grokking paper, committed so the worker and server see it."""
    demo = experiments.get("grokking")
    paper = PaperFactory(title=demo.title, year=2022, arxiv_id=demo.arxiv_id)
    author = MemberFactory(username="jiwoo", display_name="Jiwoo Han")
    review = make_review(paper=paper, author=author)
    member = MemberFactory(username="minji", display_name="Minji Seo")
    return RunsData(member=member, review=review)


def wait_until(page: Page, expression: str, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    """Poll a JS expression with evaluate(); wait_for_function() would need eval, which the
    page's CSP rightly refuses."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def progress_value(page: Page) -> int:
    return int(page.locator("#run-progress").get_attribute("value") or 0)


def test_run_attach_and_watch_it_finish(
    session: Session, page: Page, runs_data: RunsData, tmp_path: Path
) -> None:
    guard = session.guard
    review_path = runs_data.review.get_absolute_url()
    with celery_worker(tmp_path, OMP_NUM_THREADS="1", EXPERIMENT_DEVICE="cpu") as worker:
        sign_in(page, guard, username=runs_data.member.username, next_path=review_path)
        form = page.locator("#run-form")
        experiment = form.locator("#id_experiment")
        assert experiment.input_value() == "grokking"
        assert form.locator("optgroup[label='For this paper'] option").all_inner_texts() == [
            experiments.get("grokking").title
        ]

        # Picking a preset swaps in its settings (htmx); picking tiny again brings them back.
        presets = experiments.get("grokking").presets
        for preset in ("full", "tiny"):
            form.locator("#id_preset").select_option(preset)
            modulus = str(presets[preset].modulus)
            expect(form.locator("#id_modulus")).to_have_value(modulus, timeout=TIMEOUT_MS)
            wait_until(page, HTMX_IDLE)  # the swapped-in select is wired up
        guard.check(page)

        form.locator(".run-settings > summary").click()
        for name, value in SETTINGS.items():
            form.locator(f"#id_{name}").fill(value)
        form.locator("#id_stop_when_grokked").uncheck()
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        run = ExperimentRun.objects.get()
        assert page.url.endswith(run.get_absolute_url())
        assert run.config["steps"] == 600 and run.seeds == [0]
        guard.check(page)

        # From here on the page must update itself: a reload would lose this marker.
        page.evaluate("window.__sameDocument = true")
        seen: list[int] = []
        saw_live_chart = False
        deadline = time.monotonic() + DEADLINE_S
        figure = page.locator("#run-live img.run-figure")
        while figure.count() == 0:
            assert time.monotonic() < deadline, (
                f"no figure after {DEADLINE_S} s; progress seen {seen}\n{worker.log()[-3000:]}"
            )
            value = progress_value(page)
            if not seen or value != seen[-1]:
                seen.append(value)
            saw_live_chart = saw_live_chart or page.locator("#run-live svg").count() > 0
            page.wait_for_timeout(150)
        seen.append(progress_value(page))

        assert page.evaluate("window.__sameDocument === true"), "the run page was reloaded"
        assert seen == sorted(seen), seen
        assert any(0 < v < 100 for v in seen), f"no progress seen between 0 and 100: {seen}"
        assert seen[-1] == 100
        assert saw_live_chart, "no live curves while the run was going"

        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED, run.error
        expect(figure).to_be_visible()
        wait_until(page, "document.querySelector('#run-live img.run-figure').naturalWidth > 0")
        verdict = page.locator(".run-verdict")
        expect(verdict).to_be_visible()
        assert run.get_verdict_display() in verdict.locator("h2").inner_text()
        assert run.verdict_reason in verdict.inner_text()
        assert page.locator("#run-live").get_attribute("hx-get") is None  # polling stopped
        assert re.search(r"\d", page.locator(".facts").inner_text())
        guard.check(page)
        page.screenshot(path=str(SCREENSHOT), full_page=True)

        # The review page shows the run with its figure and verdict.
        page.goto(review_path)
        item = page.locator(f"#run-{run.pk}")
        expect(item.locator(".verdict")).to_have_text(run.get_verdict_display())
        wait_until(page, f"document.querySelector('#run-{run.pk} img.run-figure').naturalWidth > 0")
        guard.check(page)
