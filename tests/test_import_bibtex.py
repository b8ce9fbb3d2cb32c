"""BibTeX through bibtexparser 1.4: accents, braces, missing fields, broken entries."""

from __future__ import annotations

from pathlib import Path

from reviews.importers.bibtex import detect_format, parse_bibtex, parse_papers

DATA = Path(__file__).parent / "data" / "bibtex"


def _by_title(text: str) -> dict[str, object]:
    return {item.title: item for item in parse_bibtex(text)}


def test_bibtex_every_paper_type_is_read_and_non_entries_skipped() -> None:
    items = parse_bibtex((DATA / "papers.bib").read_text())
    # @string, @comment and @preamble carry no paper.
    assert len(items) == 7
    assert all(item.importable for item in items)


def test_bibtex_accents_braces_and_math_are_decoded() -> None:
    items = _by_title((DATA / "papers.bib").read_text())
    uber = items["Über die Größe von $\\ell_1$-Normen in Naïve Bayes"]
    assert uber.authors == ["Jörg Müller", "José García", "María de la Fuente"]
    assert uber.year == 2020
    assert uber.arxiv_id == "2001.01234"  # eprint with archivePrefix, version dropped
    assert uber.venue == "arXiv"
    bert = items["BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"]
    assert bert.authors == ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"]
    assert bert.doi == "10.18653/v1/N19-1423"
    assert bert.venue == "Proceedings of NAACL-HLT"
    assert bert.year == 2019


def test_bibtex_string_macros_quotes_and_others() -> None:
    items = _by_title((DATA / "papers.bib").read_text())
    fast = items["Fast AutoAugment"]
    assert fast.venue == "Advances in Neural Information Processing Systems"
    assert fast.authors[0] == "Sungbin Lim"
    pbt = items["Population Based Training of Neural Networks"]
    assert pbt.authors == ["Max Jaderberg", "Valentin Dalibard", "Simon Osindero"]
    assert (pbt.arxiv_id, pbt.venue) == ("1711.09846", "arXiv")
    assert pbt.problems == []
    assert pbt.authors_incomplete


def test_bibtex_thesis_report_book_venues_and_korean() -> None:
    items = _by_title((DATA / "papers.bib").read_text())
    thesis = items["딥러닝 기반 한국어 형태소 분석"]
    assert (thesis.authors, thesis.venue, thesis.year) == (["김철수"], "서울대학교", 2021)
    report = items["Technical Report on Things"]
    assert report.authors == ["OpenAI"]  # {OpenAI}: a corporate author stays whole
    assert report.arxiv_id == "1803.05407"  # from the url
    assert report.url == "https://arxiv.org/abs/1803.05407"
    assert items["Deep Learning"].venue == "MIT Press"


def test_bibtex_broken_entries_reported_good_ones_kept() -> None:
    items = parse_bibtex((DATA / "broken.bib").read_text())
    titles = [item.title for item in items if item.importable]
    assert titles == ["A Good Entry", "Year is not a number", "Another Good Entry"]
    problems = {item.raw.split("{", 1)[1].split(",", 1)[0]: item.problems for item in items}
    assert problems["unbalanced"] == [
        "unbalanced: the braces do not balance (a “}” is missing?); entry skipped."
    ]
    assert problems["nocomma"][0].startswith("nocomma: could not be read")
    assert problems["macro"] == [
        "macro: uses @string “undefinedjournal”, which is not defined; entry skipped."
    ]
    assert problems["badyear"] == ["The year “to appear” is not a year; left out."]
    assert problems["notitle"][0] == "notitle: no title; entry skipped."
    assert problems["tool2020"] == ["tool2020: @software entries are not papers; skipped."]


def test_bibtex_missing_fields_are_problems_not_failures() -> None:
    (item,) = parse_bibtex("@misc{bare, title = {Only a Title}}")
    assert item.title == "Only a Title"
    assert item.authors == []
    assert item.year is None
    assert item.problems == ["No authors found.", "No year found."]
    assert item.importable


def test_bibtex_authors_and_inside_braces_and_von_jr() -> None:
    (item,) = parse_bibtex(
        "@article{x, title={T}, year=2001, author = {{Barnes and Noble} and "
        "von Neumann, John and Steele, Jr., Guy L. and Le Cun, Yann}}"
    )
    assert item.authors == [
        "Barnes and Noble",
        "John von Neumann",
        "Guy L. Steele, Jr.",
        "Yann Le Cun",
    ]


def test_bibtex_dblp_corr_and_doi_url() -> None:
    (item,) = parse_bibtex(
        "@article{DBLP:journals/corr/abs-1803-05407, title={Averaging Weights}, "
        "journal={CoRR}, volume={abs/1803.05407}, year={2018}, "
        "url={https://doi.org/10.48550/arXiv.1803.05407}}"
    )
    assert item.arxiv_id == "1803.05407"
    assert item.doi == "10.48550/arXiv.1803.05407"
    assert item.venue == "CoRR"


def test_bibtex_invalid_doi_and_arxiv_are_left_out() -> None:
    (item,) = parse_bibtex(
        "@article{x, title={T}, year=2001, doi={not-a-doi}, eprint={9999.99999}, "
        "archivePrefix={arXiv}}"
    )
    assert (item.doi, item.arxiv_id) == ("", "")
    assert item.problems == [
        "No authors found.",
        "“9999.99999” is not a valid arXiv id; left out.",
        "“not-a-doi” is not a DOI; left out.",
    ]


def test_bibtex_parenthesised_entry() -> None:
    (item,) = parse_bibtex("@article(paren, title={Round brackets}, year={1999})")
    assert (item.title, item.year) == ("Round brackets", 1999)


def test_detect_format() -> None:
    assert detect_format("% refs\n@Article{x, title={T}}") == "bibtex"
    assert detect_format('16. Jaderberg, Max. "Title." 2017.\nmail me @home{x}') == "citations"
    kind, items = parse_papers("1. Doe, J. (2019). A title. Venue.")
    assert kind == "citations"
    assert items[0].title == "A title"
