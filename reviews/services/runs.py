"""Writes on demo-experiment runs: launch, cancel, and the worker's side of a run's life.

A run moves queued -> running -> succeeded / failed / cancelled. Every worker write is a
conditional UPDATE fenced by ``attempts``: a worker that lost its run (taken over after a
lost heartbeat, reaped, cancelled) can no longer change it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, F, JSONField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reviews import experiments, signals
from reviews.enums import ReviewStatus, RunStatus
from reviews.experiment_texts import translate_text
from reviews.models import ExperimentRun, Member, Review

logger = logging.getLogger(__name__)

# A run's state messages: stored as message ids, so each reader sees them in their language.
STARTING = experiments.Text(gettext_noop("Starting…"))
FINISHED = experiments.Text(gettext_noop("Finished."))
FAILED = experiments.Text(gettext_noop("Failed."))
CANCELLED = experiments.Text(gettext_noop("Cancelled."))
CANCELLED_QUEUED = experiments.Text(gettext_noop("Cancelled before it started."))
REQUEUED = experiments.Text(
    gettext_noop("The worker process stopped (killed or out of memory); queued to run again.")
)


def message_fields(message: str) -> dict[str, Any]:
    """A run's message (a demo's or a state's ``Text``) as its columns: the English text in
    ``message``, and in ``texts`` its message id and values, shown in the reader's language."""
    return {
        "message": str(message)[:200],
        "texts": {"message": experiments.text_dict(message)},
    }


class RunRefused(Exception):
    """A launch the member's limits do not allow right now (shown as a message, API 429)."""

    def __init__(self, message: str, *, code: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after


def run_limit_for(member: Member) -> int:
    """How many queued + running runs ``member`` may have at once."""
    if member.run_limit is not None:
        return member.run_limit
    return settings.EXPERIMENT_RUN_LIMIT


def experiment_config(slug: str, preset: str | None, overrides: dict[str, Any] | None):
    """The validated config, or ``ValidationError`` keyed by field name."""
    try:
        experiment = experiments.get(slug)
    except KeyError:
        raise ValidationError(
            {"experiment": _("There is no experiment called “%s”.") % slug}
        ) from None
    if overrides is not None and not isinstance(overrides, dict):
        raise ValidationError({"config": _("Give the settings as an object of field: value.")})
    try:
        return experiment, experiment.config(preset or None, overrides)
    except experiments.ConfigError as error:
        raise ValidationError(
            {name: [translate_text(message)] for name, message in error.errors.items()}
        ) from None


def run_create(
    *,
    review: Review,
    by: Member,
    experiment: str,
    preset: str = "tiny",
    overrides: dict[str, Any] | None = None,
) -> ExperimentRun:
    """Queue a run of ``experiment`` on ``review``; the worker gets it when the row is committed.

    The member row is locked while the limits are checked, so parallel launches by one member
    are counted one after another and can never exceed the limit.
    """
    if not by.is_active:
        raise PermissionDenied
    if review.status != ReviewStatus.PUBLISHED and review.author_id != by.pk:
        raise PermissionDenied
    demo, config = experiment_config(experiment, preset, overrides)
    time_limit = min(demo.time_limit_s, settings.EXPERIMENT_MAX_TIME_LIMIT_S)
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=by.pk).first()
        mine = ExperimentRun.objects.filter(requested_by=by)
        active = mine.filter(status__in=RunStatus.active()).count()
        limit = run_limit_for(by)
        if active >= limit:
            raise RunRefused(
                _(
                    "You already have %(active)d runs queued or running (your limit is %(limit)d). "
                    "Wait for one to finish or cancel one."
                )
                % {"active": active, "limit": limit},
                code="run_limit",
            )
        hour_ago = timezone.now() - timedelta(hours=1)
        recent = list(
            mine.filter(created_at__gte=hour_ago)
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        if len(recent) >= settings.EXPERIMENT_RUNS_PER_HOUR:
            wait = recent[0] + timedelta(hours=1) - timezone.now()
            raise RunRefused(
                _(
                    "You have started %(count)d runs in the last hour; "
                    "try again in %(minutes)d minutes."
                )
                % {"count": len(recent), "minutes": max(1, round(wait.total_seconds() / 60))},
                code="run_throttled",
                retry_after=max(1, int(wait.total_seconds())),
            )
        run = ExperimentRun.objects.create(
            review=review,
            requested_by=by,
            experiment=demo.slug,
            preset=preset or "",
            config=config.to_dict(),
            seeds=config.seed_list,
            time_limit_s=time_limit,
            task_id=str(uuid.uuid4()),
        )
        transaction.on_commit(lambda: run_enqueue(run))
    return run


def run_enqueue(run: ExperimentRun) -> None:
    """Send the run's message under its ``task_id``; if the broker cannot take it, the run
    fails at once with the reason (its caller reads ``run.status`` to tell the member)."""
    from reviews.tasks import run_experiment

    try:
        run_experiment.apply_async(
            args=[run.pk],
            task_id=run.task_id,
            soft_time_limit=run.time_limit_s,
            time_limit=run.time_limit_s + settings.EXPERIMENT_HARD_LIMIT_GRACE_S,
        )
    except Exception as error:  # the broker is down: say so on the run, never a 500
        logger.exception("could not enqueue run %s", run.pk)
        _finish(
            run.pk,
            RunStatus.QUEUED,
            None,
            status=RunStatus.FAILED,
            **message_fields(FAILED),
            error=_("The job queue could not be reached (%s). Try again later.")
            % type(error).__name__,
        )
        run.refresh_from_db()


def run_rerun(*, run: ExperimentRun, by: Member) -> ExperimentRun:
    """Launch the same experiment with the same config again."""
    return run_create(
        review=run.review,
        by=by,
        experiment=run.experiment,
        preset=run.preset,
        overrides=run.config,
    )


def run_can_cancel(run: ExperimentRun, user: Member) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (run.requested_by_id == user.pk or user.is_staff)
    )


def run_cancel(*, run: ExperimentRun, by: Member) -> ExperimentRun:
    """Cancel now if queued; if running, ask the worker, which stops at its next progress point."""
    if not run_can_cancel(run, by):
        raise PermissionDenied
    now = timezone.now()
    ExperimentRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.CANCELLED, finished_at=now, **message_fields(CANCELLED_QUEUED)
    )
    ExperimentRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(cancel_requested=True)
    run.refresh_from_db()
    return run


# The worker's side. ``attempt`` is the value of ``attempts`` the worker claimed the run with.


def run_claim(
    *, run_id: int, task_id: str | None = None, now: datetime | None = None
) -> ExperimentRun | None:
    """Move the run to running for this worker, or ``None`` if it is not ours to run.

    A queued run is claimed at once. A running run whose heartbeat is older than the lease is
    one whose worker died (the broker redelivered its task): it is taken over, at most
    ``MAX_ATTEMPTS`` attempts in all, unless someone asked to cancel it meanwhile. Given the
    ``task_id`` of the delivered message, only the run's current message claims it: one the
    reaper replaced after the broker lost it does nothing if it turns up again.
    """
    now = now or timezone.now()
    lease = now - timedelta(seconds=settings.EXPERIMENT_LEASE_S)
    lapsed = Q(status=RunStatus.RUNNING, heartbeat_at__lt=lease, cancel_requested=False)
    claimable = ExperimentRun.objects.filter(pk=run_id, attempts__lt=ExperimentRun.MAX_ATTEMPTS)
    if task_id is not None:
        claimable = claimable.filter(task_id=task_id)
    claimed = claimable.filter(Q(status=RunStatus.QUEUED) | lapsed).update(
        status=RunStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        progress=0.0,
        **message_fields(STARTING),
        series={},
        error="",
        missing_since=None,
    )
    return ExperimentRun.objects.get(pk=run_id) if claimed else None


def run_requeue_lost_attempt(*, run_id: int, task_id: str) -> str:
    """The pool process running this attempt died and its message goes back to the queue:
    queue the run again if it has an attempt left, else end it. Returns the new status, or
    ``""`` if the run was no longer running under this message.

    Written by the worker's main process before Celery requeues the message, so the run
    waits as ``queued`` behind the runs sent after it, instead of going stale as ``running``.
    """
    now = timezone.now()
    mine = ExperimentRun.objects.filter(pk=run_id, task_id=task_id, status=RunStatus.RUNNING)
    if mine.filter(cancel_requested=True).update(
        status=RunStatus.CANCELLED, finished_at=now, **message_fields(CANCELLED)
    ):
        return RunStatus.CANCELLED
    if mine.filter(attempts__lt=ExperimentRun.MAX_ATTEMPTS).update(
        status=RunStatus.QUEUED,
        progress=0.0,
        series={},
        heartbeat_at=None,
        missing_since=None,
        **message_fields(REQUEUED),
    ):
        return RunStatus.QUEUED
    if mine.update(
        status=RunStatus.FAILED,
        finished_at=now,
        **message_fields(FAILED),
        error=_(
            "The worker process stopped during each of this run's %d attempts (killed or out "
            "of memory). Try a smaller preset, fewer seeds or fewer steps."
        )
        % ExperimentRun.MAX_ATTEMPTS,
    ):
        return RunStatus.FAILED
    return ""


def _mine(run_id: int, attempt: int):
    return ExperimentRun.objects.filter(pk=run_id, attempts=attempt, status=RunStatus.RUNNING)


def run_heartbeat(*, run_id: int, attempt: int) -> bool:
    """Keep the lease; ``False`` once the run is no longer this worker's."""
    return bool(_mine(run_id, attempt).update(heartbeat_at=timezone.now()))


def run_progress(
    *, run_id: int, attempt: int, fraction: float, message: str, series: dict[str, Any]
) -> bool:
    return bool(
        _mine(run_id, attempt).update(
            progress=min(max(fraction, 0.0), 1.0),
            **message_fields(message),
            series=series,
            heartbeat_at=timezone.now(),
        )
    )


def run_cancel_requested(*, run_id: int, attempt: int) -> bool:
    """True when the run was cancelled or is no longer this worker's: either way, stop."""
    return not _mine(run_id, attempt).filter(cancel_requested=False).exists()


@dataclass
class RunOutcome:
    """What the worker hands back for a finished run."""

    result: dict[str, Any]
    figure_svg: str


def run_succeed(*, run_id: int, attempt: int, outcome: RunOutcome) -> bool:
    """Store the result and its figure; ``False`` if the run was no longer ours."""
    result = outcome.result
    name = default_storage.save(f"runs/run-{run_id}.svg", ContentFile(outcome.figure_svg.encode()))
    updated = _finish(
        run_id,
        RunStatus.RUNNING,
        attempt,
        status=RunStatus.SUCCEEDED,
        progress=1.0,
        message=str(FINISHED),
        texts={"message": FINISHED.to_dict(), "verdict_reason": result.get("reason_text", {})},
        series=result["series"],
        summary=result["summary"],
        verdict=result["verdict"],
        verdict_reason=result["reason"],
        seeds=result["seeds"],
        steps=result["steps"],
        device=result["device"][:200],
        versions=result["versions"],
        figure=name,
    )
    if not updated:
        default_storage.delete(name)
    return updated


def run_fail(
    *, run_id: int, attempt: int, error: str, series: dict[str, Any] | None = None
) -> bool:
    fields: dict[str, Any] = {"error": error[:4000], **message_fields(FAILED)}
    if series is not None:
        fields["series"] = series
    return _finish(run_id, RunStatus.RUNNING, attempt, status=RunStatus.FAILED, **fields)


def run_fail_time_limit(
    *, run_id: int, attempt: int | None = None, series: dict[str, Any] | None = None
) -> bool:
    """The run hit its time limit: the soft one in the task (``attempt`` given), or the hard
    one, written by the worker's main process after it killed the pool process."""
    limit = ExperimentRun.objects.filter(pk=run_id).values_list("time_limit_s", flat=True).first()
    if limit is None:
        return False
    fields: dict[str, Any] = {"error": _time_limit_error(limit), **message_fields(FAILED)}
    if series is not None:
        fields["series"] = series
    return _finish(run_id, RunStatus.RUNNING, attempt, status=RunStatus.FAILED, **fields)


def _time_limit_error(limit: int) -> str:
    return (
        _(
            "Stopped at this run's time limit of %d s. Try a smaller preset, fewer seeds or "
            "fewer steps."
        )
        % limit
    )


def run_mark_cancelled(*, run_id: int, attempt: int) -> bool:
    return _finish(
        run_id, RunStatus.RUNNING, attempt, status=RunStatus.CANCELLED, **message_fields(CANCELLED)
    )


def _finish(run_id: int, current: str, attempt: int | None, **fields: Any) -> bool:
    runs = ExperimentRun.objects.filter(pk=run_id, status=current)
    if attempt is not None:
        runs = runs.filter(attempts=attempt)
    updated = bool(runs.update(finished_at=timezone.now(), **fields))
    if updated and fields.get("status") in (RunStatus.SUCCEEDED, RunStatus.FAILED):
        signals.run_ended.send(sender=ExperimentRun, run_id=run_id)
    return updated


def runs_reap_stale(*, now: datetime | None = None, run_ids: list[int] | None = None) -> int:
    """End running runs whose worker has gone silent, in one UPDATE; returns how many.

    A silent run someone asked to cancel is cancelled; any other failed as lost. (A run killed
    at its hard time limit was already failed by the worker's main process.)
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.EXPERIMENT_STALE_S)
    runs = ExperimentRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=stale)
    if run_ids is not None:
        runs = runs.filter(pk__in=run_ids)
    lost = (
        _(
            "The worker stopped responding (no heartbeat for %d s): it was killed or lost its "
            "connection. Re-run to try again."
        )
        % settings.EXPERIMENT_STALE_S
    )
    asked = Q(cancel_requested=True)
    return runs.update(
        finished_at=now,
        status=Case(When(asked, then=Value(RunStatus.CANCELLED)), default=Value(RunStatus.FAILED)),
        message=Case(When(asked, then=Value(str(CANCELLED))), default=Value(str(FAILED))),
        texts=Case(
            When(asked, then=Value(message_fields(CANCELLED)["texts"], JSONField())),
            default=Value(message_fields(FAILED)["texts"], JSONField()),
        ),
        error=Case(When(asked, then=Value("")), default=Value(lost)),
    )
