"""Imports and exports through the API: the browser's services behind JSON and file answers.

arXiv and feed URLs are answered by recordings through the fetcher's TRANSPORT hook and a
fake resolver, the one place the app's requests leave the process: no test touches the network.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reviews.api.views import imports as import_views
from reviews.importers import fetch as fetch_module
from reviews.importers.base import PaperData
from reviews.models import Member, Paper, ReadingListEntry, Review
from tests.factories import EntryFactory, MemberFactory, PaperFactory, make_review

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent.parent / "data"
ARXIV_IP = "151.101.3.42"
CITATIONS = (
    '16. Jaderberg, Max, et al. "Population based training of neural networks." '
    "arXiv preprint arXiv:1711.09846 (2017).\n"
    '42.Lim, Sungbin, et al. "Fast autoaugment." Advances in Neural Information '
    "Processing Systems. 2019.\n"
)
BIBTEX = """@article{kim2020,
  title = {Caf{\\'e} and {BERT}: na{\\"\\i}ve attention},
  author = {Kim, Minji and M{\\"u}ller, J{\\"o}rg},
  year = {2020},
  journal = {TMLR},
}
"""
IMPORT = reverse("paper-import")
ARXIV = reverse("paper-arxiv")
FEED = reverse("review-import-feed")


@pytest.fixture
def member() -> Member:
    return MemberFactory(username="minji")


@pytest.fixture
def organizer() -> Member:
    return MemberFactory(username="organizer", is_staff=True)


@pytest.fixture
def client_for(token_client: Callable[[Member], APIClient]) -> Callable[[Member], APIClient]:
    return token_client


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """arXiv as recorded; any other host is offline. Returns the arXiv ids asked for."""
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        return [ARXIV_IP]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["host"] != "export.arxiv.org":
            raise httpx.ConnectTimeout("timed out", request=request)
        arxiv_id = request.url.params["id_list"]
        asked.append(arxiv_id)
        name = {"1711.09846": "1711.09846.xml"}.get(arxiv_id, "no_results.xml")
        content = (DATA / "arxiv" / name).read_bytes()
        return httpx.Response(
            200, content=content, headers={"Content-Type": "application/atom+xml"}
        )

    monkeypatch.setattr(fetch_module, "resolve_host", resolve)
    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(handler))
    return asked


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(handler))


# --- Papers in -----------------------------------------------------------------------------


def test_import_anonymous_401_and_inactive_401(api: APIClient, client_for, member) -> None:
    assert api.post(IMPORT, {"text": CITATIONS}, format="json").status_code == 401
    client = client_for(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.post(IMPORT, {"text": CITATIONS}, format="json").status_code == 401
    assert Paper.objects.count() == 0


def test_import_dry_run_is_default_and_saves_nothing(client_for, member) -> None:
    existing = PaperFactory(title="Fast AutoAugment", arxiv_id="")
    response = client_for(member).post(IMPORT, {"text": CITATIONS}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True and body["kind"] == "citations"
    first, second = body["items"]
    assert (first["number"], first["arxiv_id"], first["status"]) == (16, "1711.09846", "new")
    assert first["title"] == "Population based training of neural networks"
    assert (second["status"], second["matches_paper"]) == ("existing", existing.pk)
    assert second["matched_by"] == "title"
    assert Paper.objects.count() == 1


def test_import_saves_and_reports_ids(client_for, member) -> None:
    existing = PaperFactory(title="Fast AutoAugment", arxiv_id="")
    response = client_for(member).post(IMPORT, {"text": CITATIONS, "dry_run": False}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    created = Paper.objects.get(arxiv_id="1711.09846")
    assert (body["created"], body["merged"], body["entries"]) == ([created.pk], [existing.pk], [])
    assert created.added_by == member


def test_import_bibtex_accents_decoded(client_for, member) -> None:
    response = client_for(member).post(IMPORT, {"text": BIBTEX, "dry_run": False}, format="json")
    assert response.status_code == 200, response.json()
    paper = Paper.objects.get()
    assert response.json()["kind"] == "bibtex"
    assert paper.title == "Café and BERT: naïve attention"
    assert paper.authors == ["Minji Kim", "Jörg Müller"]


def test_import_onto_reading_list_is_for_organizers(client_for, member, organizer) -> None:
    entry = EntryFactory(number=1)
    body = {"text": CITATIONS, "reading_list": entry.reading_list.slug, "dry_run": False}
    refused = client_for(member).post(IMPORT, body, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only organizers can add papers to a reading list."
    dry = client_for(member).post(IMPORT, {**body, "dry_run": True}, format="json")
    assert dry.status_code == 403
    assert Paper.objects.count() == 1  # the entry's own paper

    response = client_for(organizer).post(IMPORT, body, format="json")
    assert response.status_code == 200, response.json()
    numbers = set(
        ReadingListEntry.objects.filter(pk__in=response.json()["entries"]).values_list(
            "number", flat=True
        )
    )
    assert numbers == {16, 42}


def test_import_unknown_reading_list_is_400(client_for, organizer) -> None:
    body = {"text": CITATIONS, "reading_list": "no-such-list"}
    response = client_for(organizer).post(IMPORT, body, format="json")
    assert response.status_code == 400
    assert "reading_list" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": "   \n"}, "text"),
        ({"text": 5}, "text"),
        ({"text": CITATIONS, "dry_run": "yes"}, "dry_run"),
        ({"text": "x" * (2 * 1024 * 1024 + 1)}, "text"),
    ],
)
def test_import_bad_request_is_400_with_field(client_for, member, body, field) -> None:
    response = client_for(member).post(IMPORT, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_import_bibtex_without_authors_is_400_per_item(client_for, member) -> None:
    text = "@article{a, title={Only a title}, year={2020}}\n" + BIBTEX
    response = client_for(member).post(IMPORT, {"text": text, "dry_run": False}, format="json")
    assert response.status_code == 400
    messages = response.json()["text"]
    assert len(messages) == 1 and messages[0].startswith("a “Only a title”")
    assert Paper.objects.count() == 0


# --- arXiv ---------------------------------------------------------------------------------


def test_arxiv_creates_paper_201(client_for, member, _no_network) -> None:
    response = client_for(member).post(ARXIV, {"id": "arXiv:1711.09846v2"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Population Based Training of Neural Networks"
    assert body["arxiv_id"] == "1711.09846"
    assert _no_network == ["1711.09846"]
    assert Paper.objects.get().added_by == member


def test_arxiv_existing_paper_200_without_fetching(client_for, member, _no_network) -> None:
    paper = PaperFactory(arxiv_id="1711.09846")
    response = client_for(member).post(
        ARXIV, {"id": "https://arxiv.org/pdf/1711.09846v1.pdf"}, format="json"
    )
    assert (response.status_code, response.json()["id"]) == (200, paper.pk)
    assert _no_network == []


def test_arxiv_same_title_fills_existing_paper_200(client_for, member, _no_network) -> None:
    paper = PaperFactory(title="Population based training of neural networks.", arxiv_id="")
    response = client_for(member).post(ARXIV, {"id": "1711.09846"}, format="json")
    assert (response.status_code, response.json()["id"]) == (200, paper.pk)
    assert response.json()["arxiv_id"] == "1711.09846"
    assert Paper.objects.count() == 1


def test_arxiv_completes_paper_without_authors_200(client_for, member, _no_network) -> None:
    paper = PaperFactory(title="PBT (from a blog post)", arxiv_id="1711.09846", authors=[])
    response = client_for(member).post(ARXIV, {"id": "1711.09846"}, format="json")
    assert (response.status_code, response.json()["id"]) == (200, paper.pk)
    assert response.json()["authors"][0] == "Max Jaderberg"
    assert response.json()["title"] == "PBT (from a blog post)"
    assert _no_network == ["1711.09846"]


def test_arxiv_record_that_cannot_be_saved_is_502(client_for, member, monkeypatch) -> None:
    record = PaperData(title="x" * 501, authors=["A. Author"], arxiv_id="1711.09846")
    monkeypatch.setattr(import_views, "fetch_arxiv", lambda arxiv_id: record)
    response = client_for(member).post(ARXIV, {"id": "1711.09846"}, format="json")
    assert response.status_code == 502
    assert response.json()["detail"].startswith("arXiv's record of 1711.09846 cannot be saved: ")
    assert Paper.objects.count() == 0


def test_arxiv_offline_is_502_with_detail(client_for, member, offline) -> None:
    response = client_for(member).post(ARXIV, {"id": "1711.09846"}, format="json")
    assert response.status_code == 502
    assert response.json()["detail"] == (
        "Could not reach export.arxiv.org: timed out after 10 s (offline?)."
    )
    assert Paper.objects.count() == 0


def test_arxiv_unknown_id_is_502(client_for, member) -> None:
    response = client_for(member).post(ARXIV, {"id": "2401.00001"}, format="json")
    assert response.status_code == 502
    assert "2401.00001" in response.json()["detail"]


def test_arxiv_bad_id_400_and_anonymous_401(api, client_for, member) -> None:
    response = client_for(member).post(ARXIV, {"id": "not an id"}, format="json")
    assert response.status_code == 400 and "id" in response.json()
    assert api.post(ARXIV, {"id": "1711.09846"}, format="json").status_code == 401


# --- Reviews in ----------------------------------------------------------------------------


def _feed(name: str) -> str:
    return (DATA / "feeds" / name).read_text(encoding="utf-8")


def test_feed_dry_run_previews_and_saves_nothing(client_for, member) -> None:
    PaperFactory(title="Attention Is All You Need", arxiv_id="")
    response = client_for(member).post(FEED, {"feed": _feed("velog.xml")}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["dry_run"] is True and body["items"]
    assert all(item["review"] is None for item in body["items"])
    assert any(item["status"] == "imported" and item["sections"] for item in body["items"])
    assert Review.objects.count() == 0


def test_feed_import_makes_drafts_of_the_requester_then_skips(client_for, member) -> None:
    PaperFactory(title="Attention Is All You Need", arxiv_id="")
    client = client_for(member)
    body = {"feed": _feed("velog.xml"), "dry_run": False}
    response = client.post(FEED, body, format="json")
    assert response.status_code == 200, response.json()
    imported = [item for item in response.json()["items"] if item["status"] == "imported"]
    assert imported
    reviews = Review.objects.filter(pk__in=[item["review"] for item in imported])
    assert {(r.author, r.status) for r in reviews} == {(member, "draft")}
    again = client.post(FEED, body, format="json").json()
    assert {item["status"] for item in again["items"]} == {"skipped"}
    assert Review.objects.count() == len(imported)


def test_feed_import_unknown_paper_is_inbox_not_a_made_up_paper(client_for, member) -> None:
    body = {"feed": _feed("velog.xml"), "dry_run": False}
    items = client_for(member).post(FEED, body, format="json").json()["items"]
    assert [item["status"] for item in items] == ["inbox", "skipped"]
    assert not Paper.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "url"),
        ({"url": "https://blog.example/rss", "feed": "<rss/>"}, "url"),
        ({"feed": "not a feed at all"}, "feed"),
        ({"url": "not a url"}, "url"),
    ],
)
def test_feed_bad_request_is_400(client_for, member, body, field) -> None:
    response = client_for(member).post(FEED, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_feed_url_offline_is_502(client_for, member) -> None:
    response = client_for(member).post(FEED, {"url": "https://blog.example/rss"}, format="json")
    assert response.status_code == 502
    assert "blog.example" in response.json()["detail"]


def test_feed_url_private_address_refused(client_for, member) -> None:
    response = client_for(member).post(FEED, {"url": "http://127.0.0.1/rss"}, format="json")
    assert response.status_code == 502
    assert Review.objects.count() == 0


def test_feed_anonymous_401(api) -> None:
    assert api.post(FEED, {"feed": _feed("velog.xml")}, format="json").status_code == 401


# --- Out -----------------------------------------------------------------------------------


def test_review_export_markdown_and_draft_privacy(api, client_for, member) -> None:
    author = MemberFactory(username="author")
    published = make_review(author=author, thoughts="수식 $x^2$ 유지.")
    draft = make_review(author=author, published=False)
    response = api.get(reverse("review-export", kwargs={"pk": published.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("---\n") and "$x^2$" in text
    draft_url = reverse("review-export", kwargs={"pk": draft.pk})
    assert api.get(draft_url).status_code == 404
    assert client_for(member).get(draft_url).status_code == 404
    assert client_for(author).get(draft_url).status_code == 200
    # A client asking for Markdown gets it (no 406); errors stay JSON.
    asked = api.get(
        reverse("review-export", kwargs={"pk": published.pk}), HTTP_ACCEPT="text/markdown"
    )
    assert asked.status_code == 200
    missing = api.get(draft_url, HTTP_ACCEPT="text/markdown")
    assert missing["Content-Type"] == "application/json"


def test_review_export_zip_when_it_has_figures(api, monkeypatch) -> None:
    # The bundle itself is tested with the exporter; here: the API hands it over as it is.
    from reviews.api.views import imports as api_imports
    from reviews.exports.markdown import Download

    review = make_review()
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("post/index.md", "---\ntitle: x\n---\n")
    download = Download("post.zip", "application/zip", bundle.getvalue())
    monkeypatch.setattr(api_imports, "review_download", lambda review: download)
    response = api.get(reverse("review-export", kwargs={"pk": review.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="post.zip"' in response["Content-Disposition"]
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist() == ["post/index.md"]


def test_bibtex_exports(api) -> None:
    author = MemberFactory(username="author")
    entry = EntryFactory(number=16, paper=PaperFactory(title="Population Based Training"))
    make_review(paper=entry.paper, author=author)
    hidden = make_review(author=author, published=False)
    urls = [
        reverse("paper-bibtex", kwargs={"pk": entry.paper.pk}),
        reverse("readinglist-bibtex", kwargs={"slug": entry.reading_list.slug}),
        reverse("member-bibtex", kwargs={"username": "author"}),
    ]
    for url in urls:
        response = api.get(url, HTTP_ACCEPT="text/x-bibtex")
        assert response.status_code == 200, url
        assert response["Content-Type"] == "text/x-bibtex; charset=utf-8"
        text = response.content.decode()
        assert "\n@" in "\n" + text and "Population Based Training" in text
        assert hidden.paper.title not in text
    assert "#16" in api.get(urls[1]).content.decode()
    assert api.get(reverse("paper-bibtex", kwargs={"pk": 10**9})).status_code == 404
    assert api.get(reverse("member-bibtex", kwargs={"username": "nobody"})).status_code == 404
