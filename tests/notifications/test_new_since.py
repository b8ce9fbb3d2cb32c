"""New since my last visit: comments on a review, reviews of a paper, entries of a list; and
what changed in a cohort since its previous session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.enums import SessionStatus
from reviews import services
from reviews.models import Comment, Review, Visit
from tests.factories import (
    EntryFactory,
    MemberFactory,
    ReadingListFactory,
    make_comment,
    make_review,
)
from tests.meetings.factories import SessionFactory, cohort_with

pytestmark = pytest.mark.django_db


def leave(member: object, hours: int = 2) -> None:
    """As if the member's visits ended `hours` ago."""
    past = timezone.now() - timedelta(hours=hours)
    Visit.objects.filter(member=member).update(seen_at=past)
    Comment.objects.update(created_at=past - timedelta(hours=1))
    Review.objects.update(published_at=past - timedelta(hours=1))


def test_visit_record_first_visit_marks_nothing_and_reloads_keep_marks() -> None:
    member = MemberFactory()
    assert services.visit_record(member=member, page="review:1") is None
    past = timezone.now() - timedelta(hours=3)
    Visit.objects.filter(member=member).update(seen_at=past)
    since = services.visit_record(member=member, page="review:1")
    assert abs((since - past).total_seconds()) < 1
    # A reload minutes later is the same visit: the same moment.
    assert services.visit_record(member=member, page="review:1") == since
    # Other pages have their own.
    assert services.visit_record(member=member, page="review:2") is None


def test_review_page_marks_comments_new_since_my_last_visit() -> None:
    reader = MemberFactory()
    review = make_review()
    old = make_comment(review=review, author=MemberFactory(), body="old")
    client = Client()
    client.force_login(reader)
    page = client.get(reverse("review_detail", args=[review.pk])).content.decode()
    assert "is-new" not in page
    leave(reader)
    new = make_comment(review=review, author=MemberFactory(), body="new one")
    mine = make_comment(review=review, author=reader, body="mine")
    page = client.get(reverse("review_detail", args=[review.pk])).content.decode()
    assert f'class="comment is-new" id="comment-{new.pk}"' in page
    assert f'class="comment" id="comment-{old.pk}"' in page
    assert f'class="comment" id="comment-{mine.pk}"' in page
    # Reloading keeps the mark; anonymous readers get none.
    assert "is-new" in client.get(reverse("review_detail", args=[review.pk])).content.decode()
    assert "is-new" not in Client().get(reverse("review_detail", args=[review.pk])).content.decode()


def test_paper_page_and_reading_list_mark_new_reviews() -> None:
    reader = MemberFactory()
    reading_list = ReadingListFactory()
    entry = EntryFactory(reading_list=reading_list)
    make_review(paper=entry.paper)
    client = Client()
    client.force_login(reader)
    paper_url = reverse("paper_detail", args=[entry.paper.pk])
    list_url = reverse("reading_list", args=[reading_list.slug])
    for url in (paper_url, list_url):
        assert 'class="badge new"' not in client.get(url).content.decode()
    leave(reader)
    make_review(paper=entry.paper)
    assert client.get(paper_url).content.decode().count('class="badge new"') == 1
    assert client.get(list_url).content.decode().count('class="badge new"') == 1


def test_since_last_session_lists_reviews_questions_and_comments() -> None:
    cohort, _boss, members = cohort_with(2)
    now = timezone.now()
    SessionFactory(
        cohort=cohort, starts_at=now - timedelta(days=7), ends_at=now - timedelta(days=7, hours=-2)
    )
    SessionFactory(
        cohort=cohort,
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3, hours=-2),
        status=SessionStatus.CANCELLED,
    )
    before = make_review(author=members[0], tldr="Published before the meeting")
    Review.objects.filter(pk=before.pk).update(published_at=now - timedelta(days=8))
    after = make_review(author=members[1], tldr="Published after the meeting")
    draft = make_review(author=members[1], published=False, tldr="A secret draft")
    outsider_review = make_review(tldr="Not this cohort's")
    question = make_comment(review=after, author=members[0], body="Why **this**?")
    question.is_question = True
    question.save()
    make_comment(review=after, author=members[0], body="Plain remark")
    page = Client().get(reverse("meetings:since_last_session", args=[cohort.slug]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Published after the meeting" in text
    assert before.tldr not in text
    assert draft.tldr not in text and outsider_review.tldr not in text
    assert "<strong>this</strong>" in text and "Plain remark" in text


def test_since_last_session_before_any_meeting() -> None:
    cohort, _boss, _members = cohort_with(1)
    SessionFactory(cohort=cohort)
    page = Client().get(reverse("meetings:since_last_session", args=[cohort.slug]))
    assert page.status_code == 200
    assert "has not met yet" in page.content.decode()
