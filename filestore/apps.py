from __future__ import annotations

from django.apps import AppConfig


class FilestoreConfig(AppConfig):
    """Files kept in the database behind Django's storage API (the default storage)."""

    name = "filestore"
    verbose_name = "Stored files"
    default_auto_field = "django.db.models.BigAutoField"
