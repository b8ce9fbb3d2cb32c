"""What members do around a session: volunteer, swap, answer, attend, say when they are away;
and their private calendar address."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from reviews.models import (
    Member,
)

from .. import rules
from ..enums import RsvpAnswer, SessionStatus, SwapStatus
from ..models import Attendance, CalendarKey, Session, SwapRequest, Unavailability
from .checks import bump, require_member, require_planner, require_upcoming


@transaction.atomic
def session_volunteer(*, session: Session, member: Member) -> Session:
    """A member offers to present (beside whoever already does)."""
    require_member(session, member)
    require_upcoming(session)
    if session.presenters.filter(pk=member.pk).exists():
        raise ValidationError({"session": [_("You already present this session.")]})
    session.presenters.add(member)
    bump(session)
    return session


@transaction.atomic
def session_withdraw(*, session: Session, member: Member) -> Session:
    """A volunteer steps back; the organizer (or the rotation) fills the turn again."""
    require_upcoming(session)
    if not session.presenters.filter(pk=member.pk).exists():
        raise ValidationError({"session": [_("You do not present this session.")]})
    session.presenters.remove(member)
    bump(session)
    return session


@transaction.atomic
def swap_request(
    *,
    session: Session,
    by: Member,
    counterpart: Member,
    counterpart_session: Session | None = None,
) -> SwapRequest:
    """A presenter asks another member to take the turn, optionally taking theirs instead."""
    require_upcoming(session)
    if not session.presenters.filter(pk=by.pk).exists():
        raise PermissionDenied(_("Only a presenter of this session can ask for a swap."))
    if counterpart.pk == by.pk:
        raise ValidationError({"counterpart": [_("Ask someone other than yourself.")]})
    if counterpart.pk not in rules.cohort_member_ids(session.cohort):
        raise ValidationError(
            {
                "counterpart": [
                    _("%(name)s is not a member of this cohort.") % {"name": counterpart.name}
                ]
            }
        )
    if session.presenters.filter(pk=counterpart.pk).exists():
        raise ValidationError(
            {
                "counterpart": [
                    _("%(name)s already presents this session.") % {"name": counterpart.name}
                ]
            }
        )
    if counterpart_session is not None:
        if (
            counterpart_session.cohort_id != session.cohort_id
            or counterpart_session.pk == session.pk
        ):
            raise ValidationError(
                {"counterpart_session": [_("Pick another session of the same cohort.")]}
            )
        require_upcoming(counterpart_session)
        if not counterpart_session.presenters.filter(pk=counterpart.pk).exists():
            raise ValidationError(
                {
                    "counterpart_session": [
                        _("%(name)s does not present that session.") % {"name": counterpart.name}
                    ]
                }
            )
    if SwapRequest.objects.filter(
        session=session, requested_by=by, status=SwapStatus.PENDING
    ).exists():
        raise ValidationError({"session": [_("You already asked for a swap of this session.")]})
    return SwapRequest.objects.create(
        session=session,
        requested_by=by,
        counterpart=counterpart,
        counterpart_session=counterpart_session,
    )


def _lock_swap(swap: SwapRequest) -> SwapRequest:
    locked = SwapRequest.objects.select_for_update().get(pk=swap.pk)
    if locked.status != SwapStatus.PENDING:
        raise ValidationError({"swap": [_("This swap request was already answered.")]})
    return locked


@transaction.atomic
def swap_accept(*, swap: SwapRequest, by: Member) -> SwapRequest:
    """The asked member accepts: the turns change hands now, and both sessions' SEQUENCE rise."""
    if by.pk != swap.counterpart_id:
        raise PermissionDenied(_("Only the member who was asked can accept this swap."))
    swap = _lock_swap(swap)
    session, other = swap.session, swap.counterpart_session
    require_upcoming(session)
    if not session.presenters.filter(pk=swap.requested_by_id).exists():
        raise ValidationError({"swap": [_("The turn this swap was about has changed.")]})
    if other is not None:
        require_upcoming(other)
        if not other.presenters.filter(pk=swap.counterpart_id).exists():
            raise ValidationError({"swap": [_("The turn this swap was about has changed.")]})
    session.presenters.remove(swap.requested_by_id)
    session.presenters.add(swap.counterpart_id)
    bump(session)
    if other is not None:
        other.presenters.remove(swap.counterpart_id)
        other.presenters.add(swap.requested_by_id)
        bump(other)
    swap.status = SwapStatus.ACCEPTED
    swap.answered_at = timezone.now()
    swap.save(update_fields=["status", "answered_at"])
    return swap


@transaction.atomic
def swap_decline(*, swap: SwapRequest, by: Member) -> SwapRequest:
    """The asked member declines, or the asker withdraws; nothing else changes."""
    if by.pk not in (swap.counterpart_id, swap.requested_by_id):
        raise PermissionDenied(_("This swap request is not yours."))
    swap = _lock_swap(swap)
    swap.status = SwapStatus.DECLINED if by.pk == swap.counterpart_id else SwapStatus.WITHDRAWN
    swap.answered_at = timezone.now()
    swap.save(update_fields=["status", "answered_at"])
    return swap


def attendance_answer(*, session: Session, member: Member, answer: str) -> Attendance:
    """A member says whether they will come."""
    require_member(session, member)
    if answer not in RsvpAnswer.values:
        raise ValidationError({"answer": [_("Answer yes, maybe or no.")]})
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError({"session": [_("This session is cancelled.")]})
    row, _created = Attendance.objects.update_or_create(
        session=session, member=member, defaults={"answer": answer}
    )
    return row


@transaction.atomic
def attendance_take(*, session: Session, by: Member, present: Iterable[Member]) -> None:
    """The organizer records who came; everyone else in the cohort is marked absent."""
    require_planner(session.cohort, by)
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError({"session": [_("This session is cancelled.")]})
    members = rules.cohort_member_ids(session.cohort)
    came = {m.pk for m in present}
    if came - set(members):
        raise ValidationError({"present": [_("Only members of this cohort can attend.")]})
    for member_id in members:
        Attendance.objects.update_or_create(
            session=session, member_id=member_id, defaults={"attended": member_id in came}
        )


@transaction.atomic
def unavailability_set(*, member: Member, days: Iterable[date]) -> list[Unavailability]:
    """Replace the member's upcoming unavailable days (past ones stay as history)."""
    today = timezone.localdate()
    wanted = {d for d in days if d >= today}
    Unavailability.objects.filter(member=member, day__gte=today).exclude(day__in=wanted).delete()
    have = set(Unavailability.objects.filter(member=member).values_list("day", flat=True))
    Unavailability.objects.bulk_create(
        [Unavailability(member=member, day=d) for d in sorted(wanted - have)]
    )
    return list(Unavailability.objects.filter(member=member, day__gte=today))


@transaction.atomic
def calendar_key_create(*, member: Member) -> CalendarKey:
    """Give the member a private calendar address, or a new one (the old one stops working)."""
    key, created = CalendarKey.objects.select_for_update().get_or_create(member=member)
    if not created:
        key.generation += 1
        key.active = True
        key.save(update_fields=["generation", "active", "created_at"])
    return key


def calendar_key_revoke(*, member: Member) -> None:
    CalendarKey.objects.filter(member=member).update(active=False, generation=F("generation") + 1)
