from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Telling members what happened: replies, mentions, new reviews, sessions, runs."""

    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects to reviews' and meetings' signals)
