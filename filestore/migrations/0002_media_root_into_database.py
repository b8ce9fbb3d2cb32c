"""Copy what older versions wrote under MEDIA_ROOT (run figures in ``runs/``) into the table.

Names stay the same, so the rows that refer to them (``ExperimentRun.figure``) keep working.
A file already in the table is left alone and one that cannot be read is skipped, as a
missing file is; the folder itself is left for the operator to delete. Nothing is copied
when FILE_STORAGE names another backend: moving files there is the operator's step.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.conf import settings
from django.db import migrations

DATABASE_STORAGE = "filestore.storage.DatabaseStorage"
NAME_MAX_LENGTH = 512


def copy_media_root(apps, schema_editor) -> int:
    if settings.STORAGES["default"]["BACKEND"] != DATABASE_STORAGE:
        return 0
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return 0
    stored_file = apps.get_model("filestore", "StoredFile")
    files = stored_file.objects.using(schema_editor.connection.alias)
    taken = set(files.values_list("name", flat=True))
    copied = 0
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if name in taken or len(name) > NAME_MAX_LENGTH or not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        files.create(name=name, content=data, size=len(data), content_type=content_type)
        copied += 1
    return copied


class Migration(migrations.Migration):
    dependencies = [("filestore", "0001_initial")]

    operations = [migrations.RunPython(copy_media_root, migrations.RunPython.noop, elidable=True)]
