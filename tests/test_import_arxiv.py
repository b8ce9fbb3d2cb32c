"""arXiv ids and the arXiv API, answered from recorded responses in tests/data/arxiv/."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import httpx
import pytest
from django.http import HttpResponse
from django.test import Client

from reviews.arxiv_ids import parse_arxiv_id
from reviews.importers import fetch as fetch_module
from reviews.importers.arxiv import fetch_arxiv, parse_arxiv_feed
from reviews.importers.base import PaperData
from reviews.importers.fetch import FetchError
from reviews.models import Member, Paper
from tests.factories import PaperFactory, paper_found_by

DATA = Path(__file__).parent / "data" / "arxiv"
ARXIV_IP = "151.101.3.42"


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


def arxiv_api(request: httpx.Request) -> httpx.Response:
    """The arXiv API as recorded: known ids, an unknown one, and a malformed one."""
    assert request.headers["host"] == "export.arxiv.org"
    assert request.url.host == ARXIV_IP
    assert request.url.path == "/api/query"
    files = {
        "1711.09846": "1711.09846.xml",
        "2201.02177": "2201.02177.xml",
        "hep-th/9711200": "hep-th_9711200.xml",
        "1234.12345": "error_id_format.xml",
    }
    name = files.get(request.url.params["id_list"], "no_results.xml")
    return httpx.Response(
        200, content=recorded(name), headers={"Content-Type": "application/atom+xml"}
    )


@pytest.fixture(autouse=True)
def _fake_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve(host: str, port: int) -> list[str]:
        assert host == "export.arxiv.org"
        return [ARXIV_IP]

    monkeypatch.setattr(fetch_module, "resolve_host", resolve)


@pytest.fixture
def api_client() -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(arxiv_api))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1711.09846", "1711.09846"),
        ("  1711.09846\n", "1711.09846"),
        ("arXiv:2201.02177v2", "2201.02177"),
        ("arxiv: 2201.02177", "2201.02177"),
        ("2201.02177v12", "2201.02177"),
        ("https://arxiv.org/abs/1711.09846", "1711.09846"),
        ("https://arxiv.org/abs/1711.09846v2", "1711.09846"),
        ("http://arxiv.org/abs/2201.02177?context=cs.LG", "2201.02177"),
        ("https://arxiv.org/pdf/2201.02177", "2201.02177"),
        ("https://arxiv.org/pdf/2201.02177v2.pdf", "2201.02177"),
        ("https://www.arxiv.org/html/2201.02177v1/", "2201.02177"),
        ("arxiv.org/abs/1711.09846", "1711.09846"),
        ("http://export.arxiv.org/abs/1711.09846", "1711.09846"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v3", "hep-th/9901001"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("https://arxiv.org/abs/hep-th/9711200v3", "hep-th/9711200"),
        ("https://arxiv.org/pdf/hep-th/9711200.pdf", "hep-th/9711200"),
        ("1412.6980", "1412.6980"),
    ],
)
def test_parse_arxiv_id_accepts(text: str, expected: str) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello world",
        "1711.9846",  # new-style ids have five digits after 1501
        "1412.69801",  # and four before
        "1713.09846",  # month 13
        "arXiv:",
        "10.1023/A:1026654312961",
        "https://example.org/abs/1711.09846",
        "https://arxiv.org.evil.example/abs/1711.09846",
        "ftp://arxiv.org/abs/1711.09846",
        "file:///abs/1711.09846",
        "https://arxiv.org/list/cs.LG/recent",
        "https://arxiv.org/abs/",
        "https://[arxiv.org/abs/1711.09846",
        "1711.09846; DROP TABLE",
        "HEP-TH/9901001",
        "x" * 1000,
    ],
)
def test_parse_arxiv_id_refuses(text: str) -> None:
    assert parse_arxiv_id(text) is None


def test_fetch_arxiv_reads_title_authors_year_abstract(api_client: httpx.Client) -> None:
    paper = fetch_arxiv("https://arxiv.org/abs/1711.09846v2", client=api_client)
    assert paper.title == "Population Based Training of Neural Networks"
    assert paper.authors[:4] == [
        "Max Jaderberg",
        "Valentin Dalibard",
        "Simon Osindero",
        "Wojciech M. Czarnecki",
    ]
    assert len(paper.authors) == 12
    assert paper.year == 2017
    assert paper.venue == "arXiv"
    assert paper.arxiv_id == "1711.09846"
    assert paper.url == "https://arxiv.org/abs/1711.09846"
    assert paper.doi == ""
    assert paper.abstract.startswith("Neural networks dominate the modern machine learning")
    assert r"\emph{Population Based Training (PBT)}" in paper.abstract
    assert "\n" not in paper.abstract
    assert paper.problems == []
    assert paper.importable


def test_fetch_arxiv_collapses_wrapped_title(api_client: httpx.Client) -> None:
    paper = fetch_arxiv("arXiv:2201.02177v2", client=api_client)
    assert paper == PaperData(
        title="Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
        authors=["Alethea Power", "Yuri Burda", "Harri Edwards", "Igor Babuschkin", "Vedant Misra"],
        year=2022,
        venue="arXiv",
        arxiv_id="2201.02177",
        doi="",
        url="https://arxiv.org/abs/2201.02177",
        abstract=paper.abstract,
        raw="2201.02177",
    )
    assert 'a process of "grokking" a pattern' in paper.abstract


def test_fetch_arxiv_old_style_id_with_doi_and_journal_ref(api_client: httpx.Client) -> None:
    paper = fetch_arxiv("hep-th/9711200", client=api_client)
    assert paper.title == "The Large N Limit of Superconformal Field Theories and Supergravity"
    assert paper.authors == ["Juan M. Maldacena"]
    assert paper.year == 1997
    assert paper.doi == "10.1023/A:1026654312961"
    assert paper.venue == "Adv.Theor.Math.Phys.2:231-252,1998"
    assert paper.url == "https://arxiv.org/abs/hep-th/9711200"
    # LaTeX math in the abstract survives as written.
    assert "the large $N$ limit" in paper.abstract


def test_fetch_arxiv_sends_id_without_version() -> None:
    queries: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        queries.append(request.url.params["id_list"])
        return arxiv_api(request)

    fetch_arxiv(
        "https://arxiv.org/pdf/hep-th/9711200v3.pdf",
        client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    assert queries == ["hep-th/9711200"]


def test_fetch_arxiv_unknown_id_says_so(api_client: httpx.Client) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_arxiv("2201.99999", client=api_client)
    assert caught.value.message == "arXiv does not know the paper 2201.99999."


def test_fetch_arxiv_error_entry_becomes_message() -> None:
    # 1234.12345 passes no validator of ours, so ask the parser directly with the recording.
    with pytest.raises(FetchError) as caught:
        parse_arxiv_feed(recorded("error_id_format.xml"), "1234.12345")
    assert caught.value.message == "arXiv refused the query: incorrect id format for 1234.12345."


def test_fetch_arxiv_entry_for_another_paper_is_not_taken() -> None:
    with pytest.raises(FetchError, match="does not know the paper 2201.02177"):
        parse_arxiv_feed(recorded("1711.09846.xml"), "2201.02177")


@pytest.mark.parametrize("body", [b"", b"<html>Service Unavailable</html>", b"\x00\xff garbage"])
def test_fetch_arxiv_unreadable_answer(body: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    with pytest.raises(FetchError):
        fetch_arxiv("1711.09846", client=httpx.Client(transport=httpx.MockTransport(handler)))


def test_fetch_arxiv_refuses_junk_without_a_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request for junk")

    with pytest.raises(FetchError) as caught:
        fetch_arxiv("not an id", client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert caught.value.message == "“not an id” is not an arXiv id or arXiv link."


def test_fetch_arxiv_offline_gives_clear_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(FetchError) as caught:
        fetch_arxiv("1711.09846", client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert caught.value.message == (
        "Could not reach export.arxiv.org: timed out after 10 s (offline?)."
    )


def test_fetch_arxiv_busy_server() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": "5"})

    with pytest.raises(FetchError) as caught:
        fetch_arxiv("1711.09846", client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert caught.value.message == "export.arxiv.org answered HTTP 503 (Service Unavailable)."


def test_fetch_arxiv_uses_module_transport_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(arxiv_api))
    assert fetch_arxiv("1711.09846").title == "Population Based Training of Neural Networks"


# The "Add from arXiv" page. arXiv is answered by the recordings through the module's
# TRANSPORT hook, the one place the app's requests leave the process.


@pytest.fixture
def arxiv_transport(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Serve the recorded API; returns the ids asked for, to check when arXiv was asked."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params["id_list"])
        return arxiv_api(request)

    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(handler))
    return asked


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(handler))


@pytest.fixture
def member_client(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


URL = "/papers/add/arxiv/"


def page_text(response: HttpResponse) -> str:
    return unescape(response.content.decode())


def save_data(**overrides: str) -> dict[str, str]:
    data = {
        "action": "save",
        "title": "Population Based Training of Neural Networks",
        "authors": "Max Jaderberg\r\nValentin Dalibard\r\n\r\n  Simon  Osindero \r\n",
        "year": "2017",
        "venue": "arXiv",
        "abstract": "Neural networks dominate the modern machine learning landscape.",
        "arxiv_id": "1711.09846",
        "doi": "",
        "url": "https://arxiv.org/abs/1711.09846",
    }
    return {**data, **overrides}


@pytest.mark.django_db
def test_arxiv_import_page_needs_sign_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_arxiv_import_page_shows_lookup_only(member_client: Client) -> None:
    response = member_client.get(URL)
    assert response.status_code == 200
    assert 'name="query"' in page_text(response)
    assert 'name="title"' not in page_text(response)


@pytest.mark.django_db
def test_arxiv_import_manual_link_opens_empty_paper_form(member_client: Client) -> None:
    response = member_client.get(URL, {"manual": "1"})
    assert 'name="title"' in page_text(response)


@pytest.mark.django_db
def test_arxiv_import_fetch_prefills_paper_form(
    member_client: Client, arxiv_transport: list[str]
) -> None:
    response = member_client.post(
        URL, {"action": "fetch", "query": "https://arxiv.org/abs/2201.02177v2"}
    )
    assert response.status_code == 200
    form = response.context["paper_form"]
    assert form.initial["title"] == (
        "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
    )
    assert form.initial["authors"] == (
        "Alethea Power\nYuri Burda\nHarri Edwards\nIgor Babuschkin\nVedant Misra"
    )
    assert (form.initial["year"], form.initial["venue"]) == (2022, "arXiv")
    assert form.initial["arxiv_id"] == "2201.02177"
    assert "Grokking: Generalization Beyond Overfitting" in page_text(response)
    assert arxiv_transport == ["2201.02177"]
    assert Paper.objects.count() == 0


@pytest.mark.django_db
def test_arxiv_import_fetch_offline_keeps_form_open(member_client: Client, offline: None) -> None:
    response = member_client.post(URL, {"action": "fetch", "query": "arXiv:1711.09846v2"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Could not reach export.arxiv.org: timed out after 10 s (offline?)." in text
    form = response.context["paper_form"]
    assert form.initial["arxiv_id"] == "1711.09846"
    assert form.initial["title"] == ""
    assert 'name="title"' in text


@pytest.mark.django_db
def test_arxiv_import_manual_entry_after_offline_saves(
    member: Member, member_client: Client, offline: None
) -> None:
    member_client.post(URL, {"action": "fetch", "query": "1711.09846"})
    response = member_client.post(URL, save_data())
    paper = Paper.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/papers/{paper.pk}/"
    assert paper.authors == ["Max Jaderberg", "Valentin Dalibard", "Simon Osindero"]
    assert paper.added_by == member


@pytest.mark.django_db
def test_arxiv_import_fetch_unknown_id_says_so(
    member_client: Client, arxiv_transport: list[str]
) -> None:
    response = member_client.post(URL, {"action": "fetch", "query": "2201.99999"})
    assert "arXiv does not know the paper 2201.99999." in page_text(response)
    assert response.context["paper_form"] is not None


@pytest.mark.django_db
def test_arxiv_import_fetch_junk_is_field_error_without_request(
    member_client: Client, arxiv_transport: list[str]
) -> None:
    response = member_client.post(URL, {"action": "fetch", "query": "http://127.0.0.1/abs/1"})
    assert response.status_code == 200
    assert response.context["lookup"].errors["query"] == [
        "That is not an arXiv id or arxiv.org link (like 1711.09846)."
    ]
    assert response.context["paper_form"] is None
    assert arxiv_transport == []


@pytest.mark.django_db
def test_arxiv_import_fetch_known_paper_goes_to_it_without_request(
    member_client: Client, arxiv_transport: list[str]
) -> None:
    paper = PaperFactory(arxiv_id="1711.09846", title="PBT")
    response = member_client.post(
        URL, {"action": "fetch", "query": "https://arxiv.org/pdf/1711.09846v1"}, follow=True
    )
    assert response.redirect_chain == [(f"/papers/{paper.pk}/", 302)]
    assert "“PBT” is already in the group; here it is." in page_text(response)
    assert arxiv_transport == []


@pytest.mark.django_db
def test_arxiv_import_fetch_known_doi_goes_to_that_paper(
    member_client: Client, arxiv_transport: list[str]
) -> None:
    paper = PaperFactory(arxiv_id="", doi="10.1023/a:1026654312961", title="Maldacena")
    response = member_client.post(URL, {"action": "fetch", "query": "hep-th/9711200"})
    assert response.status_code == 302
    assert response["Location"] == f"/papers/{paper.pk}/"
    assert Paper.objects.count() == 1


@pytest.mark.django_db
def test_arxiv_import_fetch_known_title_completes_that_paper(
    member_client: Client, arxiv_transport: list[str]
) -> None:
    # On the reading list from a citation line: no arXiv id, no abstract, a shorter author list.
    paper = PaperFactory(
        title="Grokking: generalization beyond overfitting on small algorithmic datasets.",
        authors=["Alethea Power"],
        arxiv_id="",
        abstract="",
    )
    response = member_client.post(URL, {"action": "fetch", "query": "2201.02177"}, follow=True)
    assert response.redirect_chain == [(f"/papers/{paper.pk}/", 302)]
    assert Paper.objects.count() == 1
    paper.refresh_from_db()
    assert paper.arxiv_id == "2201.02177"
    assert paper.abstract.startswith("In this paper we propose to study generalization")
    assert paper.authors == ["Alethea Power"]  # filled only where empty, never overwritten
    assert (
        "was already in the group (same title); filled in its arXiv id, paper URL, abstract."
        in (page_text(response))
    )


@pytest.mark.django_db
def test_arxiv_import_completes_a_paper_known_by_arxiv_id_alone(
    member_client: Client, arxiv_transport: list[str]
) -> None:
    # What a blog import makes of a post that links arXiv: the post's title, no authors.
    paper = PaperFactory(
        title="Grokking", arxiv_id="2201.02177", authors=[], year=None, venue="", abstract=""
    )
    page = page_text(member_client.get(paper.get_absolute_url()))
    assert 'name="query" value="2201.02177"' in page and "Fill in from arXiv" in page

    response = member_client.post(URL, {"action": "fetch", "query": "2201.02177"}, follow=True)
    assert response.redirect_chain == [(f"/papers/{paper.pk}/", 302)]
    assert arxiv_transport == ["2201.02177"]
    paper.refresh_from_db()
    assert paper.title == "Grokking"  # kept: only empty fields are filled
    assert paper.authors[0] == "Alethea Power" and len(paper.authors) == 5
    assert (paper.year, paper.venue) == (2022, "arXiv")
    assert paper.abstract.startswith("In this paper we propose")
    assert "(same arXiv id); filled in its authors, year, venue" in page_text(response)
    assert "Fill in from arXiv" not in page_text(response)
    assert Paper.objects.count() == 1


@pytest.mark.django_db
def test_arxiv_import_save_known_title_fills_it_instead_of_adding(member_client: Client) -> None:
    paper = PaperFactory(title="POPULATION-BASED TRAINING of neural networks", arxiv_id="")
    response = member_client.post(URL, save_data())
    assert response["Location"] == f"/papers/{paper.pk}/"
    assert Paper.objects.count() == 1
    paper.refresh_from_db()
    assert paper.arxiv_id == "1711.09846"


@pytest.mark.django_db
def test_arxiv_import_save_without_authors_is_form_error(member_client: Client) -> None:
    response = member_client.post(URL, save_data(authors="  \r\n"))
    assert response.status_code == 200
    assert response.context["paper_form"].non_field_errors() == [
        "No authors found; a new paper needs at least one."
    ]
    assert Paper.objects.count() == 0


@pytest.mark.django_db
def test_arxiv_import_fetch_then_save_creates_paper(
    member: Member, member_client: Client, arxiv_transport: list[str]
) -> None:
    fetched = member_client.post(URL, {"action": "fetch", "query": "hep-th/9711200v3"})
    data = {
        k: "" if v is None else str(v) for k, v in fetched.context["paper_form"].initial.items()
    }
    response = member_client.post(URL, {"action": "save", **data}, follow=True)
    paper = Paper.objects.get()
    assert response.redirect_chain == [(f"/papers/{paper.pk}/", 302)]
    assert "Added “The Large N Limit of Superconformal" in page_text(response)
    assert (paper.arxiv_id, paper.doi, paper.year) == (
        "hep-th/9711200",
        "10.1023/A:1026654312961",
        1997,
    )
    assert paper.authors == ["Juan M. Maldacena"]
    assert paper.venue == "Adv.Theor.Math.Phys.2:231-252,1998"
    assert paper_found_by(paper, "large n limit")
    assert paper.added_by == member


@pytest.mark.django_db
def test_arxiv_import_save_existing_arxiv_id_goes_to_it(member_client: Client) -> None:
    paper = PaperFactory(arxiv_id="1711.09846")
    response = member_client.post(URL, save_data(arxiv_id="arXiv:1711.09846v2"))
    assert response["Location"] == f"/papers/{paper.pk}/"
    assert Paper.objects.count() == 1


@pytest.mark.django_db
def test_arxiv_import_save_existing_doi_goes_to_it(member_client: Client) -> None:
    paper = PaperFactory(arxiv_id="", doi="10.1000/ABC123")
    response = member_client.post(URL, save_data(arxiv_id="", doi="https://doi.org/10.1000/abc123"))
    assert response["Location"] == f"/papers/{paper.pk}/"
    assert Paper.objects.count() == 1


@pytest.mark.django_db
def test_arxiv_import_save_keeps_korean_and_math(member_client: Client) -> None:
    title = "트랜스포머의 $O(n^2)$ 주의(attention) 비용 줄이기"
    response = member_client.post(
        URL, save_data(title=title, arxiv_id="", url="", authors="김철수\n이영희", doi="doi:10.1/x")
    )
    # 10.1/x is not a DOI: nothing is saved and the field says why.
    assert response.status_code == 200
    assert list(response.context["paper_form"].errors) == ["doi"]
    assert Paper.objects.count() == 0
    response = member_client.post(
        URL, save_data(title=title, arxiv_id="", url="", authors="김철수\n이영희", doi="")
    )
    paper = Paper.objects.get()
    assert (paper.title, paper.authors) == (title, ["김철수", "이영희"])


@pytest.mark.django_db
def test_arxiv_import_save_invalid_fields_saves_nothing(member_client: Client) -> None:
    response = member_client.post(
        URL, save_data(title="  ", arxiv_id="1713.09846", year="1700", url="javascript:x")
    )
    assert response.status_code == 200
    assert sorted(response.context["paper_form"].errors) == ["arxiv_id", "title", "url", "year"]
    assert Paper.objects.count() == 0


@pytest.mark.django_db
def test_arxiv_import_empty_post_is_form_error(member_client: Client) -> None:
    response = member_client.post(URL, {})
    assert response.status_code == 200
    assert "query" in response.context["lookup"].errors
