"""Private feed URLs: a member's secret key opens the feeds without a session, even with
MEMBERS_ONLY on; only its hash is stored; revoking or replacing it closes the old URLs."""

from __future__ import annotations

import re
from typing import Any

import feedparser
import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from reviews.models import FeedKey, Member
from reviews.services import accounts, api_token_hash
from tests.factories import PaperFactory, TagFactory, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _members_only(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEMBERS_ONLY = True


@pytest.fixture
def member_client(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def titles(response: Any) -> list[str]:
    assert response.status_code == 200
    return sorted(entry.title for entry in feedparser.parse(response.content).entries)


def test_private_feed_key_shown_once_on_profile(member: Member, member_client: Client) -> None:
    response = member_client.post(reverse("feed_key_create"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    urls = re.findall(r"http://testserver/feeds/private/([\w-]+)/reviews\.(rss|atom)", page)
    assert {kind for _key, kind in urls} == {"rss", "atom"}
    key = urls[0][0]
    stored = FeedKey.objects.get(member=member)
    assert stored.key_hash == api_token_hash(key)
    assert key not in str(list(FeedKey.objects.values().get(pk=stored.pk).values()))
    # Later visits say a key exists, but never show it again.
    later = member_client.get(reverse("profile_edit")).content.decode()
    assert key not in later
    assert "You have a private feed address" in later


def test_private_feed_works_without_session_and_hides_drafts(
    member: Member, author: Member
) -> None:
    tag = TagFactory(name="optimization", slug="optimization")
    make_review(paper=PaperFactory(title="Published one", tags=[tag]), author=author)
    make_review(paper=PaperFactory(title="Author draft"), author=author, published=False)
    make_review(paper=PaperFactory(title="Own draft", tags=[tag]), author=member, published=False)
    key = accounts.feed_key_create(member=member)

    anonymous = Client()
    expected = ["Published one — 작가 이"]
    for name in ("feed_private_rss", "feed_private_atom"):
        assert titles(anonymous.get(reverse(name, args=[key]))) == expected
    for name in ("feed_private_tag_rss", "feed_private_tag_atom"):
        assert titles(anonymous.get(reverse(name, args=[key, "optimization"]))) == expected
    for username, wanted in (("author", expected), ("member", [])):
        response = anonymous.get(reverse("feed_private_member_rss", args=[key, username]))
        assert titles(response) == wanted


def test_private_feed_not_cached_by_shared_caches(member: Member) -> None:
    key = accounts.feed_key_create(member=member)
    response = Client().get(reverse("feed_private_rss", args=[key]))
    assert response["Cache-Control"] == "private, no-store"


def test_private_feed_revoked_key_404(member: Member, member_client: Client) -> None:
    key = accounts.feed_key_create(member=member)
    url = reverse("feed_private_rss", args=[key])
    assert Client().get(url).status_code == 200
    response = member_client.post(reverse("feed_key_revoke"))
    assert (response.status_code, response.url) == (302, reverse("profile_edit"))
    assert Client().get(url).status_code == 404
    assert FeedKey.objects.count() == 0


def test_private_feed_new_key_replaces_old(member: Member) -> None:
    old = accounts.feed_key_create(member=member)
    new = accounts.feed_key_create(member=member)
    assert Client().get(reverse("feed_private_atom", args=[old])).status_code == 404
    assert Client().get(reverse("feed_private_atom", args=[new])).status_code == 200
    assert FeedKey.objects.filter(member=member).count() == 1


@pytest.mark.parametrize("key", ["sgf_unknown", "x" * 300])
def test_private_feed_unknown_key_404(member: Member, key: str) -> None:
    accounts.feed_key_create(member=member)
    assert Client().get(reverse("feed_private_rss", args=[key])).status_code == 404


def test_private_feed_deactivated_member_key_404(member: Member) -> None:
    key = accounts.feed_key_create(member=member)
    Member.objects.filter(pk=member.pk).update(is_active=False)
    assert Client().get(reverse("feed_private_rss", args=[key])).status_code == 404


def test_private_feed_key_is_not_an_api_token(member: Member) -> None:
    key = accounts.feed_key_create(member=member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/members/me/").status_code == 401


def test_private_feed_key_pages_need_sign_in() -> None:
    for name in ("feed_key_create", "feed_key_revoke"):
        response = Client().post(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith("/login/")
