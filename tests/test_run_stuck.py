"""No run is ever stuck: lost messages and killed pool processes, on real worker processes,
a real broker and the test database.

The reaper runs in this process with ``now=`` moved forward (beat would run it every 10 s),
so nothing here waits for its grace period.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone
from rest_framework.test import APIClient

from reviews.enums import RunStatus
from reviews.models import ExperimentRun
from reviews.services import run_queue, runs
from tests.factories import MemberFactory, make_review
from tests.test_run_worker import FAST_LEASE, LONG, SHORT, finished, launch, under_way, wait_for
from tests.worker import (
    REDIS_URL,
    Worker,
    celery_worker,
    filesystem_options,
    publishing_to,
    redis_or_skip,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cast(settings) -> tuple:
    settings.EXPERIMENT_RUN_LIMIT = 5
    return make_review(), MemberFactory(username="runner")


def lose_everything() -> None:
    """What a Redis restart without persistence does to the queue."""
    redis.Redis.from_url(REDIS_URL).flushdb()


def reap_twice(after: float) -> tuple[int, int]:
    """The reaper's two looks, ``RECHECK_S`` apart, ``after`` seconds from now."""
    start = timezone.now() + timedelta(seconds=after)
    run_queue.runs_reap_lost(now=start)
    return run_queue.runs_reap_lost(now=start + timedelta(seconds=run_queue.RECHECK_S))


def received(worker: Worker, task_id: str) -> int:
    return worker.log().count(f"run_experiment[{task_id}] received")


def test_run_whose_message_was_lost_is_resent_once_and_runs(cast, tmp_path):
    redis_or_skip()
    lose_everything()
    with publishing_to(REDIS_URL):
        run = launch(cast, SHORT)
        first_id = run.task_id
        assert run_queue.task_ids_in_broker([first_id]) == {first_id}
        lose_everything()
        assert reap_twice(after=60) == (1, 0)
    run.refresh_from_db()
    assert (run.status, run.resent_at is not None) == (RunStatus.QUEUED, True)
    with celery_worker(tmp_path, flush=False, **FAST_LEASE) as worker:
        run = wait_for(run, finished, worker, timeout=60)
        assert run.status == RunStatus.SUCCEEDED, run.error
        assert run.attempts == 1
        assert (received(worker, run.task_id), received(worker, first_id)) == (1, 0)


def test_run_lost_twice_fails_and_its_member_can_launch_again(cast, settings):
    settings.EXPERIMENT_RUN_LIMIT = 1
    review, member = cast
    api = APIClient()
    api.force_authenticate(member)
    body = {"review": review.pk, "experiment": "grokking", "config": SHORT}
    redis_or_skip()
    lose_everything()
    with publishing_to(REDIS_URL):
        first = api.post("/api/runs/", body, format="json")
        assert first.status_code == 201
        assert api.post("/api/runs/", body, format="json").status_code == 429
        lose_everything()
        assert reap_twice(after=60) == (1, 0)
        lose_everything()
        assert reap_twice(after=120) == (0, 1)
        run = ExperimentRun.objects.get(pk=first.json()["id"])
        assert run.status == RunStatus.FAILED
        assert "lost this run twice" in run.error
        again = api.post("/api/runs/", body, format="json")
    assert again.status_code == 201, again.json()
    assert again.json()["status"] == "queued"
    lose_everything()


@pytest.fixture(scope="class")
def worker(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    with celery_worker(tmp_path_factory.mktemp("stuck"), **FAST_LEASE) as worker:
        yield worker


class TestRunsBehindOthers:
    """One Redis worker (concurrency 1), with a run waiting behind the one it runs."""

    def test_run_waiting_behind_a_running_run_is_never_touched(self, worker, cast):
        running = wait_for(launch(cast, LONG), under_way, worker, timeout=60)
        waiting = launch(cast, SHORT)
        assert reap_twice(after=3600) == (0, 0)
        waiting.refresh_from_db()
        assert (waiting.status, waiting.missing_since, waiting.resent_at) == (
            RunStatus.QUEUED,
            None,
            None,
        )
        runs.run_cancel(run=running, by=running.requested_by)
        waiting = wait_for(waiting, finished, worker, timeout=60)
        assert waiting.status == RunStatus.SUCCEEDED, waiting.error
        assert waiting.resent_at is None

    def test_killed_pool_process_runs_its_run_again_after_the_one_queued_behind(self, worker, cast):
        """What the README says: the run goes back to the queue at once (never `failed` as
        silent), behind the run launched after it, which starts first; then its second
        attempt runs it to the end."""
        killed = wait_for(launch(cast, {**SHORT, "steps": 300}), under_way, worker, 60)
        behind = launch(cast, SHORT)
        worker.kill_pool()
        requeued = wait_for(killed, lambda r: r.status != RunStatus.RUNNING, worker, 10)
        assert (requeued.status, requeued.attempts) == (RunStatus.QUEUED, 1)
        assert "queued to run again" in requeued.message
        behind = wait_for(behind, finished, worker, timeout=60)
        assert behind.status == RunStatus.SUCCEEDED, behind.error
        killed = wait_for(killed, finished, worker, timeout=60)
        assert killed.status == RunStatus.SUCCEEDED, killed.error
        assert (killed.attempts, killed.steps) == (2, 300)
        assert behind.finished_at <= killed.started_at
        assert received(worker, killed.task_id) == 2


def test_run_held_by_a_worker_that_cannot_answer_is_never_touched(cast, tmp_path):
    """The filesystem transport deletes a message's file when a worker takes it. A worker
    that took more messages than it has pool processes holds one in memory and, its main
    process waiting for a free pool process, answers no question: the reaper does nothing
    rather than guess."""
    env = {**FAST_LEASE, "CELERY_BROKER_URL": "filesystem://"}
    with celery_worker(tmp_path, args=("--prefetch-multiplier", "2"), **env) as worker:
        options = filesystem_options(worker.data_dir)
        with publishing_to("filesystem://", options):
            running = wait_for(launch(cast, LONG), under_way, worker, timeout=60)
            held = launch(cast, SHORT)
            _wait_for_no_files(Path(str(options["data_folder_in"])), worker)
            assert run_queue.task_ids_in_broker([held.task_id]) is None
            assert reap_twice(after=3600) == (0, 0)
            held.refresh_from_db()
            assert (held.status, held.missing_since) == (RunStatus.QUEUED, None)
            runs.run_cancel(run=running, by=running.requested_by)
            held = wait_for(held, finished, worker, timeout=60)
    assert held.status == RunStatus.SUCCEEDED, held.error
    assert held.resent_at is None


def _wait_for_no_files(queue: Path, worker: Worker) -> None:
    deadline = time.monotonic() + 15
    while list(queue.glob("*.gpu.msg")):
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not take the message\n{worker.log()[-3000:]}")
        time.sleep(0.2)
