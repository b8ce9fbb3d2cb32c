"""The one home of the arXiv-id grammar: checking ids and finding them in text."""

from __future__ import annotations

import pytest

from reviews.arxiv_ids import (
    find_arxiv_id,
    find_arxiv_ids,
    is_arxiv_id,
    most_cited_arxiv_id,
    parse_arxiv_id,
    strip_version,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1711.09846", True),
        ("2201.02177v2", True),
        ("hep-th/9711200", True),
        ("math.GT/0309136", True),
        ("1713.09846", False),  # no 13th month
        ("2201.0217", False),  # five digits since 2015
        ("1412.69801", False),  # four digits before 2015
        ("junk", False),
    ],
)
def test_is_arxiv_id_follows_the_grammar(value: str, expected: bool) -> None:
    assert is_arxiv_id(value) is expected


def test_strip_version_drops_the_suffix() -> None:
    assert strip_version(" 2201.02177v12 ") == "2201.02177"
    assert strip_version("hep-th/9711200v3") == "hep-th/9711200"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://arxiv.org/abs/2010.11929v2 for details", ["2010.11929"]),
        (
            "arXiv:1711.09846 and arxiv.org/pdf/hep-th/9711200v1.pdf",
            ["1711.09846", "hep-th/9711200"],
        ),
        ("CoRR abs/1905.00397, 2019", ["1905.00397"]),
        ("arXiv preprint arXiv:2103.00020 (2021)", ["2103.00020"]),
        ("arXiv preprint 1711.09846 (2017)", ["1711.09846"]),
        ("version 1711.09846 without a prefix", []),
    ],
)
def test_find_arxiv_ids_reads_links_prefixes_and_citation_styles(
    text: str, expected: list[str]
) -> None:
    assert find_arxiv_ids(text) == expected


def test_find_arxiv_id_gives_the_first_even_when_malformed() -> None:
    # A citation reports a malformed id instead of silently dropping it.
    assert find_arxiv_id("arXiv:1713.09846") == "1713.09846"
    assert find_arxiv_id("nothing") == ""


def test_most_cited_arxiv_id_skips_malformed_and_counts_links() -> None:
    text = "arXiv:1713.09846 https://arxiv.org/abs/2103.00020 arXiv:2010.11929 arXiv:2010.11929v2"
    assert most_cited_arxiv_id(text) == "2010.11929"
    assert most_cited_arxiv_id("no ids") == ""


def test_parse_arxiv_id_is_one_value_not_a_search() -> None:
    assert parse_arxiv_id("arXiv:2201.02177v2") == "2201.02177"
    assert parse_arxiv_id("see arXiv:2201.02177") is None
