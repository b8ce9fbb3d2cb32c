"""Guessing API tokens: refused tokens are counted per address, and past the limit it's 429.

The budget is DRF's throttle machinery on the Django cache (Redis with REDIS_CACHE_URL); the
API conftest empties the cache before each test.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from reviews import services
from reviews.api.throttling import BadTokenThrottle
from reviews.models import Member

pytestmark = pytest.mark.django_db

LIMIT = 3
WINDOW_S = 3600
ME = "/api/members/me/"


@pytest.fixture(autouse=True)
def _small_budget(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "bad_token": f"{LIMIT}/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def client_from(address: str, header: str | None = None) -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client


def test_bad_tokens_429_after_limit_with_retry_after(member: Member) -> None:
    client = client_from("198.51.100.1", "Token sg_guess")
    assert [client.get(ME).status_code for _ in range(LIMIT)] == [401] * LIMIT
    response = client.get(ME)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= WINDOW_S
    assert response.json()["detail"].startswith("Too many refused tokens from this address.")


def test_bad_tokens_malformed_headers_count_too(member: Member) -> None:
    headers = ["Token", "Token a b", "Bearer \x7f\x80"]
    codes = [client_from("198.51.100.1", h).get("/api/reviews/").status_code for h in headers]
    assert codes == [401, 401, 401]
    assert client_from("198.51.100.1", "Token sg_x").get(ME).status_code == 429


def test_bad_tokens_right_token_refused_while_throttled(member: Member) -> None:
    """Answering a right key differently would let the guessing go on behind the limit."""
    _token, key = services.api_token_create(member=member, name="script")
    for _ in range(LIMIT):
        client_from("198.51.100.1", "Token sg_guess").get(ME)
    assert client_from("198.51.100.1", f"Token {key}").get(ME).status_code == 429
    # The same key from another address works: the budget is the address's.
    assert client_from("203.0.113.9", f"Token {key}").get(ME).status_code == 200


def test_bad_tokens_good_tokens_do_not_use_the_budget(member: Member) -> None:
    _token, key = services.api_token_create(member=member, name="script")
    good = client_from("198.51.100.1", f"Token {key}")
    assert [good.get(ME).status_code for _ in range(LIMIT + 2)] == [200] * (LIMIT + 2)
    bad = client_from("198.51.100.1", "Token sg_guess")
    assert [bad.get(ME).status_code for _ in range(LIMIT)] == [401] * LIMIT


def test_bad_tokens_requests_without_a_token_are_not_throttled(member: Member) -> None:
    for _ in range(LIMIT):
        client_from("198.51.100.1", "Token sg_guess").get(ME)
    assert client_from("198.51.100.1").get("/api/reviews/").status_code == 200


def test_bad_tokens_budget_comes_back_after_the_window(member: Member) -> None:
    _token, key = services.api_token_create(member=member, name="script")
    for _ in range(LIMIT):
        client_from("198.51.100.1", "Token sg_guess").get(ME)
    assert client_from("198.51.100.1", f"Token {key}").get(ME).status_code == 429

    # Age the recorded failures past the window instead of waiting an hour.
    throttle = BadTokenThrottle()
    request = client_from("198.51.100.1").get(ME).wsgi_request
    cache_key = throttle.get_cache_key(request, None)
    history = cache.get(cache_key)
    assert len(history) == LIMIT
    cache.set(cache_key, [moment - WINDOW_S - 1 for moment in history], WINDOW_S)
    assert client_from("198.51.100.1", f"Token {key}").get(ME).status_code == 200
