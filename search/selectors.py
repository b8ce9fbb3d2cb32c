"""Reads of the index: filters for the archive's lists, and ranked hits with snippets.

PostgreSQL answers from the GIN indexes on `paper_words`, `matches` and `vector`; SQLite
(the embedded default) matches substrings of the normalized text behind the same functions.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cached_property

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Case, Exists, F, Func, OuterRef, Q, QuerySet, Value, When
from django.utils.safestring import SafeString, mark_safe

from reviews.enums import ReviewStatus, Section
from reviews.models import (
    Cohort,
    CohortMembership,
    Comment,
    Member,
    Paper,
    ReadingListEntry,
    Review,
    Tag,
)

from .models import Document, DocumentKind
from .text import CONFIG, query_terms, tsquery

SNIPPET_WORDS = 30
# Up to this many matches, hits are sorted from the matches themselves (see _hits).
FEW_MATCHES = 500
SNIPPET_CHARS = 200
_START, _STOP = "\x02", "\x03"


# The column a kind's matches are looked up in: the unions for papers and reviews.
_MATCHED_BY = {DocumentKind.PAPER: "paper_words", DocumentKind.REVIEW: "matches"}


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _tsquery(terms: list[str]) -> SearchQuery:
    return SearchQuery(tsquery(terms), search_type="raw", config=CONFIG)


def _containing(term: str) -> Q:
    return Q(title__contains=term) | Q(text__contains=term)


class _TitleVector(Func):
    """A document title's words, spelled as the expression of search_paper_title_gin."""

    template = f"to_tsvector('{CONFIG}'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def filter_papers(
    papers: QuerySet, query: str, *, path: str = "", rank: bool = False, narrowed: bool = False
) -> QuerySet:
    """Papers whose details or published reviews hold every word of the query.

    `path` leads from the queryset's model to Paper (`"paper__"` for reading-list entries);
    `narrowed` says `papers` were picked by a subquery of ids (a search's Scope), which
    PostgreSQL then joins to the matches as it does a reading list's entries.
    With `rank` (PostgreSQL), the best matches come first, in two tiers an index answers
    without reading any match's words: what names the paper (title, authors, tags, arXiv id)
    holds them, or only its abstract or reviews do; within a tier the most reviewed first.
    """
    terms = query_terms(query)
    if not terms:
        return papers
    if not _postgres():
        kinds = [DocumentKind.PAPER, DocumentKind.REVIEW, DocumentKind.SECTION]
        for term in terms:
            docs = Document.objects.filter(_containing(term), kind__in=kinds)
            papers = papers.filter(**{f"{path}pk__in": docs.values("paper_id")})
        return papers
    docs = f"{path}search_documents__"
    search = _tsquery(terms)
    # Only a paper's own document has `paper_words`, so the match alone picks that row. For
    # all papers a `kind` test beside it makes the planner misjudge how many rows match (the
    # two conditions are one) and read every paper for a common word; through a reading
    # list's entries it has the planner join the list to the matches, not test each entry.
    match = {f"{docs}paper_words": search}
    if path or narrowed:
        match[f"{docs}kind"] = DocumentKind.PAPER
    papers = papers.filter(**match)
    if rank:
        paper_docs = Document.objects.filter(kind=DocumentKind.PAPER)
        named = paper_docs.annotate(words=_TitleVector("title")).filter(words=search)
        # Every sort key is the document's, so PostgreSQL sorts the narrow index rows and
        # joins the papers of one page only.
        tier = Case(
            When(**{f"{docs}paper_id__in": named.values("paper_id")}, then=Value(1)),
            default=Value(0),
        )
        papers = papers.annotate(search_tier=tier, search_weight=F(f"{docs}weight")).order_by(
            "-search_tier", "-search_weight", f"{docs}paper_id"
        )
    return papers


def _document_ids(kind: str, terms: list[str], column: str) -> QuerySet:
    """The `column` of documents of `kind` holding every term (a review: in any section)."""
    if _postgres():
        matched = _MATCHED_BY.get(kind, "vector")
        docs = Document.objects.filter(kind=kind, **{matched: _tsquery(terms)})
        return docs.values(column)
    kinds = [DocumentKind.REVIEW, DocumentKind.SECTION] if kind == DocumentKind.REVIEW else [kind]
    docs = Document.objects.filter(kind__in=kinds)
    for term in terms:
        holding = Document.objects.filter(_containing(term), kind__in=kinds).values(column)
        docs = docs.filter(**{f"{column}__in": holding})
    return docs.values(column)


def _draft_condition(member: object, prefix: str, fields: list[str], terms: list[str]) -> Q:
    """Substring match on a member's own unpublished reviews, which are never indexed."""
    condition = Q(**{f"{prefix}author": member}) & ~Q(**{f"{prefix}status": ReviewStatus.PUBLISHED})
    for term in terms:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": term})
        condition &= any_field
    return condition


def filter_reviews(reviews: QuerySet, query: str, *, own_drafts_of: object = None) -> QuerySet:
    """Published reviews with every word in the paper title, TL;DR or sections.

    Drafts are never indexed; `own_drafts_of` (a member) also searches that member's own
    drafts by substring, so an author finds their work in progress.
    """
    terms = query_terms(query)
    if not terms:
        return reviews
    ids = _document_ids(DocumentKind.REVIEW, terms, "review_id")
    if getattr(own_drafts_of, "is_authenticated", False):
        fields = ["tldr", *Section.values, "paper__title"]
        drafts = Review.objects.filter(_draft_condition(own_drafts_of, "", fields, terms))
        ids = _union(ids, drafts)
    return reviews.filter(pk__in=ids)


def filter_comments(comments: QuerySet, query: str, *, own_drafts_of: object = None) -> QuerySet:
    """Comments on published reviews with every word; and, like filter_reviews, those on
    `own_drafts_of`'s own drafts by substring."""
    terms = query_terms(query)
    if not terms:
        return comments
    ids = _document_ids(DocumentKind.COMMENT, terms, "comment_id")
    if getattr(own_drafts_of, "is_authenticated", False):
        condition = _draft_condition(own_drafts_of, "review__", ["body"], terms)
        drafts = Comment.objects.filter(condition)
        ids = _union(ids, drafts)
    return comments.filter(pk__in=ids)


def _union(indexed: QuerySet, drafts: QuerySet) -> QuerySet:
    """The ids of both: one set the database builds once, where an OR of the two conditions
    would test every row of the list (a whole-table scan for a word in four reviews)."""
    return indexed.order_by().union(drafts.order_by().values("pk"))


@dataclass(frozen=True)
class Hit:
    document: Document
    snippet: SafeString


@dataclass(frozen=True)
class Scope:
    """What a search is narrowed to. A cohort: the papers on its reading lists, the reviews
    and comments of those papers, its members. A tag: its papers, their reviews and comments,
    the members with a published review of one. Both: what both keep.

    The kept ids are read once a search (a query a filter) and handed to the database as
    values: PostgreSQL then weighs the scope against the word and walks the newest matches or
    reads the few from the word's index, whichever is cheaper (at most 8 ms at 200,000
    sections), where a subquery had it scan every match of a common word (37 to 92 ms).
    """

    cohort: Cohort | None = None
    tag: Tag | None = None

    def __bool__(self) -> bool:
        return self.cohort is not None or self.tag is not None

    @cached_property
    def paper_ids(self) -> set[int] | None:
        """The kept papers' ids; None when the scope keeps every paper."""
        kept: set[int] | None = None
        if self.cohort is not None:
            entries = ReadingListEntry.objects.filter(reading_list__cohort=self.cohort)
            kept = set(entries.values_list("paper_id", flat=True))
        if self.tag is not None:
            links = Paper.tags.through.objects.filter(tag=self.tag)
            tagged = set(links.values_list("paper_id", flat=True))
            kept = tagged if kept is None else kept & tagged
        return kept

    @cached_property
    def member_ids(self) -> set[int] | None:
        """The kept members' ids; None when the scope keeps every member."""
        kept: set[int] | None = None
        if self.cohort is not None:
            members = CohortMembership.objects.filter(cohort=self.cohort)
            kept = set(members.values_list("member_id", flat=True))
        if self.tag is not None:
            tagged = Paper.tags.through.objects.filter(tag=self.tag).values("paper_id")
            reviewed = Review.objects.filter(
                author=OuterRef("pk"), status=ReviewStatus.PUBLISHED, paper_id__in=tagged
            )
            # One probe a member, not every review of the tag's papers (37 ms at 1,251).
            authors = set(Member.objects.filter(Exists(reviewed)).values_list("pk", flat=True))
            kept = authors if kept is None else kept & authors
        return kept

    def documents(self, kind: str) -> Q:
        """The documents of `kind` kept. Papers, reviews, sections and comments carry their
        paper's id; members their own."""
        if kind == DocumentKind.MEMBER:
            ids = self.member_ids
            return Q() if ids is None else Q(member_id__in=sorted(ids))
        ids = self.paper_ids
        return Q() if ids is None else Q(paper_id__in=sorted(ids))


def search(
    query: str, *, kinds: list[str] | None = None, limit: int = 20, scope: Scope | None = None
) -> dict[str, list[Hit]]:
    """Per kind, up to `limit` documents holding every word, with highlighted snippets,
    narrowed to `scope`.

    Papers come in filter_papers' ranking tiers; the other kinds newest first, which lets
    PostgreSQL walk the newest documents for a common word and the GIN index for a rare one.
    """
    terms = query_terms(query)
    if not terms:
        return {}
    scope = scope or Scope()
    return {kind: _hits(kind, terms, limit, scope) for kind in kinds or DocumentKind.values}


def _hits(kind: str, terms: list[str], limit: int, scope: Scope) -> list[Hit]:
    kept = scope.documents(kind)
    docs = Document.objects.filter(kind=kind).select_related(
        "paper",
        "review__paper",
        "review__author",
        "comment__author",
        "comment__review__paper",
        "member",
    )
    if not _postgres():
        docs = docs.filter(kept)
        for term in terms:
            docs = docs.filter(_containing(term))
        rows = docs.order_by("-dated", "pk")[:limit]
        return [Hit(doc, snippet_of(doc.text or doc.title, terms)) for doc in rows]
    search_query = _tsquery(terms)
    if kind == DocumentKind.PAPER:
        papers = Paper.objects.all()
        if scope.paper_ids is not None:
            papers = papers.filter(pk__in=sorted(scope.paper_ids))
        ranked = filter_papers(papers, " ".join(terms), rank=True, narrowed=bool(scope))
        order = list(ranked.values_list("pk", flat=True)[:limit])
        docs = docs.filter(paper_id__in=order)
    else:
        matched = _MATCHED_BY.get(kind, "vector")
        holding = Document.objects.filter(kept, kind=kind, **{matched: search_query})
        if scope:
            # Given the scope's ids, the planner picks the date walk or the word's index
            # itself (Scope); ids first, so only the page's rows are read whole.
            newest = holding.order_by("-dated", "-pk").values_list("pk", flat=True)[:limit]
            docs = docs.filter(pk__in=list(newest))
        else:
            # Unordered, a rare word's few matches come from the GIN index at once; ordered
            # by date, PostgreSQL would walk every document newest first to find them (0.7 s
            # at 200,000 sections). A common word fills the cap as fast and keeps the walk.
            few = list(holding.values_list("pk", flat=True)[: FEW_MATCHES + 1])
            if len(few) <= FEW_MATCHES:
                docs = docs.filter(pk__in=few)
            else:
                docs = docs.filter(**{matched: search_query})
        docs = docs.order_by("-dated", "-pk")
    headline = SearchHeadline(
        "text",
        search_query,
        config=CONFIG,
        start_sel=_START,
        stop_sel=_STOP,
        max_words=SNIPPET_WORDS,
        min_words=SNIPPET_WORDS // 2,
        max_fragments=2,
        fragment_delimiter=" … ",
    )
    # PostgreSQL computes the headlines after the sort and limit, for these rows only.
    rows = list(docs.annotate(headline=headline)[:limit])
    if kind == DocumentKind.PAPER:
        rows.sort(key=lambda doc: order.index(doc.paper_id))
    return [Hit(doc, _marked(doc.headline)) for doc in rows]


def _marked(headline: str) -> SafeString:
    escaped = html.escape(headline, quote=False)
    return mark_safe(escaped.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S308


def snippet_of(text: str, terms: list[str]) -> SafeString:
    """SQLite's snippet: the text around the first matched term, every term marked."""
    starts = [i for i in (text.find(t) for t in terms) if i >= 0]
    begin = max(0, min(starts, default=0) - SNIPPET_CHARS // 4)
    window = text[begin : begin + SNIPPET_CHARS]
    pattern = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    marked = re.sub(f"({pattern})", rf"{_START}\1{_STOP}", window)
    prefix = "… " if begin else ""
    suffix = " …" if begin + SNIPPET_CHARS < len(text) else ""
    return _marked(f"{prefix}{marked}{suffix}")
