"""`/api/notifications/`: mine only, the unread count, marking read, my settings."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.api import urls as notification_api_urls
from notifications.enums import Delivery, Kind
from notifications.models import Notification, NotificationSettings
from tests.factories import MemberFactory, make_comment, make_review

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "recipient", "other")

# fmt: off
MATRIX: dict[tuple[str, str], tuple[int, int, int]] = {
    #                                       anon recipient other
    ("notification-list", "GET"):           (401, 200,     200),
    ("notification-detail", "GET"):         (401, 200,     404),
    ("notification-read", "POST"):          (401, 200,     404),
    ("notification-read-all", "POST"):      (401, 200,     200),
    ("notification-unread-count", "GET"):   (401, 200,     200),
    ("notification-preferences", "GET"):    (401, 200,     200),
    ("notification-preferences", "PATCH"):  (401, 200,     200),
}
# fmt: on


@pytest.fixture
def world() -> dict[str, object]:
    author, reader = MemberFactory(username="author"), MemberFactory(username="reader")
    review = make_review(author=author)
    make_comment(review=review, author=reader, section="results", body="좋아요 @author")
    clients = {"anonymous": APIClient()}
    for role, member in (("recipient", author), ("other", reader)):
        clients[role] = APIClient()
        clients[role].force_authenticate(member)
    return {
        "clients": clients,
        "author": author,
        "reader": reader,
        "note": Notification.objects.get(recipient=author),
    }


def _url(route: str, world: dict[str, object]) -> str:
    if route in ("notification-detail", "notification-read"):
        return reverse(route, kwargs={"pk": world["note"].pk})
    return reverse(route)


@pytest.mark.parametrize(("route", "method"), list(MATRIX), ids=[f"{r}-{m}" for r, m in MATRIX])
def test_notifications_permission_matrix_row(world: dict, route: str, method: str) -> None:
    actual = {}
    for role in ROLES:
        with transaction.atomic():
            client = world["clients"][role]
            response = getattr(client, method.lower())(_url(route, world), {}, format="json")
            actual[role] = response.status_code
            transaction.set_rollback(True)
    assert actual == dict(zip(ROLES, MATRIX[(route, method)], strict=True))


def test_notifications_matrix_covers_the_url_conf() -> None:
    routes = set()
    for pattern in notification_api_urls.router.get_urls():
        for method in pattern.callback.actions:
            routes.add((pattern.name, method.upper()))
    assert routes == set(MATRIX)


def test_list_says_who_did_what_where(world: dict) -> None:
    body = world["clients"]["recipient"].get(reverse("notification-list")).json()
    (item,) = body["results"]
    assert item["kind"] == Kind.COMMENT
    assert item["actor"] == "reader"
    assert item["section"] == "results"
    assert item["read"] is False
    assert "Results" in item["text"]
    assert item["url"].endswith(f"#comment-{world['note'].comment_id}")


def test_unread_count_and_read_all(world: dict) -> None:
    client = world["clients"]["recipient"]
    assert client.get(reverse("notification-unread-count")).json() == {"unread": 1}
    response = client.post(reverse("notification-read-all"), {}, format="json")
    assert response.json() == {"marked": 1}
    assert client.get(reverse("notification-unread-count")).json() == {"unread": 0}
    assert client.get(reverse("notification-list") + "?unread=1").json()["results"] == []


def test_read_all_with_another_members_ids_marks_nothing(world: dict) -> None:
    client = world["clients"]["other"]
    response = client.post(
        reverse("notification-read-all"), {"ids": [world["note"].pk]}, format="json"
    )
    assert response.json() == {"marked": 0}
    world["note"].refresh_from_db()
    assert world["note"].read_at is None


@pytest.mark.parametrize(
    "body",
    [
        {"ids": "all"},
        {"ids": [0]},
        {"ids": ["x"]},
    ],
)
def test_read_all_bad_ids_is_400_and_marks_nothing(world: dict, body: dict) -> None:
    response = world["clients"]["recipient"].post(
        reverse("notification-read-all"), body, format="json"
    )
    assert response.status_code == 400
    assert "ids" in response.json()
    world["note"].refresh_from_db()
    assert world["note"].read_at is None


def test_settings_default_then_patch_one_kind(world: dict) -> None:
    client = world["clients"]["recipient"]
    url = reverse("notification-preferences")
    before = client.get(url).json()
    assert before["deliveries"][Kind.REPLY] == Delivery.IMMEDIATE
    assert before["remind_days"] == 3
    response = client.patch(
        url, {"deliveries": {Kind.NEW_REVIEW: Delivery.WEEKLY}, "remind_days": 5}, format="json"
    )
    assert response.status_code == 200
    after = response.json()
    assert after["deliveries"][Kind.NEW_REVIEW] == Delivery.WEEKLY
    assert after["deliveries"][Kind.REPLY] == Delivery.IMMEDIATE
    assert after["remind_days"] == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"deliveries": {"gossip": "daily"}}, "deliveries"),
        ({"deliveries": {Kind.REPLY: "hourly"}}, "deliveries"),
        ({"deliveries": ["daily"]}, "deliveries"),
        ({"remind_days": 0}, "remind_days"),
        ({"remind_days": 99}, "remind_days"),
        ({"remind_days": "soon"}, "remind_days"),
    ],
)
def test_settings_bad_input_is_400_and_changes_nothing(world: dict, body: dict, field: str) -> None:
    response = world["clients"]["recipient"].patch(
        reverse("notification-preferences"), body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not NotificationSettings.objects.exists()
