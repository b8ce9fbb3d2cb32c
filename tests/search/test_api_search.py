"""`?search=` on the API's lists goes through the index."""

from __future__ import annotations

import pytest
from django.db import connection  # noqa: F401  (read by the skipif condition)
from rest_framework.test import APIClient

from reviews.models import Member
from tests.factories import EntryFactory, PaperFactory, make_comment, make_review

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="ranking is PostgreSQL's full-text search"
)


def ids(response) -> list[int]:  # noqa: ANN001
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_review_search_finds_published_text_and_only_my_own_drafts(
    member: Member, other: Member
) -> None:
    published = make_review(results="정규화 알고리즘을 비교한다.")
    mine = make_review(author=member, published=False, results="내 초안의 알고리즘은 비밀.")
    make_review(author=other, published=False, results="남의 초안 알고리즘이다.")
    client = APIClient()
    assert ids(client.get("/api/reviews/", {"search": "알고리즘"})) == [published.pk]
    client.force_authenticate(member)
    assert sorted(ids(client.get("/api/reviews/", {"search": "알고리즘"}))) == sorted(
        [published.pk, mine.pk]
    )


def test_comment_search_uses_the_index(member: Member) -> None:
    review = make_review()
    comment = make_comment(review=review, author=member, body="학습률을 어떻게 정했나요?")
    make_comment(review=review, author=member, body="Unrelated.")
    assert ids(APIClient().get("/api/comments/", {"search": "학습률"})) == [comment.pk]


def test_entry_search_narrows_a_reading_list() -> None:
    entry = EntryFactory(paper=PaperFactory(title="Batch Normalization"))
    EntryFactory(reading_list=entry.reading_list, paper=PaperFactory(title="Layer norm"))
    response = APIClient().get(
        "/api/entries/", {"reading_list": entry.reading_list.slug, "search": "batch"}
    )
    assert ids(response) == [entry.pk]


def test_search_longer_than_the_limit_is_a_field_error() -> None:
    response = APIClient().get("/api/papers/", {"search": "x" * 201})
    assert response.status_code == 400
    assert "search" in response.json()


@postgres_only
def test_paper_search_ranks_own_details_first_unless_ordering_is_asked() -> None:
    in_reviews = PaperFactory(title="A unrelated title")
    make_review(paper=in_reviews, introduction="dropout regularizes")
    in_title = PaperFactory(title="Dropout: a simple way")
    client = APIClient()
    assert ids(client.get("/api/papers/", {"search": "dropout"})) == [in_title.pk, in_reviews.pk]
    by_title = client.get("/api/papers/", {"search": "dropout", "ordering": "title"})
    assert ids(by_title) == [in_reviews.pk, in_title.pk]
