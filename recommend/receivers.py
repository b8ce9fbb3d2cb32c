"""Recommendations follow the archive: a changed paper or review re-weighs the paper; a
member's new review or bookmark refits their model."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from reviews import signals
from reviews.models import Review

from . import services


@receiver(signals.paper_changed)
def on_paper_changed(*, paper_id: int, **kwargs: Any) -> None:
    services.paper_refresh_later(paper_id=paper_id)


@receiver(signals.review_changed)
def on_review_changed(*, paper_id: int, **kwargs: Any) -> None:
    services.paper_refresh_later(paper_id=paper_id)


@receiver(signals.review_published)
def on_review_published(*, review_id: int, **kwargs: Any) -> None:
    author_id = Review.objects.filter(pk=review_id).values_list("author_id", flat=True).first()
    if author_id is not None:
        services.member_refresh_later(member_id=author_id)


@receiver(signals.bookmark_changed)
def on_bookmark_changed(*, member_id: int, **kwargs: Any) -> None:
    services.member_refresh_later(member_id=member_id)


@receiver(signals.demo_loaded)
def on_demo_loaded(**kwargs: Any) -> None:
    services.rebuild_later()
