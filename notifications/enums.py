"""What a notification is about, and how a member wants each kind delivered."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REPLY = "reply", _("Replies to my comments")
    COMMENT = "comment", _("Comments on my reviews")
    MENTION = "mention", _("Mentions of me")
    NEW_REVIEW = "new_review", _("New reviews of papers I follow")
    REVISION = "revision", _("Revisions of reviews I commented on")
    PRESENTING = "presenting", _("My turn to present")
    DEADLINE = "deadline", _("My review deadlines")
    SESSION_CHANGED = "session_changed", _("Changed sessions of my cohorts")
    SESSION_CANCELLED = "session_cancelled", _("Cancelled sessions of my cohorts")
    RUN_ENDED = "run_ended", _("My demo runs finishing or failing")


class Delivery(models.TextChoices):
    """By e-mail; every notification is also in the app."""

    IMMEDIATE = "immediate", _("At once")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    OFF = "off", _("Off")


# What a member gets until they choose: what is addressed to them at once, the rest daily.
DEFAULT_DELIVERY: dict[str, str] = {
    Kind.REPLY: Delivery.IMMEDIATE,
    Kind.COMMENT: Delivery.IMMEDIATE,
    Kind.MENTION: Delivery.IMMEDIATE,
    Kind.NEW_REVIEW: Delivery.DAILY,
    Kind.REVISION: Delivery.DAILY,
    Kind.PRESENTING: Delivery.IMMEDIATE,
    Kind.DEADLINE: Delivery.IMMEDIATE,
    Kind.SESSION_CHANGED: Delivery.IMMEDIATE,
    Kind.SESSION_CANCELLED: Delivery.IMMEDIATE,
    Kind.RUN_ENDED: Delivery.IMMEDIATE,
}

DEFAULT_REMIND_DAYS = 3
MAX_REMIND_DAYS = 14
