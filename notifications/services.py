"""Who is told what: the fan-out of each event into notifications, and marking them read.

Each fan-out runs inside the transaction of the change it reports and writes its rows with
one bulk insert. Nobody is told of their own act, nothing is said of a draft, and only
active members are told.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import rules as meeting_rules
from meetings.enums import SessionStatus
from meetings.models import Assignment, Session
from meetings.selectors import assignment_progress
from reviews.enums import ReviewStatus
from reviews.models import (
    Bookmark,
    CohortMembership,
    Comment,
    ExperimentRun,
    Member,
    Review,
    ReviewRevision,
)

from .enums import DEFAULT_DELIVERY, MAX_REMIND_DAYS, Delivery, Kind
from .mentions import mentioned_ids
from .models import Notification, NotificationSettings

logger = logging.getLogger(__name__)

# A review's revisions tell its commenters at most this often.
REVISION_QUIET = timedelta(days=1)


def _active(ids: Iterable[int]) -> dict[int, bool]:
    """Active members among `ids`, each with whether they have a verified address."""
    ids = set(ids)
    if not ids:
        return {}
    members = Member.objects.filter(pk__in=ids, is_active=True).values_list("pk", "email")
    return {pk: bool(email) for pk, email in members}


def _email_after_commit() -> None:
    transaction.on_commit(_queue_email)


def _queue_email() -> None:
    # By name, through the project's app: the web process needs no task module for it.
    from studygroup.celery import app

    try:
        app.send_task("notifications.email_due")
    except Exception:  # the broker is down: never fail the change; beat's sweep sends it
        logger.warning("could not queue notification mail; the next sweep sends it", exc_info=True)


def _send(recipients: dict[int, str], by_id: int | None, **subject: object) -> int:
    """One row per recipient (id → kind), in one insert; the actor is never told."""
    recipients.pop(by_id, None)
    if not recipients:
        return 0
    active = _active(recipients)
    now = timezone.now()
    rows = [
        Notification(recipient_id=pk, kind=kind, actor_id=by_id, created_at=now, **subject)
        for pk, kind in recipients.items()
        if pk in active
    ]
    # The once-per-subject kinds (a review's first publish, a reminder) skip who has one.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if any(active[row.recipient_id] for row in rows):
        _email_after_commit()
    return len(rows)


def _review_text(review: Review | ReviewRevision) -> list[str]:
    return [
        review.tldr,
        review.introduction,
        review.core_algorithm,
        review.results,
        review.thoughts,
    ]


def notify_review_published(*, review_id: int, by_id: int, first: bool) -> int:
    """A first publish tells whoever follows the paper (reviewed it, bookmarked it, has it on
    a cohort's list) and whoever the review mentions; a later revision tells those who
    commented on it (at most once a day each) and whoever it mentions anew."""
    review = Review.objects.select_related("paper").filter(pk=review_id).first()
    if review is None or review.status != ReviewStatus.PUBLISHED:
        return 0
    revisions = list(review.revisions.order_by("-number")[:2])
    mentioned = mentioned_ids(*_review_text(review))
    recipients: dict[int, str] = {}
    if first or len(revisions) < 2:
        paper_id = review.paper_id
        followers = set(
            Review.objects.filter(paper_id=paper_id).values_list("author_id", flat=True)
        )
        followers |= set(
            Bookmark.objects.filter(paper_id=paper_id).values_list("member_id", flat=True)
        )
        followers |= set(
            CohortMembership.objects.filter(
                cohort__reading_lists__entries__paper_id=paper_id
            ).values_list("member_id", flat=True)
        )
        recipients = dict.fromkeys(followers, Kind.NEW_REVIEW)
    else:
        mentioned -= mentioned_ids(*_review_text(revisions[1]))
        commenters = set(Comment.objects.filter(review=review).values_list("author_id", flat=True))
        recent = Notification.objects.filter(
            review=review, kind=Kind.REVISION, created_at__gte=timezone.now() - REVISION_QUIET
        ).values_list("recipient_id", flat=True)
        recipients = dict.fromkeys(commenters - set(recent), Kind.REVISION)
    recipients.pop(review.author_id, None)
    recipients.update(dict.fromkeys(mentioned, Kind.MENTION))
    return _send(recipients, by_id, review=review)


def notify_comment_written(*, comment_id: int, by_id: int, previous_body: str = "") -> int:
    """A new comment tells the author of the comment it replies to, the review's author
    (with the section) and whoever it mentions; an edit, only those it mentions anew."""
    comment = Comment.objects.select_related("review", "parent").filter(pk=comment_id).first()
    if comment is None or comment.review.status != ReviewStatus.PUBLISHED:
        return 0
    mentioned = mentioned_ids(comment.body)
    if previous_body:
        mentioned -= mentioned_ids(previous_body)
    recipients = dict.fromkeys(mentioned, Kind.MENTION)
    if not previous_body:
        # One row each, the most telling: a reply, then a comment on my review, then a mention.
        recipients[comment.review.author_id] = Kind.COMMENT
        if comment.parent is not None:
            recipients[comment.parent.author_id] = Kind.REPLY
    return _send(recipients, by_id, review=comment.review, comment=comment, section=comment.section)


def notify_session_changed(*, session_id: int, by_id: int, cancelled: bool) -> int:
    """The cohort's members and the session's presenters hear of a change or cancellation."""
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        return 0
    members = set(meeting_rules.cohort_member_ids(session.cohort))
    members |= set(session.presenters.values_list("pk", flat=True))
    kind = Kind.SESSION_CANCELLED if cancelled else Kind.SESSION_CHANGED
    return _send(dict.fromkeys(members, kind), by_id, session=session)


def notify_run_ended(*, run_id: int) -> int:
    """The member who asked for a run hears that it finished or failed."""
    run = ExperimentRun.objects.filter(pk=run_id).only("pk", "requested_by_id", "review_id").first()
    if run is None:
        return 0
    return _send({run.requested_by_id: Kind.RUN_ENDED}, None, run=run, review_id=run.review_id)


def _remind_days() -> dict[int, int]:
    return dict(NotificationSettings.objects.values_list("member_id", "remind_days"))


def notify_upcoming(*, now: datetime | None = None) -> int:
    """Reminders, each once: presenters of a planned session and members short of an
    assignment's reviews, once it is within their `remind_days` (3 unless they chose)."""
    now = now or timezone.now()
    horizon = now + timedelta(days=MAX_REMIND_DAYS)
    days = _remind_days()
    default = NotificationSettings._meta.get_field("remind_days").default

    def due(member_id: int, at: datetime) -> bool:
        return at <= now + timedelta(days=days.get(member_id, default))

    sent = 0
    sessions = Session.objects.filter(
        status=SessionStatus.PLANNED, starts_at__gt=now, starts_at__lte=horizon
    ).prefetch_related("presenters")
    for session in sessions:
        presenters = {p.pk for p in session.presenters.all() if due(p.pk, session.starts_at)}
        sent += _send(dict.fromkeys(presenters, Kind.PRESENTING), None, session=session)
    assignments = Assignment.objects.filter(due_at__gt=now, due_at__lte=horizon).select_related(
        "cohort", "reading_list"
    )
    for assignment in assignments:
        short = {
            row.member.pk
            for row in assignment_progress(assignment=assignment)
            if not row.complete and due(row.member.pk, assignment.due_at)
        }
        sent += _send(dict.fromkeys(short, Kind.DEADLINE), None, assignment=assignment)
    return sent


def notification_mark_read(*, member: Member, ids: Iterable[int] | None = None) -> int:
    """Mark some of `member`'s notifications read (all of them with `ids` None)."""
    mine = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if ids is not None:
        mine = mine.filter(pk__in=list(ids))
    return mine.update(read_at=timezone.now())


def notification_settings_for(member: Member) -> NotificationSettings:
    found = NotificationSettings.objects.filter(member=member).first()
    return found or NotificationSettings(member=member)


@transaction.atomic
def notification_settings_save(
    *, member: Member, deliveries: dict[str, str] | None = None, remind_days: int | None = None
) -> NotificationSettings:
    """Change a member's choices; unknown kinds or deliveries are refused, nothing changes."""
    settings = notification_settings_for(member)
    errors: dict[str, list[str]] = {}
    if deliveries is not None:
        if not isinstance(deliveries, dict):
            errors["deliveries"] = [_("Give an object of kind: delivery.")]
        else:
            bad_kinds = sorted(str(k) for k in deliveries if k not in Kind.values)
            bad_values = sorted(
                str(k)
                for k, v in deliveries.items()
                if k in Kind.values and v not in Delivery.values
            )
            if bad_kinds:
                errors["deliveries"] = [
                    _("Unknown kind: %(kinds)s.") % {"kinds": ", ".join(bad_kinds)}
                ]
            if bad_values:
                errors.setdefault("deliveries", []).append(
                    _("Unknown delivery for %(kinds)s: use %(values)s.")
                    % {"kinds": ", ".join(bad_values), "values": ", ".join(Delivery.values)}
                )
    if errors:
        raise ValidationError(errors)
    if deliveries is not None:
        settings.deliveries = {
            kind: value
            for kind, value in {**settings.deliveries, **deliveries}.items()
            if value != DEFAULT_DELIVERY[kind]
        }
    if remind_days is not None:
        settings.remind_days = remind_days
    settings.full_clean(exclude=["member"])
    settings.save()
    return settings


def delivery_of(settings: NotificationSettings, kind: str) -> str:
    return settings.deliveries.get(kind, DEFAULT_DELIVERY[kind])


def notification_unsubscribe(*, member: Member, kind: str | None) -> NotificationSettings:
    """No more mail of `kind` (every kind with None); the app still shows them."""
    kinds = [kind] if kind else Kind.values
    return notification_settings_save(member=member, deliveries=dict.fromkeys(kinds, Delivery.OFF))
