"""`/search/`, `/api/search/` and the papers index `/papers/`."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from reviews.models import Paper
from search import selectors
from search import urls as search_urls
from tests.factories import (
    EntryFactory,
    MemberFactory,
    PaperFactory,
    ReadingListFactory,
    TagFactory,
    make_review,
)
from tests.search.conftest import FILTERS, LOTTERY, SWA

pytestmark = pytest.mark.django_db


def found(params: dict[str, str]) -> dict[str, list[str]]:
    """Per kind, what the page's hits name, sorted: the paper's title for a paper, a review
    section or a comment on a review; the member's name for a member."""
    response = Client().get(reverse("search:search"), params)
    assert response.status_code == 200, response.content
    return {
        kind: sorted(row.title.rpartition(" on the review of ")[2] for row in rows)
        for kind, _label, rows in response.context["results"]
    }


def test_search_page_ranks_hits_with_korean_snippets_and_sections(corpus: dict) -> None:
    page = Client().get(reverse("search:search"), {"q": "알고리즘"}).content.decode()
    assert "<mark>알고리즘</mark>" in page or "<mark>알고리즘을</mark>" in page
    assert "Core algorithm" in page
    assert f"{corpus['review'].get_absolute_url()}#core_algorithm" in page


def test_search_page_finds_comments_and_members(corpus: dict) -> None:
    page = Client().get(reverse("search:search"), {"q": "가지치기"}).content.decode()
    assert 'id="results-comment"' in page
    assert 'id="results-member"' in page
    only = Client().get(reverse("search:search"), {"q": "가지치기", "kind": "member"})
    assert 'id="results-comment"' not in only.content.decode()


def test_search_never_shows_draft_text(corpus: dict) -> None:
    for word in ("비밀초안단어", "secretdraftword"):
        page = Client().get(reverse("search:search"), {"q": word}).content.decode()
        assert "search-hit" not in page
        body = Client().get(reverse("api-search"), {"q": word}).json()
        assert not any(body["results"].values())


def test_search_page_without_filters_finds_every_kind(corpus: dict) -> None:
    assert found({"q": "가지치기"}) == {
        "paper": [SWA, FILTERS, LOTTERY],
        "section": [FILTERS, LOTTERY],
        "comment": [FILTERS, LOTTERY],
        "member": ["김민지", "박지우", "초안작가", "최하나"],
    }


def test_search_page_cohort_filter_keeps_that_cohorts_papers_reviews_comments_members(
    corpus: dict,
) -> None:
    assert found({"q": "가지치기", "cohort": "spring-2024"}) == {
        "paper": [LOTTERY],
        "section": [LOTTERY],
        "comment": [LOTTERY],
        "member": ["김민지"],
    }
    assert found({"q": "가지치기", "cohort": "fall-2024"}) == {
        "paper": [SWA, FILTERS],
        "section": [FILTERS],
        "comment": [FILTERS],
        "member": ["박지우", "최하나"],
    }


def test_search_page_tag_filter_keeps_tagged_papers_and_their_published_reviewers(
    corpus: dict,
) -> None:
    assert found({"q": "가지치기", "tag": "pruning"}) == {
        "paper": [FILTERS, LOTTERY],
        "section": [FILTERS, LOTTERY],
        "comment": [FILTERS, LOTTERY],
        "member": ["김민지", "박지우"],
    }
    # SWA's only review is a draft: its author has reviewed nothing tagged optimization.
    assert found({"q": "가지치기", "tag": "optimization"}) == {
        "paper": [SWA],
        "section": [],
        "comment": [],
        "member": [],
    }


def test_search_page_cohort_and_tag_together_keep_what_both_keep(corpus: dict) -> None:
    assert found({"q": "가지치기", "cohort": "fall-2024", "tag": "pruning"}) == {
        "paper": [FILTERS],
        "section": [FILTERS],
        "comment": [FILTERS],
        "member": ["박지우"],
    }
    nothing = found({"q": "가지치기", "cohort": "spring-2024", "tag": "optimization"})
    assert not any(nothing.values())


def test_search_page_filters_hold_when_matches_are_many(
    corpus: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past FEW_MATCHES a kind's hits are the newest matches (PostgreSQL), still in scope."""
    monkeypatch.setattr(selectors, "FEW_MATCHES", 0)
    assert found({"q": "가지치기", "cohort": "fall-2024", "tag": "pruning"}) == {
        "paper": [FILTERS],
        "section": [FILTERS],
        "comment": [FILTERS],
        "member": ["박지우"],
    }
    assert found({"q": "가지치기"})["member"] == ["김민지", "박지우", "초안작가", "최하나"]


def test_search_page_filters_narrow_one_kind(corpus: dict) -> None:
    params = {"q": "가지치기", "kind": "member", "cohort": "fall-2024", "tag": "pruning"}
    assert found(params) == {"member": ["박지우"]}


def test_search_page_with_filters_never_shows_draft_text(corpus: dict) -> None:
    for params in ({"cohort": "fall-2024"}, {"tag": "optimization"}):
        page = Client().get(reverse("search:search"), {"q": "secretdraftword", **params})
        assert page.status_code == 200
        assert "search-hit" not in page.content.decode()
        body = Client().get(reverse("api-search"), {"q": "secretdraftword", **params}).json()
        assert not any(body["results"].values())


@pytest.mark.parametrize(("field", "slug"), [("cohort", "no-such-cohort"), ("tag", "no-such-tag")])
def test_search_page_unknown_slug_is_400_with_the_field(
    corpus: dict, field: str, slug: str
) -> None:
    response = Client().get(reverse("search:search"), {"q": "가지치기", field: slug})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    page = response.content.decode()
    assert 'class="field-error"' in page
    assert 'value="가지치기"' in page


def test_search_page_shows_the_filters_and_keeps_them_between_kinds(corpus: dict) -> None:
    params = {"q": "가지치기", "cohort": "fall-2024", "tag": "pruning"}
    page = Client().get(reverse("search:search"), params).content.decode()
    assert '<option value="">Any cohort</option>' in page
    assert '<option value="fall-2024" selected>Fall 2024</option>' in page
    assert '<option value="">Any tag</option>' in page
    assert '<option value="pruning" selected>Pruning</option>' in page
    only_members = escape("?" + urlencode({**params, "kind": "member"}))
    assert f'href="{only_members}"' in page


def test_search_page_queries_are_bounded_with_filters(
    corpus: dict, django_assert_num_queries
) -> None:
    params = {"q": "가지치기", "cohort": "fall-2024", "tag": "pruning"}
    # The cohorts and the tags (one query each: the <select>s and their checks), the arXiv
    # id and DOI look-ups none (the query is neither), then each kind's hits: PostgreSQL
    # ranks the papers or counts a kind's matches first.
    # The scope's ids, once a search: the papers of the cohort and of the tag, the cohort's
    # members and the tag's reviewers.
    per_kind = 2 if connection.vendor == "postgresql" else 1
    with django_assert_num_queries(2 + 4 + 4 * per_kind):
        assert Client().get(reverse("search:search"), params).status_code == 200


@pytest.mark.parametrize(
    "query", ["1803.03635", "arXiv:1803.03635v2", "https://arxiv.org/abs/1803.03635"]
)
def test_arxiv_id_goes_straight_to_the_paper(corpus: dict, query: str) -> None:
    response = Client().get(reverse("search:search"), {"q": query})
    assert response.status_code == 302
    assert response["Location"] == corpus["lottery"].get_absolute_url()


def test_doi_goes_straight_to_the_paper(corpus: dict) -> None:
    response = Client().get(reverse("search:search"), {"q": "https://doi.org/10.5555/SWA.2018"})
    assert response["Location"] == corpus["swa"].get_absolute_url()


def test_unknown_arxiv_id_offers_to_add_it(corpus: dict) -> None:
    client = Client()
    client.force_login(MemberFactory())
    page = client.get(reverse("search:search"), {"q": "2401.00001"}).content.decode()
    assert "2401.00001" in page
    assert f"{reverse('arxiv_import')}?query=2401.00001" in page
    form = client.get(f"{reverse('arxiv_import')}?query=2401.00001").content.decode()
    assert 'value="2401.00001"' in form


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 200),
        ("   ", 200),
        ("!!! ??? ...", 200),
        ('"unbalanced', 200),
        ("a" * 1000, 400),
        ("(*&^%$#@", 200),
    ],
)
def test_bad_queries_get_an_answer_never_an_error(corpus: dict, query: str, status: int) -> None:
    response = Client().get(reverse("search:search"), {"q": query})
    assert response.status_code == status
    api = Client().get(reverse("api-search"), {"q": query})
    assert api.status_code == (400 if status == 400 else 200)


def test_nul_in_the_query_is_refused(corpus: dict) -> None:
    assert Client().get("/search/?q=a%00b").status_code == 400
    assert Client().get("/api/search/?q=a%00b").status_code == 400


def test_api_search_answers_hits_and_names_the_paper_of_an_id(corpus: dict) -> None:
    body = Client().get(reverse("api-search"), {"q": "pruning", "kind": "section"}).json()
    (hit,) = body["results"]["section"]
    assert hit["title"] == corpus["lottery"].title
    assert hit["url"].endswith("#core_algorithm")
    assert "<mark>" in hit["snippet"]
    named = Client().get(reverse("api-search"), {"q": "1803.03635"}).json()
    assert named["paper"].endswith(corpus["lottery"].get_absolute_url())
    bad = Client().get(reverse("api-search"), {"q": "x", "kind": "gossip"})
    assert bad.status_code == 400 and "kind" in bad.json()


def test_search_routes_are_public_reads() -> None:
    assert [p.name for p in search_urls.urlpatterns] == ["search"]
    assert Client().post(reverse("search:search")).status_code == 405


def test_papers_index_filters_sorts_and_pages() -> None:
    vision = TagFactory(name="vision", slug="vision")
    listed = PaperFactory(title="Listed paper", year=2020, venue="ICML 2020", tags=[vision])
    reading_list = ReadingListFactory()
    EntryFactory(paper=listed, reading_list=reading_list)
    make_review(paper=listed)
    make_review(paper=listed)
    lonely = PaperFactory(title="A paper on no list", year=2019, venue="NeurIPS")
    for n in range(55):
        PaperFactory(title=f"Filler {n:02d}", year=2018)
    client = Client()

    def titles(**params: str) -> list[str]:
        page = client.get(reverse("paper_index"), params)
        assert page.status_code == 200
        return [p.title for p in page.context["papers"]]

    assert titles(listed="no", year="2019") == [lonely.title]
    assert titles(listed="yes") == [listed.title]
    assert titles(reviewed="yes") == [listed.title]
    assert titles(tag="vision") == [listed.title]
    assert titles(venue="icml") == [listed.title]
    assert titles(cohort=reading_list.cohort.slug) == [listed.title]
    assert titles(sort="reviewed")[0] == listed.title
    assert titles(sort="title")[:2] == [lonely.title, "Filler 00"]
    assert len(titles()) == 50
    assert len(titles(page="2")) == Paper.objects.count() - 50


@pytest.mark.parametrize(
    "params", [{"year": "abc"}, {"year": "1200"}, {"sort": "random"}, {"listed": "maybe"}]
)
def test_papers_index_bad_filter_is_400_with_the_field(params: dict) -> None:
    response = Client().get(reverse("paper_index"), params)
    assert response.status_code == 400
    assert b'class="field-error"' in response.content
