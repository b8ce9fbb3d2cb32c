"""Choices shared by models, forms and templates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# A review's sections have their own home, with their help texts and size limit.
from .sections import Section

__all__ = [
    "CohortRole",
    "Language",
    "ReadingStatus",
    "ReviewStatus",
    "RunStatus",
    "RunVerdict",
    "Section",
]


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    KOREAN = "ko", _("Korean")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ReadingStatus(models.TextChoices):
    TO_READ = "to_read", _("To read")
    READING = "reading", _("Reading")
    REVIEWED = "reviewed", _("Reviewed")


class CohortRole(models.TextChoices):
    ORGANIZER = "organizer", _("Organizer")
    MEMBER = "member", _("Member")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def active(cls) -> list[str]:
        return [cls.QUEUED, cls.RUNNING]


class RunVerdict(models.TextChoices):
    # The values are reviews.experiments.base.Verdict's; that package cannot import Django.
    REPRODUCED = "reproduced", _("Reproduced")
    NOT_REPRODUCED = "not_reproduced", _("Not reproduced")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")
