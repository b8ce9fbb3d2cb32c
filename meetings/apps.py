from __future__ import annotations

from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """A cohort's sessions: schedule, presenters, attendance, assignments and calendars."""

    name = "meetings"
    verbose_name = "Meetings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects to reviews.signals)
