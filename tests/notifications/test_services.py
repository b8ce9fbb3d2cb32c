"""Who is told what: replies, comments, mentions, new reviews, revisions, sessions, runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from meetings import services as meeting_services
from meetings.enums import SessionStatus
from meetings.services import SessionFields
from notifications import selectors, services
from notifications.enums import Delivery, Kind
from notifications.mentions import mention_candidates, mentioned_ids
from notifications.models import Notification
from reviews import services as review_services
from reviews.models import Bookmark
from tests.factories import (
    EntryFactory,
    MemberFactory,
    PaperFactory,
    ReadingListFactory,
    make_comment,
    make_review,
)
from tests.meetings.factories import SessionFactory, cohort_with

pytestmark = pytest.mark.django_db


def kinds(member: object) -> list[str]:
    return list(Notification.objects.filter(recipient=member).values_list("kind", flat=True))


def test_mention_candidates_skip_code_and_addresses() -> None:
    text = "Thanks @minji님! cc @Alex.\n\n`@nobody` mail a@b.org\n\n```\n@fenced\n```\n@joon"
    assert mention_candidates(text) == ["minji님", "alex.", "joon"]


def test_mentioned_ids_match_the_longest_username_before_a_particle() -> None:
    minji = MemberFactory(username="minji")
    minji_kim = MemberFactory(username="minji.kim")
    alex = MemberFactory(username="Alex")
    MemberFactory(username="gone", is_active=False)
    found = mentioned_ids("@minji님께서 and @minji.kim가 and @alex. and @gone and @nobody")
    assert found == {minji.pk, minji_kim.pk, alex.pk}


def test_comment_tells_review_author_with_section_and_not_the_commenter() -> None:
    author, reader = MemberFactory(), MemberFactory()
    review = make_review(author=author)
    make_comment(review=review, author=reader, section="results")
    note = Notification.objects.get(recipient=author)
    assert (note.kind, note.section, note.actor_id) == (Kind.COMMENT, "results", reader.pk)
    assert kinds(reader) == []
    # The author commenting on their own review tells nobody.
    make_comment(review=review, author=author)
    assert Notification.objects.count() == 1


def test_reply_tells_the_parent_author_once_even_if_also_mentioned() -> None:
    author, first, second = MemberFactory(), MemberFactory(), MemberFactory()
    review = make_review(author=author)
    parent = make_comment(review=review, author=first)
    make_comment(review=review, author=second, parent=parent, body=f"@{first.username} agreed")
    assert kinds(first) == [Kind.REPLY]
    assert sorted(kinds(author)) == [Kind.COMMENT, Kind.COMMENT]


def test_mention_in_comment_edit_tells_only_the_newly_mentioned() -> None:
    author, writer = MemberFactory(), MemberFactory()
    old, new = MemberFactory(username="oldfriend"), MemberFactory(username="newfriend")
    review = make_review(author=author)
    comment = make_comment(review=review, author=writer, body="hi @oldfriend")
    assert kinds(old) == [Kind.MENTION]
    review_services.comment_update(comment=comment, by=writer, body="hi @oldfriend @newfriend")
    assert kinds(old) == [Kind.MENTION]
    assert kinds(new) == [Kind.MENTION]
    assert kinds(author) == [Kind.COMMENT]


def test_draft_review_and_its_comments_tell_nobody() -> None:
    author = MemberFactory()
    MemberFactory(username="watcher")
    paper = PaperFactory()
    Bookmark.objects.create(member=MemberFactory(), paper=paper)
    draft = make_review(author=author, paper=paper, published=False, thoughts="@watcher look")
    make_comment(review=draft, author=author, body="note to @watcher")
    assert Notification.objects.count() == 0


def test_first_publish_tells_followers_once_and_mentions_as_mentions() -> None:
    paper = PaperFactory()
    cohort, _boss, members = cohort_with(3)
    EntryFactory(paper=paper, reading_list=ReadingListFactory(cohort=cohort))
    bookmarker, earlier = MemberFactory(), MemberFactory()
    Bookmark.objects.create(member=bookmarker, paper=paper)
    make_review(paper=paper, author=earlier, published=False)
    mentioned = MemberFactory(username="seoyeon")
    author = members[0]
    review = make_review(paper=paper, author=author, thoughts="@seoyeon님 덕분에 읽었다")
    assert kinds(bookmarker) == kinds(earlier) == kinds(members[1]) == [Kind.NEW_REVIEW]
    assert kinds(mentioned) == [Kind.MENTION]
    assert kinds(author) == []
    # Unpublished and published again: followers are not told twice.
    review = review_services.review_unpublish(review=review, by=author)
    review_services.review_save(
        review=review,
        by=author,
        content=review_services.ReviewContent.from_review(review),
        expected_version=review.version,
        publish=True,
    )
    assert kinds(bookmarker) == [Kind.NEW_REVIEW]


def test_revision_tells_commenters_at_most_once_a_day_and_new_mentions_only() -> None:
    author, commenter, follower = MemberFactory(), MemberFactory(), MemberFactory()
    MemberFactory(username="kept")
    added = MemberFactory(username="added")
    review = make_review(author=author, thoughts="with @kept")
    Bookmark.objects.create(member=follower, paper=review.paper)
    make_comment(review=review, author=commenter)

    def revise(thoughts: str) -> None:
        current = review.__class__.objects.get(pk=review.pk)
        content = replace(review_services.ReviewContent.from_review(current), thoughts=thoughts)
        review_services.review_save(
            review=current, by=author, content=content, expected_version=current.version
        )

    revise("with @kept and @added")
    revise("with @kept and @added, again")
    assert kinds(commenter) == [Kind.REVISION]
    assert kinds(added) == [Kind.MENTION]
    assert kinds(follower) == []
    Notification.objects.filter(kind=Kind.REVISION).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    revise("third time")
    assert kinds(commenter) == [Kind.REVISION, Kind.REVISION]


def test_unpublished_review_drops_out_of_inbox_and_count() -> None:
    author, reader = MemberFactory(), MemberFactory()
    review = make_review(author=author)
    make_comment(review=review, author=reader)
    assert selectors.unread_count(author) == 1
    make_comment(review=review, author=author, body=f"@{reader.username} thanks")
    assert selectors.unread_count(reader) == 1
    review_services.review_unpublish(review=review, by=author)
    assert selectors.unread_count(reader) == 0
    assert list(selectors.inbox(reader)) == []
    # The author still sees what was said on their own review.
    assert selectors.unread_count(author) == 1


def test_session_change_and_cancel_tell_the_cohort_but_not_the_planner() -> None:
    cohort, boss, members = cohort_with(3)
    session = SessionFactory(cohort=cohort)

    def update(**changes: object) -> None:
        fields = {
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "time_zone": session.time_zone,
            "place": session.place,
            "status": session.status,
            **changes,
        }
        meeting_services.session_update(session=session, by=boss, fields=SessionFields(**fields))

    update(agenda="only the agenda")
    assert Notification.objects.count() == 0
    update(place="Room 301")
    assert kinds(members[0]) == [Kind.SESSION_CHANGED]
    update(status=SessionStatus.CANCELLED)
    assert sorted(kinds(members[1])) == [Kind.SESSION_CANCELLED, Kind.SESSION_CHANGED]
    assert kinds(boss) == []


def test_upcoming_reminds_presenters_once_within_their_days() -> None:
    cohort, _boss, members = cohort_with(2)
    soon = SessionFactory(
        cohort=cohort,
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=2),
    )
    soon.presenters.set(members)
    services.notification_settings_save(member=members[1], remind_days=1)
    services.notify_upcoming()
    services.notify_upcoming()
    assert kinds(members[0]) == [Kind.PRESENTING]
    assert kinds(members[1]) == []
    services.notify_upcoming(now=timezone.now() + timedelta(days=1, hours=1))
    assert kinds(members[1]) == [Kind.PRESENTING]


def test_deadline_reminds_only_members_short_of_reviews() -> None:
    cohort, boss, members = cohort_with(2)
    reading_list = ReadingListFactory(cohort=cohort)
    entry = EntryFactory(reading_list=reading_list)
    meeting_services.assignment_create(
        cohort=cohort,
        by=boss,
        reading_list=reading_list,
        papers_required=1,
        due_at=timezone.now() + timedelta(days=2),
    )
    make_review(paper=entry.paper, author=members[0])
    Notification.objects.all().delete()
    services.notify_upcoming()
    assert kinds(members[0]) == []
    assert kinds(members[1]) == [Kind.DEADLINE]


def test_settings_refuse_unknown_kind_and_delivery_and_change_nothing() -> None:
    member = MemberFactory()
    services.notification_settings_save(member=member, deliveries={Kind.REPLY: Delivery.DAILY})
    with pytest.raises(ValidationError) as error:
        services.notification_settings_save(
            member=member, deliveries={"gossip": "daily", Kind.MENTION: "hourly"}
        )
    assert "deliveries" in error.value.message_dict
    current = services.notification_settings_for(member)
    assert services.delivery_of(current, Kind.REPLY) == Delivery.DAILY
    assert services.delivery_of(current, Kind.MENTION) == Delivery.IMMEDIATE


def test_mark_read_touches_only_my_notifications() -> None:
    author, reader = MemberFactory(), MemberFactory()
    review = make_review(author=author)
    make_comment(review=review, author=reader)
    theirs = Notification.objects.get(recipient=author)
    assert services.notification_mark_read(member=reader, ids=[theirs.pk]) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
