"""Checks and small writes every meetings service shares."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from reviews.models import (
    Cohort,
    Member,
)

from .. import rules
from ..enums import SessionStatus
from ..models import Session


def require_planner(cohort: Cohort, by: Member) -> None:
    if not rules.may_plan(by, cohort):
        raise PermissionDenied(_("Only an organizer of this cohort can plan its sessions."))


def lock_cohort(cohort: Cohort) -> None:
    # Plans of one cohort are checked against each other one at a time (overlaps, numbers).
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()


def bump(session: Session) -> None:
    Session.objects.filter(pk=session.pk).update(
        sequence=F("sequence") + 1, updated_at=timezone.now()
    )
    session.refresh_from_db(fields=["sequence", "updated_at"])


def require_member(session: Session, member: Member) -> None:
    if member.pk not in rules.cohort_member_ids(session.cohort):
        raise PermissionDenied(_("Only members of this cohort can do that."))


def require_upcoming(session: Session) -> None:
    if session.status != SessionStatus.PLANNED or session.starts_at <= timezone.now():
        raise ValidationError({"session": [_("This session is not upcoming any more.")]})
