"""``manage.py import_feed FILE_OR_URL --member USERNAME [--dry-run]``: a blog into drafts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.importers.base import MAX_IMPORT_BYTES, ImportRefused
from reviews.importers.blog import FeedItem, parse_feed
from reviews.models import Member
from reviews.services.blog_import import feed_fetch_items, feed_import


class Command(BaseCommand):
    help = "Import the posts of an RSS or Atom feed (file or URL) as a member's draft reviews."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="a feed file, or an http(s) URL of a feed")
        parser.add_argument("--member", required=True, help="username of the reviews' author")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would happen, save nothing"
        )

    def handle(self, *args: Any, source: str, member: str, dry_run: bool, **options: Any) -> None:
        author = Member.objects.filter(username=member).first()
        if author is None:
            raise CommandError(f"No member with username “{member}”.")
        try:
            items = self._items(source)
        except ImportRefused as error:
            raise CommandError(error.message) from None
        report = feed_import(items=items, member=author, dry_run=dry_run)
        for outcome in report.outcomes:
            title = outcome.draft.item.title or outcome.draft.item.guid
            if outcome.imported:
                paper = outcome.paper.title if outcome.paper else ""
                new = " (new paper)" if outcome.new_paper else ""
                sections = ", ".join(outcome.draft.recognised) or "none"
                self.stdout.write(f"imported: {title} -> {paper}{new}; sections: {sections}")
            else:
                self.stdout.write(f"skipped: {title}: {outcome.reason}")
        verb = "would import" if dry_run else "imported"
        summary = f"{verb} {len(report.imported)}, skipped {len(report.skipped)}"
        if dry_run:
            summary += " (dry run: nothing saved)"
        if not report.imported:
            raise CommandError(f"Nothing imported: {summary}.")
        self.stdout.write(self.style.SUCCESS(summary))

    def _items(self, source: str) -> list[FeedItem]:
        if source.startswith(("http://", "https://")):
            return feed_fetch_items(source)
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"No such file: {source}")
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise CommandError(f"{source} is larger than the {MAX_IMPORT_BYTES // 1024} KB limit.")
        return parse_feed(path.read_bytes())
