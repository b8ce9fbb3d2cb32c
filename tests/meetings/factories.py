"""Factories for the meetings app; sessions go through services where rules matter."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import factory
from django.utils import timezone

from meetings.models import Session
from reviews.enums import CohortRole
from reviews.models import Cohort, CohortMembership, Member
from tests.factories import CohortFactory, MemberFactory

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def next_week_at(hour: int = 19, *, weeks: int = 1) -> datetime:
    day = timezone.localdate() + timedelta(days=7 * weeks)
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=SEOUL)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    cohort = factory.SubFactory(CohortFactory)
    number = factory.Sequence(lambda n: n + 1)
    starts_at = factory.Sequence(lambda n: next_week_at(weeks=n + 1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    time_zone = "Asia/Seoul"


def cohort_with(n_members: int, *, organizer: bool = True) -> tuple[Cohort, Member, list[Member]]:
    """A cohort, its organizer (a member with the organizer role) and `n_members` members."""
    cohort = CohortFactory()
    boss = MemberFactory()
    if organizer:
        CohortMembership.objects.create(cohort=cohort, member=boss, role=CohortRole.ORGANIZER)
    members = [MemberFactory() for _ in range(n_members)]
    for m in members:
        CohortMembership.objects.create(cohort=cohort, member=m)
    return cohort, boss, members
