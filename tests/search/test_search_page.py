"""`/search/`, `/api/search/` and the papers index `/papers/`."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import Paper
from search import urls as search_urls
from tests.factories import (
    EntryFactory,
    MemberFactory,
    PaperFactory,
    ReadingListFactory,
    TagFactory,
    make_comment,
    make_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus() -> dict[str, object]:
    """A small fixed corpus in Korean and English, with a draft that must never show."""
    lottery = PaperFactory(title="The Lottery Ticket Hypothesis", arxiv_id="1803.03635")
    swa = PaperFactory(title="Averaging Weights Leads to Wider Optima", doi="10.5555/swa.2018")
    author = MemberFactory(username="minji", display_name="김민지", bio="강화학습과 가지치기")
    published = make_review(
        paper=lottery,
        author=author,
        core_algorithm="가중치를 반복해서 가지치기하는 알고리즘을 쓴다. Iterative pruning.",
    )
    make_review(paper=swa, published=False, thoughts="비밀초안단어 secretdraftword")
    make_comment(review=published, author=MemberFactory(), body="가지치기 비율은 어떻게 정했나요?")
    return {"lottery": lottery, "swa": swa, "review": published}


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
