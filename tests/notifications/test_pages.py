"""The bell, the notifications page, opening and marking read, and the settings page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import urls as notification_urls
from notifications.enums import Delivery, Kind
from notifications.models import Notification, NotificationSettings
from tests.factories import MemberFactory, make_comment, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> tuple[Client, Client, Notification]:
    author, reader = MemberFactory(username="author"), MemberFactory(username="reader")
    review = make_review(author=author)
    make_comment(review=review, author=reader, section="core_algorithm")
    mine, theirs = Client(), Client()
    mine.force_login(author)
    theirs.force_login(reader)
    return mine, theirs, Notification.objects.get(recipient=author)


# Route → method, and the status for the recipient and for another member; anonymous
# visitors are sent to sign in.
PAGES = {
    "list": ("GET", 200, 200),
    "settings": ("GET", 200, 200),
    "open": ("GET", 302, 404),
    "read": ("POST", 302, 404),
    "read_all": ("POST", 302, 302),
}


def test_pages_matrix_names_every_route() -> None:
    # The unsubscribe link is signed, not signed in: tests/notifications/test_email.py.
    assert {p.name for p in notification_urls.urlpatterns} == {*PAGES, "unsubscribe"}


@pytest.mark.parametrize("route", list(PAGES))
def test_pages_matrix_row(setup: tuple[Client, Client, Notification], route: str) -> None:
    mine, theirs, note = setup
    method, recipient, other = PAGES[route]
    args = [note.pk] if route in ("open", "read") else []
    url = reverse(f"notifications:{route}", args=args)
    anonymous = getattr(Client(), method.lower())(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    got = [getattr(client, method.lower())(url).status_code for client in (theirs, mine)]
    assert got == [other, recipient]
    if route in ("open", "read"):
        note.refresh_from_db()
        assert note.read_at is not None


def test_bell_shows_unread_count_in_one_query(setup: tuple[Client, Client, Notification]) -> None:
    mine, _theirs, _note = setup
    response = mine.get(reverse("notifications:settings"))
    assert b'class="nav-bell has-unread"' in response.content
    assert b'<span class="bell-count">1</span>' in response.content
    with CaptureQueriesContext(connection) as queries:
        mine.get(reverse("notifications:settings"))
    bell = [q for q in queries.captured_queries if '"notifications_notification"' in q["sql"]]
    assert len(bell) == 1


def test_list_groups_by_review_and_says_the_section(
    setup: tuple[Client, Client, Notification],
) -> None:
    mine, _theirs, note = setup
    page = mine.get(reverse("notifications:list")).content.decode()
    assert "Core algorithm" in page
    assert f'id="notification-{note.pk}"' in page
    assert 'class="notification unread"' in page


def test_open_goes_to_the_comment(setup: tuple[Client, Client, Notification]) -> None:
    mine, _theirs, note = setup
    response = mine.get(reverse("notifications:open", args=[note.pk]))
    assert response["Location"].endswith(f"#comment-{note.comment_id}")


def test_read_all_then_bell_is_quiet(setup: tuple[Client, Client, Notification]) -> None:
    mine, _theirs, _note = setup
    mine.post(reverse("notifications:read_all"))
    page = mine.get(reverse("notifications:list")).content
    assert b"bell-count" not in page
    assert b"notification unread" not in page


def test_read_redirects_only_to_this_site(setup: tuple[Client, Client, Notification]) -> None:
    mine, _theirs, note = setup
    url = reverse("notifications:read", args=[note.pk])
    response = mine.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:list")


def test_settings_page_saves_choices(setup: tuple[Client, Client, Notification]) -> None:
    mine, _theirs, _note = setup
    data = {kind: Delivery.IMMEDIATE for kind in Kind.values}
    data.update({Kind.NEW_REVIEW: Delivery.WEEKLY, "remind_days": "7"})
    response = mine.post(reverse("notifications:settings"), data)
    assert response.status_code == 302
    saved = NotificationSettings.objects.get()
    assert saved.deliveries == {Kind.NEW_REVIEW: Delivery.WEEKLY, Kind.REVISION: "immediate"}
    assert saved.remind_days == 7


def test_settings_page_bad_choice_is_400_and_changes_nothing(
    setup: tuple[Client, Client, Notification],
) -> None:
    mine, _theirs, _note = setup
    data = {kind: Delivery.IMMEDIATE for kind in Kind.values}
    data.update({Kind.REPLY: "hourly", "remind_days": "0"})
    response = mine.post(reverse("notifications:settings"), data)
    assert response.status_code == 400
    assert response.content.count(b'class="field-error"') >= 2
    assert not NotificationSettings.objects.exists()


def test_other_member_cannot_mark_read(setup: tuple[Client, Client, Notification]) -> None:
    _mine, theirs, note = setup
    assert theirs.post(reverse("notifications:read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None
