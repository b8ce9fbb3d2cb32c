"""Runs and the broker: which run messages it still holds, and the reaper that keeps runs
from being stuck.

A queued run is a row and a message. The broker can lose the message (Redis restarted without
persistence, a failover, ``FLUSHALL``, a queue folder emptied by hand) and then nothing would
ever start the run, which would count against its member's limit for ever. The reaper (Celery
beat every 10 s, and each worker's start) looks for the message of every queued run older than
``EXPERIMENT_QUEUE_GRACE_S``; one missing on two looks at least ``RECHECK_S`` apart is re-sent
once under a new task id, and failed with the reason if it goes missing again.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reviews.enums import RunStatus
from reviews.models import ExperimentRun
from reviews.services import runs

logger = logging.getLogger(__name__)

RUN_TASK = "reviews.run_experiment"
# The second look must come this long after the first: a message is out of sight only for an
# instant as a worker takes it (Redis: between BRPOP and its entry in the unacked hash).
RECHECK_S = 5
# How long to wait for workers to say which messages they hold (Celery's default; a worker
# on the filesystem transport answered within 0.5 s in every try).
INSPECT_TIMEOUT_S = 1.0


def task_ids_in_broker(task_ids: Collection[str]) -> set[str] | None:
    """Those of ``task_ids`` whose message the broker still holds, waiting in the runs' queue
    or reserved by a worker; ``None`` where this broker cannot be looked into (or not now).

    Redis: waiting messages are the queue's lists (one per priority step), reserved ones the
    ``unacked`` hash, where they stay until acknowledged, even for a worker that died.
    Filesystem: waiting messages are files in the queue folder; a worker deletes the file when
    it takes the message, so reserved ones are asked of the running workers, and without an
    answer from any, nothing is known.
    """
    from studygroup.celery import app

    wanted = set(task_ids)
    if not wanted:
        return set()
    queue = app.amqp.router.route({}, RUN_TASK)["queue"].name
    with app.connection_for_read() as conn:
        try:
            driver = conn.transport.driver_type
            if driver == "redis":
                held = _in_redis(conn.default_channel, queue)
            elif driver == "filesystem":
                held = _in_folder(conn.default_channel, queue)
            else:
                return None
        except (*conn.connection_errors, *conn.channel_errors, OSError):
            logger.warning("cannot look into the broker for lost runs", exc_info=True)
            return None
    if driver == "filesystem" and wanted - held:
        taken = _held_by_workers(wanted - held)
        if taken is None:
            return None
        held |= taken
    return wanted & held


def _in_redis(channel: Any, queue: str) -> set[str]:
    # kombu's own key names: priority steps after its separator, a global key prefix, the
    # unacked hash's name are all transport options. LRANGE and HVALS are not among the
    # commands its client prefixes, so the prefix is added here.
    prefix = channel.global_keyprefix
    lists = [prefix + channel._q_for_pri(queue, pri) for pri in channel.priority_steps]
    with channel.conn_or_acquire() as client, client.pipeline(transaction=True) as pipe:
        for key in dict.fromkeys(lists):
            pipe.lrange(key, 0, -1)
        pipe.hvals(prefix + channel.unacked_key)
        *waiting, unacked = pipe.execute()
    payloads = [raw for items in waiting for raw in items]
    payloads += [_unacked_payload(raw) for raw in unacked]
    return set(_task_ids(payloads))


def _unacked_payload(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)[0]  # [message, exchange, routing key]
    except (ValueError, IndexError, KeyError, TypeError):
        return None


def _in_folder(channel: Any, queue: str) -> set[str]:
    folder = Path(channel.data_folder_in)
    payloads = []
    for name in os.listdir(folder):
        if name.partition(".")[2] != f"{queue}.msg":
            continue
        try:
            payloads.append((folder / name).read_bytes())
        except OSError:
            continue  # taken by a worker meanwhile
    return set(_task_ids(payloads))


def _task_ids(payloads: Iterable[Any]) -> Iterable[str]:
    for payload in payloads:
        try:
            message = json.loads(payload) if isinstance(payload, (bytes, str)) else payload
            task_id = message["headers"]["id"]
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(task_id, str):
            yield task_id


def _held_by_workers(task_ids: set[str]) -> set[str] | None:
    """Those of ``task_ids`` a running worker has taken (reserved or running); ``None`` when
    no worker answers, as a worker whose main process waits for a free pool process cannot
    (it took more messages than it has processes), or one that is still starting."""
    from studygroup.celery import app

    replies = app.control.inspect(timeout=INSPECT_TIMEOUT_S).query_task(*task_ids)
    if not replies:
        return None
    return {task_id for tasks in replies.values() for task_id in tasks} & task_ids


@dataclass(frozen=True)
class Reaped:
    """What one pass of the reaper did."""

    stale: int = 0
    resent: int = 0
    failed: int = 0


def runs_reap(*, now: datetime | None = None) -> Reaped:
    """End running runs whose worker went silent, and re-send or fail queued runs whose message
    the broker lost."""
    stale = runs.runs_reap_stale(now=now)
    resent, failed = runs_reap_lost(now=now)
    return Reaped(stale=stale, resent=resent, failed=failed)


def runs_reap_lost(*, now: datetime | None = None) -> tuple[int, int]:
    """One look for the messages of queued runs; returns how many were re-sent and failed.

    A run is acted on only when its message was missing at this look and at one at least
    ``RECHECK_S`` earlier, and it was (re-)sent more than ``EXPERIMENT_QUEUE_GRACE_S`` ago:
    the message is published when the launch commits, a moment after the row appears.
    """
    now = now or timezone.now()
    sent_before = now - timedelta(seconds=settings.EXPERIMENT_QUEUE_GRACE_S)
    queued = list(
        ExperimentRun.objects.filter(status=RunStatus.QUEUED)
        .filter(
            Q(resent_at__isnull=True, created_at__lt=sent_before) | Q(resent_at__lt=sent_before)
        )
        .only("pk", "task_id", "missing_since", "resent_at", "time_limit_s")
    )
    if not queued:
        return 0, 0
    held = task_ids_in_broker([run.task_id for run in queued])
    if held is None:
        return 0, 0
    resent = failed = 0
    for run in queued:
        current = ExperimentRun.objects.filter(
            pk=run.pk, status=RunStatus.QUEUED, task_id=run.task_id
        )
        if run.task_id in held:
            if run.missing_since is not None:
                current.update(missing_since=None)
        elif run.missing_since is None or run.missing_since > now - timedelta(seconds=RECHECK_S):
            current.filter(missing_since__isnull=True).update(missing_since=now)
        elif run.resent_at is None:
            resent += _resend(run, current, now)
        else:
            failed += current.update(
                status=RunStatus.FAILED,
                finished_at=now,
                missing_since=None,
                **runs.message_fields(runs.FAILED),
                error=_(
                    "The job queue lost this run twice before a worker could start it (the "
                    "broker restarted or was emptied). Launch it again."
                ),
            )
    if resent or failed:
        logger.warning("runs whose message the broker lost: %d re-sent, %d failed", resent, failed)
    return resent, failed


def _resend(run: ExperimentRun, current: Any, now: datetime) -> int:
    # A new task id, so that the old message, should it turn up after all, claims nothing.
    task_id = str(uuid.uuid4())
    if not current.update(task_id=task_id, resent_at=now, missing_since=None):
        return 0  # started, cancelled or re-sent by someone else meanwhile
    run.task_id = task_id
    runs.run_enqueue(run)
    return 1
