"""What the worker computes, on a fixed corpus in three topics (tests/recommend/corpus.py):
similar papers, their incremental upkeep, and each member's recommendations."""

from __future__ import annotations

import pytest

from recommend import compute, selectors, services
from recommend.models import PaperVector, Recommendation, SimilarPaper, TextModel
from reviews import services as review_services
from reviews.enums import ReadingStatus
from reviews.models import Member
from tests.factories import (
    EntryFactory,
    MemberFactory,
    MembershipFactory,
    PaperFactory,
    ReadingListFactory,
    make_review,
)

from .corpus import Corpus, reader_of

pytestmark = pytest.mark.django_db


def _similar_topics(corpus: Corpus, paper_id: int, n: int = 2) -> list[str]:
    rows = SimilarPaper.objects.filter(paper_id=paper_id).order_by("-score")[:n]
    return [corpus.topic_of(row.similar_id) for row in rows]


def test_rebuild_similar_papers_share_their_topic(corpus: Corpus) -> None:
    timings = compute.vectors_rebuild()
    assert timings["papers"] == 10
    assert PaperVector.objects.count() == 10 and TextModel.objects.count() == 1
    for topic, papers in corpus.papers.items():
        for paper in papers:
            assert _similar_topics(corpus, paper.pk, 1) == [topic], paper.title


def test_rebuild_korean_paper_finds_its_english_neighbours(corpus: Corpus) -> None:
    compute.vectors_rebuild()
    korean = corpus.papers["diffusion"][2]
    english = {p.pk for p in corpus.papers["diffusion"][:2]}
    similar = [p.pk for p in selectors.similar_papers(korean, limit=3)]
    assert english & set(similar[:2])


def test_rebuild_published_review_text_makes_papers_similar(corpus: Corpus) -> None:
    blank = PaperFactory(title="Untitled preprint", abstract="")
    make_review(
        paper=blank,
        introduction="Graph attention over each node's neighbourhood; edges between nodes are "
        "weighed by self-attention instead of a spectral graph convolution.",
    )
    compute.vectors_rebuild()
    assert _similar_topics(corpus, blank.pk) == ["graphs", "graphs"]


def test_refresh_draft_review_leaves_the_vector_alone(corpus: Corpus) -> None:
    paper = corpus.papers["rl"][0]
    compute.vectors_rebuild()
    make_review(paper=paper, published=False, introduction="unpublishedzebra " * 50)
    assert compute.paper_refresh(paper_id=paper.pk) is False
    assert "unpublishedzebra" not in selectors.paper_texts([paper.pk])[paper.pk]


def test_refresh_changed_paper_moves_between_topics(corpus: Corpus) -> None:
    compute.vectors_rebuild()
    moved = corpus.papers["graphs"][0]
    diffusion = corpus.papers["diffusion"]
    moved.title = "Denoising diffusion, revisited"
    moved.abstract = f"{diffusion[0].abstract} {diffusion[1].abstract}"
    review_services.paper_save(paper=moved)
    assert compute.paper_refresh(paper_id=moved.pk) is True
    assert _similar_topics(corpus, moved.pk, 1) == ["diffusion"]
    # The diffusion papers now list it; the graph papers' lists were mended without it first.
    ddpm = corpus.papers["diffusion"][0]
    listed = SimilarPaper.objects.filter(paper=ddpm).values_list("similar_id", flat=True)
    assert moved.pk in set(listed)
    for other in corpus.papers["graphs"][1:]:
        best = SimilarPaper.objects.filter(paper=other).order_by("-score").first()
        assert best is not None and best.similar_id != moved.pk
    # Unchanged since: nothing to do.
    assert compute.paper_refresh(paper_id=moved.pk) is False


def test_refresh_new_paper_gets_a_vector_and_neighbours(corpus: Corpus) -> None:
    compute.vectors_rebuild()
    new = PaperFactory(
        title="Graph neural networks for molecules",
        abstract="Message passing over the nodes and edges of a molecular graph, a graph "
        "convolution with attention over neighbouring nodes.",
    )
    assert compute.paper_refresh(paper_id=new.pk) is True
    assert PaperVector.objects.filter(paper=new).exists()
    assert _similar_topics(corpus, new.pk) == ["graphs", "graphs"]


def test_refresh_without_a_model_rebuilds_everything(corpus: Corpus) -> None:
    assert compute.paper_refresh(paper_id=corpus.papers["rl"][0].pk) is True
    assert PaperVector.objects.count() == 10


def test_recommendations_positives_pull_their_topic_up(corpus: Corpus) -> None:
    reader = reader_of(corpus, "rl")
    compute.vectors_rebuild()
    found = selectors.for_you(reader)
    ranked = [r.paper_id for r in found.from_group]
    assert {corpus.topic_of(pk) for pk in ranked[:2]} == {"rl"}
    # Bookmarked papers are never offered back.
    assert not {p.pk for p in corpus.papers["rl"][:2]} & set(ranked)
    # Why: words the paper shares with what the member bookmarked.
    first = found.from_group[0]
    assert first.terms
    liked = " ".join(selectors.paper_texts([p.pk for p in corpus.papers["rl"][:2]]).values())
    liked = liked.lower()
    assert all(term in liked for term in first.terms)


def test_recommendations_follow_another_members_other_topic(corpus: Corpus) -> None:
    reader = reader_of(corpus, "graphs")
    compute.vectors_rebuild()
    ranked = [r.paper_id for r in selectors.for_you(reader).from_group]
    assert corpus.topic_of(ranked[0]) == "graphs"


def test_recommendations_not_for_me_hides_at_once_and_teaches_the_model(corpus: Corpus) -> None:
    reader = reader_of(corpus, "rl")
    compute.vectors_rebuild()
    top = selectors.for_you(reader).from_group[0].paper
    services.dismissal_create(member=reader, paper=top)
    assert top.pk not in [r.paper_id for r in selectors.for_you(reader).from_group]
    compute.recommendations_refresh(member_id=reader.pk)
    assert not Recommendation.objects.filter(member=reader, paper=top).exists()
    assert [d.paper_id for d in selectors.for_you(reader).dismissed] == [top.pk]
    # Undo: it can be recommended again.
    assert services.dismissal_delete(member=reader, paper=top) is True
    compute.recommendations_refresh(member_id=reader.pk)
    assert top.pk in [r.paper_id for r in selectors.for_you(reader).from_group]
    assert services.dismissal_delete(member=reader, paper=top) is False


def test_recommendations_split_cohort_lists_from_the_rest(corpus: Corpus) -> None:
    reader = reader_of(corpus, "rl")
    reading_list = ReadingListFactory()
    MembershipFactory(member=reader, cohort=reading_list.cohort)
    listed = corpus.papers["rl"][3]
    EntryFactory(reading_list=reading_list, paper=listed)
    compute.vectors_rebuild()
    found = selectors.for_you(reader)
    assert [r.paper_id for r in found.from_lists] == [listed.pk]
    assert listed.pk not in [r.paper_id for r in found.from_group]


def test_recommendations_leave_out_papers_the_member_reads(corpus: Corpus) -> None:
    reader = reader_of(corpus, "rl")
    entry = EntryFactory(paper=corpus.papers["rl"][2])
    review_services.entry_status_set(entry=entry, member=reader, status=ReadingStatus.READING)
    compute.vectors_rebuild()
    ids = {r.paper_id for r in Recommendation.objects.filter(member=reader)}
    assert corpus.papers["rl"][2].pk not in ids and ids


def test_recommendations_cold_start_shows_what_the_cohort_reads_most(corpus: Corpus) -> None:
    newcomer = MemberFactory(username="newcomer")
    reading_list = ReadingListFactory()
    cohort = reading_list.cohort
    MembershipFactory(member=newcomer, cohort=cohort)
    popular, quiet = corpus.papers["graphs"][1], corpus.papers["rl"][1]
    for paper in (quiet, popular):
        EntryFactory(reading_list=reading_list, paper=paper)
    for i in range(3):
        peer = MemberFactory(username=f"peer{i}")
        MembershipFactory(member=peer, cohort=cohort)
        entry = popular.entries.get()
        review_services.entry_status_set(entry=entry, member=peer, status=ReadingStatus.READING)
    compute.vectors_rebuild()
    found = selectors.for_you(newcomer)
    assert not found.from_group and not found.from_lists
    assert [p.pk for p in found.popular] == [popular.pk, quiet.pk]
    assert found.popular[0].readers == 3


def test_recommendations_cold_start_without_cohort_shows_most_reviewed(corpus: Corpus) -> None:
    reviewed = corpus.papers["diffusion"][1]
    make_review(paper=reviewed)
    found = selectors.for_you(MemberFactory(username="alone"))
    assert [p.pk for p in found.popular] == [reviewed.pk]


def test_recommendations_inactive_members_get_none(corpus: Corpus) -> None:
    reader = reader_of(corpus, "rl")
    reader.is_active = False
    reader.save()
    compute.vectors_rebuild()
    assert not Recommendation.objects.filter(member=reader).exists()


def test_who_can_help_names_reviewers_of_this_and_similar_papers(corpus: Corpus) -> None:
    ppo, dqn = corpus.papers["rl"][:2]
    this, similar = MemberFactory(username="this"), MemberFactory(username="similar")
    drafter = MemberFactory(username="drafter")
    make_review(paper=ppo, author=this)
    make_review(paper=dqn, author=similar)
    make_review(paper=ppo, author=drafter, published=False)
    compute.vectors_rebuild()
    helpers = selectors.who_can_help(ppo, selectors.similar_papers(ppo))
    assert [(m.username, m.reviewed_this, m.similar_reviewed) for m in helpers] == [
        ("this", True, 0),
        ("similar", False, 1),
    ]


def test_also_reviewed_counts_shared_reviewers(corpus: Corpus) -> None:
    ppo, dqn, gcn = corpus.papers["rl"][0], corpus.papers["rl"][1], corpus.papers["graphs"][0]
    for name in ("a", "b"):
        member = MemberFactory(username=name)
        make_review(paper=ppo, author=member)
        make_review(paper=dqn, author=member)
    make_review(paper=gcn, author=Member.objects.get(username="a"))
    make_review(paper=gcn, author=MemberFactory(username="c"), published=False)
    found = [(p.pk, p.shared_reviewers) for p in selectors.also_reviewed(ppo)]
    assert found == [(dqn.pk, 2), (gcn.pk, 1)]


def test_recommendations_leave_out_at_once_what_is_read_since(corpus: Corpus) -> None:
    reader = reader_of(corpus, "rl")
    compute.vectors_rebuild()
    top = selectors.for_you(reader).from_group[0].paper
    entry = EntryFactory(paper=top)
    review_services.entry_status_set(entry=entry, member=reader, status=ReadingStatus.READING)
    assert top.pk not in [r.paper_id for r in selectors.for_you(reader).from_group]


def test_rebuild_an_empty_group_then_its_first_paper() -> None:
    assert compute.vectors_rebuild()["papers"] == 0
    first = PaperFactory(title="Only paper", abstract="")
    assert compute.paper_refresh(paper_id=first.pk) is True
    assert selectors.similar_papers(first) == []
    MemberFactory(username="early")
    assert compute.vectors_rebuild()["papers"] == 1
