"""The web's writes: "not for me" and its undo, and queueing the worker's recomputations.

Nothing here imports NumPy or scikit-learn; the worker computes (recommend.compute).
"""

from __future__ import annotations

import logging

from django.db import transaction

from reviews.models import Member, Paper

from .models import Dismissal

logger = logging.getLogger(__name__)


def dismissal_create(*, member: Member, paper: Paper) -> Dismissal:
    """Hide `paper` from the member's recommendations and learn from it; idempotent."""
    dismissal, _created = Dismissal.objects.get_or_create(member=member, paper=paper)
    member_refresh_later(member_id=member.pk)
    return dismissal


def dismissal_delete(*, member: Member, paper: Paper) -> bool:
    """Undo "not for me"; False when there was nothing to undo."""
    deleted, _ = Dismissal.objects.filter(member=member, paper=paper).delete()
    if deleted:
        member_refresh_later(member_id=member.pk)
    return bool(deleted)


def paper_refresh_later(*, paper_id: int) -> None:
    _queue("recommend.paper_refresh", paper_id)


def member_refresh_later(*, member_id: int) -> None:
    _queue("recommend.member_refresh", member_id)


def rebuild_later() -> None:
    _queue("recommend.rebuild")


def _queue(task: str, *args: object) -> None:
    """Send `task` once the current transaction commits. With the broker down the change
    still stands; beat's nightly rebuild catches up."""
    # By name, through the project's app: the web process needs no task module for it.
    from studygroup.celery import app

    def send() -> None:
        try:
            app.send_task(task, args=list(args))
        except Exception:
            logger.warning(
                "could not queue %s; the nightly rebuild catches up", task, exc_info=True
            )

    transaction.on_commit(send)
