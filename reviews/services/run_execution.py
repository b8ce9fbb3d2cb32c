"""One run on a worker: claim it, run its demo, write progress, a heartbeat and the outcome.

Called by the thin Celery adapters in ``reviews.tasks``, in the pool process that runs the task,
except ``run_after_hard_limit`` and ``run_after_worker_lost``, which the worker's main process
calls once the pool process running the run is gone. torch is imported by the experiment,
inside a run, never here.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from celery.exceptions import SoftTimeLimitExceeded
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


def run_execute(*, run_id: int, task_id: str) -> None:
    """Run one queued run, delivered as task ``task_id``; a message that is not the run's
    current one, or a run that is not ours to run, does nothing."""
    close_old_connections()
    run = _claim(run_id, task_id)
    if run is None:
        logger.info("run %s is not ours to run (finished, cancelled or out of attempts)", run_id)
        return
    try:
        _Execution(run).execute()
    finally:
        release_memory()


def run_after_hard_limit(*, run_id: int) -> None:
    """The pool process was killed at the hard time limit and wrote nothing: say so on the
    run. Its message is acknowledged, not redelivered."""
    try:
        _write(runs.run_fail_time_limit, run_id=run_id)
    except Exception:
        logger.exception("could not mark run %s as stopped at its time limit", run_id)


def run_after_worker_lost(*, run_id: int, task_id: str) -> None:
    """The pool process running the run died (kill -9, out of memory) and Celery is about to
    requeue its message: put the run back in the queue, or end it if out of attempts."""
    try:
        outcome = _write(runs.run_requeue_lost_attempt, run_id=run_id, task_id=task_id)
    except Exception:
        # The redelivered task still takes the run over once its lease lapses.
        logger.exception("could not requeue run %s after its worker process died", run_id)
        return
    if outcome:
        logger.warning("the worker process of run %s died: the run is now %s", run_id, outcome)


def _claim(run_id: int, task_id: str) -> ExperimentRun | None:
    # A task that finds its run still "running" was redelivered because its worker died and
    # nobody put the run back in the queue. The dead worker's heartbeat stops: once the lease
    # lapses the run is taken over; a run out of attempts is left to go stale and is ended
    # here, so it never stays "running".
    deadline = time.monotonic() + settings.EXPERIMENT_STALE_S + settings.EXPERIMENT_HEARTBEAT_S + 5
    while True:
        run = runs.run_claim(run_id=run_id, task_id=task_id)
        if run is not None:
            return run
        current = (
            ExperimentRun.objects.filter(pk=run_id).values("status", "attempts", "task_id").first()
        )
        if current is None or current["status"] != RunStatus.RUNNING:
            return None
        if current["task_id"] != task_id:
            return None  # a message the reaper replaced with a new one
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
            self.latest = {}

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


def release_memory() -> None:
    """Give back what a run freed, so the pool process stays flat run after run.

    What a run frees stays in glibc's heaps, fragmented, unless trimmed; cyclic garbage (which
    may hold CUDA tensors) waits for the collector, and CUDA's cache keeps the run's blocks.
    About 0.1 s a run, against a re-import of torch per run for a recycled pool process
    (docs/benchmarks.md, "Worker memory").
    """
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
    if _libc is not None:
        _libc.malloc_trim(0)


def _load_libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None  # glibc only


_libc = _load_libc()
