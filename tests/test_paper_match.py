"""The one paper-matching index every importer uses: ids, titles and short names."""

from __future__ import annotations

import pytest

from reviews.importers.base import PaperData
from reviews.services.papers import PaperIndex, paper_write, title_names
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db

VIT = "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale"
VIT_ABSTRACT = (
    "While the Transformer architecture has become the de-facto standard... "
    "Vision Transformer (ViT) attains excellent results compared to convolutional networks."
)
CLIP = "Learning Transferable Visual Models From Natural Language Supervision (CLIP)"
DEIT_ABSTRACT = "We train vision transformers (ViT-style) with distillation."


@pytest.fixture
def group_papers() -> dict[str, object]:
    return {
        "vit": PaperFactory(title=VIT, abstract=VIT_ABSTRACT, arxiv_id="2010.11929"),
        "clip": PaperFactory(title=CLIP, abstract="Contrastive pre-training.", arxiv_id=""),
        "deit": PaperFactory(
            title="Training data-efficient image transformers & distillation through attention",
            abstract=DEIT_ABSTRACT,
            arxiv_id="2012.12877",
            doi="10.5555/DeiT",
        ),
        "adam": PaperFactory(title="Adam: A Method for Stochastic Optimization", arxiv_id=""),
    }


def test_title_names_reads_heads_acronyms_and_short_titles() -> None:
    assert title_names("CLIP: Connecting text and images") == ["CLIP"]
    assert title_names(CLIP) == ["CLIP"]
    assert title_names("Vision Transformer") == ["Vision Transformer"]
    assert title_names("A very long title that is a whole sentence of words") == []


def test_paper_index_matches_arxiv_id_and_doi_case_blind(group_papers) -> None:
    index = PaperIndex()
    assert index.find(PaperData(title="x", arxiv_id="2010.11929v3")).paper == group_papers["vit"]
    match = index.find(PaperData(title="other", doi="10.5555/deit"))
    assert (match.paper, match.matched_by) == (group_papers["deit"], "doi")


def test_paper_index_matches_normalised_and_similar_titles(group_papers) -> None:
    index = PaperIndex()
    exact = index.find(PaperData(title="adam — a method for stochastic optimization"))
    assert (exact.paper, exact.matched_by) == (group_papers["adam"], "title")
    close = index.find(
        PaperData(title="An Image is Worth 16x16 Words: Transformer for Image Recognition at Scale")
    )
    assert (close.paper, close.matched_by) == (group_papers["vit"], "similar")


def test_paper_index_same_title_other_arxiv_id_is_another_paper(group_papers) -> None:
    assert PaperIndex().find(PaperData(title=VIT, arxiv_id="1711.09846")) is None


def test_find_post_short_name_in_abstract_matches(group_papers) -> None:
    match, candidates = PaperIndex(names=True).find_post("Vision Transformer")
    assert (match.paper, match.matched_by, match.name) == (
        group_papers["vit"],
        "name",
        "Vision Transformer",
    )
    assert candidates == []


def test_find_post_acronym_keeps_its_case(group_papers) -> None:
    PaperFactory(title="Gradient tricks", abstract="We clip the gradients of every layer.")
    match, _candidates = PaperIndex(names=True).find_post("ViT")
    assert match.paper == group_papers["vit"]
    match, candidates = PaperIndex(names=True).find_post("CLIP")
    assert (match.paper, candidates) == (group_papers["clip"], [])


def test_find_post_subtitle_title_matches_by_acronym(group_papers) -> None:
    match, _candidates = PaperIndex(names=True).find_post("CLIP: Connecting text and images")
    assert (match.paper, match.name) == (group_papers["clip"], "CLIP")


def test_find_post_subtitle_tail_matches_title(group_papers) -> None:
    match, _candidates = PaperIndex(names=True).find_post(
        "Adam 정리: A Method for Stochastic Optimization"
    )
    assert match.paper == group_papers["adam"]


def test_find_post_ambiguous_name_offers_candidates(group_papers) -> None:
    PaperFactory(title="Other", abstract="We build on Vision Transformer (ViT) blocks.")
    match, candidates = PaperIndex(names=True).find_post("Vision Transformer")
    assert match is None
    assert group_papers["vit"] in candidates and len(candidates) == 2


def test_find_post_unknown_title_matches_nothing(group_papers) -> None:
    assert PaperIndex(names=True).find_post("Rust async ecosystem in 2024") == (None, [])


def test_paper_write_fills_empty_fields_and_completes_cut_authors(member) -> None:
    paper = PaperFactory(authors=["Max Jaderberg"], authors_incomplete=True, venue="")
    item = PaperData(
        title=paper.title, authors=["Max Jaderberg", "Valentin Dalibard"], venue="arXiv"
    )
    written, filled = paper_write(item=item, by=member, match=paper)
    paper.refresh_from_db()
    assert (written, sorted(filled)) == (paper, ["authors", "venue"])
    assert (paper.authors, paper.authors_incomplete) == (item.authors, False)
