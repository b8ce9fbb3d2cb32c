"""The search index: what it finds, what it never shows, and how it ranks and quotes."""

from __future__ import annotations

import random
import string

import pytest
from django.core.management import call_command
from django.db import connection

from reviews import services
from reviews.models import Comment, Member, Paper, Review
from search import selectors
from search.models import Document, DocumentKind
from search.services import index_rebuild
from search.text import query_terms, tsquery
from tests.factories import MemberFactory, PaperFactory, make_comment, make_review

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="relevance is PostgreSQL's full-text search"
)


def found(query: str) -> list[Paper]:
    return list(selectors.filter_papers(Paper.objects.order_by("pk"), query))


def test_query_terms_drop_korean_particles_but_keep_short_words() -> None:
    assert query_terms("알고리즘을 학습률이 정도 평가") == ["알고리즘", "학습률", "정도", "평가"]


def test_query_terms_read_arxiv_prefix_as_the_id() -> None:
    assert query_terms("arXiv:2106.09685") == ["2106.09685"]


def test_tsquery_quotes_every_term() -> None:
    assert tsquery(["it's", "a\\b", "x:*&|!()"]) == "'it\\'s':* & 'a\\\\b':* & 'x:*&|!()':*"


def test_korean_word_finds_its_forms_with_particles() -> None:
    paper = PaperFactory(title="Stochastic Weight Averaging")
    make_review(paper=paper, introduction="새로운 최적화 알고리즘을 제안한다.")
    assert found("알고리즘") == [paper]
    assert found("알고리즘의") == [paper]
    assert found("최적화 알고리즘은") == [paper]


def test_decomposed_hangul_query_finds_composed_text() -> None:
    paper = PaperFactory(title="한글 논문")
    decomposed = "\u1112\u1161\u11ab\u1100\u1173\u11af"  # 한글 as macOS writes it
    assert found(decomposed) == [paper]


def test_every_word_must_occur_somewhere_in_the_paper_or_its_reviews() -> None:
    paper = PaperFactory(title="Mixup", abstract="Convex combinations of pairs.")
    make_review(paper=paper, thoughts="데이터 증강의 좋은 예.")
    PaperFactory(title="Mixup unrelated")
    assert found("mixup 데이터") == [paper]
    assert found("mixup 데이터 transformer") == []


def test_arxiv_id_finds_the_paper() -> None:
    paper = PaperFactory(arxiv_id="2106.09685", title="LoRA")
    PaperFactory(arxiv_id="2106.01345")
    assert found("2106.09685") == [paper]
    assert found("arXiv:2106.09685") == [paper]


def test_draft_text_is_never_found_and_unpublish_forgets_it(author: Member) -> None:
    paper = PaperFactory(title="Lottery tickets")
    draft = make_review(paper=paper, author=author, published=False, thoughts="비밀초안단어")
    assert found("비밀초안단어") == []
    assert not Document.objects.filter(review=draft).exists()
    published = make_review(paper=paper, thoughts="공개단어 winning")
    make_comment(review=published, author=author, body="토론단어 here")
    assert found("공개단어") == [paper]
    assert selectors.filter_comments(Comment.objects.all(), "토론단어").count() == 1

    services.review_unpublish(review=published, by=published.author)
    assert found("공개단어") == []
    assert selectors.filter_comments(Comment.objects.all(), "토론단어").count() == 0
    assert not any(selectors.search("토론단어").values())

    published.refresh_from_db()
    services.review_save(
        review=published,
        by=published.author,
        content=services.ReviewContent.from_review(published),
        expected_version=published.version,
        publish=True,
    )
    assert found("공개단어") == [paper]
    assert selectors.filter_comments(Comment.objects.all(), "토론단어").count() == 1


def test_deleting_a_review_removes_its_words_from_the_paper(author: Member) -> None:
    paper = PaperFactory(title="Dropout")
    review = make_review(paper=paper, author=author, results="삭제될단어")
    assert found("삭제될단어") == [paper]
    services.review_delete(review=review, by=author, expected_version=review.version)
    assert found("삭제될단어") == []
    assert not Document.objects.filter(kind=DocumentKind.SECTION).exists()


def test_edited_comment_is_found_by_its_new_words(author: Member) -> None:
    comment = make_comment(review=make_review(), author=author, body="old words")
    services.comment_update(comment=comment, by=author, body="새단어 replaced")
    assert list(selectors.filter_comments(Comment.objects.all(), "새단어")) == [comment]
    assert list(selectors.filter_comments(Comment.objects.all(), "old")) == []


def test_members_are_indexed_by_name_and_bio() -> None:
    member = MemberFactory(username="minji", display_name="김민지")
    services.member_update_profile(
        member=member, display_name="김민지", bio="강화학습 연구자", preferred_language="ko"
    )
    hits = selectors.search("강화학습", kinds=[DocumentKind.MEMBER])[DocumentKind.MEMBER]
    assert [hit.document.member for hit in hits] == [member]


def test_snippet_marks_korean_words_and_escapes_html() -> None:
    paper = PaperFactory(title="Snippets")
    make_review(
        paper=paper, results="앞 문장. <script>alert(1)</script> x < y 알고리즘을 비교했다."
    )
    hits = selectors.search("알고리즘", kinds=[DocumentKind.SECTION])[DocumentKind.SECTION]
    assert len(hits) == 1
    snippet = str(hits[0].snippet)
    assert "<mark>알고리즘을</mark>" in snippet or "<mark>알고리즘</mark>을" in snippet
    assert "<script>" not in snippet
    assert "x &lt; y" in snippet


@pytest.mark.parametrize(
    "query",
    ["'", "\\", "a' | 'b", ":*", "!()&|", "'); DROP TABLE search_document; --", "x" * 500, "\x00"],
)
def test_hostile_queries_are_plain_words(query: str) -> None:
    PaperFactory(title="Ordinary")
    found(query)
    selectors.search(query)
    assert Document.objects.filter(kind=DocumentKind.PAPER).count() == 1


def test_rebuild_gives_the_index_the_services_keep(author: Member) -> None:
    paper = PaperFactory(title="Batch norm")
    review = make_review(paper=paper, author=author)
    make_comment(review=review, author=author)
    make_review(paper=paper, published=False)
    before = sorted(Document.objects.values_list("kind", "section", "title", "text"))
    call_command("search_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sorted(Document.objects.values_list("kind", "section", "title", "text")) == before
    assert index_rebuild()[DocumentKind.SECTION] == 4


@postgres_only
def test_rebuild_builds_the_word_indexes_again_without_a_pending_list(author: Member) -> None:
    make_review(paper=PaperFactory(title="Batch norm"), author=author)
    gin = """SELECT c.relname, c.reloptions FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_am am ON am.oid = c.relam
              WHERE i.indrelid = 'search_document'::regclass AND am.amname = 'gin'"""
    with connection.cursor() as cursor:
        cursor.execute(gin)
        before = sorted(cursor.fetchall())
        index_rebuild()
        cursor.execute(gin)
        after = sorted(cursor.fetchall())
    assert len(before) == 8
    assert after == before
    assert all(options == ["fastupdate=off"] for _name, options in after)
    assert found("batch") == [Paper.objects.get(title="Batch norm")]


def test_search_queries_are_constant(django_assert_num_queries, author: Member) -> None:
    for n in range(3):
        paper = PaperFactory(title=f"Gradient paper {n}")
        make_review(paper=paper, introduction="gradient 알고리즘")
    with django_assert_num_queries(1):
        assert len(found("gradient 알고리즘")) == 3
    # PostgreSQL first asks for up to 501 matches, unordered (a rare word's come from the
    # index at once), then reads the hits it shows.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):
        assert len(selectors.search("gradient", kinds=["section"])["section"]) == 3
    # PostgreSQL ranks the papers first, then reads those it shows.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):
        assert len(selectors.search("gradient", kinds=["paper"])["paper"]) == 3


@postgres_only
def test_english_words_match_their_inflections() -> None:
    paper = PaperFactory(title="Optimizers")
    make_review(paper=paper, introduction="We optimized the gradients of deep networks.")
    assert found("gradient") == [paper]
    assert found("optimizing gradient") == [paper]
    assert found("networking") == [paper]


@postgres_only
def test_papers_with_the_words_in_their_own_details_rank_first() -> None:
    in_reviews = PaperFactory(title="Unrelated title")
    for _ in range(3):
        make_review(paper=in_reviews, introduction="dropout regularizes")
    in_title = PaperFactory(title="Dropout: a simple way")
    ranked = list(selectors.filter_papers(Paper.objects.all(), "dropout", rank=True))
    assert ranked == [in_title, in_reviews]


@postgres_only
def test_a_paper_with_endless_review_vocabulary_stays_searchable() -> None:
    """Each review adds its words to the paper's union; the union stops near 500 KB, far
    below PostgreSQL's 1 MB tsvector limit, instead of failing the publish."""
    rng = random.Random(7)
    paper = PaperFactory(title="Vocabulary stress")
    for _ in range(3):
        sections = {
            section: " ".join(
                "".join(rng.choices(string.ascii_lowercase, k=9)) for _ in range(9000)
            )
            for section in ("introduction", "core_algorithm", "results", "thoughts")
        }
        make_review(paper=paper, **sections)
    assert found("vocabulary stress") == [paper]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(paper_words) FROM search_document WHERE kind = 'paper'"
        )
        assert cursor.fetchone()[0] < 1_000_000
    assert Review.objects.filter(paper=paper, status="published").count() == 3


def test_signing_in_leaves_the_member_index_alone(client) -> None:
    member = MemberFactory(username="jiwoo")
    member.set_password("a long pass phrase 1")
    member.save()
    before = Document.objects.get(member=member).pk
    assert client.login(username="jiwoo", password="a long pass phrase 1")
    assert Document.objects.get(member=member).pk == before
