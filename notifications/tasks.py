"""Celery tasks of notifications: thin adapters to the services and the mail module."""

from __future__ import annotations

from celery import shared_task

from . import mail, services


@shared_task(name="notifications.remind", ignore_result=True)
def remind() -> int:
    """Presenting and deadline reminders, each sent once; scheduled by Celery beat."""
    return services.notify_upcoming()


@shared_task(
    name="notifications.email_due",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
)
def email_due() -> int:
    """Mail what members want at once: queued after each fan-out commits, and by beat."""
    return mail.email_due()


@shared_task(name="notifications.digests", ignore_result=True)
def digests() -> int:
    """Daily and weekly digests, at DIGEST_HOUR in each member's time zone; beat, hourly."""
    return mail.digests_due()
