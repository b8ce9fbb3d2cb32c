"""``DatabaseStorage``: Django's storage API over the ``StoredFile`` table.

Web servers and GPU workers on other hosts share the database and the broker, never a
filesystem, so what a run or an import writes is kept in the database. The rest of the code
only speaks the storage API (``default_storage``, ``FileField``), so ``FILE_STORAGE`` can
move files to object storage without a code change.
"""

from __future__ import annotations

import mimetypes
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.deconstruct import deconstructible

from .models import NAME_MAX_LENGTH, StoredFile

# Each retry follows a concurrent save that took the name first; this many is a bug.
SAVE_ATTEMPTS = 10


def content_type_for(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@deconstructible(path="filestore.storage.DatabaseStorage")
class DatabaseStorage(Storage):
    """Files as rows, read and written whole: figures and imports are kilobytes, not gigabytes.

    A save inside a transaction is part of it: a rollback takes the file back too.
    """

    def _save(self, name: str, content: File) -> str:
        data = b"".join(
            chunk.encode() if isinstance(chunk, str) else bytes(chunk) for chunk in content.chunks()
        )
        for _attempt in range(SAVE_ATTEMPTS):
            try:
                # A savepoint, so that losing the race does not break the caller's transaction.
                with transaction.atomic():
                    StoredFile.objects.create(
                        name=name, content=data, size=len(data), content_type=content_type_for(name)
                    )
                return name
            except IntegrityError:
                # Another save took the name after get_available_name() found it free.
                name = self.get_available_name(name, max_length=NAME_MAX_LENGTH)
        raise IntegrityError(f"no free name for {name!r} after {SAVE_ATTEMPTS} attempts")

    def _open(self, name: str, mode: str = "rb") -> File:
        if set(mode) & set("wax+"):
            raise ValueError("DatabaseStorage opens files for reading; write them with save().")
        content = StoredFile.objects.filter(name=name).values_list("content", flat=True).first()
        if content is None:
            raise FileNotFoundError(f"No stored file {name!r}.")
        data = bytes(content)  # memoryview on PostgreSQL, bytes on SQLite
        return ContentFile(data if "b" in mode else data.decode(), name=name)

    def exists(self, name: str) -> bool:
        return StoredFile.objects.filter(name=name).exists()

    def delete(self, name: str) -> None:
        if not name:
            raise ValueError("The name must be given to delete().")
        StoredFile.objects.filter(name=name).delete()

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        directories: set[str] = set()
        files: list[str] = []
        for name in StoredFile.objects.filter(name__startswith=prefix).values_list(
            "name", flat=True
        ):
            if not name.startswith(prefix):  # SQLite's LIKE ignores ASCII case
                continue
            head, slash, _tail = name[len(prefix) :].partition("/")
            if slash:
                directories.add(head)
            else:
                files.append(head)
        return sorted(directories), sorted(files)

    def size(self, name: str) -> int:
        return self._field(name, "size")

    def get_created_time(self, name: str) -> datetime:
        return self._field(name, "created_at")

    def get_modified_time(self, name: str) -> datetime:
        return self._field(name, "modified_at")

    def url(self, name: str | None) -> str:
        # Not a public address: filestore's view serves a file only to those who may view
        # every stored file (the admin links here). Members reach a run's figure through
        # reviews' run_figure, which checks that they may read the run's review.
        return reverse("stored_file", kwargs={"name": name})

    def _field(self, name: str, field: str) -> Any:
        values = StoredFile.objects.filter(name=name).values_list(field, flat=True)
        for value in values[:1]:
            return value
        raise FileNotFoundError(f"No stored file {name!r}.")
