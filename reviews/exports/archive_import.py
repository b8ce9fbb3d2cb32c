"""``import_group``: an archive written by ``archive.group_export`` into an empty database.

Every record is checked with the models' own validators; all problems are collected (one
message per bad record) and then nothing is saved. Review and comment HTML is rendered
again by ``reviews.markdown``, never taken from the file.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DataError, IntegrityError, models, transaction

from .. import services, signals
from ..enums import RunStatus
from ..images import MAX_IMAGE_BYTES, NAME_RE, sniff_image_type, storage_name
from ..importers.base import ImportRefused, PaperData
from ..markdown import render_markdown
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
from ..services.papers import PaperIndex
from .archive import (
    ADDED_FIELDS,
    ARCHIVE_FORMAT,
    ARCHIVE_VERSION,
    INBOX_FIELDS,
    MEMBER_FIELDS,
    PAPER_FIELDS,
    REVIEW_FIELDS,
    REVIEW_TEXT,
    RUN_FIELDS,
    RUN_TIMES,
    SECTIONS,
)


class ArchiveError(Exception):
    """The archive cannot be imported; ``problems`` has one message per bad record."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the archive")
        self.problems = problems


def parse_when(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"“{value}” has no time zone offset")
    return parsed


def _fields(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The row's values of these fields; one added since version 1 may be missing (default)."""
    return {f: row[f] for f in names if f in row or f not in ADDED_FIELDS}


def parse_day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
        return " ".join(error.messages)
    if isinstance(error, KeyError):
        return f"missing or unknown “{error.args[0]}”"
    return str(error) or type(error).__name__


def database_is_empty() -> bool:
    return not any(
        model.objects.exists() for model in (Member, Cohort, Tag, Paper, ReadingList, Review)
    )


def group_import(data: Any) -> dict[str, int]:
    """Load an archive into an empty database in one transaction; counts per section.

    Raises ``ImportRefused`` for a database with data or an archive of another format,
    ``ArchiveError`` with every bad record's message; either way nothing is saved.
    """
    if not isinstance(data, dict) or data.get("format") != ARCHIVE_FORMAT:
        raise ImportRefused(f"This is not a StudyGroup archive (no “format”: “{ARCHIVE_FORMAT}”).")
    if data.get("version") != ARCHIVE_VERSION:
        raise ImportRefused(
            f"This archive is format version {data.get('version')!r}; "
            f"this version of the app reads version {ARCHIVE_VERSION}."
        )
    for name in SECTIONS:
        if not isinstance(data.get(name, []), list):
            raise ImportRefused(f"“{name}” in the archive must be a list.")
    written: list[str] = []
    try:
        with transaction.atomic():
            if not database_is_empty():
                raise ImportRefused(
                    "The database already has data. import_group only loads into an empty "
                    "database (it never merges): create a new database, run migrate, then import."
                )
            importer = ArchiveImporter(data, written)
            counts = importer.run()
            if importer.problems:
                raise ArchiveError(importer.problems)
    except (IntegrityError, DataError) as error:
        _delete(written)
        raise ArchiveError([f"The archive breaks a database rule: {error}".strip()]) from None
    except BaseException:
        _delete(written)
        raise
    return counts


def _delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@dataclass
class ArchiveImporter:
    """Creates rows section by section, keeping the key -> row maps later sections need."""

    data: dict[str, Any]
    written: list[str]
    problems: list[str] = field(default_factory=list)
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)
    cohorts: dict[str, Cohort] = field(default_factory=dict)
    papers: dict[str, Paper] = field(default_factory=dict)
    reading_lists: dict[str, ReadingList] = field(default_factory=dict)
    # (reading list slug, number) -> entry, for the sections other apps add.
    entries: dict[tuple[str, int], ReadingListEntry] = field(default_factory=dict)
    figures: list[tuple[ExperimentRun, str]] = field(default_factory=list)
    # auto_now / auto_now_add overwrite timestamps on insert; they are put back afterwards.
    stamps: dict[type[models.Model], list[tuple[models.Model, dict[str, Any]]]] = field(
        default_factory=dict
    )

    def rows(self, name: str) -> list[dict[str, Any]]:
        """A section's records; what is wrong with its shape is said once, however often asked."""
        if name not in self.sections:
            rows = self.data.get(name) or []
            if not isinstance(rows, list):
                self.problems.append(f"“{name}” in the archive must be a list")
                rows = []
            for i, row in enumerate(rows):
                if not isinstance(row, dict):
                    self.problems.append(f"{name}[{i}]: not an object")
            self.sections[name] = [row for row in rows if isinstance(row, dict)]
        return self.sections[name]

    @contextmanager
    def record(self, where: str) -> Iterator[None]:
        """Collect what is wrong with one record and go on with the next."""
        try:
            yield
        except (KeyError, TypeError, ValueError, AttributeError, ValidationError) as error:
            self.problems.append(f"{where}: {_describe(error)}")

    def member(self, username: str | None) -> Member | None:
        return None if username is None else self.members[username]

    def checked(self, obj: models.Model, *, exclude: tuple[str, ...] = ()) -> models.Model:
        obj.full_clean(exclude=list(exclude), validate_unique=False)
        return obj

    def stamp(self, obj: models.Model, **values: Any) -> models.Model:
        self.stamps.setdefault(type(obj), []).append((obj, values))
        return obj

    def unique(self, seen: set[Any], key: Any, label: str) -> None:
        if key in seen:
            raise ValueError(f"{label} appears twice")
        seen.add(key)

    def run(self) -> dict[str, int]:
        steps: list[Callable[[], None]] = [
            self.import_members,
            self.import_tags,
            self.import_cohorts,
            self.import_papers,
            self.import_reading_lists,
            self.import_reviews,
            self.import_bookmarks,
            self.import_review_images,
            self.import_inbox,
        ]
        for step in steps:
            step()
            if self.problems:  # later sections would only repeat "unknown key" messages
                return {}
        counts = {name: len(self.rows(name)) for name in SECTIONS}
        for _receiver, app_counts in signals.archive_importing.send(sender=Member, importer=self):
            counts.update(app_counts)
        if self.problems:
            return {}
        self.restore_stamps()
        for paper in self.papers.values():
            services.paper_changed(paper=paper, deep=True)
        self.write_figures()
        return counts

    def import_members(self) -> None:
        new, seen = [], set()
        for i, row in enumerate(self.rows("members")):
            with self.record(f"members[{i}] {row.get('username', '')!s}"):
                self.unique(seen, row["username"], "this username")
                member = Member(**_fields(row, MEMBER_FIELDS))
                member.date_joined = parse_when(row["date_joined"])
                member.set_unusable_password()
                new.append(self.checked(member, exclude=("password",)))
        for member in Member.objects.bulk_create(new):
            self.members[member.username] = member
            signals.member_changed.send(sender=Member, member_id=member.pk)

    def import_tags(self) -> None:
        new, seen = [], set()
        for i, row in enumerate(self.rows("tags")):
            with self.record(f"tags[{i}] {row.get('slug', '')!s}"):
                self.unique(seen, row["slug"], "this tag")
                new.append(self.checked(Tag(slug=row["slug"], name=row["name"])))
        self.tags = {t.slug: t for t in Tag.objects.bulk_create(new)}

    def import_cohorts(self) -> None:
        new, seen = [], set()
        memberships: list[tuple[int, dict[str, Any]]] = []
        for i, row in enumerate(self.rows("cohorts")):
            with self.record(f"cohorts[{i}] {row.get('slug', '')!s}"):
                self.unique(seen, row["slug"], "this cohort")
                cohort = Cohort(slug=row["slug"], name=row["name"], description=row["description"])
                new.append(
                    self.stamp(self.checked(cohort), created_at=parse_when(row["created_at"]))
                )
                memberships += [(len(new) - 1, m) for m in row["memberships"]]
        cohorts = Cohort.objects.bulk_create(new)
        self.cohorts = {c.slug: c for c in cohorts}
        links = []
        for index, row in memberships:
            cohort = cohorts[index]
            with self.record(f"cohorts {cohort.slug} memberships"):
                link = CohortMembership(
                    cohort=cohort,
                    member=self.members[row["member"]],
                    role=row["role"],
                    joined=parse_day(row["joined"]),
                )
                links.append(self.checked(link, exclude=("cohort", "member")))
        CohortMembership.objects.bulk_create(links)

    def import_papers(self) -> None:
        new, seen, tag_links = [], set(), []
        index = PaperIndex()
        for i, row in enumerate(self.rows("papers")):
            with self.record(f"papers[{i}] {row.get('key', '')!s}"):
                self.unique(seen, row["key"], "this paper key")
                paper = Paper(**_fields(row, PAPER_FIELDS), added_by=self.member(row["added_by"]))
                tags = [self.tags[slug] for slug in row["tags"]]
                self.same_paper(index, paper, i)
                # Older blog imports made papers from a post's title alone, without authors.
                exclude = ("added_by",) if paper.authors else ("added_by", "authors")
                new.append(
                    self.stamp(
                        self.checked(paper, exclude=exclude),
                        created_at=parse_when(row["created_at"]),
                    )
                )
                tag_links.append((row["key"], tags))
        for (key, _tags), paper in zip(tag_links, Paper.objects.bulk_create(new), strict=True):
            self.papers[key] = paper
        Through = Paper.tags.through
        Through.objects.bulk_create(
            Through(paper=self.papers[key], tag=tag) for key, tags in tag_links for tag in tags
        )

    def same_paper(self, index: PaperIndex, paper: Paper, position: int) -> None:
        """Refuse a second copy of a paper, as every import recognises one (by arXiv id)."""
        item = PaperData(title=paper.title, arxiv_id=paper.arxiv_id, doi=paper.doi)
        target, kind = index.find_key(item)
        if kind == "arxiv" and target is not None:
            other = f"papers[{target[1]}]" if isinstance(target, tuple) else f"paper {target}"
            raise ValueError(f"the same paper as {other} (arXiv id {paper.arxiv_id})")
        index.remember(item, ("item", position))

    def import_reading_lists(self) -> None:
        for i, row in enumerate(self.rows("reading_lists")):
            with self.record(f"reading_lists[{i}] {row.get('slug', '')!s}"):
                rl = ReadingList(
                    cohort=self.cohorts[row["cohort"]],
                    slug=row["slug"],
                    title=row["title"],
                    description=row["description"],
                )
                self.checked(rl, exclude=("cohort",)).save()
                self.reading_lists[rl.slug] = rl
                self.stamp(rl, created_at=parse_when(row["created_at"]))
                entries = []
                for entry_row in row["entries"]:
                    entry = ReadingListEntry(
                        reading_list=rl,
                        number=entry_row["number"],
                        paper=self.papers[entry_row["paper"]],
                    )
                    exclude = ("reading_list", "paper")
                    entries.append(self.checked(entry, exclude=exclude))
                statuses = []
                for entry, entry_row in zip(
                    ReadingListEntry.objects.bulk_create(entries), row["entries"], strict=True
                ):
                    self.entries[rl.slug, entry.number] = entry
                    for s in entry_row["statuses"]:
                        status = EntryStatus(
                            entry=entry, member=self.members[s["member"]], status=s["status"]
                        )
                        self.checked(status, exclude=("entry", "member"))
                        statuses.append(self.stamp(status, updated_at=parse_when(s["updated_at"])))
                EntryStatus.objects.bulk_create(statuses)

    def import_reviews(self) -> None:
        new, seen = [], set()
        for i, row in enumerate(self.rows("reviews")):
            where = f"reviews[{i}] {row.get('paper')!s} by {row.get('author')!s}"
            with self.record(where):
                self.unique(seen, (row["paper"], row["author"]), "this review")
                content = services.ReviewContent(
                    language=row["language"], **{f: row[f] for f in REVIEW_TEXT}
                )
                content.validate()
                review = Review(
                    paper=self.papers[row["paper"]],
                    author=self.members[row["author"]],
                    **{f: row[f] for f in REVIEW_FIELDS},
                    **content.rendered(),
                    published_at=parse_when(row["published_at"]),
                    source_date=parse_when(row["source_date"]),
                    imported_at=parse_when(row.get("imported_at")),
                )
                self.checked(review, exclude=("paper", "author"))
                self.stamp(
                    review,
                    created_at=parse_when(row["created_at"]),
                    updated_at=parse_when(row["updated_at"]),
                )
                new.append((review, row))
        Review.objects.bulk_create([review for review, _row in new])
        revisions, runs = [], []
        for review, row in new:
            where = f"review {row['paper']} by {row['author']}"
            with self.record(f"{where} revisions"):
                for v in row["revisions"]:
                    text = {f: v[f] for f in REVIEW_TEXT}
                    revision = ReviewRevision(
                        review=review,
                        number=v["number"],
                        published_by=self.member(v["published_by"]),
                        **text,
                        # Rendered as a publish renders it; the file carries no HTML.
                        **services.ReviewContent(language=review.language, **text).rendered(),
                    )
                    self.checked(revision, exclude=("review", "published_by"))
                    revisions.append(self.stamp(revision, created_at=parse_when(v["created_at"])))
            with self.record(f"{where} comments"):
                self.import_comments(review, row["comments"])
            with self.record(f"{where} runs"):
                runs += [(self.run_row(review, r), r["figure_svg"]) for r in row["runs"]]
        ReviewRevision.objects.bulk_create(revisions)
        copies = []
        for review, row in new:
            with self.record(f"review {row['paper']} by {row['author']} working copy"):
                if (c := row.get("working_copy")) is not None:
                    copies.append(self.working_copy(review, c))
        ReviewWorkingCopy.objects.bulk_create(copies)
        created = ExperimentRun.objects.bulk_create([run for run, _svg in runs])
        self.figures = [(run, svg) for run, (_run, svg) in zip(created, runs, strict=True) if svg]

    def working_copy(self, review: Review, row: dict[str, Any]) -> ReviewWorkingCopy:
        content = services.ReviewContent(
            language=row["language"], **{f: row[f] for f in REVIEW_TEXT}
        )
        content.validate()
        copy = ReviewWorkingCopy(
            review=review,
            base_version=row["base_version"],
            language=row["language"],
            **{f: row[f] for f in REVIEW_TEXT},
        )
        self.checked(copy, exclude=("review",))
        return self.stamp(
            copy,
            created_at=parse_when(row["created_at"]),
            updated_at=parse_when(row["updated_at"]),
        )

    def import_inbox(self) -> None:
        new, seen = [], set()
        for i, row in enumerate(self.rows("import_inbox")):
            with self.record(f"import_inbox[{i}] {row.get('title', '')!s}"):
                if row["source_guid"]:
                    self.unique(seen, (row["member"], row["source_guid"]), "this post")
                post = ImportedPost(
                    member=self.members[row["member"]],
                    **{f: row[f] for f in INBOX_FIELDS},
                    source_date=parse_when(row["source_date"]),
                )
                if not isinstance(post.sections, dict) or not isinstance(post.tags, list):
                    raise ValueError("sections must be an object and tags a list")
                self.checked(post, exclude=("member",))
                new.append(self.stamp(post, imported_at=parse_when(row["imported_at"])))
        ImportedPost.objects.bulk_create(new)

    def import_comments(self, review: Review, rows: list[dict[str, Any]]) -> None:
        """Comments in archive order (so ids keep it), then the replies' parents."""
        new, by_number = [], {}
        for row in rows:
            comment = Comment(
                review=review,
                author=self.members[row["author"]],
                section=row["section"],
                body=row["body"],
                body_html=str(render_markdown(row["body"], id_prefix=f"c{review.pk}-")),
                is_question=row.get("is_question", False),
                edited_at=parse_when(row.get("edited_at")),
                resolved_at=parse_when(row.get("resolved_at")),
            )
            self.checked(comment, exclude=("review", "author", "parent"))
            self.unique(set(by_number), row["id"], f"comment {row['id']}")
            by_number[row["id"]] = comment
            new.append((comment, row))
            self.stamp(
                comment,
                created_at=parse_when(row["created_at"]),
                updated_at=parse_when(row["updated_at"]),
            )
        Comment.objects.bulk_create([comment for comment, _row in new])
        CommentRevision.objects.bulk_create(
            CommentRevision(
                comment=comment,
                body=v["body"],
                written_at=parse_when(v["written_at"]),
                replaced_at=parse_when(v["replaced_at"]),
            )
            for comment, row in new
            for v in row.get("revisions", [])
        )
        replies = []
        for comment, row in new:
            if row["parent"] is not None:
                if row["parent"] not in by_number or row["parent"] == row["id"]:
                    raise ValueError(f"comment {row['id']} replies to an unknown comment")
                comment.parent = by_number[row["parent"]]
                replies.append(comment)
        Comment.objects.bulk_update(replies, ["parent"])

    def run_row(self, review: Review, row: dict[str, Any]) -> ExperimentRun:
        run = ExperimentRun(
            review=review,
            requested_by=self.members[row["requested_by"]],
            **{f: row[f] for f in RUN_FIELDS},
            # Archives written before runs kept message ids have none: shown as stored.
            texts=row.get("texts", {}),
            **{f: parse_when(row[f]) for f in RUN_TIMES},
        )
        if not isinstance(run.texts, dict):
            raise ValueError("texts must be an object")
        if run.status in RunStatus.active():
            raise ValueError("a queued or running run cannot be imported")
        if not isinstance(row["figure_svg"], str | None):
            raise ValueError("figure_svg must be SVG text or null")
        return self.checked(run, exclude=("review", "requested_by", "figure"))

    def import_bookmarks(self) -> None:
        new, seen = [], set()
        for i, row in enumerate(self.rows("bookmarks")):
            with self.record(f"bookmarks[{i}]"):
                self.unique(seen, (row["member"], row["paper"]), "this bookmark")
                bookmark = Bookmark(
                    member=self.members[row["member"]], paper=self.papers[row["paper"]]
                )
                new.append(self.stamp(bookmark, created_at=parse_when(row["created_at"])))
        Bookmark.objects.bulk_create(new)

    def import_review_images(self) -> None:
        seen: set[str] = set()
        for i, row in enumerate(self.rows("review_images")):
            with self.record(f"review_images[{i}] {row.get('name', '')!s}"):
                name = row["name"]
                match = NAME_RE.fullmatch(name) if isinstance(name, str) else None
                if match is None:
                    raise ValueError("not the name of a review image")
                self.unique(seen, name, "this image")
                try:
                    data = base64.b64decode(row["base64"], validate=True)
                except (binascii.Error, TypeError):
                    raise ValueError("its bytes are not base64") from None
                if len(data) > MAX_IMAGE_BYTES or sniff_image_type(data) != match["ext"]:
                    limit = MAX_IMAGE_BYTES // 2**20
                    raise ValueError(f"not a {match['ext']} image of at most {limit} MB")
                saved = default_storage.save(storage_name(name), ContentFile(data))
                self.written.append(saved)

    def restore_stamps(self) -> None:
        for model, pairs in self.stamps.items():
            names = sorted({name for _obj, values in pairs for name in values})
            for obj, values in pairs:
                for name, value in values.items():
                    setattr(obj, name, value)
            model.objects.bulk_update([obj for obj, _values in pairs], names, batch_size=500)

    def write_figures(self) -> None:
        for run, svg in self.figures:
            name = default_storage.save(f"runs/run-{run.pk}.svg", ContentFile(svg.encode()))
            self.written.append(name)
            run.figure = name
        runs = [run for run, _svg in self.figures]
        ExperimentRun.objects.bulk_update(runs, ["figure"], batch_size=500)
