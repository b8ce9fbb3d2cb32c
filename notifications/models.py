"""A notification is an event for one member; their settings say what reaches their inbox."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import Assignment, Session
from reviews.models import Comment, ExperimentRun, Review

from .enums import DEFAULT_REMIND_DAYS, MAX_REMIND_DAYS, Kind

# Kinds a member gets once per subject, however often the fan-out runs: the partial unique
# constraints below let it insert with ON CONFLICT DO NOTHING.
ONCE_PER_SUBJECT = {
    Kind.NEW_REVIEW: "review",
    Kind.PRESENTING: "session",
    Kind.DEADLINE: "assignment",
    Kind.RUN_ENDED: "run",
}


class Notification(models.Model):
    """Something that happened, for `recipient`; its subject is the review (comment), the
    session, the assignment or the run it links to."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        ExperimentRun, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The review section a comment is anchored to.
    section = models.CharField(_("section"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Sent by e-mail, at once or in a digest (claimed just before sending, so never twice).
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The bell: one index scan over a member's unread rows.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", field],
                condition=Q(kind=kind),
                name=f"notification_once_{kind}",
            )
            for kind, field in ONCE_PER_SUBJECT.items()
        ] + [models.CheckConstraint(condition=Q(kind__in=Kind.values), name="notification_kind")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class NotificationSettings(models.Model):
    """A member's choices: how each kind reaches them by e-mail (missing: the default), and
    how many days ahead they are reminded of presenting and of deadlines."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    deliveries = models.JSONField(_("deliveries"), default=dict, blank=True)
    remind_days = models.PositiveSmallIntegerField(
        _("remind me this many days ahead"),
        default=DEFAULT_REMIND_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REMIND_DAYS)],
    )
    # The member's local day of their last daily and weekly digest.
    daily_sent_on = models.DateField(null=True, blank=True, editable=False)
    weekly_sent_on = models.DateField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"notification settings of {self.member_id}"
