"""Concurrent API writes: one PATCH per ETag wins, and unique races answer 400, not 500.

Django's test client runs the view in the calling thread, so each thread below is a real
request (authentication, If-Match check, review_save) on its own database connection.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection
from rest_framework.test import APIClient

from reviews import services
from reviews.api.serializers import EntrySerializer
from reviews.importers import fetch as fetch_module
from reviews.models import Member, Paper, ReadingListEntry, Review, ReviewRevision
from reviews.services import imports as imports_service
from tests.conftest import services_required
from tests.factories import MemberFactory, PaperFactory, ReadingListFactory

pytestmark = pytest.mark.django_db(transaction=True)

CONTENT = services.ReviewContent(
    tldr="Before the race.",
    introduction="Intro.",
    core_algorithm="Algorithm.",
    results="Results.",
    thoughts="Thoughts.",
)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        if services_required():
            pytest.fail("API concurrency is tested on PostgreSQL in CI")
        pytest.skip("row locking is tested on PostgreSQL")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Factories set a password for every member; PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(member: Member) -> APIClient:
    _token, key = services.api_token_create(member=member, name="race")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def race(review: Review, bodies: list[dict[str, Any]], author: Member) -> list[tuple[int, Any]]:
    """PATCH every body at once with the same ETag; (status, response) in thread order."""
    clients = [quiet_client(author) for _ in bodies]
    if_match = f'"review-{review.pk}-v{review.version}"'
    barrier = threading.Barrier(len(bodies))
    outcomes: list[tuple[int, Any] | None] = [None] * len(bodies)

    def patch(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            response = clients[i].patch(
                f"/api/reviews/{review.pk}/", bodies[i], format="json", HTTP_IF_MATCH=if_match
            )
            outcomes[i] = (response.status_code, response)
        except Exception as error:  # reported below as the thread's outcome
            outcomes[i] = (0, error)
        finally:
            connection.close()

    threads = [threading.Thread(target=patch, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(o is not None for o in outcomes), outcomes
    return [o for o in outcomes if o is not None]


def pause_after(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, parties: int) -> None:
    """Make `owner.name` wait for all `parties` requests, so each validates before any saves."""
    barrier = threading.Barrier(parties)
    original = getattr(owner, name)

    def validated_then_wait(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        try:
            barrier.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        return result

    monkeypatch.setattr(owner, name, validated_then_wait)


def post_at_once(clients: list[APIClient], path: str, bodies: list[dict[str, Any]]) -> list[int]:
    codes: list[int] = [0] * len(clients)

    def post(i: int) -> None:
        try:
            codes[i] = clients[i].post(path, bodies[i], format="json").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(codes)


def quiet_client(member: Member) -> APIClient:
    # A 500 comes back as a response: the test client's exception signal is process-wide and
    # would otherwise re-raise one thread's error in every thread.
    client = client_for(member)
    client.raise_request_exception = False
    return client


def test_two_patches_same_etag_one_200_one_412() -> None:
    author = MemberFactory(username="racer")
    review = services.review_create(paper=PaperFactory(), author=author, content=CONTENT)
    outcomes = race(review, [{"tldr": "left"}, {"tldr": "right"}], author)
    codes = sorted(code for code, _response in outcomes)
    assert codes == [200, 412]
    winner = next(i for i, (code, _r) in enumerate(outcomes) if code == 200)
    loser = outcomes[1 - winner][1]
    review.refresh_from_db()
    assert review.version == 2
    assert review.tldr == ("left", "right")[winner]
    assert loser["ETag"] == f'"review-{review.pk}-v2"'


def test_twenty_patches_same_etag_exactly_one_wins_nothing_lost() -> None:
    author = MemberFactory(username="racer")
    review = services.review_create(paper=PaperFactory(), author=author, content=CONTENT)
    published = services.review_save(
        review=review, by=author, content=CONTENT, expected_version=1, publish=True
    )
    bodies = [{"thoughts": f"writer {i} 의 생각", "tldr": f"writer {i}"} for i in range(20)]
    outcomes = race(published, bodies, author)
    codes = [code for code, _response in outcomes]
    assert (codes.count(200), codes.count(412)) == (1, 19), codes
    winner = codes.index(200)
    review.refresh_from_db()
    assert review.version == 3
    assert (review.thoughts, review.tldr) == (f"writer {winner} 의 생각", f"writer {winner}")
    assert outcomes[winner][1].json()["thoughts"] == f"writer {winner} 의 생각"
    assert {response["ETag"] for code, response in outcomes if code == 412} == {
        f'"review-{review.pk}-v3"'
    }
    # The winner's save is a publish (the review is published): exactly one new revision.
    assert list(
        ReviewRevision.objects.filter(review=review)
        .order_by("number")
        .values_list("number", "thoughts")
    ) == [(1, "Thoughts."), (2, f"writer {winner} 의 생각")]


# App bug: the uniqueness checks run before the INSERT (check, then act), so two requests that
# both pass them make the second INSERT raise IntegrityError, which nothing turns into a 4xx.
# reviews/services.py paper_save (line ~98) calls paper.full_clean() then paper.save(); fix:
#     try:
#         with transaction.atomic():
#             paper.save()
#     except IntegrityError:
#         raise ValidationError({"arxiv_id": [_("A paper with this arXiv id already exists.")]})
# (the same shape review_create already uses).
def test_concurrent_duplicate_arxiv_id_one_201_one_400(monkeypatch: pytest.MonkeyPatch) -> None:
    member = MemberFactory(username="adder")
    clients = [quiet_client(member), quiet_client(member)]
    pause_after(monkeypatch, Paper, "full_clean", parties=2)
    body = {"authors": ["Pavel Izmailov"], "arxiv_id": "1803.05407"}
    codes = post_at_once(clients, "/api/papers/", [{**body, "title": t} for t in ("A", "B")])
    assert Paper.objects.filter(arxiv_id="1803.05407").count() == 1
    assert codes == [201, 400]


# App bug, same shape: EntryViewSet (reviews/api/views.py) saves through the default
# perform_create/perform_update, so a race past DRF's UniqueTogetherValidator on
# (reading_list, number) or (reading_list, paper) is an IntegrityError and a 500. Fix: in
# EntryViewSet, override perform_create and perform_update to run serializer.save() inside
# `transaction.atomic()` and turn IntegrityError into
# ValidationError({"number": [_("That number or paper is already on this list.")]}).
def test_concurrent_duplicate_entry_number_one_201_one_400(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    organizer = MemberFactory(username="boss", is_staff=True)
    ReadingListFactory(slug="opt")
    papers = [PaperFactory(), PaperFactory()]
    clients = [quiet_client(organizer), quiet_client(organizer)]
    # Serializer.validate runs after the unique-together validators.
    pause_after(monkeypatch, EntrySerializer, "validate", parties=2)
    bodies = [{"reading_list": "opt", "number": 1, "paper": p.pk} for p in papers]
    codes = post_at_once(clients, "/api/entries/", bodies)
    assert ReadingListEntry.objects.count() == 1
    assert codes == [201, 400]


def test_concurrent_arxiv_imports_of_one_paper_add_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Both requests fetch and find no paper before either saves; the one that loses the
    # insert merges into the winner's paper instead of failing.
    recorded = (Path(__file__).parent.parent / "data" / "arxiv" / "1711.09846.xml").read_bytes()
    monkeypatch.setattr(fetch_module, "resolve_host", lambda host, port: ["151.101.3.42"])
    monkeypatch.setattr(
        fetch_module,
        "TRANSPORT",
        httpx.MockTransport(lambda r: httpx.Response(200, content=recorded)),
    )
    pause_after(monkeypatch, imports_service, "papers_import_preview", parties=2)
    clients = [quiet_client(MemberFactory(username=name)) for name in ("first", "second")]
    codes = post_at_once(clients, "/api/papers/arxiv/", [{"id": "1711.09846"}] * 2)
    assert sorted(codes) == [200, 201]
    assert Paper.objects.filter(arxiv_id="1711.09846").count() == 1
