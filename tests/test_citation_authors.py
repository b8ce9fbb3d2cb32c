"""Citations keep every author they can: "et al." lists completed from arXiv, or marked.

arXiv is answered by the recordings in tests/data/arxiv through the fetch guard's TRANSPORT;
no test touches the network (conftest makes every other request fail as offline).
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from reviews.exports.bibtex import bibtex_entry
from reviews.importers import fetch as fetch_module
from reviews.importers.arxiv import complete_authors
from reviews.importers.citations import parse_reading_list
from reviews.models import Paper
from tests.factories import PASSWORD, EntryFactory, PaperFactory, ReadingListFactory

DATA = Path(__file__).parent / "data" / "arxiv"
RECORDED = {"1711.09846": "1711.09846.xml", "2201.02177": "2201.02177.xml"}
PBT = (
    '16. Jaderberg, Max, et al. "Population based training of neural networks." '
    "arXiv preprint arXiv:1711.09846 (2017)."
)
GROKKING = (
    '19. Power, Alethea, et al. "Grokking: Generalization beyond overfitting on small '
    'algorithmic datasets." arXiv preprint arXiv:2201.02177 (2022).'
)
FAST_AA = (
    '42. Lim, Sungbin, et al. "Fast autoaugment." Advances in Neural Information '
    "Processing Systems. 2019."
)
ET_AL_NOTE = "only their first authors"


def _entries(name: str) -> str:
    return "".join(re.findall(r"<entry>.*?</entry>", (DATA / name).read_text(), re.DOTALL))


@pytest.fixture
def arxiv_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """arXiv as recorded, several ids per query as the API allows; returns the id lists."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["host"] == "export.arxiv.org"
        id_list = request.url.params["id_list"]
        asked.append(id_list)
        entries = "".join(_entries(RECORDED[i]) for i in id_list.split(",") if i in RECORDED)
        feed = f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'
        return httpx.Response(200, text=feed, headers={"Content-Type": "application/atom+xml"})

    monkeypatch.setattr(fetch_module, "resolve_host", lambda host, port: ["151.101.3.42"])
    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(handler))
    return asked


@pytest.fixture
def arxiv_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """arXiv's name resolves, but the connection fails (conftest's offline transport)."""
    monkeypatch.setattr(fetch_module, "resolve_host", lambda host, port: ["151.101.3.42"])


def _member_client(member) -> Client:
    client = Client()
    client.login(username=member.username, password=PASSWORD)
    return client


# --- reading the line --------------------------------------------------------------------


def test_citation_et_al_marks_the_list_incomplete_without_a_problem() -> None:
    pbt, fast = parse_reading_list(f"{PBT}\n{FAST_AA}")
    assert (pbt.authors, pbt.authors_incomplete, pbt.problems) == (["Max Jaderberg"], True, [])
    assert (fast.authors, fast.authors_incomplete) == (["Sungbin Lim"], True)


def test_citation_full_author_list_is_complete() -> None:
    (item,) = parse_reading_list("Vaswani, A., & Shazeer, N. (2017). Attention. In NeurIPS.")
    assert (item.authors, item.authors_incomplete) == (["A. Vaswani", "N. Shazeer"], False)


# --- completing from arXiv ---------------------------------------------------------------


def test_complete_authors_fills_every_list_with_an_arxiv_id_in_one_query(arxiv_queries) -> None:
    items = parse_reading_list(f"{PBT}\n{GROKKING}\n{FAST_AA}")
    completion = complete_authors(items)
    assert (completion.completed, completion.failed) == (2, "")
    assert arxiv_queries == ["1711.09846,2201.02177"]
    pbt, grokking, fast = items
    assert len(pbt.authors) == 12
    assert pbt.authors[:2] == ["Max Jaderberg", "Valentin Dalibard"]
    assert grokking.authors[0] == "Alethea Power"
    assert len(grokking.authors) == 5
    assert not pbt.authors_incomplete and not grokking.authors_incomplete
    assert (fast.authors, fast.authors_incomplete) == (["Sungbin Lim"], True)


def test_complete_authors_asks_nothing_when_no_list_is_cut_short(arxiv_queries) -> None:
    items = parse_reading_list("Vaswani, A., & Shazeer, N. (2017). Attention. arXiv:1711.09846")
    assert complete_authors(items).completed == 0
    assert arxiv_queries == []


def test_complete_authors_keeps_a_list_whose_first_author_arxiv_does_not_name(
    arxiv_queries,
) -> None:
    # A wrong id in the citation must not bring another paper's authors.
    (item,) = parse_reading_list(PBT.replace("Jaderberg, Max", "Kim, Minsu"))
    assert complete_authors([item]).completed == 0
    assert (item.authors, item.authors_incomplete) == (["Minsu Kim"], True)


def test_complete_authors_offline_says_why_and_keeps_the_mark(arxiv_offline) -> None:
    (item,) = parse_reading_list(PBT)
    completion = complete_authors([item])
    assert completion.completed == 0
    assert completion.failed == (
        "Could not reach export.arxiv.org: the connection failed (offline?)."
    )
    assert (item.authors, item.authors_incomplete) == (["Max Jaderberg"], True)


# --- the import page ---------------------------------------------------------------------


@pytest.mark.django_db
def test_import_preview_completes_authors_and_says_each_warning_once(
    arxiv_queries, organizer
) -> None:
    reading_list = ReadingListFactory()
    EntryFactory(reading_list=reading_list, number=16)
    text = f"{PBT}\n{FAST_AA}\n{FAST_AA.replace('42.', '43.').replace('Fast', 'Faster')}"
    response = _member_client(organizer).post(
        reverse("import_papers"),
        {"text": text, "reading_list": reading_list.slug, "action": "preview"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The author list of 1 paper was completed from arXiv." in html
    assert html.count(ET_AL_NOTE) == 1
    assert "2 papers name only their first authors" in html
    assert "cut short" not in html
    # 16 is taken on the list, so that row shows the number it will get (after the batch's
    # highest), not 16.
    numbers = re.findall(r'<td class="number">(\d*)</td>', html)
    assert numbers == ["44", "42", "43"]
    assert "Valentin Dalibard" in html


@pytest.mark.django_db
def test_import_preview_without_a_list_shows_no_numbers(arxiv_offline, member) -> None:
    response = _member_client(member).post(
        reverse("import_papers"), {"text": f"{PBT}\n{FAST_AA}", "action": "preview"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="number"' not in html
    assert html.count("The list numbers in the text are not used") == 1
    # Offline: the arXiv line stays incomplete too, and the reason is given once.
    assert html.count("arXiv could not complete the author lists") == 1
    assert "2 papers name only their first authors" in html


@pytest.mark.django_db
def test_import_saves_completed_and_incomplete_lists(arxiv_queries, member) -> None:
    _member_client(member).post(
        reverse("import_papers"), {"text": f"{PBT}\n{FAST_AA}", "action": "import"}
    )
    pbt = Paper.objects.get(arxiv_id="1711.09846")
    fast = Paper.objects.get(title="Fast autoaugment")
    assert (len(pbt.authors), pbt.authors_incomplete) == (12, False)
    assert (fast.authors, fast.authors_incomplete) == (["Sungbin Lim"], True)


# --- BibTeX ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bibtex_of_an_incomplete_author_list_ends_with_and_others() -> None:
    paper = PaperFactory(authors=["Sungbin Lim", "Ildoo Kim"], authors_incomplete=True)
    assert "  author = {Sungbin Lim and Ildoo Kim and others},\n" in bibtex_entry(paper, "k")
    complete = PaperFactory(authors=["Sungbin Lim"])
    assert "  author = {Sungbin Lim},\n" in bibtex_entry(complete, "k")


# --- "Complete authors" on the paper page ------------------------------------------------


@pytest.mark.django_db
def test_paper_page_offers_complete_authors_only_for_a_cut_short_arxiv_paper(member) -> None:
    client = _member_client(member)
    cut = PaperFactory(authors=["Max Jaderberg"], authors_incomplete=True)
    no_id = PaperFactory(authors=["Sungbin Lim"], authors_incomplete=True, arxiv_id="")
    whole = PaperFactory()
    action = reverse("paper_complete_authors", args=[cut.pk])
    assert action in client.get(cut.get_absolute_url()).content.decode()
    for paper in (no_id, whole):
        html = client.get(paper.get_absolute_url()).content.decode()
        assert "complete-authors" not in html
    assert "et al." in client.get(no_id.get_absolute_url()).content.decode()
    assert action not in Client().get(cut.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_complete_authors_action_fills_the_list_from_arxiv(arxiv_queries, member) -> None:
    paper = PaperFactory(arxiv_id="1711.09846", authors=["Max Jaderberg"], authors_incomplete=True)
    url = reverse("paper_complete_authors", args=[paper.pk])
    response = _member_client(member).post(url, follow=True)
    paper.refresh_from_db()
    assert (len(paper.authors), paper.authors_incomplete) == (12, False)
    assert "The authors were completed from arXiv: 12 authors." in response.content.decode()
    assert arxiv_queries == ["1711.09846"]


@pytest.mark.django_db
def test_complete_authors_action_offline_says_why_and_changes_nothing(
    arxiv_offline, member
) -> None:
    paper = PaperFactory(arxiv_id="1711.09846", authors=["Max Jaderberg"], authors_incomplete=True)
    url = reverse("paper_complete_authors", args=[paper.pk])
    response = _member_client(member).post(url, follow=True)
    paper.refresh_from_db()
    assert (paper.authors, paper.authors_incomplete) == (["Max Jaderberg"], True)
    assert "Could not reach export.arxiv.org" in response.content.decode()


@pytest.mark.django_db
def test_complete_authors_action_needs_sign_in_and_post(member) -> None:
    paper = PaperFactory(authors=["Max Jaderberg"], authors_incomplete=True)
    url = reverse("paper_complete_authors", args=[paper.pk])
    response = Client().post(url)
    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/login/")
    assert _member_client(member).get(url).status_code == 405
    assert (
        _member_client(member).post(reverse("paper_complete_authors", args=[0])).status_code == 404
    )
