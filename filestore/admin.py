from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from .models import StoredFile
from .storage import DatabaseStorage


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):
    """Read-only: files are written through the storage API; deleting one is allowed."""

    list_display = ("name", "size", "content_type", "modified_at")
    search_fields = ["name"]
    fields = readonly_fields = ["name", "link", "size", "content_type", "created_at", "modified_at"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="File")
    def link(self, obj: StoredFile) -> str:
        return format_html('<a href="{}">{}</a>', DatabaseStorage().url(obj.name), obj.name)
