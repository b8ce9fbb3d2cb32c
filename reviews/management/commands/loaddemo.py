"""Create the demo cohort, members, reading list, papers and reviews. Safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from reviews import demo_data, services, signals
from reviews.enums import CohortRole, ReviewStatus
from reviews.models import (
    Bookmark,
    Cohort,
    CohortMembership,
    Comment,
    EntryStatus,
    Member,
    Paper,
    ReadingList,
    ReadingListEntry,
    Review,
)

PAPER_FIELDS = (
    "title",
    "authors",
    "year",
    "venue",
    "doi",
    "url",
    "pdf_url",
    "code_url",
    "project_url",
    "abstract",
)


class Command(BaseCommand):
    help = "Load the demo study group. Existing rows are left as they are."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        members = {row["username"]: self.member(row) for row in demo_data.MEMBERS}
        cohort = self.cohort(members)
        papers = {
            row["arxiv_id"]: self.paper(row, members["organizer"]) for row in demo_data.PAPERS
        }
        entries = self.reading_list(cohort, papers, members)
        reviews = {
            (row["arxiv_id"], row["author"]): self.review(row, papers, members)
            for row in demo_data.REVIEWS
        }
        for row in demo_data.COMMENTS:
            self.comment(row, reviews, members, parent=None)
        for username, arxiv_id in demo_data.BOOKMARKS:
            Bookmark.objects.get_or_create(member=members[username], paper=papers[arxiv_id])
        for username, number, status in demo_data.READING_STATUS:
            EntryStatus.objects.get_or_create(
                member=members[username], entry=entries[number], defaults={"status": status}
            )
        signals.demo_loaded.send(sender=Cohort, cohort_id=cohort.pk)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with:"))
        for row in demo_data.MEMBERS:
            role = "organizer" if row["is_staff"] else "member"
            self.stdout.write(f"  {row['username']} / {row['password']}  ({role})")

    def member(self, row: dict[str, Any]) -> Member:
        member, created = Member.objects.get_or_create(
            username=row["username"],
            defaults={
                "display_name": row["display_name"],
                "email": row["email"],
                "bio": row["bio"],
                "preferred_language": row["preferred_language"],
                "is_staff": row["is_staff"],
                "is_superuser": row["is_staff"],
            },
        )
        if created:
            member.set_password(row["password"])
            member.save(update_fields=["password"])
        return member

    def cohort(self, members: dict[str, Member]) -> Cohort:
        spec = demo_data.COHORT
        cohort, _created = Cohort.objects.get_or_create(
            slug=spec["slug"], defaults={"name": spec["name"], "description": spec["description"]}
        )
        for username, role in spec["memberships"]:
            CohortMembership.objects.get_or_create(
                cohort=cohort, member=members[username], defaults={"role": CohortRole(role)}
            )
        return cohort

    def paper(self, row: dict[str, Any], added_by: Member) -> Paper:
        paper = Paper.objects.filter(arxiv_id=row["arxiv_id"]).first()
        if paper is not None:
            return paper
        paper = Paper(
            arxiv_id=row["arxiv_id"], added_by=added_by, **{key: row[key] for key in PAPER_FIELDS}
        )
        return services.paper_save(paper=paper, tag_names=row["tags"])

    def reading_list(
        self, cohort: Cohort, papers: dict[str, Paper], members: dict[str, Member]
    ) -> dict[int, ReadingListEntry]:
        spec = demo_data.READING_LIST
        rl, _created = ReadingList.objects.get_or_create(
            slug=spec["slug"],
            defaults={"cohort": cohort, "title": spec["title"], "description": spec["description"]},
        )
        entries = {}
        for row in spec["entries"]:
            # Session dates and presenters are the meetings app's (meetings.demo).
            entry, _created = ReadingListEntry.objects.get_or_create(
                reading_list=rl, number=row["number"], defaults={"paper": papers[row["arxiv_id"]]}
            )
            entries[row["number"]] = entry
        return entries

    def review(
        self, row: dict[str, Any], papers: dict[str, Paper], members: dict[str, Member]
    ) -> Review:
        paper, author = papers[row["arxiv_id"]], members[row["author"]]
        existing = Review.objects.filter(paper=paper, author=author).first()
        if existing is not None:
            return existing
        content = services.ReviewContent(
            tldr=row["tldr"],
            language=row["language"],
            introduction=row["introduction"],
            core_algorithm=row["core_algorithm"],
            results=row["results"],
            thoughts=row["thoughts"],
        )
        return services.review_create(
            paper=paper,
            author=author,
            content=content,
            publish=row["status"] == ReviewStatus.PUBLISHED,
        )

    def comment(
        self,
        row: dict[str, Any],
        reviews: dict[tuple[str, str], Review],
        members: dict[str, Member],
        parent: Comment | None,
    ) -> None:
        review, author = reviews[tuple(row["review"])], members[row["author"]]
        comment = Comment.objects.filter(review=review, author=author, body=row["body"]).first()
        if comment is None:
            comment = services.comment_create(
                review=review,
                author=author,
                body=row["body"],
                section=row["section"],
                parent=parent,
            )
        for reply in row.get("replies", []):
            self.comment({**reply, "review": row["review"]}, reviews, members, parent=comment)
