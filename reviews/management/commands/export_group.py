"""``manage.py export_group OUT.json``: the whole group as one JSON archive."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.exports.archive import archive_json, group_export


class Command(BaseCommand):
    help = (
        "Write members, cohorts, papers, reading lists, reviews, comments, bookmarks and "
        "finished experiment runs to one JSON archive (`-` for standard output). "
        "Passwords, API tokens and invites are not exported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="the archive to write, or - for standard output")

    def handle(self, *args: Any, out: str, **options: Any) -> None:
        result = group_export()
        text = archive_json(result.data)
        report = self.stderr if out == "-" else self.stdout
        if out == "-":
            sys.stdout.write(text)
        else:
            self._write(Path(out), text)
        counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in result.counts().items())
        report.write(f"Exported {counts} to {out}.")
        if result.active_runs_left_out:
            report.write(
                f"Left out {result.active_runs_left_out} queued or running experiment run(s); "
                "run them again after the move."
            )

    def _write(self, path: Path, text: str) -> None:
        # Written beside the target and renamed, so a failed export never leaves half a file.
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror or error}") from None
