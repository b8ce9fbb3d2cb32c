"""Shared fixtures: a fixed cast of users and the service checks CI depends on."""

from __future__ import annotations

import os
import shutil

import httpx
import pytest
from django.db import connection

from reviews.importers import fetch as fetch_module
from tests.factories import MemberFactory

CHROMIUM = "/usr/bin/chromium"


def services_required() -> bool:
    """In CI (REQUIRE_SERVICES=1) a missing service is a failure, never a skip."""
    return os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session", autouse=True)
def _required_services(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    if not services_required():
        return
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", "CI must run the suite on PostgreSQL"
    assert shutil.which("chromium") or os.path.exists(CHROMIUM), "CI needs Debian's chromium"
    import redis

    redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")).ping()


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches the web: the import fetcher's requests fail as if offline, unless the
    test answers them itself (its own ``TRANSPORT``, or a client passed to ``fetch``)."""

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline (tests)", request=request)

    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(offline))


@pytest.fixture(scope="session", autouse=True)
def _celery_in_memory() -> None:
    """Runs launched by tests go to Celery's in-memory transport unless a test starts a
    worker (``tests.worker``), which switches this process to Redis."""
    from studygroup.celery import app

    app.close()
    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An empty MEDIA_ROOT before the test database is migrated: the migration that copies an
    older deployment's media into the database must not pick up a developer's DATA_DIR. Files
    live in the database, so nothing writes there afterwards either."""
    from django.conf import settings

    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def member(db: None):
    return MemberFactory(username="member", display_name="Member Kim")


@pytest.fixture
def author(db: None):
    return MemberFactory(username="author", display_name="작가 이")


@pytest.fixture
def other(db: None):
    return MemberFactory(username="other", display_name="Other Park")


@pytest.fixture
def organizer(db: None):
    return MemberFactory(username="organizer", display_name="Organizer Choi", is_staff=True)


@pytest.fixture
def inactive(db: None):
    return MemberFactory(username="inactive", is_active=False)
