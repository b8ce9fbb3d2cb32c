"""Stored files: the bytes of what runs and imports produce, kept in the database."""

from __future__ import annotations

from django.db import models

# Long enough for any object-storage key we might move to, short enough for a unique
# PostgreSQL index on names in three-byte (Korean) UTF-8.
NAME_MAX_LENGTH = 512


class StoredFile(models.Model):
    """One file of ``DatabaseStorage``: its name, bytes and when it was written."""

    name = models.CharField(max_length=NAME_MAX_LENGTH, unique=True)
    content = models.BinaryField()
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
