"""The search tests' fixed corpus, in Korean and English."""

from __future__ import annotations

import pytest

from tests.factories import (
    CohortFactory,
    EntryFactory,
    MemberFactory,
    MembershipFactory,
    PaperFactory,
    ReadingListFactory,
    TagFactory,
    make_comment,
    make_review,
)

LOTTERY = "The Lottery Ticket Hypothesis"
SWA = "Averaging Weights Leads to Wider Optima"
FILTERS = "Pruning Filters for Efficient ConvNets"


@pytest.fixture
def corpus() -> dict[str, object]:
    """A small fixed corpus in Korean and English, with a draft that must never show.

    Two cohorts and two tags split it. Spring reads the lottery paper (minji's review and a
    comment on it) and has minji; fall reads SWA (a draft review only) and the filters
    paper (jiwoo's review, minji's comment) and has jiwoo and hana. The lottery and filters
    papers are tagged pruning, SWA optimization. The three abstracts, the reviews, comments,
    bios and the draft all hold 가지치기; the draft's author is in no cohort.
    """
    pruning = TagFactory(name="Pruning", slug="pruning")
    optimization = TagFactory(name="Optimization", slug="optimization")
    lottery = PaperFactory(
        title=LOTTERY,
        arxiv_id="1803.03635",
        abstract="가지치기로 찾은 작은 신경망이 처음부터 잘 학습된다.",
        tags=[pruning],
    )
    swa = PaperFactory(
        title=SWA,
        doi="10.5555/swa.2018",
        abstract="가지치기 대신 가중치를 평균한다.",
        tags=[optimization],
    )
    filters = PaperFactory(
        title=FILTERS, abstract="합성곱 필터 가지치기로 추론을 빠르게 한다.", tags=[pruning]
    )
    author = MemberFactory(username="minji", display_name="김민지", bio="강화학습과 가지치기")
    jiwoo = MemberFactory(username="jiwoo", display_name="박지우", bio="가지치기 연구자")
    hana = MemberFactory(username="hana", display_name="최하나", bio="가지치기 초보")
    drafter = MemberFactory(username="drafter", display_name="초안작가", bio="가지치기 애호가")
    spring = CohortFactory(name="Spring 2024", slug="spring-2024")
    fall = CohortFactory(name="Fall 2024", slug="fall-2024")
    MembershipFactory(cohort=spring, member=author)
    MembershipFactory(cohort=fall, member=jiwoo)
    MembershipFactory(cohort=fall, member=hana)
    EntryFactory(reading_list=ReadingListFactory(cohort=spring), paper=lottery)
    fall_list = ReadingListFactory(cohort=fall)
    EntryFactory(reading_list=fall_list, paper=swa)
    EntryFactory(reading_list=fall_list, paper=filters)
    published = make_review(
        paper=lottery,
        author=author,
        core_algorithm="가중치를 반복해서 가지치기하는 알고리즘을 쓴다. Iterative pruning.",
    )
    make_review(
        paper=swa, author=drafter, published=False, thoughts="비밀초안단어 secretdraftword 가지치기"
    )
    make_comment(review=published, author=MemberFactory(), body="가지치기 비율은 어떻게 정했나요?")
    on_filters = make_review(paper=filters, author=jiwoo, results="필터 가지치기 실험.")
    make_comment(review=on_filters, author=author, body="가지치기 기준이 궁금합니다")
    return {"lottery": lottery, "swa": swa, "filters": filters, "review": published}
