"""Every list endpoint runs a fixed number of queries, whether it lists 3 items or 30.

The counts are pinned: a new query per page is a review decision, not an accident.
Token clients make one warm-up request first, so the once-a-minute `last_used_at`
write of the token authentication is not in the measured request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from reviews import services
from reviews.models import Bookmark, EntryStatus, Member, Review
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

# endpoint: (anonymous, token). None: members only, anonymous gets 401.
# anonymous: count + page. token: + 1 for the token lookup (token joined with its member).
# No COUNT query: a first page with room to spare holds the whole list (CountingPaginator).
EXPECTED_QUERIES: dict[str, tuple[int | None, int]] = {
    # papers + added_by, their tags' slugs inline on PostgreSQL (else a prefetch)
    "papers": (1, 2) if connection.vendor == "postgresql" else (2, 3),
    "reviews": (1, 2),  # reviews + paper + author
    "comments": (1, 2),  # comments + author (visible reviews as a subquery)
    "members": (1, 2),  # members
    "cohorts": (2, 3),  # cohorts, memberships + member prefetch
    "reading-lists": (1, 2),  # lists + cohort
    "entries": (1, 2),  # entries + list + paper, annotations inline
    "reading-status": (None, 2),
    "bookmarks": (None, 2),
    "tokens": (None, 2),
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Factories set a password for every member; PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _papers(n: int, viewer: Member) -> None:
    tags = [TagFactory(name="vision", slug="vision"), TagFactory(name="nlp", slug="nlp")]
    for _ in range(n):
        PaperFactory(tags=tags, added_by=MemberFactory())


def _reviews(n: int, viewer: Member) -> None:
    tag = TagFactory(name="vision", slug="vision")
    for _ in range(n):
        make_review(paper=PaperFactory(tags=[tag]))


def _comments(n: int, viewer: Member) -> None:
    reviews = [make_review(), make_review()]
    parent = make_comment(review=reviews[0], author=MemberFactory())
    for i in range(n - 1):
        review = reviews[i % 2]
        make_comment(
            review=review,
            author=MemberFactory(),
            body=f"Comment {i} with $x_{i}$.",
            parent=parent if review == reviews[0] else None,
        )


def _members(n: int, viewer: Member) -> None:
    for _ in range(n):
        MemberFactory()


def _cohorts(n: int, viewer: Member) -> None:
    for _ in range(n):
        cohort = CohortFactory()
        MembershipFactory(cohort=cohort, member=MemberFactory())
        MembershipFactory(cohort=cohort, member=MemberFactory(), role="organizer")


def _reading_lists(n: int, viewer: Member) -> None:
    for _ in range(n):
        ReadingListFactory()


def _entries(n: int, viewer: Member) -> None:
    reading_list = ReadingListFactory()
    for _ in range(n):
        entry = EntryFactory(reading_list=reading_list)
        make_review(paper=entry.paper)
        EntryStatus.objects.create(entry=entry, member=viewer, status="reading")


def _reading_status(n: int, viewer: Member) -> None:
    for _ in range(n):
        EntryStatus.objects.create(entry=EntryFactory(), member=viewer, status="reviewed")


def _bookmarks(n: int, viewer: Member) -> None:
    for _ in range(n):
        Bookmark.objects.create(member=viewer, paper=PaperFactory())


def _tokens(n: int, viewer: Member) -> None:
    for i in range(n):
        services.api_token_create(member=viewer, name=f"script {i}")


BUILDERS: dict[str, Callable[[int, Member], None]] = {
    "papers": _papers,
    "reviews": _reviews,
    "comments": _comments,
    "members": _members,
    "cohorts": _cohorts,
    "reading-lists": _reading_lists,
    "entries": _entries,
    "reading-status": _reading_status,
    "bookmarks": _bookmarks,
    "tokens": _tokens,
}


def _count_queries(client: APIClient, endpoint: str) -> tuple[int, int]:
    """(queries, rows) for one request listing the endpoint with everything on one page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/{endpoint}/", {"page_size": 50})
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


def _viewer_and_client(kind: str, token_client: Callable[..., APIClient]) -> tuple[Member, Any]:
    viewer = MemberFactory(username="viewer")
    if kind == "anonymous":
        return viewer, APIClient()
    client = token_client(viewer)
    assert client.get("/api/members/me/").status_code == 200  # warm-up: sets last_used_at
    return viewer, client


def _rows_expected(endpoint: str, n: int) -> int:
    # The members list includes the viewer; the token list includes the client's token.
    return n + 1 if endpoint in ("members", "tokens") else n


def _params() -> list[Any]:
    params = []
    for endpoint, (anonymous, token) in EXPECTED_QUERIES.items():
        if anonymous is not None:
            params.append(pytest.param(endpoint, "anonymous", anonymous))
        params.append(pytest.param(endpoint, "token", token))
    return params


@pytest.mark.parametrize(("endpoint", "kind", "expected"), _params())
def test_list_queries_constant_3_vs_30_items(
    token_client: Callable[..., APIClient], endpoint: str, kind: str, expected: int
) -> None:
    viewer, client = _viewer_and_client(kind, token_client)
    build = BUILDERS[endpoint]
    build(SMALL, viewer)
    small = _count_queries(client, endpoint)
    build(LARGE - SMALL, viewer)
    large = _count_queries(client, endpoint)
    assert (small[1], large[1]) == (
        _rows_expected(endpoint, SMALL),
        _rows_expected(endpoint, LARGE),
    )
    assert (small[0], large[0]) == (expected, expected)


def test_full_first_page_counts_with_one_query_more(api: APIClient) -> None:
    viewer = MemberFactory(username="viewer")
    _papers(LARGE, viewer)
    pages = []
    for page in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/papers/", {"page_size": 20, "page": page})
        data = response.json()
        pages.append((len(queries), data["count"], len(data["results"]), bool(data["next"])))
    first = EXPECTED_QUERIES["papers"][0] + 1  # the page read one row more, then COUNT
    assert pages == [(first, LARGE, 20, True), (first, LARGE, LARGE - 20, False)]


@pytest.mark.parametrize("endpoint", ["reading-status", "bookmarks", "tokens"])
def test_members_only_list_anonymous_401(api: APIClient, endpoint: str) -> None:
    assert api.get(f"/api/{endpoint}/").status_code == 401


def test_review_list_with_own_drafts_constant(token_client: Callable[..., APIClient]) -> None:
    viewer, client = _viewer_and_client("token", token_client)
    for _ in range(SMALL):
        make_review(author=viewer, published=False)
    small = _count_queries(client, "reviews")
    for _ in range(LARGE - SMALL):
        make_review(author=viewer, published=False)
    large = _count_queries(client, "reviews")
    assert Review.objects.filter(author=viewer, status="draft").count() == LARGE
    assert (small, large) == ((2, SMALL), (2, LARGE))  # token + member, page
