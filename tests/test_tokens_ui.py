"""API tokens on the profile page: made there, shown once, revoked there."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from reviews.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _new_key(client: Client, name: str = "laptop script") -> str:
    response = client.post("/account/tokens/", {"name": name})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return re.search(rb'id="new-token-key">(sg_[\w-]+)<', response.content).group(1).decode()


def test_token_create_shows_key_once_and_it_authenticates(signed_in: Client) -> None:
    key = _new_key(signed_in)
    token = ApiToken.objects.get()
    assert token.key_hash != key and key not in token.key_hash
    assert key.encode() not in signed_in.get("/account/profile/").content
    me = Client().get("/api/members/me/", headers={"Authorization": f"Token {key}"})
    assert (me.status_code, me.json()["username"]) == (200, "member")


def test_token_revoke_refuses_the_next_request(signed_in: Client) -> None:
    key = _new_key(signed_in)
    token = ApiToken.objects.get()
    assert signed_in.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    me = Client().get("/api/members/me/", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 401
    assert b"<strong>laptop script</strong>" not in signed_in.get("/account/profile/").content


def test_token_of_someone_else_cannot_be_revoked(signed_in: Client, other) -> None:
    client = Client()
    client.force_login(other)
    _new_key(client)
    token = ApiToken.objects.get()
    assert signed_in.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("name", ["", " ", "x" * 101, "a\x00b"])
def test_token_bad_name_is_a_form_error(signed_in: Client, name: str) -> None:
    response = signed_in.post("/account/tokens/", {"name": name})
    assert response.status_code == 400
    assert b"field-error" in response.content
    assert ApiToken.objects.count() == 0
