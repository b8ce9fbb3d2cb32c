"""Celery tasks: thin adapters that load a run by id and hand it to an experiment.

torch is imported only inside a running task (by the experiment), never when the worker
starts, so forked pool processes initialise CUDA themselves.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from celery.worker.request import Request
from django.conf import settings
from django.db import Error as DatabaseError
from django.db import close_old_connections, connection

from reviews import experiments
from reviews.enums import RunStatus
from reviews.experiments import Cancelled, Progress, Series
from reviews.models import ExperimentRun
from reviews.services import runs

logger = logging.getLogger(__name__)
T = TypeVar("T")


class _RunRequest(Request):
    def on_timeout(self, soft: bool, timeout: float) -> None:
        super().on_timeout(soft, timeout)
        if soft:
            return
        # The pool process was killed at the hard limit and wrote nothing: say so on the run
        # from here, the worker's main process. The message is acknowledged, not redelivered.
        try:
            _write(runs.run_fail_time_limit, run_id=int(self.args[0]))
        except Exception:
            logger.exception("could not mark run %s as stopped at its time limit", self.args)


class _RunTask(Task):
    Request = _RunRequest


@shared_task(
    bind=True, base=_RunTask, acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def run_experiment(self: Any, run_id: int) -> None:
    """Run one queued ``ExperimentRun``; redelivered after a lost worker, it takes over once."""
    close_old_connections()
    run = _claim(run_id)
    if run is None:
        logger.info("run %s is not ours to run (finished, cancelled or out of attempts)", run_id)
        return
    _Execution(run).execute()


@shared_task(ignore_result=True)
def reap_stale_runs() -> int:
    """End runs whose worker went silent (killed, lost); scheduled by Celery beat."""
    close_old_connections()
    return runs.runs_reap_stale()


@worker_ready.connect
def _reap_on_start(**kwargs: object) -> None:
    # A worker that starts after a crash ends the runs the dead one left "running".
    reaped = runs.runs_reap_stale()
    if reaped:
        logger.warning("ended %d run(s) whose worker had stopped", reaped)


def _claim(run_id: int) -> ExperimentRun | None:
    # A task that finds its run still "running" was redelivered because its worker died. The
    # dead worker's heartbeat stops: once the lease lapses the run is taken over; a run out of
    # attempts is left to go stale and is ended here, so it never stays "running".
    deadline = time.monotonic() + settings.EXPERIMENT_STALE_S + settings.EXPERIMENT_HEARTBEAT_S + 5
    while True:
        run = runs.run_claim(run_id=run_id)
        if run is not None:
            return run
        current = ExperimentRun.objects.filter(pk=run_id).values("status", "attempts").first()
        if current is None or current["status"] != RunStatus.RUNNING:
            return None
        if current["attempts"] >= ExperimentRun.MAX_ATTEMPTS:
            runs.runs_reap_stale(run_ids=[run_id])
        if time.monotonic() > deadline:
            return None
        time.sleep(1)


class _Execution:
    """One attempt at one run: progress at most once a second, a heartbeat, cancellation."""

    def __init__(self, run: ExperimentRun) -> None:
        self.run = run
        self.run_id = run.pk
        self.attempt = run.attempts
        self.stop = threading.Event()
        self.done = threading.Event()
        self.lost = False
        self.latest: Mapping[str, Series] = {}
        self.last_write = float("-inf")

    def execute(self) -> None:
        run = self.run
        heartbeat = threading.Thread(
            target=self._heartbeat, name=f"heartbeat-run-{run.pk}", daemon=True
        )
        heartbeat.start()
        try:
            experiment = experiments.get(run.experiment)
            config = experiment.config_class.from_dict(run.config)
            result = experiment.run(
                config,
                device=settings.EXPERIMENT_DEVICE,
                on_progress=self.on_progress,
                should_stop=self.stop.is_set,
            )
            outcome = runs.RunOutcome(result.to_dict(), experiment.figure(result.series, config))
        except Cancelled:
            if not self.lost:
                _write(runs.run_mark_cancelled, run_id=self.run_id, attempt=self.attempt)
        except SoftTimeLimitExceeded:
            logger.warning("run %s stopped at its time limit of %s s", run.pk, run.time_limit_s)
            _write(
                runs.run_fail_time_limit,
                run_id=self.run_id,
                attempt=self.attempt,
                series=self.series(),
            )
        except Exception as error:
            logger.exception("run %s failed", run.pk)
            _write(
                runs.run_fail,
                run_id=self.run_id,
                attempt=self.attempt,
                error=_describe(error),
                series=self.series(),
            )
        else:
            _write(runs.run_succeed, run_id=self.run_id, attempt=self.attempt, outcome=outcome)
        finally:
            self.done.set()
            heartbeat.join(timeout=10)
            _release_accelerator()

    def series(self) -> dict[str, Any]:
        return {name: s.to_dict() for name, s in self.latest.items()}

    def on_progress(self, progress: Progress) -> None:
        self.latest = progress.series
        now = time.monotonic()
        if now - self.last_write < 1.0:
            return
        self.last_write = now
        mine = runs.run_progress(
            run_id=self.run_id,
            attempt=self.attempt,
            fraction=progress.fraction,
            message=progress.message,
            series=self.series(),
        )
        if not mine:
            self.lost = True
            self.stop.set()
        elif runs.run_cancel_requested(run_id=self.run_id, attempt=self.attempt):
            self.stop.set()

    def _heartbeat(self) -> None:
        # Its own thread (and so its own database connection), so that a long step between
        # progress points does not look like a dead worker. A failed beat is retried at the
        # next one; only the lease running out hands the run to someone else.
        try:
            while not self.done.wait(settings.EXPERIMENT_HEARTBEAT_S):
                try:
                    if not runs.run_heartbeat(run_id=self.run_id, attempt=self.attempt):
                        self.lost = True
                        self.stop.set()
                        return
                    if runs.run_cancel_requested(run_id=self.run_id, attempt=self.attempt):
                        self.stop.set()
                except DatabaseError:
                    logger.warning("heartbeat of run %s failed", self.run_id, exc_info=True)
                    connection.close()
        finally:
            connection.close()


def _write(write: Callable[..., T], **kwargs: Any) -> T:
    """A finishing write, retried once on a fresh connection: the time-limit signal may have
    interrupted a query and left the old one unusable."""
    try:
        return write(**kwargs)
    except DatabaseError:
        logger.warning("retrying %s on a new connection", write.__name__, exc_info=True)
        connection.close()
        return write(**kwargs)


def _describe(error: Exception) -> str:
    """A message a member can act on."""
    name = type(error).__name__
    if name == "OutOfMemoryError" or "CUDA out of memory" in str(error):
        return (
            "The GPU ran out of memory. Try fewer seeds, a smaller model or the tiny preset. "
            f"({str(error).splitlines()[0][:300]})"
        )
    if isinstance(error, experiments.ConfigError):
        return f"The saved config is no longer valid for this experiment: {error}"
    return f"{name}: {error}"[:4000]


def _release_accelerator() -> None:
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
