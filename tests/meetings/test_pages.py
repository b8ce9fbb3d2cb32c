"""Planning, session, cohort and home pages of the meetings app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import Assignment, Attendance, Session, SwapRequest
from reviews.models import Comment, Member
from tests.factories import PASSWORD, EntryFactory, ReadingListFactory, make_comment, make_review
from tests.meetings.factories import SessionFactory, cohort_with, next_week_at

pytestmark = pytest.mark.django_db


def _client(member: Member) -> Client:
    client = Client()
    assert client.login(username=member.username, password=PASSWORD)
    return client


def _thursday() -> str:
    day = timezone.localdate() + timedelta(days=7)
    return (day + timedelta(days=(3 - day.weekday()) % 7)).isoformat()


def _schedule_post(**changes: str) -> dict[str, str]:
    return {
        "first_day": _thursday(),
        "starts": "19:30",
        "ends": "21:30",
        "count": "12",
        "skip": "",
        "time_zone": "Asia/Seoul",
        "place": "Room 301",
        "video_url": "",
        **changes,
    }


def test_plan_page_creates_a_season() -> None:
    cohort, boss, _members = cohort_with(3)
    client = _client(boss)
    url = reverse("meetings:plan", args=[cohort.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, _schedule_post())
    assert response.status_code == 302
    assert Session.objects.filter(cohort=cohort).count() == 12
    page = client.get(url).content.decode()
    assert page.count('class="session-row') == 12


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends": "18:00"}, "A session must end after it starts."),
        ({"skip": "next tuesday"}, "is not a date like"),
        ({"count": "0"}, "greater than or equal to 1"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
    ],
)
def test_plan_page_bad_schedule_says_why(changes: dict[str, str], message: str) -> None:
    cohort, boss, _members = cohort_with(1)
    response = _client(boss).post(
        reverse("meetings:plan", args=[cohort.slug]), _schedule_post(**changes)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Session.objects.exists()


def test_plan_page_overlap_says_why() -> None:
    cohort, boss, _members = cohort_with(1)
    client = _client(boss)
    url = reverse("meetings:plan", args=[cohort.slug])
    client.post(url, _schedule_post(count="1"))
    response = client.post(url, _schedule_post(count="2"))
    assert response.status_code == 400
    assert "This overlaps" in response.content.decode()
    assert Session.objects.count() == 1


def test_plan_page_is_for_organizers() -> None:
    cohort, _boss, members = cohort_with(1)
    url = reverse("meetings:plan", args=[cohort.slug])
    assert _client(members[0]).get(url).status_code == 403
    assert _client(members[0]).post(url, _schedule_post()).status_code == 403
    assert Client().get(url).status_code == 302
    assert not Session.objects.exists()


def test_session_inline_edit_returns_row_or_errors() -> None:
    cohort, boss, members = cohort_with(2)
    session = SessionFactory(cohort=cohort)
    client = _client(boss)
    url = reverse("meetings:session_edit", args=[session.pk])
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    start = timezone.localtime(session.starts_at)
    data = {
        "title": "Week 1: SWA",
        "day": start.date().isoformat(),
        "starts": "19:00",
        "ends": "21:00",
        "time_zone": "Asia/Seoul",
        "place": "Lab",
        "video_url": "",
        "status": "planned",
        "presenters": [members[0].pk],
        "entries": [],
        "agenda": "1. *SWA*",
        "notes": "",
    }
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Week 1: SWA" in response.content.decode()
    session.refresh_from_db()
    assert session.sequence == 1 and "<em>SWA</em>" in session.agenda_html
    bad = client.post(url, {**data, "video_url": "not a url"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400
    assert "Enter a valid URL" in bad.content.decode()


def test_session_page_shows_reviews_roster_and_questions() -> None:
    cohort, boss, (alex, minji) = cohort_with(2)
    entry = EntryFactory(reading_list=ReadingListFactory(cohort=cohort))
    session = SessionFactory(cohort=cohort, video_url="https://meet.example.org/x")
    session.entries.add(entry)
    session.presenters.add(alex)
    review = make_review(paper=entry.paper, author=alex, tldr="Wider optima")
    question = make_comment(review=review, author=minji, body="Why does it work?")
    question.is_question = True
    question.save()
    Attendance.objects.create(session=session, member=minji, answer="yes")
    page = _client(minji).get(session.get_absolute_url()).content.decode()
    assert "Wider optima" in page
    assert "Why does it work?" in page
    assert "https://meet.example.org/x" in page
    assert "Coming" in page
    anonymous = Client().get(session.get_absolute_url()).content.decode()
    assert "meet.example.org" not in anonymous
    assert "Wider optima" in anonymous


def test_member_volunteers_and_answers_rsvp() -> None:
    cohort, _boss, (alex, _minji) = cohort_with(2)
    session = SessionFactory(cohort=cohort)
    client = _client(alex)
    client.post(reverse("meetings:session_volunteer", args=[session.pk]))
    assert list(session.presenters.all()) == [alex]
    client.post(reverse("meetings:session_rsvp", args=[session.pk]), {"answer": "maybe"})
    assert Attendance.objects.get(session=session, member=alex).answer == "maybe"
    response = client.post(reverse("meetings:session_rsvp", args=[session.pk]), {"answer": "x"})
    assert response.status_code == 302
    assert Attendance.objects.get(session=session, member=alex).answer == "maybe"


def test_swap_through_pages() -> None:
    cohort, _boss, (alex, minji) = cohort_with(2)
    session = SessionFactory(cohort=cohort)
    session.presenters.add(alex)
    response = _client(alex).post(
        reverse("meetings:swap_create", args=[session.pk]), {"counterpart": minji.pk}
    )
    assert response.status_code == 302
    swap = SwapRequest.objects.get()
    home = _client(minji).get("/").content.decode()
    assert "asks you to take over" in home
    _client(minji).post(reverse("meetings:swap_answer", args=[swap.pk]), {"answer": "accept"})
    assert list(session.presenters.all()) == [minji]


def test_swap_with_outsider_is_a_form_error() -> None:
    cohort, _boss, (alex, _minji) = cohort_with(2)
    session = SessionFactory(cohort=cohort)
    session.presenters.add(alex)
    outsider = Member.objects.create(username="outsider")
    response = _client(alex).post(
        reverse("meetings:swap_create", args=[session.pk]), {"counterpart": outsider.pk}
    )
    assert response.status_code == 400
    assert not SwapRequest.objects.exists()


def test_home_shows_whats_next() -> None:
    cohort, _boss, (alex, minji) = cohort_with(2)
    reading_list = ReadingListFactory(cohort=cohort)
    entry = EntryFactory(reading_list=reading_list)
    session = SessionFactory(cohort=cohort, place="Room 301", starts_at=next_week_at())
    session.entries.add(entry)
    session.presenters.add(minji)
    Assignment.objects.create(
        cohort=cohort, reading_list=reading_list, papers_required=1, due_at=next_week_at(weeks=2)
    )
    page = _client(alex).get("/").content.decode()
    assert "What&#x27;s next for me" in page or "What's next for me" in page
    assert "Room 301" in page
    assert entry.paper.title in page
    assert minji.name in page
    assert "Read and review" in page
    assert "0 of 1" in page


def test_cohort_page_shows_progress_and_feed() -> None:
    cohort, _boss, (alex,) = cohort_with(1)
    reading_list = ReadingListFactory(cohort=cohort)
    entry = EntryFactory(reading_list=reading_list)
    Assignment.objects.create(
        cohort=cohort, reading_list=reading_list, papers_required=1, due_at=next_week_at()
    )
    make_review(paper=entry.paper, author=alex)
    page = Client().get(reverse("meetings:cohort_detail", args=[cohort.slug])).content.decode()
    assert "1 of 1" in page
    assert reverse("meetings:cohort_calendar", args=[cohort.slug]) in page


def test_comment_question_resolved_by_review_author() -> None:
    cohort, _boss, (alex, minji) = cohort_with(2)
    review = make_review(author=alex)
    comment = make_comment(review=review, author=minji)
    _client(minji).post(reverse("meetings:comment_question", args=[comment.pk]), {"question": "1"})
    comment.refresh_from_db()
    assert comment.is_question
    _client(alex).post(reverse("meetings:comment_resolve", args=[comment.pk]))
    comment.refresh_from_db()
    assert comment.resolved_at is not None
    other = Member.objects.create(username="other")
    other.set_password(PASSWORD)
    other.save()
    response = _client(other).post(
        reverse("meetings:comment_resolve", args=[comment.pk]), {"resolved": "0"}
    )
    assert response.status_code == 403


def test_times_show_in_members_time_zone() -> None:
    cohort, _boss, (alex,) = cohort_with(1)
    session = SessionFactory(cohort=cohort, starts_at=next_week_at(19))
    alex.time_zone = "Europe/Berlin"
    alex.save()
    page = _client(alex).get(session.get_absolute_url()).content.decode()
    local = timezone.localtime(session.starts_at, timezone.get_fixed_timezone(0)).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Berlin")
    )
    assert local.strftime("%H:%M") in page
    assert "19:30" in Client().get(session.get_absolute_url()).content.decode()


def test_profile_saves_time_zone() -> None:
    _cohort, _boss, (alex,) = cohort_with(1)
    client = _client(alex)
    data = {
        "display_name": "Alex",
        "bio": "",
        "preferred_language": "en",
        "time_zone": "America/New_York",
    }
    assert client.post(reverse("profile_edit"), data).status_code == 302
    alex.refresh_from_db()
    assert alex.time_zone == "America/New_York"
    bad = client.post(reverse("profile_edit"), {**data, "time_zone": "Nowhere/Land"})
    assert bad.status_code == 400


def test_session_page_marks_my_comment_as_a_question() -> None:
    cohort, _boss, (alex, minji) = cohort_with(2)
    entry = EntryFactory(reading_list=ReadingListFactory(cohort=cohort))
    session = SessionFactory(cohort=cohort)
    session.entries.add(entry)
    review = make_review(paper=entry.paper, author=alex)
    comment = make_comment(review=review, author=minji, body="Is the LR schedule cyclic?")
    client = _client(minji)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Mark as a question" in page
    response = client.post(
        reverse("meetings:comment_question", args=[comment.pk]),
        {"question": "1", "next": session.get_absolute_url()},
    )
    assert response.url == session.get_absolute_url()
    comment.refresh_from_db()
    assert comment.is_question
    assert _client(alex).get(session.get_absolute_url()).content.decode().count("cyclic") == 1


def test_review_page_badges_questions() -> None:
    cohort, _boss, (alex, minji) = cohort_with(2)
    review = make_review(author=alex)
    asked = make_comment(review=review, author=minji, body="Open one?")
    answered = make_comment(review=review, author=minji, body="Closed one?")
    Comment.objects.filter(pk=asked.pk).update(is_question=True)
    Comment.objects.filter(pk=answered.pk).update(is_question=True, resolved_at=timezone.now())
    page = Client().get(review.get_absolute_url()).content.decode()
    assert page.count('class="badge question"') == 1
    assert page.count('class="badge question resolved"') == 1


def test_review_page_asks_and_resolves_questions_in_place() -> None:
    cohort, _boss, (alex, minji, jun) = cohort_with(3)
    review = make_review(author=alex)
    comment = make_comment(review=review, author=minji, body="Why a cyclic schedule?")
    ask = reverse("meetings:comment_question", args=[comment.pk])
    resolve = reverse("meetings:comment_resolve", args=[comment.pk])
    asker = _client(minji)
    assert f'action="{ask}"' in asker.get(review.get_absolute_url()).content.decode()
    # Someone else's comment offers neither, nor does a reader not signed in.
    for client in (_client(jun), Client()):
        page = client.get(review.get_absolute_url()).content.decode()
        assert f'action="{ask}"' not in page and f'action="{resolve}"' not in page

    response = asker.post(
        ask, {"question": "1", "next": f"{review.get_absolute_url()}#comment-{comment.pk}"}
    )
    assert response.url == f"{review.get_absolute_url()}#comment-{comment.pk}"
    # The review's author answers it and marks it resolved from the review page.
    author_page = _client(alex).get(review.get_absolute_url()).content.decode()
    assert 'class="badge question"' in author_page and f'action="{resolve}"' in author_page
    assert f'action="{ask}"' not in author_page
    _client(alex).post(resolve, {"resolved": "1"})
    comment.refresh_from_db()
    assert comment.is_question and comment.resolved_at is not None
    page = asker.get(review.get_absolute_url()).content.decode()
    assert 'class="badge question resolved"' in page and "Reopen" in page
