"""What the recommender keeps: the text model, one vector a paper, and what it computed.

The web reads `SimilarPaper` and `Recommendation` rows only; the worker (recommend.services)
writes every table. See recommend/vectors.py for what a vector is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from reviews.models import Paper


class TextModel(models.Model):
    """The document frequencies the vectors were weighed with (one row, pk 1): each hashed
    character n-gram seen, and in how many of `documents` papers. A paper changed since is
    weighed with these until the next full rebuild."""

    documents = models.PositiveIntegerField()
    features = models.BinaryField()
    frequencies = models.BinaryField()
    fitted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"text model of {self.documents} papers"


class PaperVector(models.Model):
    """A paper's strongest tf-idf features (hashed n-gram ids and weights, unit length), and
    the digest of the text they came from, so an unchanged text is not weighed again."""

    paper = models.OneToOneField(
        Paper, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    features = models.BinaryField()
    weights = models.BinaryField()
    digest = models.CharField(max_length=32)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"vector of paper {self.paper_id}"


class SimilarPaper(models.Model):
    """`similar` is among the papers closest to `paper` (cosine `score`)."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="similar_links")
    similar = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "similar"], name="unique_similar_paper"),
        ]
        indexes = [models.Index(fields=["paper", "-score"], name="similar_by_score")]

    def __str__(self) -> str:
        return f"{self.paper_id} ~ {self.similar_id}"


class Recommendation(models.Model):
    """A paper for a member, scored by their model, with the words that carried the score
    (`terms`) and whether it is on one of their cohorts' reading lists."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendations"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    terms = models.JSONField(default=list)
    on_list = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "paper"], name="unique_recommendation"),
        ]
        indexes = [models.Index(fields=["member", "-score"], name="recommendation_by_score")]

    def __str__(self) -> str:
        return f"{self.paper_id} for {self.member_id}"


class Dismissal(models.Model):
    """ "Not for me": the member's negative example, until they undo it."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dismissals"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "paper"], name="unique_dismissal"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} not for {self.member_id}"
