"""Planning services: schedules, edits, rotation, volunteering, swaps, attendance."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from meetings import services
from meetings.enums import SessionStatus, SwapStatus
from meetings.models import Attendance, Session, Unavailability
from meetings.services import Schedule, SessionFields
from reviews.enums import ReadingStatus
from reviews.models import EntryStatus
from tests.factories import (
    CohortFactory,
    EntryFactory,
    MemberFactory,
    ReadingListFactory,
    make_review,
)
from tests.meetings.factories import SessionFactory, cohort_with, next_week_at

pytestmark = pytest.mark.django_db


def _thursday() -> date:
    day = timezone.localdate() + timedelta(days=7)
    return day + timedelta(days=(3 - day.weekday()) % 7)


def _schedule(**changes: object) -> Schedule:
    values = {
        "first_day": _thursday(),
        "at": time(19, 30),
        "duration": timedelta(hours=2),
        "count": 12,
        "time_zone": "Asia/Seoul",
        **changes,
    }
    return Schedule(**values)


def test_schedule_create_twelve_thursdays_skipping_a_date() -> None:
    cohort, boss, _members = cohort_with(3)
    skipped = _thursday() + timedelta(days=14)
    sessions = services.schedule_create(
        cohort=cohort, by=boss, schedule=_schedule(skip=frozenset({skipped}))
    )
    assert len(sessions) == 12
    days = [timezone.localtime(s.starts_at).date() for s in Session.objects.filter(cohort=cohort)]
    assert skipped not in days
    assert all(d.weekday() == 3 for d in days)
    first = Session.objects.filter(cohort=cohort).first()
    assert timezone.localtime(first.starts_at).time() == time(19, 30)
    assert [s.number for s in Session.objects.filter(cohort=cohort)] == list(range(1, 13))


def test_schedule_create_overlap_creates_nothing() -> None:
    cohort, boss, _members = cohort_with(2)
    services.schedule_create(cohort=cohort, by=boss, schedule=_schedule(count=1))
    later = _thursday() + timedelta(days=7)
    with pytest.raises(ValidationError) as error:
        services.schedule_create(
            cohort=cohort,
            by=boss,
            schedule=_schedule(first_day=_thursday() - timedelta(days=7), count=3),
        )
    assert "starts_at" in error.value.message_dict
    assert Session.objects.filter(cohort=cohort).count() == 1
    assert not Session.objects.filter(starts_at__date=later).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": 53}, "count"),
        ({"duration": timedelta(0)}, "ends_at"),
        ({"duration": -timedelta(hours=1)}, "ends_at"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"skip": frozenset({date(2020, 1, 1)})}, "skip"),
    ],
)
def test_schedule_create_bad_input_is_refused(changes: dict, field: str) -> None:
    cohort, boss, _members = cohort_with(2)
    with pytest.raises(ValidationError) as error:
        services.schedule_create(cohort=cohort, by=boss, schedule=_schedule(**changes))
    assert field in error.value.message_dict
    assert not Session.objects.exists()


def test_schedule_create_by_plain_member_is_denied() -> None:
    cohort, _boss, members = cohort_with(2)
    with pytest.raises(PermissionDenied):
        services.schedule_create(cohort=cohort, by=members[0], schedule=_schedule())


def test_session_update_bumps_sequence_and_renders_markdown() -> None:
    cohort, boss, members = cohort_with(2)
    session = SessionFactory(cohort=cohort)
    fields = SessionFields(
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        time_zone="Asia/Seoul",
        agenda="Discuss $x^2$ and **results**",
        place="Room 301",
    )
    services.session_update(session=session, by=boss, fields=fields, presenters=[members[0]])
    session.refresh_from_db()
    assert session.sequence == 1
    assert "<math" in session.agenda_html and "<strong>" in session.agenda_html
    assert list(session.presenters.all()) == [members[0]]


def test_session_update_backwards_range_changes_nothing() -> None:
    cohort, boss, _members = cohort_with(2)
    session = SessionFactory(cohort=cohort, place="Lab")
    fields = SessionFields(
        starts_at=session.ends_at, ends_at=session.starts_at, time_zone="Asia/Seoul", place="X"
    )
    with pytest.raises(ValidationError) as error:
        services.session_update(session=session, by=boss, fields=fields)
    assert "ends_at" in error.value.message_dict
    session.refresh_from_db()
    assert (session.place, session.sequence) == ("Lab", 0)


def test_session_update_presenter_outside_cohort_is_refused() -> None:
    cohort, boss, _members = cohort_with(2)
    session = SessionFactory(cohort=cohort)
    fields = SessionFields(
        starts_at=session.starts_at, ends_at=session.ends_at, time_zone="Asia/Seoul"
    )
    with pytest.raises(ValidationError) as error:
        services.session_update(
            session=session, by=boss, fields=fields, presenters=[MemberFactory()]
        )
    assert "presenters" in error.value.message_dict
    assert not session.presenters.exists()


def test_session_update_overlap_is_refused() -> None:
    cohort, boss, _members = cohort_with(2)
    first = SessionFactory(cohort=cohort)
    second = SessionFactory(cohort=cohort)
    fields = SessionFields(
        starts_at=first.starts_at + timedelta(minutes=30),
        ends_at=first.ends_at + timedelta(minutes=30),
        time_zone="Asia/Seoul",
    )
    with pytest.raises(ValidationError) as error:
        services.session_update(session=second, by=boss, fields=fields)
    assert "starts_at" in error.value.message_dict


def test_session_create_with_papers_of_another_cohort_is_refused() -> None:
    cohort, boss, _members = cohort_with(1)
    other_entry = EntryFactory(reading_list=ReadingListFactory(cohort=CohortFactory()))
    fields = SessionFields(
        starts_at=next_week_at(), ends_at=next_week_at(21), time_zone="Asia/Seoul"
    )
    with pytest.raises(ValidationError) as error:
        services.session_create(cohort=cohort, by=boss, fields=fields, entries=[other_entry])
    assert "entries" in error.value.message_dict
    assert not Session.objects.exists()


def test_rotation_assign_fills_each_session_fairly() -> None:
    cohort, boss, members = cohort_with(3)
    sessions = services.schedule_create(cohort=cohort, by=boss, schedule=_schedule(count=8))
    away = timezone.localtime(sessions[1].starts_at).date()
    Unavailability.objects.create(member=members[0], day=away)
    plan = services.rotation_assign(cohort=cohort, by=boss)
    assert len(plan) == 8
    turns = [s.presenters.get() for s in Session.objects.filter(cohort=cohort)]
    assert all(a != b for a, b in zip(turns, turns[1:], strict=False))
    assert turns[1] != members[0]
    counts = sorted(turns.count(m) for m in [boss, *members])
    assert counts[-1] - counts[0] <= 1
    assert all(s.sequence == 1 for s in Session.objects.filter(cohort=cohort))


def test_rotation_assign_nobody_available_changes_nothing() -> None:
    cohort, boss, members = cohort_with(1)
    sessions = services.schedule_create(cohort=cohort, by=boss, schedule=_schedule(count=2))
    day = timezone.localtime(sessions[0].starts_at).date()
    for m in (boss, *members):
        Unavailability.objects.create(member=m, day=day)
    with pytest.raises(ValidationError) as error:
        services.rotation_assign(cohort=cohort, by=boss)
    assert day.isoformat() in str(error.value)
    assert not Session.presenters.through.objects.exists()


def test_volunteer_and_withdraw() -> None:
    cohort, _boss, members = cohort_with(2)
    session = SessionFactory(cohort=cohort)
    services.session_volunteer(session=session, member=members[0])
    assert list(session.presenters.all()) == [members[0]]
    with pytest.raises(ValidationError):
        services.session_volunteer(session=session, member=members[0])
    services.session_withdraw(session=session, member=members[0])
    assert not session.presenters.exists()
    session.refresh_from_db()
    assert session.sequence == 2


def test_volunteer_outsider_is_denied() -> None:
    cohort, _boss, _members = cohort_with(2)
    with pytest.raises(PermissionDenied):
        services.session_volunteer(session=SessionFactory(cohort=cohort), member=MemberFactory())


def test_volunteer_for_past_session_is_refused() -> None:
    cohort, _boss, members = cohort_with(1)
    start = timezone.now() - timedelta(days=2)
    session = SessionFactory(cohort=cohort, starts_at=start, ends_at=start + timedelta(hours=1))
    with pytest.raises(ValidationError):
        services.session_volunteer(session=session, member=members[0])


def test_swap_takes_effect_when_accepted() -> None:
    cohort, _boss, (alex, minji) = cohort_with(2)
    mine, theirs = SessionFactory(cohort=cohort), SessionFactory(cohort=cohort)
    mine.presenters.add(alex)
    theirs.presenters.add(minji)
    swap = services.swap_request(
        session=mine, by=alex, counterpart=minji, counterpart_session=theirs
    )
    assert list(mine.presenters.all()) == [alex]
    with pytest.raises(PermissionDenied):
        services.swap_accept(swap=swap, by=alex)
    services.swap_accept(swap=swap, by=minji)
    assert list(mine.presenters.all()) == [minji]
    assert list(theirs.presenters.all()) == [alex]
    swap.refresh_from_db()
    assert swap.status == SwapStatus.ACCEPTED
    with pytest.raises(ValidationError):
        services.swap_accept(swap=swap, by=minji)


def test_swap_declined_changes_nothing() -> None:
    cohort, _boss, (alex, minji) = cohort_with(2)
    session = SessionFactory(cohort=cohort)
    session.presenters.add(alex)
    swap = services.swap_request(session=session, by=alex, counterpart=minji)
    services.swap_decline(swap=swap, by=minji)
    assert list(session.presenters.all()) == [alex]
    swap.refresh_from_db()
    assert swap.status == SwapStatus.DECLINED


def test_swap_with_outsider_or_by_non_presenter_is_refused() -> None:
    cohort, _boss, (alex, minji) = cohort_with(2)
    session = SessionFactory(cohort=cohort)
    session.presenters.add(alex)
    with pytest.raises(ValidationError):
        services.swap_request(session=session, by=alex, counterpart=MemberFactory())
    with pytest.raises(PermissionDenied):
        services.swap_request(session=session, by=minji, counterpart=alex)


def test_attendance_answer_then_taken() -> None:
    cohort, boss, (alex, minji) = cohort_with(2)
    session = SessionFactory(cohort=cohort)
    services.attendance_answer(session=session, member=alex, answer="yes")
    with pytest.raises(ValidationError):
        services.attendance_answer(session=session, member=alex, answer="perhaps")
    services.attendance_take(session=session, by=boss, present=[alex])
    rows = {a.member: (a.answer, a.attended) for a in Attendance.objects.filter(session=session)}
    assert rows[alex] == ("yes", True)
    assert rows[minji] == ("", False)


def test_cancelled_session_takes_no_answers() -> None:
    cohort, _boss, (alex,) = cohort_with(1)
    session = SessionFactory(cohort=cohort, status=SessionStatus.CANCELLED)
    with pytest.raises(ValidationError):
        services.attendance_answer(session=session, member=alex, answer="yes")


def test_assignment_create_checks_list_and_count() -> None:
    cohort, boss, _members = cohort_with(1)
    reading_list = ReadingListFactory(cohort=cohort)
    EntryFactory(reading_list=reading_list)
    EntryFactory(reading_list=reading_list)
    due = next_week_at()
    assignment = services.assignment_create(
        cohort=cohort, by=boss, reading_list=reading_list, papers_required=2, due_at=due
    )
    assert assignment.papers_required == 2
    with pytest.raises(ValidationError) as error:
        services.assignment_create(
            cohort=cohort, by=boss, reading_list=reading_list, papers_required=3, due_at=due
        )
    assert "papers_required" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.assignment_create(
            cohort=cohort,
            by=boss,
            reading_list=ReadingListFactory(),
            papers_required=1,
            due_at=due,
        )


def test_reading_status_follows_publish_and_unpublish() -> None:
    from reviews import services as review_services

    cohort, _boss, (alex,) = cohort_with(1)
    entry = EntryFactory(reading_list=ReadingListFactory(cohort=cohort))
    review = make_review(paper=entry.paper, author=alex)
    assert EntryStatus.objects.get(entry=entry, member=alex).status == ReadingStatus.REVIEWED
    review_services.review_unpublish(review=review, by=alex)
    assert EntryStatus.objects.get(entry=entry, member=alex).status == ReadingStatus.READING


def test_reading_status_draft_leaves_status_alone() -> None:
    cohort, _boss, (alex,) = cohort_with(1)
    entry = EntryFactory(reading_list=ReadingListFactory(cohort=cohort))
    make_review(paper=entry.paper, author=alex, published=False)
    assert not EntryStatus.objects.filter(entry=entry, member=alex).exists()


def test_reading_status_deleted_review_goes_back_to_reading() -> None:
    from reviews import services as review_services

    cohort, _boss, (alex,) = cohort_with(1)
    entry = EntryFactory(reading_list=ReadingListFactory(cohort=cohort))
    review = make_review(paper=entry.paper, author=alex)
    review_services.review_delete(review=review, by=alex)
    assert EntryStatus.objects.get(entry=entry, member=alex).status == ReadingStatus.READING
