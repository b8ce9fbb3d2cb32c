"""Meetings pages read in a fixed number of queries, however many reviews and members."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from meetings.models import Attendance
from reviews.models import CohortMembership
from tests.factories import (
    EntryFactory,
    MemberFactory,
    ReadingListFactory,
    make_comment,
    make_review,
)
from tests.meetings.factories import SessionFactory, cohort_with

pytestmark = pytest.mark.django_db


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_session_page_query_count_is_constant() -> None:
    cohort, _boss, (alex,) = cohort_with(1)
    session = SessionFactory(cohort=cohort)
    for _ in range(2):
        session.entries.add(EntryFactory(reading_list=ReadingListFactory(cohort=cohort)))
    papers = [e.paper for e in session.entries.all()]
    client = Client()
    client.force_login(alex)

    def grow_to(n: int) -> None:
        while CohortMembership.objects.filter(cohort=cohort).count() < n:
            member = MemberFactory()
            CohortMembership.objects.create(cohort=cohort, member=member)
            Attendance.objects.create(session=session, member=member, answer="yes")
            for paper in papers:
                review = make_review(paper=paper, author=member)
                comment = make_comment(review=review, author=alex)
                comment.is_question = True
                comment.save()

    grow_to(3)
    small = _count(client, session.get_absolute_url())
    grow_to(12)
    assert _count(client, session.get_absolute_url()) == small


def test_home_page_query_count_does_not_grow_with_sessions_or_reviews() -> None:
    cohort, _boss, (alex,) = cohort_with(1)
    reading_list = ReadingListFactory(cohort=cohort)
    client = Client()
    client.force_login(alex)

    def grow(n: int) -> None:
        for _ in range(n):
            entry = EntryFactory(reading_list=reading_list)
            session = SessionFactory(cohort=cohort)
            session.entries.add(entry)
            make_review(paper=entry.paper, author=MemberFactory())

    grow(2)
    small = _count(client, "/")
    grow(10)
    assert _count(client, "/") == small


def test_cohort_page_query_count_is_constant(django_assert_max_num_queries: Any) -> None:
    cohort, _boss, _members = cohort_with(2)
    for _ in range(10):
        SessionFactory(cohort=cohort).presenters.add(MemberFactory())
    with django_assert_max_num_queries(12):
        assert Client().get(f"/cohorts/{cohort.slug}/").status_code == 200
