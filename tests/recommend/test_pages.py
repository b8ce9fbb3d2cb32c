"""The "For you" page, "Not for me" and its undo, and the paper page's neighbours."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommend import compute
from recommend import urls as recommend_urls
from recommend.models import Dismissal
from reviews.models import Member
from tests.factories import MemberFactory, make_review

from .corpus import Corpus

pytestmark = pytest.mark.django_db


def _client(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


# Route → method and the status for a signed-in member; anonymous visitors sign in first.
PAGES = {"for_you": ("GET", 200), "not_for_me": ("POST", 302), "undo": ("POST", 302)}


def test_pages_matrix_names_every_route() -> None:
    assert {p.name for p in recommend_urls.urlpatterns} == set(PAGES)


@pytest.mark.parametrize("route", list(PAGES))
def test_pages_matrix_row(corpus: Corpus, reader: Member, route: str) -> None:
    method, status = PAGES[route]
    paper = corpus.papers["graphs"][0]
    url = reverse(f"recommend:{route}", args=[] if route == "for_you" else [paper.pk])
    anonymous = getattr(Client(), method.lower())(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert getattr(_client(reader), method.lower())(url).status_code == status
    other = "post" if method == "GET" else "get"
    assert getattr(_client(reader), other)(url).status_code == 405


def test_for_you_shows_reasons_and_not_for_me(corpus: Corpus, reader: Member) -> None:
    page = _client(reader).get(reverse("recommend:for_you")).content.decode()
    assert "From the rest of the group" in page
    assert 'class="why"' in page and 'class="term"' in page
    assert 'class="link-button not-for-me"' in page
    for bookmarked in corpus.papers["rl"][:2]:
        assert f'id="recommendation-{bookmarked.pk}"' not in page


def test_for_you_reads_in_few_queries(reader: Member) -> None:
    client = _client(reader)
    client.get(reverse("recommend:for_you"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("recommend:for_you"))
    mine = [q for q in queries.captured_queries if "recommend_" in q["sql"]]
    assert len(mine) == 2  # the recommendations, and the "not for me" list


def test_not_for_me_then_undo(corpus: Corpus, reader: Member) -> None:
    client = _client(reader)
    paper = corpus.papers["rl"][2]
    response = client.post(reverse("recommend:not_for_me", args=[paper.pk]), follow=True)
    page = response.content.decode()
    assert f'id="recommendation-{paper.pk}"' not in page
    assert f'id="dismissal-{paper.pk}"' in page and "will not be recommended" in page
    # Twice is once.
    client.post(reverse("recommend:not_for_me", args=[paper.pk]))
    assert Dismissal.objects.filter(member=reader).count() == 1
    page = client.post(reverse("recommend:undo", args=[paper.pk]), follow=True).content.decode()
    assert f'id="dismissal-{paper.pk}"' not in page and "can be recommended" in page
    assert not Dismissal.objects.exists()


def test_not_for_me_unknown_paper_404_changes_nothing(reader: Member) -> None:
    client = _client(reader)
    assert client.post(reverse("recommend:not_for_me", args=[999999])).status_code == 404
    assert client.post(reverse("recommend:undo", args=[999999])).status_code == 404
    assert not Dismissal.objects.exists()


def test_for_you_cold_start_page_says_how_to_teach_it(corpus: Corpus) -> None:
    make_review(paper=corpus.papers["graphs"][1])
    page = _client(MemberFactory(username="new")).get(reverse("recommend:for_you"))
    text = page.content.decode()
    assert "What your cohorts read most" in text
    assert f'id="recommendation-{corpus.papers["graphs"][1].pk}"' in text


def test_for_you_in_korean(reader: Member) -> None:
    reader.preferred_language = "ko"
    reader.save()
    page = _client(reader).get(reverse("recommend:for_you")).content.decode()
    assert "나에게 맞지 않음" in page


def test_paper_page_shows_similar_papers_and_who_can_help(corpus: Corpus) -> None:
    ppo, dqn = corpus.papers["rl"][:2]
    make_review(paper=dqn, author=MemberFactory(username="helper", display_name="도우미"))
    make_review(paper=dqn, author=MemberFactory(username="drafter"), published=False)
    compute.vectors_rebuild()
    page = Client().get(ppo.get_absolute_url()).content.decode()
    assert "Similar papers" in page and dqn.title in page
    assert "Who can help" in page and "도우미" in page
    assert "reviewed 1 similar paper" in page
    assert "drafter" not in page
    # Not the member reading it.
    helper = Member.objects.get(username="helper")
    page = _client(helper).get(ppo.get_absolute_url()).content.decode()
    assert "Who can help" not in page


def test_paper_page_neighbours_cost_three_queries(corpus: Corpus) -> None:
    ppo = corpus.papers["rl"][0]
    compute.vectors_rebuild()
    client = Client()
    client.get(ppo.get_absolute_url())
    with CaptureQueriesContext(connection) as with_model:
        client.get(ppo.get_absolute_url())
    neighbours = [
        q
        for q in with_model.captured_queries
        if any(
            name in q["sql"] for name in ("recommend_similarpaper", "shared_reviewers", '"this"')
        )
    ]
    assert len(neighbours) == 3
