"""Assignments, reading status that follows reviews, and questions for the session."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reviews.enums import ReadingStatus, ReviewStatus
from reviews.models import (
    Cohort,
    Comment,
    EntryStatus,
    Member,
    ReadingList,
    ReadingListEntry,
    Review,
)

from ..models import Assignment
from .checks import require_planner


@transaction.atomic
def assignment_create(
    *,
    cohort: Cohort,
    by: Member,
    reading_list: ReadingList,
    papers_required: int,
    due_at: datetime,
    title: str = "",
    length_guideline: str = "",
) -> Assignment:
    require_planner(cohort, by)
    if reading_list.cohort_id != cohort.pk:
        raise ValidationError({"reading_list": [_("Pick a reading list of this cohort.")]})
    size = reading_list.entries.count()
    if not 1 <= papers_required <= max(size, 1):
        raise ValidationError(
            {
                "papers_required": [
                    _("Ask for between 1 and %(size)s papers (the list's length).") % {"size": size}
                ]
            }
        )
    if timezone.is_naive(due_at):
        raise ValidationError({"due_at": [_("A deadline needs a time zone.")]})
    assignment = Assignment(
        cohort=cohort,
        reading_list=reading_list,
        papers_required=papers_required,
        due_at=due_at,
        title=title,
        length_guideline=length_guideline,
        created_by=by,
    )
    assignment.full_clean(exclude=["created_by"])
    assignment.save()
    return assignment


def entry_statuses_follow_review(*, paper_id: int, author_id: int) -> None:
    """Reading status follows the author's review of the paper: published → reviewed, and
    back to reading when it is unpublished or deleted. Statuses the member set by hand to
    anything but "reviewed" are left alone while there is no published review."""
    entries = list(
        ReadingListEntry.objects.filter(
            paper_id=paper_id, reading_list__cohort__memberships__member_id=author_id
        ).values_list("pk", flat=True)
    )
    published = Review.objects.filter(
        paper_id=paper_id, author_id=author_id, status=ReviewStatus.PUBLISHED
    ).exists()
    if published:
        # Only rows that change are written, so a status's updated_at keeps its meaning.
        now = timezone.now()
        statuses = EntryStatus.objects.filter(entry_id__in=entries, member_id=author_id)
        statuses.exclude(status=ReadingStatus.REVIEWED).update(
            status=ReadingStatus.REVIEWED, updated_at=now
        )
        have = set(statuses.values_list("entry_id", flat=True))
        EntryStatus.objects.bulk_create(
            [
                EntryStatus(entry_id=e, member_id=author_id, status=ReadingStatus.REVIEWED)
                for e in entries
                if e not in have
            ]
        )
    else:
        EntryStatus.objects.filter(
            entry__paper_id=paper_id, member_id=author_id, status=ReadingStatus.REVIEWED
        ).update(status=ReadingStatus.READING, updated_at=timezone.now())


def entry_statuses_follow_paper(*, paper_id: int) -> None:
    """After a bulk change to a paper's reviews (an import), every author's status follows."""
    authors = set(
        Review.objects.filter(paper_id=paper_id).values_list("author_id", flat=True)
    ) | set(
        EntryStatus.objects.filter(
            entry__paper_id=paper_id, status=ReadingStatus.REVIEWED
        ).values_list("member_id", flat=True)
    )
    for author_id in sorted(authors):
        entry_statuses_follow_review(paper_id=paper_id, author_id=author_id)


@transaction.atomic
def comment_mark_question(*, comment: Comment, by: Member, question: bool) -> Comment:
    """Its author (or an organizer) marks a comment as a question for the session, or not."""
    if by.pk != comment.author_id and not by.is_staff:
        raise PermissionDenied(_("Only the comment's author can mark it as a question."))
    comment.is_question = question
    if not question:
        comment.resolved_at = None
    comment.save(update_fields=["is_question", "resolved_at", "updated_at"])
    return comment


@transaction.atomic
def comment_resolve(*, comment: Comment, by: Member, resolved: bool = True) -> Comment:
    """The asker, the review's author or an organizer marks a question resolved (or reopens it)."""
    if by.pk not in (comment.author_id, comment.review.author_id) and not by.is_staff:
        raise PermissionDenied(
            _("Only the asker, the review's author or an organizer can resolve a question.")
        )
    if not comment.is_question:
        raise ValidationError({"comment": [_("This comment is not a question.")]})
    comment.resolved_at = timezone.now() if resolved else None
    comment.save(update_fields=["resolved_at", "updated_at"])
    return comment
