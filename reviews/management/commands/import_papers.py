"""``manage.py import_papers FILE [--list SLUG] [--member USERNAME] [--dry-run]``.

FILE holds citation lines or BibTeX (detected); ``-`` reads standard input. The actor is
``--member``, or else the oldest superuser. Exits non-zero when nothing could be imported.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.importers.arxiv import complete_authors
from reviews.importers.base import MAX_IMPORT_BYTES, PaperData
from reviews.importers.bibtex import parse_papers
from reviews.models import Member, ReadingList
from reviews.services.imports import papers_import, papers_import_preview


class Command(BaseCommand):
    help = "Import papers from citation lines or BibTeX, optionally onto a reading list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .bib or .txt file, or - for standard input")
        parser.add_argument("--list", dest="list_slug", help="reading list slug to number them on")
        parser.add_argument("--member", help="username of the member doing the import")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would happen; save nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = self._read(options["file"])
        reading_list = None
        if options["list_slug"]:
            reading_list = ReadingList.objects.filter(slug=options["list_slug"]).first()
            if reading_list is None:
                raise CommandError(f"No reading list with slug “{options['list_slug']}”.")
        by = self._member(options["member"])
        kind, items = parse_papers(text)
        self.stdout.write(f"Read {len(items)} item(s) as {kind}.")
        if not any(item.importable for item in items):
            for n, item in enumerate(items):
                self.stdout.write(f"  skipped item {n + 1}: {'; '.join(item.problems)}")
            raise CommandError("Nothing could be imported.")
        self._complete_authors(items)
        if options["dry_run"]:
            self._preview(items, reading_list)
            return
        try:
            report = papers_import(items=items, by=by, reading_list=reading_list)
        except ValidationError as error:
            raise CommandError(
                "Nothing was saved:\n" + "\n".join(f"  {m}" for m in error.messages)
            ) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        for paper in report.created:
            self.stdout.write(f"  created: {paper.title} (#{paper.pk})")
        for paper in report.merged:
            self.stdout.write(f"  already there: {paper.title} (#{paper.pk})")
        for entry in report.entries:
            self.stdout.write(f"  entry {entry.number}: {entry.paper.title}")
        for message in report.notes:
            self.stdout.write(f"  note: {message}")
        for message in report.skipped:
            self.stdout.write(f"  skipped {message}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.created)} created, {len(report.merged)} already there, "
                f"{len(report.entries)} entries, {len(report.skipped)} skipped."
            )
        )

    def _complete_authors(self, items: list[PaperData]) -> None:
        completion = complete_authors(items)
        if completion.completed:
            self.stdout.write(f"Completed {completion.completed} author list(s) from arXiv.")
        if completion.failed:
            self.stdout.write(f"arXiv could not complete the author lists: {completion.failed}")
        incomplete = sum(1 for item in items if item.importable and item.authors_incomplete)
        if incomplete:
            self.stdout.write(
                f"{incomplete} item(s) name only their first authors (et al.): saved as "
                "incomplete author lists, exported with “and others”."
            )

    def _read(self, name: str) -> str:
        if name == "-":
            data = sys.stdin.buffer.read(MAX_IMPORT_BYTES + 1)
        else:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"No such file: {name}")
            with path.open("rb") as handle:
                data = handle.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise CommandError(f"The file is over the {MAX_IMPORT_BYTES // 1024} KB import limit.")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError("The file is not UTF-8 text.") from None

    def _member(self, username: str | None) -> Member:
        if username:
            member = Member.objects.filter(username=username, is_active=True).first()
            if member is None:
                raise CommandError(f"No active member “{username}”.")
            return member
        member = Member.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if member is None:
            raise CommandError("There is no superuser to import as; give --member USERNAME.")
        return member

    def _preview(self, items: list[PaperData], reading_list: ReadingList | None) -> None:
        plan = papers_import_preview(items=items, reading_list=reading_list)
        for planned in plan:
            title = planned.item.title or planned.item.raw[:60]
            if planned.status == "skip":
                reasons = "; ".join(planned.errors) or planned.skip_reason
                self.stdout.write(f"  would skip {planned.label}: {reasons}")
                continue
            if planned.match is not None:
                action = f"matches #{planned.match.pk} by {planned.matched_by}"
            elif planned.same_as is not None:
                action = f"same as {plan[planned.same_as].label}"
            else:
                action = "new"
            entry = f" -> No. {planned.entry_number}" if planned.entry_number else ""
            note = f" ({planned.entry_note})" if planned.entry_note else ""
            self.stdout.write(f"  {planned.label}: {title} [{action}]{entry}{note}")
        self.stdout.write("Dry run: nothing was saved.")
        if any(planned.errors for planned in plan):
            raise CommandError("The import would fail on the items above; nothing was saved.")
