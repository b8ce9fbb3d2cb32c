"""The whole group as one JSON archive (``export_group``); ``archive_import`` reads it back.

Rows refer to each other by natural keys (usernames, slugs, ``arXiv:<id>`` or a per-archive
``paper-<n>`` for papers, ``(paper, author)`` for reviews), never by database ids, and
everything is written in a fixed order with sorted keys, so exporting, importing into an
empty database and exporting again gives the same bytes.

Left out on purpose: passwords (imported members get unusable ones and must be given a new
one), API tokens and invites (secrets and one-off links), last logins, rendered HTML and
search text (rebuilt on import by the same renderer as every other write), and runs still
queued or running (they would never be picked up; the export reports them).

Review images (``reviews.images``) travel under their own names, so the addresses in the
reviews' text keep working. Other apps add sections of their own through
``signals.archive_exporting`` and read them back through ``signals.archive_importing``.

Sections and fields added since version 1 was first written are optional on import, so
older archives still load.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db import models

from .. import signals
from ..enums import RunStatus, Section
from ..images import STORAGE_DIR as IMAGE_DIR
from ..models import (
    Bookmark,
    Cohort,
    CohortMembership,
    Comment,
    CommentRevision,
    EntryStatus,
    ExperimentRun,
    ImportedPost,
    Member,
    Paper,
    ReadingList,
    ReadingListEntry,
    Review,
    ReviewRevision,
    ReviewWorkingCopy,
    Tag,
)

ARCHIVE_FORMAT = "studygroup-archive"
ARCHIVE_VERSION = 1

MEMBER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "display_name",
    "email",
    "bio",
    "preferred_language",
    "is_staff",
    "is_superuser",
    "is_active",
    "run_limit",
    "time_zone",
)
PAPER_FIELDS = (
    "title",
    "authors",
    "year",
    "venue",
    "arxiv_id",
    "doi",
    "url",
    "pdf_url",
    "code_url",
    "project_url",
    "abstract",
    "authors_incomplete",
)
# Fields written since version 1 was first released: an older archive may lack them.
ADDED_FIELDS = frozenset({"time_zone", "authors_incomplete"})
REVIEW_TEXT = ("tldr", *Section.values)
REVIEW_FIELDS = (*REVIEW_TEXT, "language", "status", "version", "source_url", "source_guid")
RUN_FIELDS = (
    "experiment",
    "preset",
    "config",
    "status",
    "progress",
    "message",
    "series",
    "summary",
    "verdict",
    "verdict_reason",
    "device",
    "versions",
    "seeds",
    "steps",
    "error",
    "time_limit_s",
    "attempts",
)
RUN_TIMES = ("created_at", "started_at", "heartbeat_at", "finished_at")
SECTIONS = (
    "members",
    "tags",
    "cohorts",
    "papers",
    "reading_lists",
    "reviews",
    "bookmarks",
    "review_images",
    "import_inbox",
)
INBOX_FIELDS = (
    "title",
    "source_url",
    "source_guid",
    "language",
    "sections",
    "tags",
    "arxiv_id",
    "reason",
)


def _app_sections() -> dict[str, list[dict[str, Any]]]:
    """The sections other apps add (``signals.archive_exporting``)."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for _receiver, rows in signals.archive_exporting.send(sender=Member):
        sections.update(rows)
    return sections


def iso_when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def iso_day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _username(member: Member | None) -> str | None:
    return member.username if member else None


# --- export ------------------------------------------------------------------------------


@dataclass
class ExportResult:
    """The archive and what was left out of it."""

    data: dict[str, Any]
    active_runs_left_out: int = 0

    def counts(self) -> dict[str, int]:
        # The reviews' sections, then those other apps added, in the order they were added.
        return {name: len(rows) for name, rows in self.data.items() if isinstance(rows, list)}


def paper_keys(papers: list[Paper]) -> dict[int, str]:
    """pk -> the paper's archive key; ``papers`` must be in archive order."""
    return {
        p.pk: f"arXiv:{p.arxiv_id}" if p.arxiv_id else f"paper-{i}" for i, p in enumerate(papers, 1)
    }


def group_export() -> ExportResult:
    papers = sorted(
        Paper.objects.select_related("added_by").prefetch_related("tags"),
        key=lambda p: (p.title, p.arxiv_id, p.doi, p.created_at, p.pk),
    )
    keys = paper_keys(papers)
    reviews, active = _export_reviews(keys)
    data = {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "members": [
            {**{f: getattr(m, f) for f in MEMBER_FIELDS}, "date_joined": iso_when(m.date_joined)}
            for m in Member.objects.order_by("username")
        ],
        "tags": [{"slug": t.slug, "name": t.name} for t in Tag.objects.order_by("slug")],
        "cohorts": _export_cohorts(),
        "papers": [
            {
                "key": keys[p.pk],
                **{f: getattr(p, f) for f in PAPER_FIELDS},
                "tags": sorted(t.slug for t in p.tags.all()),
                "added_by": _username(p.added_by),
                "created_at": iso_when(p.created_at),
            }
            for p in papers
        ],
        "reading_lists": _export_reading_lists(keys),
        "reviews": reviews,
        "bookmarks": sorted(
            (
                {
                    "member": b.member.username,
                    "paper": keys[b.paper_id],
                    "created_at": iso_when(b.created_at),
                }
                for b in Bookmark.objects.select_related("member")
            ),
            key=lambda row: (row["member"], row["paper"]),
        ),
        "review_images": _export_review_images(),
        "import_inbox": [
            {
                "member": post.member.username,
                **{f: getattr(post, f) for f in INBOX_FIELDS},
                "source_date": iso_when(post.source_date),
                "imported_at": iso_when(post.imported_at),
            }
            for post in ImportedPost.objects.select_related("member").order_by(
                "member__username", "imported_at", "pk"
            )
        ],
        **_app_sections(),
    }
    return ExportResult(data=data, active_runs_left_out=active)


def _export_review_images() -> list[dict[str, str]]:
    """Every stored review image: ``<member>/<folder>/<token>.<ext>`` and its bytes."""
    rows = []
    for name in sorted(_stored_files(IMAGE_DIR)):
        try:
            with default_storage.open(f"{IMAGE_DIR}/{name}", "rb") as stored:
                data = stored.read()
        except OSError:
            continue  # a file lost since it was listed
        rows.append({"name": name, "base64": base64.b64encode(data).decode("ascii")})
    return rows


def _stored_files(directory: str) -> list[str]:
    """The names of the files under a storage directory, relative to it, at any depth."""
    try:
        directories, files = default_storage.listdir(directory)
    except FileNotFoundError:  # a file system storage that never stored an image
        return []
    names = list(files)
    for sub in directories:
        names += [f"{sub}/{name}" for name in _stored_files(f"{directory}/{sub}")]
    return names


def _export_cohorts() -> list[dict[str, Any]]:
    cohorts = Cohort.objects.prefetch_related(
        models.Prefetch(
            "memberships",
            queryset=CohortMembership.objects.select_related("member").order_by("member__username"),
        )
    ).order_by("slug")
    return [
        {
            "slug": c.slug,
            "name": c.name,
            "description": c.description,
            "created_at": iso_when(c.created_at),
            "memberships": [
                {"member": m.member.username, "role": m.role, "joined": iso_day(m.joined)}
                for m in c.memberships.all()
            ],
        }
        for c in cohorts
    ]


def _export_reading_lists(keys: dict[int, str]) -> list[dict[str, Any]]:
    entries = ReadingListEntry.objects.order_by("number")
    statuses = EntryStatus.objects.select_related("member").order_by("member__username")
    lists = (
        ReadingList.objects.select_related("cohort")
        .prefetch_related(
            models.Prefetch("entries", queryset=entries),
            models.Prefetch("entries__statuses", queryset=statuses),
        )
        .order_by("slug")
    )
    return [
        {
            "slug": rl.slug,
            "cohort": rl.cohort.slug,
            "title": rl.title,
            "description": rl.description,
            "created_at": iso_when(rl.created_at),
            "entries": [
                {
                    "number": e.number,
                    "paper": keys[e.paper_id],
                    "statuses": [
                        {
                            "member": s.member.username,
                            "status": s.status,
                            "updated_at": iso_when(s.updated_at),
                        }
                        for s in e.statuses.all()
                    ],
                }
                for e in rl.entries.all()
            ],
        }
        for rl in lists
    ]


def _export_reviews(keys: dict[int, str]) -> tuple[list[dict[str, Any]], int]:
    comments = (
        Comment.objects.select_related("author")
        .prefetch_related(
            models.Prefetch(
                "revisions", queryset=CommentRevision.objects.order_by("written_at", "pk")
            )
        )
        .order_by("created_at", "pk")
    )
    revisions = ReviewRevision.objects.select_related("published_by").order_by("number")
    runs = ExperimentRun.objects.select_related("requested_by").order_by("created_at", "pk")
    reviews = Review.objects.select_related("author", "working_copy").prefetch_related(
        models.Prefetch("comments", queryset=comments),
        models.Prefetch("revisions", queryset=revisions),
        models.Prefetch("runs", queryset=runs),
    )
    out, active = [], 0
    for r in reviews:
        finished = [run for run in r.runs.all() if run.status not in RunStatus.active()]
        active += len(r.runs.all()) - len(finished)
        out.append(
            {
                "paper": keys[r.paper_id],
                "author": r.author.username,
                **{f: getattr(r, f) for f in REVIEW_FIELDS},
                "created_at": iso_when(r.created_at),
                "updated_at": iso_when(r.updated_at),
                "published_at": iso_when(r.published_at),
                "source_date": iso_when(r.source_date),
                "imported_at": iso_when(r.imported_at),
                "revisions": [
                    {
                        "number": v.number,
                        **{f: getattr(v, f) for f in REVIEW_TEXT},
                        "published_by": _username(v.published_by),
                        "created_at": iso_when(v.created_at),
                    }
                    for v in r.revisions.all()
                ],
                "comments": _export_comments(list(r.comments.all())),
                "runs": [_export_run(run) for run in finished],
                "working_copy": _export_working_copy(r),
            }
        )
    out.sort(key=lambda row: (row["paper"], row["author"]))
    return out, active


def _export_working_copy(review: Review) -> dict[str, Any] | None:
    """The author's unpublished changes to a published review, if any."""
    try:
        copy = review.working_copy
    except ReviewWorkingCopy.DoesNotExist:
        return None
    return {
        "base_version": copy.base_version,
        "language": copy.language,
        **{f: getattr(copy, f) for f in REVIEW_TEXT},
        "created_at": iso_when(copy.created_at),
        "updated_at": iso_when(copy.updated_at),
    }


def _export_comments(comments: list[Comment]) -> list[dict[str, Any]]:
    """Comments numbered 1, 2, … within their review; a reply names its parent's number."""
    numbers = {c.pk: n for n, c in enumerate(comments, 1)}
    return [
        {
            "id": numbers[c.pk],
            "parent": numbers.get(c.parent_id) if c.parent_id else None,
            "author": c.author.username,
            "section": c.section,
            "body": c.body,
            "created_at": iso_when(c.created_at),
            "updated_at": iso_when(c.updated_at),
            "edited_at": iso_when(c.edited_at),
            "is_question": c.is_question,
            "resolved_at": iso_when(c.resolved_at),
            # Earlier texts, oldest first (an edited comment keeps them).
            "revisions": [
                {
                    "body": v.body,
                    "written_at": iso_when(v.written_at),
                    "replaced_at": iso_when(v.replaced_at),
                }
                for v in c.revisions.all()
            ],
        }
        for c in comments
    ]


def _export_run(run: ExperimentRun) -> dict[str, Any]:
    figure = None
    if run.figure:
        try:
            with run.figure.open("rb") as stored:
                figure = stored.read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            figure = None  # a lost or unreadable file: the run moves without its figure
    return {
        "requested_by": run.requested_by.username,
        **{f: getattr(run, f) for f in RUN_FIELDS},
        "texts": run.texts,
        **{f: iso_when(getattr(run, f)) for f in RUN_TIMES},
        "figure_svg": figure,
    }


def archive_json(data: dict[str, Any]) -> str:
    """The canonical text: sorted keys, two-space indent, UTF-8 text kept readable."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
