"""Who may do what with a cohort's sessions: one home for these rules."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from reviews.enums import CohortRole
from reviews.models import Cohort, CohortMembership, Member


def cohort_member_ids(cohort: Cohort) -> list[int]:
    """Active members of the cohort, by id, in a stable order."""
    return list(
        CohortMembership.objects.filter(cohort=cohort, member__is_active=True)
        .order_by("member_id")
        .values_list("member_id", flat=True)
    )


def is_member(user: Member | AnonymousUser, cohort: Cohort) -> bool:
    return bool(
        user.is_authenticated
        and CohortMembership.objects.filter(cohort=cohort, member_id=user.pk).exists()
    )


def may_plan(user: Member | AnonymousUser, cohort: Cohort) -> bool:
    """Organizers plan: site staff, or a cohort member with the organizer role."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        user.is_staff
        or CohortMembership.objects.filter(
            cohort=cohort, member_id=user.pk, role=CohortRole.ORGANIZER
        ).exists()
    )
