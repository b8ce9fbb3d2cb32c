"""The index follows the archive through reviews.signals."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from reviews import signals
from reviews.models import Member

from . import services


@receiver(signals.paper_changed)
def on_paper_changed(*, paper_id: int, deep: bool = False, **kwargs: Any) -> None:
    services.paper_index(paper_id=paper_id, deep=deep)


@receiver(signals.review_changed)
def on_review_changed(*, review_id: int, paper_id: int, **kwargs: Any) -> None:
    services.review_index(review_id=review_id, paper_id=paper_id)


@receiver(signals.comment_changed)
def on_comment_changed(*, comment_id: int, review_id: int, **kwargs: Any) -> None:
    services.comment_index(comment_id=comment_id, review_id=review_id)


# What a member's document is made of; a save of other fields (last_login at every sign-in)
# leaves the index alone.
INDEXED_MEMBER_FIELDS = {"username", "display_name", "bio", "is_active"}


@receiver(post_save, sender=Member)
def on_member_saved(
    *, instance: Member, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    if update_fields is None or update_fields & INDEXED_MEMBER_FIELDS:
        services.member_index(member_id=instance.pk)


@receiver(signals.member_changed)
def on_member_changed(*, member_id: int, **kwargs: Any) -> None:
    services.member_index(member_id=member_id)
