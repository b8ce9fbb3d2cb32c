"""Choices of the meetings app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class RsvpAnswer(models.TextChoices):
    YES = "yes", _("Coming")
    MAYBE = "maybe", _("Maybe")
    NO = "no", _("Not coming")


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
