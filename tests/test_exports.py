"""Downloads: a review as a blog post (Markdown or a Hugo bundle) and papers as BibTeX."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from typing import Any

import bibtexparser
import pytest
import yaml  # PyYAML comes with drf-spectacular; it stands in for Hugo's and Jekyll's parsers
from bibtexparser.bparser import BibTexParser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from pylatexenc.latex2text import LatexNodes2Text

from reviews import services
from reviews.enums import RunStatus, RunVerdict
from reviews.exports.bibtex import bibtex, citation_key, entry_type, latex_escape
from reviews.exports.markdown import review_markdown, yaml_string
from reviews.models import ExperimentRun, Member, Paper, Review
from tests.factories import (
    EntryFactory,
    PaperFactory,
    ReadingListFactory,
    TagFactory,
    make_review,
)

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2024, 3, 1, 1, 2, 3, 456789, tzinfo=UTC)  # 10:02:03 in Seoul


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user: Member | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def split_post(text: str) -> tuple[dict[str, Any], str]:
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


@pytest.fixture
def korean_review(author: Member) -> Review:
    paper = PaperFactory(
        title='Fast AutoAugment: "빠른" 증강 # 1',
        arxiv_id="1905.00397",
        doi="10.5555/3454287.3454863",
        year=2019,
        tags=[TagFactory(name="증강", slug="증강"), TagFactory(name="automl", slug="automl")],
    )
    review = make_review(
        paper=paper,
        author=author,
        language="ko",
        tldr="정책 탐색을 $\\mathcal{O}(1)$ 시간에: 밀도 매칭",
        introduction="소개 $x^2$ 와 `$not math$`.",
        core_algorithm="```python\nloss = (x - y) ** 2\n```",
        results="",
    )
    Review.objects.filter(pk=review.pk).update(published_at=PUBLISHED)
    review.refresh_from_db()
    return review


def test_review_markdown_exact_text(korean_review: Review) -> None:
    text = review_markdown(korean_review)
    assert text == (
        "---\n"
        'title: "Fast AutoAugment: \\"빠른\\" 증강 # 1"\n'
        "date: 2024-03-01T10:02:03+09:00\n"
        'author: "작가 이"\n'
        "tags:\n"
        '  - "automl"\n'
        '  - "증강"\n'
        'summary: "정책 탐색을 $\\\\mathcal{O}(1)$ 시간에: 밀도 매칭"\n'
        "lang: ko\n"
        "math: true\n"
        'paper_title: "Fast AutoAugment: \\"빠른\\" 증강 # 1"\n'
        'arxiv: "1905.00397"\n'
        'doi: "10.5555/3454287.3454863"\n'
        "paper_year: 2019\n"
        "---\n"
        "\n"
        "> **TL;DR** 정책 탐색을 $\\mathcal{O}(1)$ 시간에: 밀도 매칭\n"
        "\n"
        "## 소개\n"
        "\n"
        "소개 $x^2$ 와 `$not math$`.\n"
        "\n"
        "## 핵심 알고리즘\n"
        "\n"
        "```python\nloss = (x - y) ** 2\n```\n"
        "\n"
        "## 소감\n"
        "\n"
        "좋은 논문이다.\n"
    )


def test_front_matter_parses_as_yaml_with_korean_colons_quotes(korean_review: Review) -> None:
    meta, body = split_post(review_markdown(korean_review))
    assert meta["title"] == 'Fast AutoAugment: "빠른" 증강 # 1'
    assert meta["date"] == datetime(2024, 3, 1, 1, 2, 3, tzinfo=UTC)
    assert meta["tags"] == ["automl", "증강"]
    assert meta["math"] is True
    assert meta["arxiv"] == "1905.00397"
    assert meta["summary"] == korean_review.tldr
    assert "draft" not in meta
    assert "$x^2$" in body


def test_english_review_headings_draft_flag_and_no_math(author: Member) -> None:
    review = make_review(
        author=author,
        published=False,
        language="en",
        introduction="Prices: $5 and $10.",
        results="```\n$x$\n```",
        thoughts="",
        tldr="",
    )
    meta, body = split_post(review_markdown(review))
    assert "math" not in meta
    assert meta["draft"] is True
    assert meta["tags"] == []
    assert "## Introduction\n\nPrices: $5 and $10.\n" in body
    assert "## Core algorithm" in body and "## Results" in body
    assert "My thoughts" not in body and "TL;DR" not in body


@pytest.mark.parametrize(
    "value",
    ["a: b", 'say "hi"', "# not a comment", "- item", "line\nbreak", "x\u2028y", "{[&*!|>'%@`]}"],
)
def test_yaml_string_round_trips(value: str) -> None:
    assert yaml.safe_load(f"k: {yaml_string(value)}") == {"k": value}


def test_review_export_download_is_markdown_with_filename(korean_review: Review) -> None:
    response = Client().get(reverse("review_export", args=[korean_review.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''fast-autoaugment-%EB%B9%A0%EB%A5%B8-%EC%A6%9D%EA%B0%95-1.md"
    )
    assert response.content.decode() == review_markdown(korean_review)


def test_review_export_ascii_filename(author: Member) -> None:
    review = make_review(paper=PaperFactory(title="mixup: Beyond ERM"), author=author)
    response = Client().get(reverse("review_export", args=[review.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="mixup-beyond-erm.md"'


def test_draft_export_only_for_its_author(author: Member, other: Member) -> None:
    draft = make_review(author=author, published=False)
    url = reverse("review_export", args=[draft.pk])
    assert client_for(None).get(url).status_code == 404
    assert client_for(other).get(url).status_code == 404
    assert client_for(author).get(url).status_code == 200


def test_export_unknown_review_is_404(member: Member) -> None:
    assert client_for(member).get(reverse("review_export", args=[999999])).status_code == 404


def add_run(review: Review, *, status: str = RunStatus.SUCCEEDED, svg: str = "<svg/>"):
    run = ExperimentRun.objects.create(
        review=review,
        requested_by=review.author,
        experiment="grokking",
        config={},
        status=status,
        verdict=RunVerdict.REPRODUCED if status == RunStatus.SUCCEEDED else "",
        verdict_reason="Validation accuracy jumps\nlate.",
        time_limit_s=60,
    )
    if status == RunStatus.SUCCEEDED:
        run.figure = default_storage.save(f"runs/run-{run.pk}.svg", ContentFile(svg.encode()))
        run.save(update_fields=["figure"])
    return run


def test_review_with_runs_downloads_a_hugo_bundle(korean_review: Review) -> None:
    run = add_run(korean_review, svg="<svg><text>곡선</text></svg>")
    add_run(korean_review, status=RunStatus.FAILED)
    lost = add_run(korean_review)
    default_storage.delete(lost.figure.name)  # a missing file is left out, not a 500

    response = Client().get(reverse("review_export", args=[korean_review.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "filename*=utf-8''fast-autoaugment-" in response["Content-Disposition"]
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    slug = "fast-autoaugment-빠른-증강-1"
    figure = f"figures/grokking-{run.pk}.svg"
    assert sorted(bundle.namelist()) == [f"{slug}/{figure}", f"{slug}/index.md"]
    assert bundle.read(f"{slug}/{figure}").decode() == "<svg><text>곡선</text></svg>"
    index = bundle.read(f"{slug}/index.md").decode()
    meta, body = split_post(index)
    assert meta["title"] == korean_review.paper.title
    assert body.endswith(
        f"## 데모 실험\n\n![grokking #{run.pk}]({figure})\n\n"
        "**재현됨** — Validation accuracy jumps late.\n"
    )


def _download_link(review: Review) -> str:
    page = Client().get(review.get_absolute_url()).content.decode()
    href = reverse("review_export", args=[review.pk])
    return re.search(rf'<a href="{href}" download>([^<]*)</a>', page).group(1)


def test_download_link_names_what_it_downloads(korean_review: Review) -> None:
    url = reverse("review_export", args=[korean_review.pk])
    add_run(korean_review, status=RunStatus.FAILED)
    assert _download_link(korean_review) == "Download for a blog (Markdown)"
    assert Client().get(url)["Content-Type"] == "text/markdown; charset=utf-8"

    lost = add_run(korean_review)
    default_storage.delete(lost.figure.name)
    # The figure's file is gone, yet the label and the download agree: a ZIP.
    assert _download_link(korean_review) == "Download for a blog (Markdown + figures, ZIP)"
    assert Client().get(url)["Content-Type"] == "application/zip"


def test_bundle_is_the_same_bytes_each_time(korean_review: Review) -> None:
    add_run(korean_review)
    url = reverse("review_export", args=[korean_review.pk])
    assert Client().get(url).content == Client().get(url).content


# --- BibTeX ------------------------------------------------------------------------------


def parse_bib(text: str) -> list[dict[str, str]]:
    parser = BibTexParser(common_strings=True)
    return bibtexparser.loads(text, parser=parser).entries


def to_text(latex: str) -> str:
    return LatexNodes2Text().latex_to_text(latex)


def test_latex_escape_specials() -> None:
    assert latex_escape("R&D 50% $5 #1 a_b {x} ~ ^ \\") == (
        r"R\&D 50\% \$5 \#1 a\_b \{x\} \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )


def test_bibtex_escapes_and_round_trips_through_bibtexparser() -> None:
    title = "Tricks & Traps: 50% of $\\alpha$_values {not} #1 — 한국어 제목"
    paper = PaperFactory(
        title=title,
        authors=["Sungbin Lim", "Gödel, Kurt", "김민지", "Tom and Jerry"],
        year=2019,
        venue="Advances in Neural Information Processing Systems",
        arxiv_id="1905.00397",
        doi="10.5555/3454287_3454863",
    )
    text = bibtex([paper])
    assert text.startswith("@inproceedings{lim2019tricks,\n")
    assert "  title = {{Tricks \\& Traps: 50\\% of \\$\\textbackslash{}alpha\\$\\_values" in text
    assert "한국어 제목}}" in text and "Gödel" in text
    [entry] = parse_bib(text)
    assert entry["ID"] == "lim2019tricks"
    assert entry["ENTRYTYPE"] == "inproceedings"
    assert to_text(entry["title"]) == title
    assert entry["author"] == "Sungbin Lim and Gödel, Kurt and 김민지 and {Tom and Jerry}"
    assert entry["booktitle"] == "Advances in Neural Information Processing Systems"
    assert entry["eprint"] == "1905.00397" and entry["archiveprefix"] == "arXiv"
    assert entry["doi"] == "10.5555/3454287_3454863"
    assert entry["year"] == "2019"


def test_bibtex_arxiv_preprint_is_article_with_eprint() -> None:
    paper = PaperFactory(
        title="Population Based Training of Neural Networks",
        authors=["Max Jaderberg", "Valentin Dalibard"],
        year=2017,
        venue="",
        arxiv_id="1711.09846",
    )
    [entry] = parse_bib(bibtex([paper]))
    assert entry["ENTRYTYPE"] == "article"
    assert entry["ID"] == "jaderberg2017population"
    assert entry["journal"] == "arXiv preprint arXiv:1711.09846"
    assert entry["url"] == "https://arxiv.org/abs/1711.09846"


@pytest.mark.parametrize(
    ("venue", "arxiv_id", "expected"),
    [
        ("ICLR", "", ("inproceedings", "booktitle", "ICLR")),
        (
            "Proceedings of the 37th ICML",
            "",
            ("inproceedings", "booktitle", "Proceedings of the 37th ICML"),
        ),
        (
            "Journal of Machine Learning Research",
            "",
            ("article", "journal", "Journal of Machine Learning Research"),
        ),
        ("arXiv preprint", "1711.09846", ("article", "journal", "arXiv preprint arXiv:1711.09846")),
        ("", "", ("misc", "howpublished", "")),
    ],
)
def test_bibtex_entry_type(venue: str, arxiv_id: str, expected: tuple[str, str, str]) -> None:
    assert entry_type(Paper(title="T", venue=venue, arxiv_id=arxiv_id)) == expected


def test_citation_keys_are_ascii_and_unique() -> None:
    papers = [
        PaperFactory(
            title="The Lottery Ticket Hypothesis", authors=["Jonathan Frankle"], year=2019
        ),
        PaperFactory(title="Lottery tickets again", authors=["Frankle, J."], year=2019),
        PaperFactory(title="Lottery, third", authors=["Jonathan Frankle"], year=2019),
        PaperFactory(title="딥러닝 논문", authors=["김민지"], year=None),
        PaperFactory(title="Émile's über model", authors=["Zoë Ölçer"], year=2020),
    ]
    text = bibtex(papers)
    keys = [entry["ID"] for entry in parse_bib(text)]
    assert keys == [
        "frankle2019lottery",
        "frankle2019lotterya",
        "frankle2019lotteryb",
        "anon",
        "olcer2020emiles",
    ]
    assert citation_key(papers[0]) == "frankle2019lottery"


def test_paper_bibtex_download(author: Member) -> None:
    paper = PaperFactory(title="mixup: Beyond Empirical Risk Minimization")
    response = Client().get(reverse("paper_bibtex", args=[paper.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="mixup-beyond-empirical-risk-minimization.bib"'
    )
    assert len(parse_bib(response.content.decode())) == 1


def test_reading_list_bibtex_in_list_numbering() -> None:
    rl = ReadingListFactory(slug="season-6", title="Season 6")
    for number, title in [(42, "Fast AutoAugment"), (16, "Population based training"), (3, "SWA")]:
        EntryFactory(reading_list=rl, number=number, paper=PaperFactory(title=title))
    response = Client().get(reverse("reading_list_bibtex", args=[rl.slug]))
    assert response["Content-Disposition"] == 'attachment; filename="season-6.bib"'
    text = response.content.decode()
    titles = [to_text(e["title"]) for e in parse_bib(text)]
    assert titles == ["SWA", "Population based training", "Fast AutoAugment"]
    assert text.index("% Season 6 #3") < text.index("% Season 6 #16")


def test_reading_list_bibtex_queries_do_not_grow(django_assert_max_num_queries: Any) -> None:
    rl = ReadingListFactory(slug="big")
    for _ in range(12):
        EntryFactory(reading_list=rl)
    with django_assert_max_num_queries(4):
        Client().get(reverse("reading_list_bibtex", args=[rl.slug]))


def test_member_bibtex_lists_visible_reviews_only(author: Member, other: Member) -> None:
    published = make_review(author=author, paper=PaperFactory(title="Published one"))
    make_review(author=author, paper=PaperFactory(title="Draft one"), published=False)
    url = reverse("member_bibtex", args=[author.username])

    seen_by_other = parse_bib(client_for(other).get(url).content.decode())
    assert [to_text(e["title"]) for e in seen_by_other] == [published.paper.title]
    seen_by_author = parse_bib(client_for(author).get(url).content.decode())
    assert sorted(to_text(e["title"]) for e in seen_by_author) == ["Draft one", "Published one"]
    response = client_for(other).get(url)
    assert response["Content-Disposition"] == 'attachment; filename="author-reviews.bib"'


def test_member_bibtex_unknown_member_is_404() -> None:
    assert Client().get(reverse("member_bibtex", args=["ghost"])).status_code == 404


def test_pages_link_the_downloads(korean_review: Review) -> None:
    paper = korean_review.paper
    rl = ReadingListFactory(slug="links")
    EntryFactory(reading_list=rl, paper=paper)
    client = Client()
    assert (
        reverse("review_export", args=[korean_review.pk])
        in client.get(korean_review.get_absolute_url()).content.decode()
    )
    assert (
        reverse("paper_bibtex", args=[paper.pk])
        in client.get(paper.get_absolute_url()).content.decode()
    )
    assert (
        reverse("reading_list_bibtex", args=[rl.slug])
        in client.get(rl.get_absolute_url()).content.decode()
    )
    author = korean_review.author
    assert (
        reverse("member_bibtex", args=[author.username])
        in client.get(author.get_absolute_url()).content.decode()
    )


def test_review_export_keeps_display_math_source_after_edit(author: Member) -> None:
    review = make_review(author=author, introduction="first")
    services.review_save(
        review=review,
        by=author,
        content=services.ReviewContent(introduction="$$\n\\int_0^1 x\\,dx\n$$"),
        expected_version=review.version,
    )
    review.refresh_from_db()
    _meta, body = split_post(review_markdown(review))
    assert "$$\n\\int_0^1 x\\,dx\n$$" in body
