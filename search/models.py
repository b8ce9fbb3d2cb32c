"""The search index: one row per searchable thing, kept by search.services.

Only what anyone may read is indexed: papers, members, published reviews and the comments
on them. A draft never has a row, so no search can leak one.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from reviews.models import Comment, Member, Paper, Review


class DocumentKind(models.TextChoices):
    PAPER = "paper"
    REVIEW = "review"
    SECTION = "section"
    COMMENT = "comment"
    MEMBER = "member"


class Document(models.Model):
    """`title` and `text` are normalized (NFKC, lower case) plain text.

    On PostgreSQL `vector` holds the row's own words, weighted (title A, text C), for
    ranking and snippets. A review row's `matches` holds its own words plus, without
    positions, those of its sections; a paper row's `paper_words` its own plus those of its
    published reviews, so one GIN lookup answers "which papers mention this anywhere". Each
    union has a column of its own, null on every other row, so that PostgreSQL's estimate
    of a word's matches holds (with one shared column it multiplied a word's frequency by
    the share of paper rows, and planned a common word as if it were rare). SQLite leaves
    the vectors empty and matches substrings of the text instead.
    """

    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    section = models.CharField(max_length=20, blank=True)
    paper = models.ForeignKey(
        Paper, null=True, on_delete=models.CASCADE, related_name="search_documents"
    )
    review = models.ForeignKey(
        Review, null=True, on_delete=models.CASCADE, related_name="search_documents"
    )
    comment = models.ForeignKey(
        Comment, null=True, on_delete=models.CASCADE, related_name="search_documents"
    )
    member = models.ForeignKey(
        Member, null=True, on_delete=models.CASCADE, related_name="search_documents"
    )
    title = models.TextField(blank=True)
    text = models.TextField(blank=True)
    dated = models.DateTimeField(null=True)
    # Ties between equally ranked papers go to the more discussed one.
    weight = models.PositiveIntegerField(default=0)
    vector = SearchVectorField(null=True)
    matches = SearchVectorField(null=True)
    paper_words = SearchVectorField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["paper"],
                condition=models.Q(kind=DocumentKind.PAPER),
                name="search_one_document_per_paper",
            ),
            models.UniqueConstraint(
                fields=["review", "section"],
                condition=models.Q(kind__in=[DocumentKind.REVIEW, DocumentKind.SECTION]),
                name="search_one_document_per_review_section",
            ),
            models.UniqueConstraint(
                fields=["comment"],
                condition=models.Q(kind=DocumentKind.COMMENT),
                name="search_one_document_per_comment",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(kind=DocumentKind.MEMBER),
                name="search_one_document_per_member",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-dated"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.paper_id or self.review_id or self.comment_id or self.member_id}"
