"""A cohort's meetings: sessions, presenters' availability, swaps, attendance, assignments."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reviews.models import Cohort, ReadingList, ReadingListEntry
from reviews.validators import validate_time_zone

from .enums import RsvpAnswer, SessionStatus, SwapStatus


class Session(models.Model):
    """One meeting of a cohort; agenda and notes are rendered to HTML at save time."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # The zone the session was planned in: the calendar's TZID and the organizer's wall clock.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.TIME_ZONE,
        validators=[validate_time_zone],
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_url = models.URLField(_("video link"), max_length=500, blank=True)
    entries = models.ManyToManyField(
        ReadingListEntry, blank=True, related_name="sessions", verbose_name=_("papers")
    )
    presenters = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="presented_sessions",
        verbose_name=_("presenters"),
    )
    agenda = models.TextField(_("agenda"), blank=True)
    agenda_html = models.TextField(editable=False, blank=True)
    notes = models.TextField(_("notes and decisions"), blank=True)
    notes_html = models.TextField(editable=False, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    # iCalendar: a stable UID, and a SEQUENCE bumped on every change so calendars update.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cohort", "starts_at", "number"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "number"], name="unique_session_number"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["cohort", "starts_at"], name="session_by_cohort_start")]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("meetings:session_detail", args=[self.pk])

    @property
    def label(self) -> str:
        return self.title or _("Week %(number)s") % {"number": self.number}

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class Unavailability(models.Model):
    """A day on which a member cannot present; the rotation skips them for that day."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unavailable_days"
    )
    day = models.DateField(_("day"))

    class Meta:
        ordering = ["member", "day"]
        verbose_name_plural = "unavailabilities"
        constraints = [
            models.UniqueConstraint(fields=["member", "day"], name="unique_unavailable_day"),
        ]

    def __str__(self) -> str:
        return f"{self.member} away {self.day}"


class SwapRequest(models.Model):
    """A presenter asks another member to take their turn (and, optionally, gives theirs)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="swap_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="swaps_asked"
    )
    counterpart = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="swaps_offered"
    )
    # The counterpart's own turn the requester takes in exchange; empty: a plain hand-over.
    counterpart_session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SwapStatus.values), name="swap_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(requested_by=F("counterpart")), name="swap_with_someone_else"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requested_by} → {self.counterpart} ({self.session})"


class Attendance(models.Model):
    """A member's answer for one session and, once it is held, whether they came."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance"
    )
    answer = models.CharField(_("answer"), max_length=5, choices=RsvpAnswer.choices, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "member"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="unique_attendance"),
            models.CheckConstraint(
                condition=Q(answer="") | Q(answer__in=RsvpAnswer.values),
                name="attendance_answer_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} at {self.session}: {self.answer}"


class Assignment(models.Model):
    """ "Each member reviews N papers of this list by this date"; progress comes from reviews."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="assignments")
    reading_list = models.ForeignKey(
        ReadingList, on_delete=models.CASCADE, related_name="assignments"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    papers_required = models.PositiveSmallIntegerField(_("papers to review"))
    due_at = models.DateTimeField(_("due"))
    length_guideline = models.CharField(_("length guideline"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(papers_required__gte=1), name="assignment_needs_a_paper"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.title or _("Review %(count)s papers of %(list)s") % {
            "count": self.papers_required,
            "list": self.reading_list.title,
        }


class CalendarKey(models.Model):
    """A member's private calendar address: a signature of (member, generation), so it can be
    shown again; revoking bumps the generation and every older address stops working."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_key"
    )
    generation = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar key of {self.member}"
