"""Meetings in the group archive: sessions (papers, presenters, attendance), assignments and
members' unavailable days, by natural keys like the rest of it (``reviews.exports.archive``).

Left out on purpose: swap requests (one-off questions between two members, answered or not
by now) and calendar keys (private addresses: members make new ones after an import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from reviews.exports.archive import iso_day, iso_when
from reviews.exports.archive_import import parse_day, parse_when
from reviews.models import ReadingListEntry

from .models import Assignment, Attendance, Session, Unavailability
from .services.sessions import session_render

if TYPE_CHECKING:
    from reviews.exports.archive_import import ArchiveImporter

SESSION_FIELDS = (
    *("number", "title", "time_zone", "place", "video_url", "agenda", "notes"),
    *("status", "sequence"),
)
ASSIGNMENT_FIELDS = ("title", "papers_required", "length_guideline", "sequence")
SECTIONS = ("sessions", "assignments", "unavailable_days")


def archive_sections() -> dict[str, list[dict[str, Any]]]:
    sessions = Session.objects.select_related("cohort").prefetch_related(
        models.Prefetch(
            "entries", queryset=ReadingListEntry.objects.select_related("reading_list")
        ),
        "presenters",
        models.Prefetch("attendance", queryset=Attendance.objects.select_related("member")),
    )
    assignments = Assignment.objects.select_related("cohort", "reading_list", "created_by")
    away = Unavailability.objects.select_related("member")
    return {
        "sessions": sorted(
            (
                {
                    "cohort": s.cohort.slug,
                    **{f: getattr(s, f) for f in SESSION_FIELDS},
                    "uid": str(s.uid),
                    "starts_at": iso_when(s.starts_at),
                    "ends_at": iso_when(s.ends_at),
                    "entries": sorted([e.reading_list.slug, e.number] for e in s.entries.all()),
                    "presenters": sorted(m.username for m in s.presenters.all()),
                    "attendance": sorted(
                        (
                            {
                                "member": a.member.username,
                                "answer": a.answer,
                                "attended": a.attended,
                                "updated_at": iso_when(a.updated_at),
                            }
                            for a in s.attendance.all()
                        ),
                        key=lambda row: row["member"],
                    ),
                    "created_at": iso_when(s.created_at),
                    "updated_at": iso_when(s.updated_at),
                }
                for s in sessions
            ),
            key=lambda row: (row["cohort"], row["number"]),
        ),
        "assignments": sorted(
            (
                {
                    "cohort": a.cohort.slug,
                    "reading_list": a.reading_list.slug,
                    **{f: getattr(a, f) for f in ASSIGNMENT_FIELDS},
                    "uid": str(a.uid),
                    "due_at": iso_when(a.due_at),
                    "created_by": a.created_by.username if a.created_by else None,
                    "created_at": iso_when(a.created_at),
                }
                for a in assignments
            ),
            key=lambda row: (row["cohort"], row["due_at"], row["uid"]),
        ),
        "unavailable_days": sorted(
            ({"member": u.member.username, "day": iso_day(u.day)} for u in away),
            key=lambda row: (row["member"], row["day"]),
        ),
    }


def archive_load(importer: ArchiveImporter) -> dict[str, int]:
    """Create the meetings sections of an archive; problems go to the importer's list."""
    _load_sessions(importer)
    _load_assignments(importer)
    _load_unavailable_days(importer)
    return {name: len(importer.rows(name)) for name in SECTIONS}


def _load_sessions(importer: ArchiveImporter) -> None:
    seen: set[Any] = set()
    for i, row in enumerate(importer.rows("sessions")):
        with importer.record(f"sessions[{i}] {row.get('cohort')!s} {row.get('number')!s}"):
            importer.unique(seen, (row["cohort"], row["number"]), "this session")
            session = Session(
                cohort=importer.cohorts[row["cohort"]],
                **{f: row[f] for f in SESSION_FIELDS},
                uid=row["uid"],
                starts_at=parse_when(row["starts_at"]),
                ends_at=parse_when(row["ends_at"]),
            )
            session_render(session)
            if session.ends_at <= session.starts_at:
                raise ValueError("it must end after it starts")
            entries = [importer.entries[slug, number] for slug, number in row["entries"]]
            presenters = [importer.members[name] for name in row["presenters"]]
            attendance = [
                importer.stamp(
                    importer.checked(
                        Attendance(
                            member=importer.members[a["member"]],
                            answer=a["answer"],
                            attended=a["attended"],
                        ),
                        exclude=("session", "member"),
                    ),
                    updated_at=parse_when(a["updated_at"]),
                )
                for a in row["attendance"]
            ]
            importer.checked(session, exclude=("cohort",)).save()
            importer.stamp(
                session,
                created_at=parse_when(row["created_at"]),
                updated_at=parse_when(row["updated_at"]),
            )
            session.entries.set(entries)
            session.presenters.set(presenters)
            for answer in attendance:
                answer.session = session
            Attendance.objects.bulk_create(attendance)


def _load_assignments(importer: ArchiveImporter) -> None:
    for i, row in enumerate(importer.rows("assignments")):
        with importer.record(f"assignments[{i}] {row.get('title', '')!s}"):
            assignment = Assignment(
                cohort=importer.cohorts[row["cohort"]],
                reading_list=importer.reading_lists[row["reading_list"]],
                **{f: row[f] for f in ASSIGNMENT_FIELDS},
                uid=row["uid"],
                due_at=parse_when(row["due_at"]),
                created_by=importer.member(row["created_by"]),
            )
            importer.checked(assignment, exclude=("cohort", "reading_list", "created_by")).save()
            importer.stamp(assignment, created_at=parse_when(row["created_at"]))


def _load_unavailable_days(importer: ArchiveImporter) -> None:
    days = []
    seen: set[Any] = set()
    for i, row in enumerate(importer.rows("unavailable_days")):
        with importer.record(f"unavailable_days[{i}] {row.get('member')!s}"):
            importer.unique(seen, (row["member"], row["day"]), "this day")
            days.append(
                Unavailability(member=importer.members[row["member"]], day=parse_day(row["day"]))
            )
    Unavailability.objects.bulk_create(days)
