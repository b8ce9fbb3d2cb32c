"""The meetings API under the same rules as tests/api/test_permissions.py: organizers plan,
members volunteer, swap and answer, anonymous users read only what is public."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from meetings.api import urls as meetings_api_urls
from meetings.models import Assignment, Session, SwapRequest
from reviews import services as review_services
from reviews.enums import CohortRole
from reviews.models import CohortMembership, Member
from tests.factories import EntryFactory, MemberFactory, ReadingListFactory
from tests.meetings.factories import SessionFactory, next_week_at

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider", "member", "presenter", "organizer", "staff")
Row = tuple[int, int, int, int, int, int]

# fmt: off
MATRIX: dict[tuple[str, str], Row] = {
    #                                   anon outsider member presenter organizer staff
    ("session-list", "GET"):            (200, 200,    200,   200,      200,      200),
    ("session-list", "POST"):           (401, 403,    403,   403,      201,      201),
    ("session-detail", "GET"):          (200, 200,    200,   200,      200,      200),
    ("session-detail", "PATCH"):        (401, 403,    403,   403,      200,      200),
    ("session-detail", "PUT"):          (401, 403,    403,   403,      200,      200),
    ("session-detail", "DELETE"):       (401, 403,    403,   403,      204,      204),
    ("session-schedule", "POST"):       (401, 403,    403,   403,      201,      201),
    ("session-rotation", "POST"):       (401, 403,    403,   403,      200,      200),
    ("session-volunteer", "POST"):      (401, 403,    200,   400,      200,      403),
    ("session-withdraw", "POST"):       (401, 400,    400,   200,      400,      400),
    ("session-rsvp", "POST"):           (401, 403,    200,   200,      200,      403),
    ("session-attendance", "POST"):     (401, 403,    403,   403,      200,      200),
    ("swap-list", "GET"):               (401, 200,    200,   200,      200,      200),
    ("swap-list", "POST"):              (401, 403,    403,   201,      403,      403),
    ("swap-detail", "GET"):             (401, 404,    200,   200,      404,      404),
    ("swap-accept", "POST"):            (401, 404,    200,   403,      404,      404),
    ("swap-decline", "POST"):           (401, 404,    200,   200,      404,      404),
    ("assignment-list", "GET"):         (200, 200,    200,   200,      200,      200),
    ("assignment-list", "POST"):        (401, 403,    403,   403,      201,      201),
    ("assignment-detail", "GET"):       (200, 200,    200,   200,      200,      200),
    ("assignment-detail", "DELETE"):    (401, 403,    403,   403,      204,      204),
    ("assignment-progress", "GET"):     (200, 200,    200,   200,      200,      200),
}
# fmt: on


@dataclass
class World:
    members: dict[str, Member]
    session: Session
    later: Session
    empty: Session
    swap: SwapRequest
    assignment: Assignment
    clients: dict[str, APIClient]


def _client(member: Member | None) -> APIClient:
    client = APIClient()
    if member is not None:
        _token, key = review_services.api_token_create(member=member, name="api")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def world(settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    members = {
        "outsider": MemberFactory(username="outsider"),
        "member": MemberFactory(username="member"),
        "presenter": MemberFactory(username="presenter"),
        "organizer": MemberFactory(username="organizer"),
        "staff": MemberFactory(username="staff", is_staff=True),
    }
    reading_list = ReadingListFactory(slug="season")
    cohort = reading_list.cohort
    for name in ("member", "presenter"):
        CohortMembership.objects.create(cohort=cohort, member=members[name])
    CohortMembership.objects.create(
        cohort=cohort, member=members["organizer"], role=CohortRole.ORGANIZER
    )
    entry = EntryFactory(reading_list=reading_list)
    session = SessionFactory(cohort=cohort, video_url="https://meet.example.org/a")
    session.presenters.add(members["presenter"])
    session.entries.add(entry)
    later = SessionFactory(cohort=cohort)
    later.presenters.add(members["presenter"])
    empty = SessionFactory(cohort=cohort)
    swap = SwapRequest.objects.create(
        session=session, requested_by=members["presenter"], counterpart=members["member"]
    )
    assignment = Assignment.objects.create(
        cohort=cohort, reading_list=reading_list, papers_required=1, due_at=next_week_at()
    )
    clients = {"anonymous": _client(None)} | {n: _client(m) for n, m in members.items()}
    return World(members, session, later, empty, swap, assignment, clients)


def _url(route: str, world: World) -> str:
    pk = {
        "session": world.session.pk,
        "swap": world.swap.pk,
        "assignment": world.assignment.pk,
    }[route.split("-")[0]]
    if route.endswith("-list") or route in ("session-schedule", "session-rotation"):
        return reverse(route)
    return reverse(route, kwargs={"pk": pk})


def _body(route: str, method: str, world: World) -> dict[str, Any]:
    cohort = world.session.cohort.slug
    start = next_week_at(weeks=30)
    thursday = (timezone.localdate() + timedelta(days=300)).isoformat()
    return {
        ("session-list", "POST"): {
            "cohort": cohort,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "presenters": ["member"],
        },
        ("session-detail", "PATCH"): {"place": "Room 301"},
        ("session-detail", "PUT"): {
            "cohort": cohort,
            "starts_at": world.session.starts_at.isoformat(),
            "ends_at": world.session.ends_at.isoformat(),
            "title": "Week one",
        },
        ("session-schedule", "POST"): {
            "cohort": cohort,
            "first_day": thursday,
            "starts": "19:30",
            "ends": "21:30",
            "count": 3,
            "time_zone": "Asia/Seoul",
        },
        ("session-rotation", "POST"): {"cohort": cohort},
        ("session-rsvp", "POST"): {"answer": "yes"},
        ("session-attendance", "POST"): {"present": ["member"]},
        ("swap-list", "POST"): {"session": world.later.pk, "counterpart": "organizer"},
        ("assignment-list", "POST"): {
            "cohort": cohort,
            "reading_list": "season",
            "papers_required": 1,
            "due_at": next_week_at(weeks=3).isoformat(),
        },
    }.get((route, method), {})


def _send(client: APIClient, method: str, url: str, data: dict[str, Any]) -> Any:
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, data, format="json")


@pytest.mark.parametrize(("route", "method"), list(MATRIX), ids="-".join)
def test_meetings_permission_matrix_row(world: World, route: str, method: str) -> None:
    actual = {}
    for role in ROLES:
        with transaction.atomic():
            response = _send(
                world.clients[role], method, _url(route, world), _body(route, method, world)
            )
            actual[role] = response.status_code
            assert response.status_code != 500
            transaction.set_rollback(True)
    assert actual == dict(zip(ROLES, MATRIX[(route, method)], strict=True))


def test_meetings_matrix_covers_the_url_conf() -> None:
    routes = set()
    for pattern in meetings_api_urls.router.get_urls():
        callback = pattern.callback
        for method in callback.actions:
            routes.add((pattern.name, method.upper()))
    assert routes == set(MATRIX)


def test_session_video_link_is_for_the_cohort(world: World) -> None:
    url = reverse("session-detail", kwargs={"pk": world.session.pk})
    assert world.clients["anonymous"].get(url).json()["video_url"] == ""
    assert world.clients["outsider"].get(url).json()["video_url"] == ""
    assert world.clients["member"].get(url).json()["video_url"] == "https://meet.example.org/a"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),
        ({"presenters": ["outsider"]}, "presenters"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"video_url": "javascript:alert(1)"}, "video_url"),
        ({"status": "maybe"}, "status"),
        ({"agenda": 5}, "agenda"),
    ],
)
def test_session_patch_bad_input_400_changes_nothing(
    world: World, body: dict[str, Any], field: str
) -> None:
    url = reverse("session-detail", kwargs={"pk": world.session.pk})
    response = world.clients["organizer"].patch(url, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    world.session.refresh_from_db()
    assert world.session.sequence == 0


def test_schedule_overlap_400_creates_nothing(world: World) -> None:
    start = timezone.localtime(world.session.starts_at)
    body = {
        "cohort": world.session.cohort.slug,
        "first_day": start.date().isoformat(),
        "starts": "19:00",
        "ends": "21:00",
        "count": 2,
        "time_zone": "Asia/Seoul",
    }
    before = Session.objects.count()
    response = world.clients["organizer"].post(reverse("session-schedule"), body, format="json")
    assert response.status_code == 400
    assert "starts_at" in response.json()
    assert Session.objects.count() == before


def test_swap_accept_through_api(world: World) -> None:
    url = reverse("swap-accept", kwargs={"pk": world.swap.pk})
    assert world.clients["member"].post(url).status_code == 200
    assert [m.username for m in world.session.presenters.all()] == ["member"]
