from __future__ import annotations

from django.contrib import admin

from .models import Notification, NotificationSettings


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "actor", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "actor", "review", "comment", "session", "assignment", "run"]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["member", "remind_days", "updated_at"]
    raw_id_fields = ["member"]
