"""Runs on a real Celery worker process, a real Redis broker and the test database.

The demo is grokking with a few overrides: ``SHORT`` finishes in seconds on one CPU thread,
``LONG`` runs long enough to be cancelled, timed out or killed half way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews import experiments
from reviews.enums import RunStatus, RunVerdict
from reviews.models import ExperimentRun
from reviews.services import runs
from tests.factories import MemberFactory, make_review
from tests.worker import Worker, celery_worker

SHORT = {"steps": 100, "seeds": 1, "eval_every": 20}
LONG = {"steps": 20_000, "seeds": 1, "eval_every": 20, "stop_when_grokked": False}
# A taken-over run waits out the lease; the reaper fails runs silent for longer.
FAST_LEASE = {"EXPERIMENT_LEASE_S": "3", "EXPERIMENT_STALE_S": "6"}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cast(settings) -> tuple:
    settings.EXPERIMENT_RUN_LIMIT = 5
    return make_review(), MemberFactory(username="runner")


def launch(cast: tuple, overrides: dict) -> ExperimentRun:
    review, member = cast
    return runs.run_create(review=review, by=member, experiment="grokking", overrides=overrides)


def wait_for(
    run: ExperimentRun, done: Callable[[ExperimentRun], bool], worker: Worker, timeout: float
) -> ExperimentRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if done(run):
            return run
        time.sleep(0.2)
    pytest.fail(
        f"run {run.pk} is {run.status} ({run.message!r}, attempts {run.attempts}) after "
        f"{timeout} s\n--- worker log ---\n{worker.log()[-4000:]}"
    )


def finished(run: ExperimentRun) -> bool:
    return not run.is_active


def under_way(run: ExperimentRun) -> bool:
    """Running, with torch loaded and at least one progress point written."""
    return run.status == RunStatus.RUNNING and run.progress > 0


@pytest.fixture(scope="class")
def shared_worker(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    with celery_worker(tmp_path_factory.mktemp("shared"), **FAST_LEASE) as worker:
        yield worker


class TestOneWorker:
    """One worker for every run that leaves its main process alive; in file order."""

    def test_run_succeeds_with_metrics_and_figure(self, shared_worker, cast, settings):
        """The worker has a DATA_DIR of its own, as on another host; its figure reaches the
        web through the database alone."""
        worker = shared_worker
        assert worker.data_dir != settings.DATA_DIR
        run = launch(cast, SHORT)
        run = wait_for(run, finished, worker, timeout=60)
        assert run.status == RunStatus.SUCCEEDED, run.error
        assert run.progress == 1.0
        assert run.attempts == 1
        assert run.verdict in RunVerdict.values
        assert run.verdict_reason
        # Stored as message ids too, for the reader's language; the columns hold English.
        reason = experiments.Text.from_dict(run.texts["verdict_reason"])
        assert (reason, run.texts["message"]["id"]) == (run.verdict_reason, run.message)
        assert run.summary
        assert set(run.series) >= {"train_acc_wd", "val_acc_wd"}
        assert run.series["val_acc_wd"]["x"][-1] == 100
        assert run.steps == 100
        assert run.seeds == [0]
        assert run.device.startswith("CPU")
        assert "torch" in run.versions
        assert run.figure.name.startswith("runs/")
        with run.figure.open("rb") as figure:
            assert figure.read().lstrip().startswith(b"<svg")
        figure_url = reverse("run_figure", args=[run.pk])
        page = Client().get(run.get_absolute_url())
        assert f'src="{figure_url}"' in page.content.decode()
        served = Client().get(figure_url)
        assert (served.status_code, served["Content-Type"]) == (200, "image/svg+xml")
        assert served.content.lstrip().startswith(b"<svg")
        # Neither process wrote a file: not the web's MEDIA_ROOT, not the worker's data dir.
        assert list(Path(settings.MEDIA_ROOT).rglob("*")) == []
        assert not (worker.data_dir / "media").exists()

    def test_run_cancel_stops_a_running_run(self, shared_worker, cast):
        run = wait_for(launch(cast, LONG), under_way, shared_worker, timeout=60)
        asked = time.monotonic()
        runs.run_cancel(run=run, by=run.requested_by)
        run = wait_for(run, finished, shared_worker, timeout=15)
        assert run.status == RunStatus.CANCELLED
        assert time.monotonic() - asked < 5
        assert run.progress < 1

    def test_run_soft_time_limit_fails_the_run(self, shared_worker, cast, settings):
        settings.EXPERIMENT_MAX_TIME_LIMIT_S = 3
        run = launch(cast, LONG)
        assert run.time_limit_s == 3
        run = wait_for(run, finished, shared_worker, timeout=30)
        assert run.status == RunStatus.FAILED
        assert "time limit of 3 s" in run.error
        assert run.series  # the curves so far are kept
        assert run.duration.total_seconds() < 10

    def test_run_hard_time_limit_fails_the_run_once(self, shared_worker, cast, monkeypatch):
        """A run that does not stop at its soft limit (stuck in native code, say) is killed at
        the hard one; the worker's main process fails it and the message is not redelivered."""
        from reviews.tasks import run_experiment

        def enqueue_without_soft_limit(run: ExperimentRun) -> None:
            run_experiment.apply_async(args=[run.pk], task_id=run.task_id, time_limit=4)

        monkeypatch.setattr(runs, "run_enqueue", enqueue_without_soft_limit)
        run = wait_for(launch(cast, LONG), finished, shared_worker, timeout=30)
        assert run.status == RunStatus.FAILED
        assert "time limit" in run.error
        assert run.duration.total_seconds() < 10  # written at once, not left to the reaper
        time.sleep(1.5)  # a requeued message is delivered again within a fraction of this
        log = shared_worker.log()
        assert "Hard time limit (4s) exceeded" in log
        assert log.count(f"run_experiment[{run.task_id}] received") == 1

    def test_run_survives_a_killed_pool_process(self, shared_worker, cast):
        """kill -9 of the process running the task: the worker's main process puts the run
        back in the queue, Celery requeues its message (reject_on_worker_lost), and a new pool
        process runs it again from the start."""
        run = launch(cast, {**SHORT, "steps": 300})
        run = wait_for(run, under_way, shared_worker, timeout=60)
        killed = time.monotonic()
        shared_worker.kill_pool()
        run = wait_for(run, finished, shared_worker, timeout=60)
        assert run.status == RunStatus.SUCCEEDED, run.error
        assert run.attempts == 2
        assert run.steps == 300
        assert time.monotonic() - killed < 60
        assert shared_worker.log().count(f"run_experiment[{run.task_id}] received") == 2

    def test_run_killed_twice_ends_failed_without_a_third_attempt(self, shared_worker, cast):
        run = wait_for(launch(cast, LONG), under_way, shared_worker, timeout=60)
        killed = time.monotonic()
        shared_worker.kill_pool()
        run = wait_for(run, lambda r: r.attempts == 2 and under_way(r), shared_worker, 30)
        shared_worker.kill_pool()
        # The main process ends the run at once; the third delivery finds it failed and is
        # acknowledged, so the message does not come back again.
        run = wait_for(run, finished, shared_worker, timeout=10)
        assert run.status == RunStatus.FAILED
        assert run.attempts == 2
        assert "stopped during each of this run's 2 attempts" in run.error
        assert time.monotonic() - killed < 45
        time.sleep(1.5)
        log = shared_worker.log()
        assert log.count(f"run_experiment[{run.task_id}] received") == 3
        assert f"run_experiment[{run.task_id}] succeeded" in log  # acknowledged


def test_run_of_a_killed_worker_is_failed_by_the_next_worker(cast, tmp_path, settings):
    """kill -9 of the whole worker: nothing is left to requeue the message or write to the
    run. The next worker to start ends the run in its ``worker_ready`` reap."""
    settings.EXPERIMENT_STALE_S = 6
    with celery_worker(tmp_path, **FAST_LEASE) as worker:
        run = wait_for(launch(cast, LONG), under_way, worker, timeout=60)
        killed = time.monotonic()
        worker.kill()
    # Reading the run reaps it only once its heartbeat is stale, not while it may be alive.
    assert runs.runs_reap_stale(run_ids=[run.pk]) == 0
    run.refresh_from_db()
    silent = (timezone.now() - run.heartbeat_at).total_seconds()
    time.sleep(max(0.0, 6.5 - silent))
    with celery_worker(tmp_path, flush=False, **FAST_LEASE) as fresh:
        run.refresh_from_db()
        assert run.status == RunStatus.FAILED, fresh.log()
        assert "stopped responding" in run.error
        assert "ended 1 run(s) whose worker had stopped" in fresh.log()
    assert time.monotonic() - killed < 60
