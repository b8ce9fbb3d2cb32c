"""MEMBERS_ONLY=1: pages send strangers to sign in, the API answers them with a JSON 401,
and members get in with a session or an API token."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from reviews import services
from reviews.models import Member
from tests.factories import make_review

pytestmark = pytest.mark.django_db

API_PATHS = ["/api/reviews/", "/api/papers/", "/api/members/", "/api/schema/"]


@pytest.fixture(autouse=True)
def _members_only(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEMBERS_ONLY = True
    # The API throttle counters live in the cache.
    cache.clear()


@pytest.mark.parametrize("path", API_PATHS)
def test_members_only_api_anonymous_json_401(path: str) -> None:
    response = APIClient().get(path)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"] == 'Token realm="api"'
    assert list(response.json()) == ["detail"]


def test_members_only_api_anonymous_detail_is_drfs_not_authenticated() -> None:
    response = APIClient().get("/api/reviews/")
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_members_only_api_other_scheme_is_anonymous_401() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic bWVtYmVyOnBhc3N3b3Jk")
    assert client.get("/api/reviews/").status_code == 401


@pytest.mark.parametrize("path", API_PATHS)
def test_members_only_api_token_client_200(member: Member, path: str) -> None:
    make_review()
    _token, key = services.api_token_create(member=member, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(path)
    assert response.status_code == 200


def test_members_only_api_token_client_reads_and_writes(member: Member) -> None:
    review = make_review()
    _token, key = services.api_token_create(member=member, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(f"/api/reviews/{review.pk}/").json()["id"] == review.pk
    response = client.post("/api/bookmarks/", {"paper": review.paper_id}, format="json")
    assert response.status_code == 201


def test_members_only_api_session_member_200(member: Member) -> None:
    client = APIClient()
    client.force_login(member)
    assert client.get("/api/members/me/").json()["username"] == "member"


def test_members_only_api_revoked_token_401(member: Member) -> None:
    token, key = services.api_token_create(member=member, name="script")
    services.api_token_revoke(token=token, by=member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/reviews/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_members_only_pages_still_redirect_to_sign_in() -> None:
    response = Client().get("/")
    assert (response.status_code, response.url) == (302, "/login/?next=/")
    response = Client().get("/feeds/reviews.rss")
    assert (response.status_code, response.url) == (302, "/login/?next=/feeds/reviews.rss")


def test_members_only_off_api_anonymous_reads_200(settings: Any) -> None:
    settings.MEMBERS_ONLY = False
    assert APIClient().get("/api/reviews/").status_code == 200
    assert APIClient().get("/api/members/me/").status_code == 401
