"""``manage.py import_group IN.json``: an ``export_group`` archive into an empty database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.exports.archive_import import ArchiveError, group_import
from reviews.importers.base import ImportRefused


class Command(BaseCommand):
    help = (
        "Load an archive written by export_group into an empty database, in one transaction. "
        "Members arrive without passwords: set them with `manage.py changepassword USERNAME`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="the JSON archive to read")

    def handle(self, *args: Any, archive: str, **options: Any) -> None:
        try:
            data = json.loads(Path(archive).read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {archive}: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{archive} is not UTF-8 text.") from None
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{archive} is not JSON (line {error.lineno}, column {error.colno}: {error.msg})."
            ) from None
        try:
            counts = group_import(data)
        except ImportRefused as refused:
            raise CommandError(refused.message) from None
        except ArchiveError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Nothing was imported: {len(error.problems)} problem(s) in {archive}."
            ) from None
        if not any(counts.values()):
            raise CommandError(f"{archive} holds no data; nothing was imported.")
        summary = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {summary} from {archive}."))
        self.stdout.write(
            "Passwords are not part of an archive: every member has an unusable password "
            "until an organizer sets one (manage.py changepassword USERNAME)."
        )
