"""Meetings follows the archive through reviews.signals."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from reviews import signals
from reviews.models import Cohort, Review

from . import archive, services
from .demo import season_load


@receiver(signals.review_changed)
def on_review_changed(*, review_id: int, paper_id: int, **kwargs: Any) -> None:
    author_id = Review.objects.filter(pk=review_id).values_list("author_id", flat=True).first()
    if author_id is None:
        # Deleted: whoever had it reviewed without a published review goes back to reading.
        services.entry_statuses_follow_paper(paper_id=paper_id)
    else:
        services.entry_statuses_follow_review(paper_id=paper_id, author_id=author_id)


@receiver(signals.paper_changed)
def on_paper_changed(*, paper_id: int, deep: bool = False, **kwargs: Any) -> None:
    if deep:
        services.entry_statuses_follow_paper(paper_id=paper_id)


@receiver(signals.demo_loaded)
def on_demo_loaded(*, cohort_id: int, **kwargs: Any) -> None:
    season_load(cohort=Cohort.objects.get(pk=cohort_id))


@receiver(signals.archive_exporting)
def on_archive_exporting(**kwargs: Any) -> dict[str, list[dict[str, Any]]]:
    return archive.archive_sections()


@receiver(signals.archive_importing)
def on_archive_importing(*, importer: Any, **kwargs: Any) -> dict[str, int]:
    return archive.archive_load(importer)
