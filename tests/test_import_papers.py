"""Saving imported papers on PostgreSQL: duplicates, numbering, all-or-nothing, the command."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from reviews.importers.base import PaperData, normalize_title
from reviews.importers.citations import parse_reading_list
from reviews.models import Paper, ReadingListEntry
from reviews.services.imports import papers_import, papers_import_preview
from tests.factories import (
    EntryFactory,
    MemberFactory,
    PaperFactory,
    ReadingListFactory,
    paper_found_by,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "bibtex"
READING_LIST = """## Week 1
16. Jaderberg, Max, et al. "Population based training of neural networks." arXiv preprint arXiv:1711.09846 (2017).
42.Lim, Sungbin, et al. "Fast autoaugment." Advances in Neural Information Processing Systems. 2019.
43. this line is not a citation
"""  # noqa: E501


def _paper(**fields: object) -> PaperData:
    return PaperData(**{"title": "A Paper", "authors": ["Ada Lovelace"], "year": 2020, **fields})


def test_normalize_title_ignores_case_punctuation_width_and_spacing() -> None:
    assert normalize_title("  BERT: Pre-training  of Deep\tTransformers!") == (
        "bert pre training of deep transformers"
    )
    assert normalize_title("ＢＥＲＴ—pre‐training of deep transformers") == (
        "bert pre training of deep transformers"
    )
    assert normalize_title("딥러닝: 기반 연구") == "딥러닝 기반 연구"


def test_papers_import_creates_papers_and_numbered_entries(organizer) -> None:
    reading_list = ReadingListFactory()
    report = papers_import(
        items=parse_reading_list(READING_LIST), by=organizer, reading_list=reading_list
    )
    assert [p.title for p in report.created] == [
        "Population based training of neural networks",
        "Fast autoaugment",
    ]
    assert report.merged == []
    assert [(e.number, e.paper.title) for e in report.entries] == [
        (16, "Population based training of neural networks"),
        (42, "Fast autoaugment"),
    ]
    assert len(report.skipped) == 1
    assert report.skipped[0].startswith("No. 43: No title found")
    pbt = Paper.objects.get(arxiv_id="1711.09846")
    assert pbt.added_by == organizer
    assert pbt.authors == ["Max Jaderberg"]
    assert paper_found_by(pbt, "population based training")
    assert ReadingListEntry.objects.filter(reading_list=reading_list).count() == 2


def test_papers_import_without_list_only_adds_papers(member) -> None:
    report = papers_import(items=parse_reading_list(READING_LIST), by=member)
    assert len(report.created) == 2
    assert report.entries == []
    assert not ReadingListEntry.objects.exists()


def test_papers_import_list_needs_an_organizer(member) -> None:
    with pytest.raises(PermissionDenied):
        papers_import(items=[_paper()], by=member, reading_list=ReadingListFactory())
    assert not Paper.objects.exists()


@pytest.mark.parametrize(
    ("existing", "item"),
    [
        ({"arxiv_id": "1711.09846", "title": "PBT"}, {"arxiv_id": "1711.09846"}),
        ({"arxiv_id": "1711.09846", "title": "PBT"}, {"arxiv_id": "1711.09846v3"}),
        ({"doi": "10.1000/ABC", "arxiv_id": ""}, {"doi": "10.1000/abc", "title": "Other"}),
        ({"title": "Fast AutoAugment", "arxiv_id": ""}, {"title": "fast  autoaugment."}),
    ],
    ids=["arxiv", "arxiv-version", "doi-case-insensitive", "normalised-title"],
)
def test_papers_import_merges_duplicate_of_existing(member, existing, item) -> None:
    paper = PaperFactory(venue="", year=None, authors=["Kept Author"], **existing)
    report = papers_import(
        items=[_paper(**{"venue": "NeurIPS", "authors": ["Other Author"], **item})], by=member
    )
    assert report.created == []
    assert report.merged == [paper]
    assert Paper.objects.count() == 1
    paper.refresh_from_db()
    # Empty fields are filled, filled ones never overwritten.
    assert (paper.venue, paper.year, paper.authors) == ("NeurIPS", 2020, ["Kept Author"])


def test_papers_import_same_title_different_arxiv_ids_are_two_papers(member) -> None:
    PaperFactory(title="Deep Learning", arxiv_id="1501.00001")
    report = papers_import(items=[_paper(title="Deep learning", arxiv_id="1501.00002")], by=member)
    assert len(report.created) == 1
    assert Paper.objects.filter(title__iexact="deep learning").count() == 2


def test_papers_import_dedupes_within_batch(member) -> None:
    items = [
        _paper(title="Attention is all you need", year=None),
        _paper(title="Attention Is All You Need!", arxiv_id="1706.03762", venue="NeurIPS"),
        _paper(title="ATTENTION is all you need", authors=[]),
        _paper(title="Transformer (arXiv version)", arxiv_id="1706.03762", abstract="We propose"),
    ]
    report = papers_import(items=items, by=member)
    (paper,) = report.created
    assert Paper.objects.count() == 1
    assert paper.title == "Attention is all you need"
    assert (paper.arxiv_id, paper.venue, paper.year) == ("1706.03762", "NeurIPS", 2020)
    assert paper.authors == ["Ada Lovelace"]
    assert paper.abstract == "We propose"


def test_papers_import_twice_creates_nothing_new(organizer) -> None:
    reading_list = ReadingListFactory()
    items = parse_reading_list(READING_LIST)
    papers_import(items=items, by=organizer, reading_list=reading_list)
    report = papers_import(items=items, by=organizer, reading_list=reading_list)
    assert report.created == [] and report.entries == []
    assert len(report.merged) == 2
    assert report.notes == [
        "No. 16: Already on the list as No. 16.",
        "No. 42: Already on the list as No. 42.",
    ]
    assert Paper.objects.count() == 2
    assert ReadingListEntry.objects.count() == 2


def test_papers_import_taken_or_missing_number_goes_after_the_highest(organizer) -> None:
    reading_list = ReadingListFactory()
    EntryFactory(reading_list=reading_list, number=2, paper=PaperFactory(title="Holder"))
    items = [
        _paper(title="Wants two", number=2),
        _paper(title="No number"),
        _paper(title="Wants five", number=5),
        _paper(title="Also wants five", number=5),
    ]
    report = papers_import(items=items, by=organizer, reading_list=reading_list)
    numbers = {e.paper.title: e.number for e in report.entries}
    assert numbers == {"Wants five": 5, "Wants two": 6, "No number": 7, "Also wants five": 8}
    assert report.notes == [
        "No. 2: No. 2 is taken by “Holder”; numbered 6.",
        "No. 5: No. 5 is taken by “another item in this batch”; numbered 8.",
    ]


def test_papers_import_invalid_item_saves_nothing(organizer) -> None:
    reading_list = ReadingListFactory()
    items = [
        _paper(title="Fine"),
        _paper(title="x" * 501, number=7),
        _paper(url="notaurl"),
        _paper(title="Nobody wrote this", authors=[]),
        _paper(title="Too old", year=1800),
    ]
    with pytest.raises(ValidationError) as caught:
        papers_import(items=items, by=organizer, reading_list=reading_list)
    messages = caught.value.messages
    assert len(messages) == 4
    assert messages[0].startswith("No. 7 “xxx")
    assert "at most 500 characters" in messages[0]
    assert messages[1] == "item 3 “A Paper”: paper URL: Enter a valid URL."
    assert messages[2] == (
        "item 4 “Nobody wrote this”: No authors found; a new paper needs at least one."
    )
    assert messages[3] == "item 5 “Too old”: The year 1800 is out of range."
    assert not Paper.objects.exists()
    assert not ReadingListEntry.objects.exists()


def test_papers_import_failure_after_writes_rolls_back(organizer, monkeypatch) -> None:
    """A write that fails late (here the entries) takes the papers already saved with it."""
    reading_list = ReadingListFactory()

    def fail(*args: object, **kwargs: object) -> None:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(ReadingListEntry.objects, "bulk_create", fail)
    with pytest.raises(ValidationError, match="nothing was saved"):
        papers_import(
            items=parse_reading_list(READING_LIST), by=organizer, reading_list=reading_list
        )
    assert not Paper.objects.exists()


def test_papers_import_preview_writes_nothing_and_queries_do_not_grow(
    organizer, django_assert_num_queries
) -> None:
    reading_list = ReadingListFactory()
    existing = PaperFactory(title="Fast AutoAugment", arxiv_id="")
    few = parse_reading_list(READING_LIST)
    many = few + [_paper(title=f"Paper {n}", arxiv_id=f"2001.{n:05d}") for n in range(1, 30)]
    with django_assert_num_queries(3):
        papers_import_preview(items=few, reading_list=reading_list)
    with django_assert_num_queries(3):
        plan = papers_import_preview(items=many, reading_list=reading_list)
    assert [p.status for p in plan[:3]] == ["new", "existing", "skip"]
    assert plan[1].match == existing and plan[1].matched_by == "title"
    assert [p.entry_number for p in plan[:3]] == [16, 42, None]
    assert Paper.objects.count() == 1


# The command -------------------------------------------------------------------------------


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command("import_papers", *args, stdout=out)
    return out.getvalue()


def test_command_imports_citations_onto_a_list(tmp_path, organizer) -> None:
    reading_list = ReadingListFactory(slug="season-1")
    path = tmp_path / "list.txt"
    path.write_text(READING_LIST, encoding="utf-8")
    output = _call(str(path), "--list", "season-1", "--member", "organizer")
    assert "Read 3 item(s) as citations." in output
    assert "entry 16: Population based training of neural networks" in output
    assert "skipped No. 43: No title found" in output
    assert "2 created, 0 already there, 2 entries, 1 skipped." in output
    assert reading_list.entries.count() == 2


def test_command_imports_bibtex_as_oldest_superuser(tmp_path) -> None:
    admin = MemberFactory(username="admin", is_superuser=True, is_staff=True)
    output = _call(str(DATA / "papers.bib"))
    assert "Read 7 item(s) as bibtex." in output
    assert Paper.objects.filter(added_by=admin).count() == 7


def test_command_dry_run_saves_nothing(tmp_path, organizer) -> None:
    ReadingListFactory(slug="season-1")
    PaperFactory(title="Fast autoaugment", arxiv_id="")
    path = tmp_path / "list.txt"
    path.write_text(READING_LIST, encoding="utf-8")
    output = _call(str(path), "--list", "season-1", "--member", "organizer", "--dry-run")
    assert "No. 16: Population based training of neural networks [new] -> No. 16" in output
    assert "[matches #" in output and "by title] -> No. 42" in output
    assert "would skip No. 43" in output
    assert "Dry run: nothing was saved." in output
    assert Paper.objects.count() == 1
    assert not ReadingListEntry.objects.exists()


def test_command_nothing_importable_exits_non_zero(tmp_path, member) -> None:
    path = tmp_path / "junk.txt"
    path.write_text("hello\nworld\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing could be imported"):
        _call(str(path), "--member", "member")
    broken = (DATA / "broken.bib").read_text().split("@article{badyear")[0]
    path.write_text(broken.replace("@article{good1", "@article{good1 broken"), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing could be imported"):
        _call(str(path), "--member", "member")
    assert not Paper.objects.exists()


def test_command_invalid_batch_exits_non_zero_and_saves_nothing(tmp_path, member) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(
        "@article{ok, title={Fine}, author={Doe, Jane}, year=2020}\n"
        f"@article{{long, title={{{'x' * 600}}}, year=2020}}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="Nothing was saved:\n  long “x"):
        _call(str(path), "--member", "member")
    assert not Paper.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.txt", "--member", "member"], "No such file"),
        (["LIST", "--list", "nope", "--member", "member"], "No reading list"),
        (["LIST", "--member", "ghost"], "No active member"),
        (["LIST"], "no superuser"),
        (["LIST", "--member", "member", "--list", "season-1"], "Only organizers"),
    ],
)
def test_command_errors(tmp_path, member, args, message) -> None:
    ReadingListFactory(slug="season-1")
    path = tmp_path / "list.txt"
    path.write_text(READING_LIST, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        _call(*[str(path) if a == "LIST" else a for a in args])


def test_command_refuses_big_or_binary_files(tmp_path, member) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (2 * 1024 * 1024 + 1))
    with pytest.raises(CommandError, match="over the 2048 KB import limit"):
        _call(str(big), "--member", "member")
    binary = tmp_path / "bin.bib"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CommandError, match="not UTF-8"):
        _call(str(binary), "--member", "member")


# The page --------------------------------------------------------------------------------

URL = "/papers/import/"


def _client(client, user):
    client.force_login(user)
    return client


def test_page_needs_sign_in(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.post(URL, {"text": READING_LIST, "action": "import"}).status_code == 302
    assert not Paper.objects.exists()


def test_page_member_sees_no_list_select(client, member) -> None:
    ReadingListFactory(slug="season-1")
    response = _client(client, member).get(URL + "?list=season-1")
    assert response.status_code == 200
    assert 'name="reading_list"' not in response.content.decode()
    assert "Organizers can also number the papers" in response.content.decode()


def test_page_organizer_gets_list_preselected(client, organizer) -> None:
    ReadingListFactory(slug="season-1", title="Season one")
    response = _client(client, organizer).get(URL + "?list=season-1")
    assert '<option value="season-1" selected>' in response.content.decode()


def test_page_preview_saves_nothing_and_shows_rows(client, organizer) -> None:
    reading_list = ReadingListFactory(slug="season-1")
    existing = PaperFactory(title="Fast AutoAugment", arxiv_id="")
    response = _client(client, organizer).post(
        URL, {"text": READING_LIST, "reading_list": "season-1", "action": "preview"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Read as citation lines." in html
    assert "Population based training of neural networks" in html
    assert "<code>1711.09846</code>" in html
    assert f'matches existing paper <a href="{existing.get_absolute_url()}">' in html
    assert "No title found" in html
    assert "Import 2 papers" in html
    # The confirm form carries the pasted text back, exactly.
    confirm = response.context["source"]
    assert confirm == READING_LIST
    assert 'name="text" hidden readonly>' in html
    assert Paper.objects.count() == 1
    assert not reading_list.entries.exists()


def test_page_import_saves_and_reports(client, organizer) -> None:
    reading_list = ReadingListFactory(slug="season-1")
    response = _client(client, organizer).post(
        URL, {"text": READING_LIST, "reading_list": "season-1", "action": "import"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 new papers" in html
    assert "2 entries on the list" in html
    assert "No. 43: No title found" in html
    assert sorted(reading_list.entries.values_list("number", flat=True)) == [16, 42]


def test_page_member_import_ignores_a_forged_list(client, member) -> None:
    reading_list = ReadingListFactory(slug="season-1")
    response = _client(client, member).post(
        URL, {"text": READING_LIST, "reading_list": "season-1", "action": "import"}
    )
    assert response.status_code == 200
    assert Paper.objects.count() == 2
    assert not reading_list.entries.exists()


def test_page_bibtex_upload_previews(client, member) -> None:
    upload = SimpleUploadedFile("refs.bib", (DATA / "papers.bib").read_bytes())
    response = _client(client, member).post(URL, {"upload": upload, "action": "preview"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Read as BibTeX." in html
    assert "Über die Größe von $\\ell_1$-Normen in Naïve Bayes" in html
    assert "Jörg Müller, José García, María de la Fuente" in html


def test_page_invalid_batch_blocks_import_and_saves_nothing(client, member) -> None:
    text = 'Doe, Jane. "' + "x" * 600 + '." Venue, 2020.\n'
    response = _client(client, member).post(URL, {"text": text, "action": "preview"})
    assert response.status_code == 200
    assert "Some items cannot be saved as they are" in response.content.decode()
    assert 'value="import"' not in response.content.decode()
    response = client.post(URL, {"text": text, "action": "import"})
    assert response.status_code == 400
    assert "Nothing was saved:" in response.content.decode()
    assert not Paper.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "   "}, "Paste some citation lines or BibTeX"),
        ({"text": "x" * (2 * 1024 * 1024 + 1)}, "over the 2048 KB import limit"),
        ({"upload": ("big.bib", b"x" * (2 * 1024 * 1024 + 1))}, "over the 2048 KB import limit"),
        ({"upload": ("refs.pdf", b"%PDF-1.4")}, "Upload a .bib or .txt file."),
        ({"upload": ("refs.bib", b"\xff\xfe\x00\x01")}, "The file is not UTF-8 text."),
        ({"text": "a", "upload": ("refs.txt", b"b")}, "Paste text or upload a file, not both."),
        ({"text": READING_LIST, "reading_list": "nope"}, "Select a valid choice."),
    ],
    ids=["empty", "text-too-big", "file-too-big", "not-bib", "not-utf8", "both", "bad-list"],
)
def test_page_bad_input_is_a_form_error(client, organizer, settings, data, message) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024
    if "upload" in data:
        name, content = data["upload"]
        data = {**data, "upload": SimpleUploadedFile(name, content)}
    response = _client(client, organizer).post(URL, {**data, "action": "preview"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Paper.objects.exists()
