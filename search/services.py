"""Keeping the index: one function per kind of change, and a rebuild.

Every write runs inside the caller's transaction, so the index never shows a change that
was rolled back. On PostgreSQL the vectors are computed by the database from the stored
text (`_INSERT_SQL`); a review's `matches` and a paper's `paper_words` are unions of their own
vector and their children's, so they are refreshed bottom up: sections, review, paper.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Count, Q

from reviews.enums import ReviewStatus, Section
from reviews.models import Comment, Member, Paper, Review
from reviews.services import normalize_search_text as normalize

from .models import Document, DocumentKind
from .text import CONFIG

BATCH = 500
REBUILD_CONNECTIONS = min(4, os.cpu_count() or 1)

_COLUMNS = {
    "kind": "varchar",
    "section": "varchar",
    "paper_id": "bigint",
    "review_id": "bigint",
    "comment_id": "bigint",
    "member_id": "bigint",
    "title": "text",
    "text": "text",
    "dated": "timestamptz",
    "weight": "integer",
}
# One statement per batch, the vector computed as the row is written (not updated after).
_INSERT_SQL = f"""
    INSERT INTO search_document ({", ".join(_COLUMNS)}, vector)
    SELECT {", ".join(_COLUMNS)},
           setweight(to_tsvector('{CONFIG}', title), 'A')
           || setweight(to_tsvector('{CONFIG}', text), 'C')
      FROM unnest({", ".join(f"%s::{kind}[]" for kind in _COLUMNS.values())})
        AS rows({", ".join(_COLUMNS)})
"""
# search_tsvector_union (migration 0001) drops positions and stops growing near 500 KB,
# below PostgreSQL's 1 MB limit for a tsvector, however many reviews a paper gathers.
# One statement per batch: the children are grouped once, not looked up row by row.
_REVIEW_MATCHES_SQL = """
    UPDATE search_document AS d
       SET matches = d.vector || coalesce(children.words, '')
      FROM unnest(%s::bigint[]) AS ids(id)
      LEFT JOIN (
            SELECT review_id, search_tsvector_union(vector) AS words FROM search_document
             WHERE kind = 'section' AND review_id = ANY(%s) GROUP BY review_id
      ) AS children ON children.review_id = ids.id
     WHERE d.kind = 'review' AND d.review_id = ids.id
"""
_PAPER_MATCHES_SQL = """
    UPDATE search_document AS d
       SET paper_words = strip(d.vector) || coalesce(children.words, '')
      FROM unnest(%s::bigint[]) AS ids(id)
      LEFT JOIN (
            SELECT paper_id, search_tsvector_union(matches) AS words FROM search_document
             WHERE kind = 'review' AND paper_id = ANY(%s) GROUP BY paper_id
      ) AS children ON children.paper_id = ids.id
     WHERE d.kind = 'paper' AND d.paper_id = ids.id
"""


def _execute(sql: str, ids: list[int]) -> None:
    """Run `sql` with every `%s` bound to `ids` (PostgreSQL only)."""
    if ids and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, [ids] * sql.count("%s"))


def _clear() -> None:
    """Empty the index; on PostgreSQL by TRUNCATE, which leaves no dead rows to vacuum, so
    the rebuilt rows lie packed together, each kind in one stretch of the table."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Deferred foreign-key checks of this transaction's writes must run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE search_document")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        Document.objects.all().delete()
    _analyze()


@contextmanager
def _word_indexes_set_aside() -> Iterator[None]:
    """Drop the GIN indexes for a bulk load and build them again after it, as they were.

    A GIN index built over all the rows at once is sorted and packed, and faster to make
    than one filled row by row (migration 0004 turned off the pending list that would
    otherwise take the rows and slow every search until a vacuum).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                 JOIN pg_am am ON am.oid = c.relam
                WHERE i.indrelid = 'search_document'::regclass AND am.amname = 'gin'"""
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            # As in _clear: this transaction's deferred foreign-key checks run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _name, definition in indexes:
                again = definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                cursor.execute(again)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _analyze() -> None:
    """Fresh planner statistics: right after a bulk load they still describe an empty table,
    and the planner then intersects whole indexes for a lookup of five rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_document")


def _save(documents: list[Document]) -> None:
    """Insert the documents (their old rows were deleted), with their vectors on PostgreSQL."""
    if not documents:
        return
    if connection.vendor != "postgresql":
        Document.objects.bulk_create(documents)
        return
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [[getattr(d, c) for d in documents] for c in _COLUMNS])


def _paper_document(paper: Paper, weight: int) -> Document:
    """The title holds what names a paper (title, authors, tags, arXiv id): the words of the
    first ranking tier. The text holds the rest of its details."""
    names = [paper.title, ", ".join(paper.authors), paper.arxiv_id]
    names += [tag.name for tag in paper.tags.all()]
    details = [paper.venue, paper.doi, paper.abstract]
    return Document(
        kind=DocumentKind.PAPER,
        paper=paper,
        title=normalize("\n".join(p for p in names if p)),
        text=normalize("\n".join(p for p in details if p)),
        dated=paper.created_at,
        weight=weight,
    )


def _review_documents(review: Review) -> Iterator[Document]:
    common = {"paper_id": review.paper_id, "review": review, "dated": review.published_at}
    yield Document(
        kind=DocumentKind.REVIEW,
        title=normalize(review.paper.title),
        text=normalize(review.tldr),
        **common,
    )
    for section in Section.values:
        text = getattr(review, section)
        if text.strip():
            yield Document(
                kind=DocumentKind.SECTION, section=section, text=normalize(text), **common
            )


def _comment_document(comment: Comment, paper_id: int) -> Document:
    return Document(
        kind=DocumentKind.COMMENT,
        paper_id=paper_id,
        review_id=comment.review_id,
        comment=comment,
        section=comment.section,
        text=normalize(comment.body),
        dated=comment.created_at,
    )


def _member_document(member: Member) -> Document:
    return Document(
        kind=DocumentKind.MEMBER,
        member=member,
        title=normalize(f"{member.username} {member.display_name}"),
        text=normalize(member.bio),
        dated=member.date_joined,
    )


def _published_review_counts(paper_ids: Iterable[int]) -> dict[int, int]:
    published = Count("reviews", filter=Q(reviews__status=ReviewStatus.PUBLISHED))
    rows = Paper.objects.filter(pk__in=list(paper_ids)).annotate(n=published)
    return dict(rows.values_list("pk", "n"))


def _refresh_papers(paper_ids: list[int]) -> None:
    """Rewrite the papers' own documents and their unions of review words."""
    Document.objects.filter(kind=DocumentKind.PAPER, paper_id__in=paper_ids).delete()
    counts = _published_review_counts(paper_ids)
    papers = Paper.objects.filter(pk__in=paper_ids).prefetch_related("tags")
    _save([_paper_document(paper, counts[paper.pk]) for paper in papers])
    _execute(_PAPER_MATCHES_SQL, paper_ids)


def _index_reviews(reviews: list[Review]) -> None:
    """Write the documents of published reviews (whose old ones were deleted)."""
    _save([doc for review in reviews for doc in _review_documents(review)])
    _execute(_REVIEW_MATCHES_SQL, [r.pk for r in reviews])


@transaction.atomic
def paper_index(*, paper_id: int, deep: bool = False) -> None:
    """After a paper's details changed; `deep` when its reviews or comments changed in bulk."""
    if deep:
        review_ids = list(Review.objects.filter(paper_id=paper_id).values_list("pk", flat=True))
        _reindex_reviews(review_ids)
    _refresh_papers([paper_id])


def _reindex_reviews(review_ids: list[int]) -> None:
    Document.objects.filter(review_id__in=review_ids).delete()
    published = list(
        Review.objects.filter(pk__in=review_ids, status=ReviewStatus.PUBLISHED).select_related(
            "paper"
        )
    )
    _index_reviews(published)
    comments = Comment.objects.filter(review__in=published).select_related("review")
    _save([_comment_document(c, c.review.paper_id) for c in comments])


@transaction.atomic
def review_index(*, review_id: int, paper_id: int) -> None:
    """After a review was saved, published, unpublished or deleted.

    Its comments follow it: indexed while it is published, gone while it is a draft.
    """
    review = Review.objects.filter(pk=review_id).select_related("paper").first()
    kinds = [DocumentKind.REVIEW, DocumentKind.SECTION]
    Document.objects.filter(review_id=review_id, kind__in=kinds).delete()
    if review is None or review.status != ReviewStatus.PUBLISHED:
        Document.objects.filter(review_id=review_id).delete()
    else:
        _index_reviews([review])
        indexed = Document.objects.filter(kind=DocumentKind.COMMENT, review_id=review_id)
        missing = review.comments.exclude(pk__in=indexed.values("comment_id"))
        _save([_comment_document(c, paper_id) for c in missing])
    _refresh_papers([paper_id])


@transaction.atomic
def comment_index(*, comment_id: int, review_id: int) -> None:
    Document.objects.filter(kind=DocumentKind.COMMENT, comment_id=comment_id).delete()
    comment = (
        Comment.objects.filter(pk=comment_id, review__status=ReviewStatus.PUBLISHED)
        .select_related("review")
        .first()
    )
    if comment is not None:
        _save([_comment_document(comment, comment.review.paper_id)])


@transaction.atomic
def member_index(*, member_id: int) -> None:
    Document.objects.filter(kind=DocumentKind.MEMBER, member_id=member_id).delete()
    member = Member.objects.filter(pk=member_id, is_active=True).first()
    if member is not None:
        _save([_member_document(member)])


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _in_batches(work: Callable[[list[int]], None], ids: list[int]) -> None:
    """`work` on each batch of `ids`, a transaction each.

    On PostgreSQL, outside a transaction, REBUILD_CONNECTIONS batches run at once: the
    database's to_tsvector is most of a rebuild's time, and each connection is a process of
    its own. Inside a transaction (tests) the batches run in it, one after the other.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        for batch in _batches(ids):
            with transaction.atomic():
                work(batch)
        return

    def run(batch: list[int]) -> None:
        try:
            with transaction.atomic():
                work(batch)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(REBUILD_CONNECTIONS) as pool:
        list(pool.map(run, _batches(ids)))


def _index_review_batch(ids: list[int]) -> None:
    _index_reviews(list(Review.objects.filter(pk__in=ids).select_related("paper")))


def _index_comment_batch(ids: list[int]) -> None:
    comments = Comment.objects.filter(pk__in=ids).select_related("review")
    _save([_comment_document(c, c.review.paper_id) for c in comments])


def _index_member_batch(ids: list[int]) -> None:
    _save([_member_document(m) for m in Member.objects.filter(pk__in=ids)])


def index_rebuild() -> dict[str, int]:
    """Index everything from scratch (`manage.py search_rebuild`), in batches of BATCH rows.

    Each batch commits on its own, so a rebuild of a large archive does not hold one long
    transaction; searches during it see a partial index. Papers come last: their rows
    gather the words of their reviews' rows.
    """
    _clear()
    with _word_indexes_set_aside():
        published = Review.objects.filter(status=ReviewStatus.PUBLISHED).order_by("pk")
        _in_batches(_index_review_batch, list(published.values_list("pk", flat=True)))
        _analyze()
        comments = Comment.objects.filter(review__status=ReviewStatus.PUBLISHED).order_by("pk")
        _in_batches(_index_comment_batch, list(comments.values_list("pk", flat=True)))
        papers = Paper.objects.order_by("pk").values_list("pk", flat=True)
        _in_batches(_refresh_papers, list(papers))
        members = Member.objects.filter(is_active=True).order_by("pk")
        _in_batches(_index_member_batch, list(members.values_list("pk", flat=True)))
    _analyze()
    rows = Document.objects.values_list("kind").annotate(n=Count("pk"))
    return dict(rows)
