"""API lists at scale: what each list reads, and that the fast paths write DRF's own JSON.

A page of 100 reviews is ~3 MB; lists read only the columns they show, never join their way
into a DISTINCT, and write rows through ``FastListSerializer`` and the orjson renderer. The
query counts of filtered lists are pinned at 3 and at 30 items (the plain lists are pinned
in test_queries.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import fields, renderers, serializers
from rest_framework.test import APIClient

from reviews import services
from reviews.api import renderers as api_renderers
from reviews.api.serializers.fast import FastListSerializer
from reviews.models import Bookmark, Cohort, EntryStatus, ExperimentRun, Member, Review
from tests.factories import (
    CohortFactory,
    EntryFactory,
    MemberFactory,
    MembershipFactory,
    PaperFactory,
    ReadingListFactory,
    TagFactory,
    make_comment,
    make_review,
)

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 30
LIST_ENDPOINTS = [
    "papers",
    "reviews",
    "comments",
    "members",
    "cohorts",
    "reading-lists",
    "entries",
    "reading-status",
    "bookmarks",
    "tokens",
    "runs",
    "experiments",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _world(viewer: Member) -> None:
    """Every shape a list row can take: nulls, blanks, drafts, replies, Korean, U+2028."""
    vision = TagFactory(name="vision", slug="vision")
    cohort = CohortFactory(slug="season-1")
    MembershipFactory(cohort=cohort, member=viewer, role="organizer")
    MembershipFactory(cohort=cohort, member=MemberFactory(display_name=""))
    tagged = PaperFactory(tags=[vision], added_by=viewer, year=None, arxiv_id="")
    untagged = PaperFactory(abstract="줄\u2028바꿈 and\u2029 paragraph")
    first = ReadingListFactory(cohort=cohort)
    second = ReadingListFactory(cohort=cohort)
    entry = EntryFactory(reading_list=first, paper=tagged)
    EntryFactory(reading_list=second, paper=tagged)
    EntryFactory(reading_list=first, paper=untagged)
    review = make_review(paper=tagged, thoughts="좋은 논문이다.\u2028 Line two.")
    make_review(paper=untagged, author=MemberFactory(display_name="", first_name="Ada"))
    make_review(paper=untagged, author=viewer, published=False, tldr="")
    parent = make_comment(review=review, author=viewer, section="results")
    make_comment(review=review, author=MemberFactory(), parent=parent, body="답글 $x^2$")
    EntryStatus.objects.create(entry=entry, member=viewer, status="reading")
    Bookmark.objects.create(member=viewer, paper=untagged)
    now = timezone.now()
    ExperimentRun.objects.create(
        review=review,
        requested_by=viewer,
        experiment="swa",
        preset="tiny",
        config={"lr": 1e-05, "epochs": 2},
        status="succeeded",
        time_limit_s=60,
        attempts=1,
        started_at=now - timedelta(minutes=1),
        heartbeat_at=now,
        finished_at=now,
        summary={"gain": 0.5, "missing": None},
    )


def _drf_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        FastListSerializer, "to_representation", serializers.ListSerializer.to_representation
    )
    monkeypatch.setattr(api_renderers.JSONRenderer, "render", renderers.JSONRenderer.render)


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_list_same_json_as_drf(
    token_client: Callable[..., APIClient], monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    viewer = MemberFactory(username="viewer", display_name="뷰어")
    _world(viewer)
    client = token_client(viewer)
    fast = client.get(f"/api/{endpoint}/", {"page_size": 100})
    assert fast.status_code == 200, fast.content
    _drf_paths(monkeypatch)
    drf = client.get(f"/api/{endpoint}/", {"page_size": 100})
    # Equal values; equal bytes where no float is written (orjson writes 1e-5 for 1e-05).
    assert json.loads(fast.content) == json.loads(drf.content)
    if b"e-0" not in drf.content:
        assert fast.content == drf.content


def test_review_list_same_json_as_drf_anonymous(
    api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _world(MemberFactory(username="viewer"))
    fast = api.get("/api/reviews/").content
    _drf_paths(monkeypatch)
    assert b"\\u2028" in fast
    assert fast == api.get("/api/reviews/").content


def _add_reviews(n: int) -> None:
    cohort, _ = Cohort.objects.get_or_create(slug="season-1", defaults={"name": "Season 1"})
    tag = TagFactory(name="vision", slug="vision")
    author = MemberFactory(username="writer")
    for _ in range(n):
        paper = PaperFactory(tags=[tag])
        # On two lists of the cohort: a join would list its review twice.
        EntryFactory(reading_list=ReadingListFactory(cohort=cohort), paper=paper)
        EntryFactory(reading_list=ReadingListFactory(cohort=cohort), paper=paper)
        make_review(paper=paper, author=author, language="ko")


REVIEW_FILTERS: dict[str, dict[str, str]] = {
    "tag": {"tag": "vision"},
    "cohort": {"cohort": "season-1"},
    "author": {"author": "writer"},
    "language": {"language": "ko"},
    "status": {"status": "published"},
    "published_after": {"published_after": "2000-01-01T00:00:00Z"},
    "tag+cohort+ordering": {"tag": "vision", "cohort": "season-1", "ordering": "-updated_at"},
}


@pytest.mark.parametrize("params", REVIEW_FILTERS.values(), ids=REVIEW_FILTERS.keys())
def test_review_list_filtered_queries_constant_without_distinct(
    api: APIClient, params: dict[str, str]
) -> None:
    counts = []
    for n in (SMALL, LARGE - SMALL):
        _add_reviews(n)
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/reviews/", {**params, "page_size": 100})
        assert response.status_code == 200
        data = response.json()
        ids = [row["id"] for row in data["results"]]
        assert len(ids) == len(set(ids)) == data["count"]
        assert not any("DISTINCT" in q["sql"].upper() for q in queries.captured_queries)
        counts.append((len(queries), data["count"]))
    # the page (paper and author joined); no COUNT, the page has room to spare
    assert counts == [(1, SMALL), (1, LARGE)]


def _page_sql(client: APIClient, path: str) -> str:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, {"page_size": 100}).status_code == 200
    return "\n".join(q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize(
    ("endpoint", "unread"),
    [
        ("reviews", ["password", "abstract", "source_url", "bio", "email"]),
        ("papers", ["password", "bio", "email"]),
        ("comments", ["password", "bio", "email"]),
        ("entries", ["password", "abstract", "authors", "bio", "description"]),
        ("runs", ["password", "introduction", "thoughts_html", "title", "series"]),
        ("members", ["password", "email", "last_login", "preferred_language"]),
        ("cohorts", ["password", "email", "bio"]),
    ],
)
def test_list_reads_only_shown_columns(api: APIClient, endpoint: str, unread: list[str]) -> None:
    _world(MemberFactory(username="viewer"))
    sql = _page_sql(api, f"/api/{endpoint}/")
    assert [column for column in unread if f'."{column}"' in sql] == []


def test_entry_review_count_counts_published_reviews_only(api: APIClient) -> None:
    entry = EntryFactory()
    lonely = EntryFactory(reading_list=entry.reading_list)
    make_review(paper=entry.paper)
    make_review(paper=entry.paper)
    make_review(paper=entry.paper, published=False)
    rows = {row["id"]: row["review_count"] for row in api.get("/api/entries/").json()["results"]}
    assert rows == {entry.pk: 2, lonely.pk: 0}


def test_token_list_same_json_after_revoke(
    token_client: Callable[..., APIClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = MemberFactory(username="viewer")
    client = token_client(viewer)
    token, _key = services.api_token_create(member=viewer, name="old")
    services.api_token_revoke(token=token, by=viewer)
    fast = client.get("/api/tokens/").content
    _drf_paths(monkeypatch)
    assert fast == client.get("/api/tokens/").content


@pytest.mark.parametrize("endpoint", ["reviews", "papers", "comments", "entries", "members"])
def test_list_rows_read_plainly(
    api: APIClient, monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    # The big lists never take DRF's per-field path (nor fall back to it row by row).
    _world(MemberFactory(username="viewer"))

    def refuse(*args: Any) -> None:
        raise AssertionError("DRF's get_attribute was called")

    monkeypatch.setattr(fields.Field, "get_attribute", refuse)
    response = api.get(f"/api/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["results"]


def _finished_run(review: Review, by: Member) -> ExperimentRun:
    now = timezone.now()
    return ExperimentRun.objects.create(
        review=review,
        requested_by=by,
        experiment="swa",
        preset="tiny",
        config={"epochs": 2},
        status="succeeded",
        time_limit_s=60,
        attempts=1,
        started_at=now - timedelta(minutes=1),
        heartbeat_at=now,
        finished_at=now,
    )


@pytest.mark.parametrize("kind", ["anonymous", "token"])
def test_run_list_queries_constant_3_vs_30_items(
    token_client: Callable[..., APIClient], kind: str
) -> None:
    viewer = MemberFactory(username="viewer")
    client = APIClient() if kind == "anonymous" else token_client(viewer)
    if kind == "token":
        assert client.get("/api/members/me/").status_code == 200  # sets last_used_at
    review = make_review()
    counts = []
    for n in (SMALL, LARGE - SMALL):
        for _ in range(n):
            _finished_run(review, viewer)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/runs/", {"page_size": 100})
        assert response.status_code == 200
        counts.append((len(queries), response.json()["count"]))
    token_lookup = 0 if kind == "anonymous" else 1
    # runs + review + requester (no COUNT: the page has room to spare); no reap check when
    # none is active
    assert counts == [(1 + token_lookup, SMALL), (1 + token_lookup, LARGE)]


def test_experiment_list_one_query(api: APIClient) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/experiments/").status_code == 200
    assert len(queries) == 1  # the demo papers' ids
