"""Notifications follow the events of reviews and meetings."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from meetings import signals as meeting_signals
from reviews import signals

from . import services


@receiver(signals.review_published)
def on_review_published(*, review_id: int, by_id: int, first: bool, **kwargs: Any) -> None:
    services.notify_review_published(review_id=review_id, by_id=by_id, first=first)


@receiver(signals.comment_written)
def on_comment_written(*, comment_id: int, by_id: int, previous_body: str, **kwargs: Any) -> None:
    services.notify_comment_written(comment_id=comment_id, by_id=by_id, previous_body=previous_body)


@receiver(signals.run_ended)
def on_run_ended(*, run_id: int, **kwargs: Any) -> None:
    services.notify_run_ended(run_id=run_id)


@receiver(meeting_signals.session_changed)
def on_session_changed(*, session_id: int, by_id: int, cancelled: bool, **kwargs: Any) -> None:
    services.notify_session_changed(session_id=session_id, by_id=by_id, cancelled=cancelled)
