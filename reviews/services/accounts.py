"""A member's own credentials: their password and their private feed key."""

from __future__ import annotations

import secrets

from django.db import transaction

from ..models import FeedKey, Member
from . import api_token_hash


def member_password_change(*, member: Member, password: str) -> Member:
    """Set a new password; the caller has checked the old one and validated the new one."""
    member.set_password(password)
    member.save(update_fields=["password"])
    return member


@transaction.atomic
def feed_key_create(*, member: Member) -> str:
    """A new private feed key for the member, replacing any earlier one.

    Only its SHA-256 is stored (as for API tokens), so the key is shown once. The key opens
    feeds and nothing else, which is why it is not an ApiToken: a leaked feed URL must not
    give access to the API.
    """
    key = f"sgf_{secrets.token_urlsafe(32)}"
    FeedKey.objects.filter(member=member).delete()
    FeedKey.objects.create(member=member, key_hash=api_token_hash(key))
    return key


def feed_key_revoke(*, member: Member) -> bool:
    """Revoke the member's private feed key; its URLs answer 404 from now on."""
    deleted, _ = FeedKey.objects.filter(member=member).delete()
    return deleted > 0
