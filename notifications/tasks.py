"""Celery tasks of notifications: thin adapters to the services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="notifications.remind", ignore_result=True)
def remind() -> int:
    """Presenting and deadline reminders, each sent once; scheduled by Celery beat."""
    return services.notify_upcoming()
