"""Celery tasks: thin adapters from a message to the runs services.

torch is imported only inside a running task (by the experiment), never when the worker
starts, so forked pool processes initialise CUDA themselves.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from celery.exceptions import WorkerLostError
from celery.signals import worker_ready
from celery.worker.request import Request
from django.db import close_old_connections

from reviews import mail
from reviews.services import run_execution, run_queue

logger = logging.getLogger(__name__)


class _RunRequest(Request):
    """Hooks in the worker's main process, for when the pool process running a run is gone."""

    def on_timeout(self, soft: bool, timeout: float) -> None:
        super().on_timeout(soft, timeout)
        if not soft:
            run_execution.run_after_hard_limit(run_id=int(self.args[0]))

    def on_failure(
        self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False
    ) -> None:
        error = getattr(exc_info.exception, "exc", exc_info.exception)  # ExceptionWithTraceback
        if isinstance(error, WorkerLostError):
            # Before Celery requeues the message, so its redelivery finds the run queued.
            run_execution.run_after_worker_lost(run_id=int(self.args[0]), task_id=self.id)
        super().on_failure(exc_info, send_failed_event, return_ok)


class _RunTask(Task):
    Request = _RunRequest


@shared_task(
    name="reviews.run_experiment",
    bind=True,
    base=_RunTask,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def run_experiment(self: Any, run_id: int) -> None:
    """Run one queued ``ExperimentRun``; redelivered after a lost worker, it runs it again."""
    run_execution.run_execute(run_id=run_id, task_id=self.request.id)


@shared_task(name="reviews.reap_runs", ignore_result=True)
def reap_runs() -> None:
    """End or re-send runs that would otherwise stay stuck; scheduled by Celery beat."""
    close_old_connections()
    run_queue.runs_reap()


@worker_ready.connect
def _reap_on_start(**kwargs: object) -> None:
    # A worker that starts after a crash ends the runs the dead one left "running".
    reaped = run_queue.runs_reap()
    if reaped.stale:
        logger.warning("ended %d run(s) whose worker had stopped", reaped.stale)


@shared_task(
    name="reviews.send_mail",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
)
def send_mail(data: dict[str, Any]) -> None:
    """Send one message built by the web process (reviews.mail.Mail as a dict)."""
    mail.mail_send(mail.Mail(**data))
