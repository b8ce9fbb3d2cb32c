"""Upgrading: figures an older version wrote under MEDIA_ROOT move into the database."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from filestore.models import StoredFile

pytestmark = pytest.mark.django_db(transaction=True)


def migrate_filestore_again() -> None:
    call_command("migrate", "filestore", "0001", stdout=StringIO())
    call_command("migrate", "filestore", stdout=StringIO())


def test_migration_copies_media_root_files_into_the_database(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "runs" / "old").mkdir(parents=True)
    (tmp_path / "runs" / "run-1.svg").write_bytes(b"<svg>1</svg>")
    (tmp_path / "runs" / "그림.svg").write_bytes(b"<svg>ko</svg>")
    (tmp_path / "runs" / "old" / "run-2.svg").write_bytes(bytes(range(256)))
    (tmp_path / "runs" / "run-3.svg").write_bytes(b"<svg>on disk</svg>")
    default_storage.save("runs/run-3.svg", ContentFile(b"<svg>in the database</svg>"))

    migrate_filestore_again()

    stored = {f.name: (bytes(f.content), f.size, f.content_type) for f in StoredFile.objects.all()}
    assert stored == {
        "runs/old/run-2.svg": (bytes(range(256)), 256, "image/svg+xml"),
        "runs/run-1.svg": (b"<svg>1</svg>", 12, "image/svg+xml"),
        "runs/run-3.svg": (b"<svg>in the database</svg>", 26, "image/svg+xml"),
        "runs/그림.svg": (b"<svg>ko</svg>", 13, "image/svg+xml"),
    }
    assert (tmp_path / "runs" / "run-1.svg").exists()  # left for the operator to delete


def test_migration_without_a_media_root_copies_nothing(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "never-made"
    migrate_filestore_again()
    assert StoredFile.objects.count() == 0
