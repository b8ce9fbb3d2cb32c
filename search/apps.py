from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    """One index over papers, reviews (whole and by section), comments and members."""

    name = "search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects to reviews.signals)
