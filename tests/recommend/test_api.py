"""`/api/recommendations/` and `/api/papers/{id}/related/`: who may call what, and answers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from recommend import compute
from recommend.api import urls as recommend_api_urls
from recommend.models import Dismissal
from reviews.models import Member
from tests.factories import MemberFactory, make_review

from .corpus import Corpus

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX: dict[tuple[str, str], tuple[int, int]] = {
    #                                        anon member
    ("recommendations", "GET"):              (401, 200),
    ("not-for-me", "POST"):                  (401, 201),
    ("not-for-me-detail", "DELETE"):         (401, 204),
    ("paper-related", "GET"):                (200, 200),
}
# fmt: on


def _api(member: Member | None) -> APIClient:
    client = APIClient()
    if member is not None:
        client.force_authenticate(member)
    return client


def test_api_matrix_names_every_route() -> None:
    assert {p.name for p in recommend_api_urls.urlpatterns} == {route for route, _ in MATRIX}


@pytest.mark.parametrize("key", list(MATRIX))
def test_api_matrix_row(corpus: Corpus, reader: Member, key: tuple[str, str]) -> None:
    route, method = key
    paper = corpus.papers["graphs"][0]
    args = {"not-for-me-detail": [paper.pk], "paper-related": [paper.pk]}.get(route, [])
    url = reverse(route, args=args)
    got = []
    for member in (None, reader):
        if route == "not-for-me-detail":
            Dismissal.objects.get_or_create(member=reader, paper=paper)
        body = {"paper": paper.pk} if method == "POST" else None
        got.append(getattr(_api(member), method.lower())(url, body, format="json").status_code)
    assert tuple(got) == MATRIX[key]


def test_api_recommendations_answer(corpus: Corpus, reader: Member) -> None:
    data = _api(reader).get("/api/recommendations/").json()
    assert set(data) == {"from_lists", "from_group", "popular", "not_for_me"}
    first = data["from_group"][0]
    assert corpus.topic_of(first["paper"]["id"]) == "rl"
    assert first["terms"] and first["paper"]["url"] == f"/papers/{first['paper']['id']}/"


def test_api_not_for_me_then_undo(corpus: Corpus, reader: Member) -> None:
    client = _api(reader)
    paper = corpus.papers["rl"][2]
    added = client.post("/api/recommendations/not-for-me/", {"paper": paper.pk}, format="json")
    assert added.status_code == 201
    data = client.get("/api/recommendations/").json()
    assert data["not_for_me"] == [paper.pk]
    assert paper.pk not in [r["paper"]["id"] for r in data["from_group"]]
    assert client.delete(f"/api/recommendations/not-for-me/{paper.pk}/").status_code == 204
    assert client.delete(f"/api/recommendations/not-for-me/{paper.pk}/").status_code == 404


@pytest.mark.parametrize("body", [{}, {"paper": 999999}, {"paper": "x"}, {"paper": -1}])
def test_api_not_for_me_bad_paper_400_with_field(reader: Member, body: dict) -> None:
    response = _api(reader).post("/api/recommendations/not-for-me/", body, format="json")
    assert response.status_code == 400
    assert "paper" in response.json()
    assert not Dismissal.objects.exists()


def test_api_related_lists_similar_and_helpers(corpus: Corpus) -> None:
    ppo, dqn = corpus.papers["rl"][:2]
    make_review(paper=dqn, author=MemberFactory(username="helper"))
    compute.vectors_rebuild()
    data = APIClient().get(f"/api/papers/{ppo.pk}/related/").json()
    assert dqn.pk in [p["id"] for p in data["similar"]]
    assert [h["username"] for h in data["who_can_help"]] == ["helper"]
    assert APIClient().get("/api/papers/999999/related/").status_code == 404
