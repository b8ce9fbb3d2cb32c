from __future__ import annotations

from django.apps import AppConfig


class RecommendConfig(AppConfig):
    """What to read next: similar papers, who can help, and recommendations for each member."""

    name = "recommend"
    verbose_name = "Recommendations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects to reviews' signals)
