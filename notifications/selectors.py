"""Reads of a member's notifications: the unread count, the inbox, and what each one says.

Every read checks again that the member may still see the subject: a review unpublished
since it was announced drops out of the inbox and the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reviews.enums import ReviewStatus, Section
from reviews.models import Member

from .enums import Kind
from .models import Notification

PAGE_SIZE = 50


# A notification its recipient may still read: no review, or a published one, or their own.
VISIBLE = (
    Q(review__isnull=True)
    | Q(review__status=ReviewStatus.PUBLISHED)
    | Q(review__author=F("recipient"))
)
# What a notification's line and link read.
SUBJECTS = (
    "actor",
    "review__paper",
    "review__author",
    "comment",
    "session__cohort",
    "assignment__cohort",
    "run",
)


def visible_to(member: Member) -> QuerySet[Notification]:
    """`member`'s notifications whose subject they may still read."""
    return Notification.objects.filter(VISIBLE, recipient=member)


def unread_count(member: Member) -> int:
    """One query, on the partial index of unread rows."""
    return visible_to(member).filter(read_at__isnull=True).count()


def inbox(member: Member, *, unread_only: bool = False) -> QuerySet[Notification]:
    rows = visible_to(member).select_related(*SUBJECTS)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-pk")


def _when(moment: object) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def notification_text(n: Notification) -> str:
    """One line, in the active language and time zone."""
    actor = n.actor.name if n.actor else _("Someone")
    paper = n.review.paper.title if n.review else ""
    section = str(Section(n.section).label) if n.section in Section.values else ""
    if n.kind == Kind.REPLY:
        return _("%(actor)s replied to your comment on the review of %(paper)s") % {
            "actor": actor,
            "paper": paper,
        }
    if n.kind == Kind.COMMENT:
        if section:
            return _("%(actor)s commented on %(section)s of your review of %(paper)s") % {
                "actor": actor,
                "section": section,
                "paper": paper,
            }
        return _("%(actor)s commented on your review of %(paper)s") % {
            "actor": actor,
            "paper": paper,
        }
    if n.kind == Kind.MENTION:
        if n.comment_id:
            return _("%(actor)s mentioned you in a comment on the review of %(paper)s") % {
                "actor": actor,
                "paper": paper,
            }
        return _("%(actor)s mentioned you in their review of %(paper)s") % {
            "actor": actor,
            "paper": paper,
        }
    if n.kind == Kind.NEW_REVIEW:
        return _("%(actor)s published a review of %(paper)s") % {"actor": actor, "paper": paper}
    if n.kind == Kind.REVISION:
        return _("%(actor)s revised their review of %(paper)s") % {"actor": actor, "paper": paper}
    if n.kind == Kind.PRESENTING and n.session:
        return _("You present at %(session)s (%(cohort)s) on %(when)s") % {
            "session": n.session.label,
            "cohort": n.session.cohort.name,
            "when": _when(n.session.starts_at),
        }
    if n.kind == Kind.DEADLINE and n.assignment:
        return _("Your reviews for “%(assignment)s” are due %(when)s") % {
            "assignment": n.assignment.title or n.assignment.cohort.name,
            "when": _when(n.assignment.due_at),
        }
    if n.kind == Kind.SESSION_CHANGED and n.session:
        return _("%(actor)s changed %(session)s (%(cohort)s): now %(when)s") % {
            "actor": actor,
            "session": n.session.label,
            "cohort": n.session.cohort.name,
            "when": _when(n.session.starts_at),
        }
    if n.kind == Kind.SESSION_CANCELLED and n.session:
        return _("%(actor)s cancelled %(session)s (%(cohort)s) of %(when)s") % {
            "actor": actor,
            "session": n.session.label,
            "cohort": n.session.cohort.name,
            "when": _when(n.session.starts_at),
        }
    if n.kind == Kind.RUN_ENDED and n.run:
        return _("Your run #%(run)s of %(experiment)s ended: %(status)s") % {
            "run": n.run.pk,
            "experiment": n.run.experiment,
            "status": n.run.get_status_display(),
        }
    return str(Kind(n.kind).label)


def notification_url(n: Notification) -> str:
    if n.comment_id and n.review:
        return f"{n.review.get_absolute_url()}#comment-{n.comment_id}"
    if n.run:
        return n.run.get_absolute_url()
    if n.review:
        return n.review.get_absolute_url()
    if n.session:
        return n.session.get_absolute_url()
    if n.assignment:
        return reverse("meetings:cohort_detail", args=[n.assignment.cohort.slug])
    return ""


def subject_key(n: Notification) -> tuple[str, int]:
    """What a notification is about, for grouping: its review, session, assignment or run."""
    if n.review_id:
        return ("review", n.review_id)
    if n.session_id:
        return ("session", n.session_id)
    if n.assignment_id:
        return ("assignment", n.assignment_id)
    return ("run", n.run_id or 0)


@dataclass
class Group:
    """Notifications about one subject, newest first; its title names the subject."""

    title: str
    url: str
    items: list[tuple[Notification, str, str]] = field(default_factory=list)

    @property
    def unread(self) -> int:
        return sum(1 for n, _text, _url in self.items if n.read_at is None)


def _group_title(n: Notification) -> str:
    if n.review:
        return _("%(author)s's review of %(paper)s") % {
            "author": n.review.author.name,
            "paper": n.review.paper.title,
        }
    if n.session:
        return f"{n.session.label} · {n.session.cohort.name}"
    if n.assignment:
        return n.assignment.title or n.assignment.cohort.name
    if n.run:
        return _("Run #%(run)s") % {"run": n.run.pk}
    return ""


def grouped(notifications: list[Notification]) -> list[Group]:
    """A page's notifications by subject, the subject with the newest one first."""
    groups: dict[tuple[str, int], Group] = {}
    for n in notifications:
        key = subject_key(n)
        if key not in groups:
            groups[key] = Group(_group_title(n), notification_url(n).split("#")[0])
        groups[key].items.append((n, notification_text(n), notification_url(n)))
    return list(groups.values())
