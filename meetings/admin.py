"""The admin for meetings: a fallback for organizers; the planning page is the way in.

A session saved here is rendered and its SEQUENCE raised like one saved through the
services, so calendars still see the change."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import F
from django.http import HttpRequest

from reviews.markdown import render_markdown

from .models import Assignment, Attendance, CalendarKey, Session, SwapRequest, Unavailability


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "cohort", "starts_at", "status", "sequence")
    list_filter = ["status", "cohort"]
    filter_horizontal = ["entries", "presenters"]
    readonly_fields = ["uid", "sequence"]

    def save_model(self, request: HttpRequest, obj: Session, form: Any, change: bool) -> None:
        obj.agenda_html = render_markdown(obj.agenda)
        obj.notes_html = render_markdown(obj.notes)
        if change:
            obj.sequence = F("sequence") + 1
        super().save_model(request, obj, form, change)
        obj.refresh_from_db(fields=["sequence"])


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "cohort", "papers_required", "due_at")
    readonly_fields = ["uid", "sequence"]


@admin.register(SwapRequest)
class SwapRequestAdmin(admin.ModelAdmin):
    list_display = ("session", "requested_by", "counterpart", "status", "created_at")
    list_filter = ["status"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("session", "member", "answer", "attended")


@admin.register(Unavailability)
class UnavailabilityAdmin(admin.ModelAdmin):
    list_display = ("member", "day")


@admin.register(CalendarKey)
class CalendarKeyAdmin(admin.ModelAdmin):
    list_display = ("member", "active", "created_at")
    readonly_fields = ["generation"]
