"""Everything editable by organizers; saves that render Markdown go through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from . import services
from .enums import RunStatus
from .markdown import render_markdown
from .models import (
    Bookmark,
    Cohort,
    CohortMembership,
    Comment,
    EntryStatus,
    ExperimentRun,
    Invite,
    Member,
    Paper,
    ReadingList,
    ReadingListEntry,
    Review,
    ReviewRevision,
    Tag,
)
from .services import runs as run_services


@admin.register(Member)
class MemberAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        ("Study group", {"fields": ("display_name", "bio", "preferred_language", "run_limit")}),
    )
    add_fieldsets = UserAdmin.add_fieldsets + (
        ("Study group", {"fields": ("display_name", "preferred_language")}),
    )
    list_display = ("username", "display_name", "email", "is_staff", "is_active")


class MembershipInline(admin.TabularInline):
    model = CohortMembership
    extra = 1
    autocomplete_fields = ["member"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("title", "year", "venue", "arxiv_id")
    search_fields = ["title", "arxiv_id", "doi"]
    list_filter = ["year", "tags"]
    filter_horizontal = ["tags"]
    autocomplete_fields = ["added_by"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.paper_changed(paper=form.instance)


class EntryInline(admin.TabularInline):
    model = ReadingListEntry
    extra = 1
    autocomplete_fields = ["paper"]


@admin.register(ReadingList)
class ReadingListAdmin(admin.ModelAdmin):
    list_display = ("title", "cohort", "created_at")
    prepopulated_fields = {"slug": ["title"]}
    inlines = [EntryInline]


@admin.register(EntryStatus)
class EntryStatusAdmin(admin.ModelAdmin):
    list_display = ("member", "entry", "status", "updated_at")
    list_filter = ["status"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("paper", "author", "status", "language", "version", "updated_at")
    list_filter = ["status", "language"]
    search_fields = ["paper__title", "author__username", "tldr"]
    autocomplete_fields = ["paper", "author"]
    readonly_fields = ["version", "published_at"]

    def save_model(self, request: HttpRequest, obj: Review, form: Any, change: bool) -> None:
        # Cached HTML must match the source whoever edits it, so render here too.
        content = services.ReviewContent.from_review(obj)
        content.validate()
        for key, html in content.rendered().items():
            setattr(obj, key, html)
        if obj.is_published and obj.published_at is None:
            obj.published_at = timezone.now()
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
        services.review_changed(review=obj)


@admin.register(ReviewRevision)
class ReviewRevisionAdmin(admin.ModelAdmin):
    list_display = ("review", "number", "published_by", "created_at")
    readonly_fields = [f.name for f in ReviewRevision._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("review", "author", "section", "created_at")
    list_filter = ["section"]
    raw_id_fields = ["review", "parent", "author"]

    def save_model(self, request: HttpRequest, obj: Comment, form: Any, change: bool) -> None:
        obj.body_html = str(render_markdown(obj.body, id_prefix=f"c{obj.review_id}-"))
        super().save_model(request, obj, form, change)


@admin.register(Bookmark)
class BookmarkAdmin(admin.ModelAdmin):
    list_display = ("member", "paper", "created_at")


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("code", "cohort", "created_by", "expires_at", "used_by")
    readonly_fields = ["link", "used_by", "used_at"]
    exclude = ["created_by"]

    @admin.display(description="Invite link")
    def link(self, obj: Invite) -> str:
        if not obj.pk:
            return "Save to get the link."
        return format_html("<code>{}</code>", obj.get_absolute_url())

    def save_model(self, request: HttpRequest, obj: Invite, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ExperimentRun)
class ExperimentRunAdmin(admin.ModelAdmin):
    """Read-only: runs are written by the worker through ``services.runs``; organizers cancel."""

    list_display = (
        "pk",
        "experiment",
        "preset",
        "review",
        "requested_by",
        "status",
        "verdict",
        "progress",
        "created_at",
    )
    list_filter = ["status", "verdict", "experiment"]
    search_fields = ["experiment", "requested_by__username", "review__paper__title"]
    list_select_related = ["review__paper", "review__author", "requested_by"]
    readonly_fields = [f.name for f in ExperimentRun._meta.fields]
    actions = ["cancel_runs"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change page is a read-only view of the run.
        return False

    @admin.action(description="Cancel the selected runs", permissions=["view"])
    def cancel_runs(self, request: HttpRequest, queryset: Any) -> None:
        for run in queryset.filter(status__in=RunStatus.active()):
            run_services.run_cancel(run=run, by=request.user)
        self.message_user(request, "Cancelled (running runs stop at their next progress point).")
