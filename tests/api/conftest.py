"""API fixtures: clients that authenticate the way scripts do, with real hashed tokens."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from reviews import services
from reviews.models import Member


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> None:
    # Throttle counters live in the cache; each test starts with a full budget.
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    """An anonymous client."""
    return APIClient()


@pytest.fixture
def token_client() -> Callable[[Member], APIClient]:
    """A client sending `Authorization: Token <key>` for a fresh token of the member."""

    def make(member: Member, keyword: str = "Token") -> APIClient:
        _token, key = services.api_token_create(member=member, name="tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
        client.key = key
        return client

    return make
