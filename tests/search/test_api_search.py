"""`/api/search/` with its filters, and `?search=` on the API's lists through the index."""

from __future__ import annotations

import pytest
from django.db import connection
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from reviews.models import Member
from tests.factories import EntryFactory, PaperFactory, make_comment, make_review
from tests.search.conftest import FILTERS, LOTTERY, SWA

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="ranking is PostgreSQL's full-text search"
)


def hits(params: dict[str, str]) -> dict[str, list[str]]:
    """Per kind, what `/api/search/`'s hits name, sorted (as the page test's `found`)."""
    response = APIClient().get("/api/search/", params)
    assert response.status_code == 200, response.content
    return {
        kind: sorted(hit["title"].rpartition(" on the review of ")[2] for hit in rows)
        for kind, rows in response.json()["results"].items()
    }


def test_api_search_cohort_filter_keeps_that_cohorts_hits(corpus: dict) -> None:
    assert hits({"q": "가지치기", "cohort": "fall-2024"}) == {
        "paper": [SWA, FILTERS],
        "section": [FILTERS],
        "comment": [FILTERS],
        "member": ["박지우", "최하나"],
    }


def test_api_search_tag_filter_keeps_tagged_papers_and_their_published_reviewers(
    corpus: dict,
) -> None:
    assert hits({"q": "가지치기", "tag": "pruning"}) == {
        "paper": [FILTERS, LOTTERY],
        "section": [FILTERS, LOTTERY],
        "comment": [FILTERS, LOTTERY],
        "member": ["김민지", "박지우"],
    }


def test_api_search_cohort_and_tag_together_keep_what_both_keep(corpus: dict) -> None:
    both = {"q": "가지치기", "cohort": "spring-2024", "tag": "pruning"}
    assert hits(both) == {
        "paper": [LOTTERY],
        "section": [LOTTERY],
        "comment": [LOTTERY],
        "member": ["김민지"],
    }
    assert hits({**both, "kind": "section"}) == {"section": [LOTTERY]}


def test_api_search_blank_filters_narrow_nothing(corpus: dict) -> None:
    assert hits({"q": "가지치기", "cohort": "", "tag": ""}) == hits({"q": "가지치기"})


def test_api_search_with_filters_never_shows_drafts(corpus: dict) -> None:
    # SWA's only review, a draft, holds both words: none of it is found.
    assert hits({"q": "가지치기 secretdraftword", "cohort": "fall-2024"}) == {
        "paper": [],
        "section": [],
        "comment": [],
        "member": [],
    }
    assert hits({"q": "가지치기", "tag": "optimization"})["section"] == []


@pytest.mark.parametrize(("field", "slug"), [("cohort", "no-such-cohort"), ("tag", "no-such-tag")])
def test_api_search_unknown_slug_is_400_with_the_field(corpus: dict, field: str, slug: str) -> None:
    response = APIClient().get("/api/search/", {"q": "가지치기", field: slug})
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_api_search_queries_are_bounded_with_filters(
    corpus: dict, django_assert_num_queries
) -> None:
    params = {"q": "가지치기", "cohort": "fall-2024", "tag": "pruning"}
    # The cohort and the tag by slug (one query each), then each kind's hits: PostgreSQL
    # ranks the papers or counts a kind's matches first.
    # The scope's ids, once a search: the papers of the cohort and of the tag, the cohort's
    # members and the tag's reviewers.
    per_kind = 2 if connection.vendor == "postgresql" else 1
    with django_assert_num_queries(2 + 4 + 4 * per_kind):
        assert APIClient().get("/api/search/", params).status_code == 200


def test_api_search_schema_documents_the_filters() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/search/"]["get"]["parameters"]
    assert {p["name"] for p in parameters if p["in"] == "query"} == {"q", "kind", "cohort", "tag"}


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
