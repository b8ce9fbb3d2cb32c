"""``manage.py import_feed FILE_OR_URL --member USERNAME [--dry-run]``: a blog into drafts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.importers.base import MAX_IMPORT_BYTES, ImportRefused
from reviews.importers.blog import FeedItem, parse_feed
from reviews.models import Member
from reviews.services.blog_import import Action, feed_fetch_items, feed_import, feed_preview

VERBS = {
    Action.PAPER: "review",
    Action.ARXIV: "review",
    Action.INBOX: "inbox",
    Action.SKIP: "left out",
}


class Command(BaseCommand):
    help = (
        "Import the posts of an RSS or Atom feed (file or URL) as a member's draft reviews; "
        "posts whose paper is unknown go to the member's import inbox."
    )

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
        plans = feed_preview(items=items, member=author)
        if dry_run:
            outcomes = [(plan, plan.action, plan.reason, plan.paper) for plan in plans]
        else:
            report = feed_import(plans=plans, member=author)
            outcomes = [(o.plan, o.action, o.reason, o.paper) for o in report.outcomes]
            for outcome in report.outcomes:
                for problem in outcome.image_problems:
                    self.stdout.write(f"  {outcome.plan.draft.item.title}: {problem}")
        counts = {action: 0 for action in VERBS}
        for plan, action, reason, paper in outcomes:
            title = plan.draft.item.title or plan.guid
            counts[action] += 1
            if action == Action.ARXIV and paper is None and plan.arxiv is not None:
                target = f" -> {plan.arxiv.title} (new paper from arXiv:{plan.arxiv.arxiv_id})"
            elif paper is not None:
                target = f" -> {paper.title}" + (" (new paper)" if action == Action.ARXIV else "")
            else:
                target = ""
            sections = ", ".join(
                f"{part.heading} -> {part.guess.value}" for part in plan.draft.parts
            )
            self.stdout.write(f"{VERBS[action]}: {title}{target}: {reason}")
            if action in (Action.PAPER, Action.ARXIV) and sections:
                self.stdout.write(f"  sections: {sections}")
        summary = (
            f"reviews {counts[Action.PAPER] + counts[Action.ARXIV]}, "
            f"inbox {counts[Action.INBOX]}, left out {counts[Action.SKIP]}"
        )
        if dry_run:
            summary += " (dry run: nothing saved)"
        if counts[Action.SKIP] == len(outcomes):
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
