"""The study group's data: members, cohorts, papers, reading lists, reviews and comments."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import (
    CohortRole,
    Language,
    ReadingStatus,
    ReviewStatus,
    RunStatus,
    RunVerdict,
    Section,
)
from .validators import validate_arxiv_id, validate_authors, validate_doi, validate_time_zone


class MemberManager(UserManager):
    """Finds members by username in any case, the way the database keeps them unique."""

    def get_by_natural_key(self, username: str | None) -> Member:
        # Sign-in (ModelBackend), createsuperuser and fixtures all look members up here.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class Member(AbstractUser):
    """A person in the study group; staff members are organizers."""

    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    bio = models.TextField(_("bio"), max_length=2000, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    # Where the member lives: session times are shown in this zone.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.TIME_ZONE,
        validators=[validate_time_zone],
        help_text=_("Session times are shown in this time zone, like Asia/Seoul."),
    )
    # `email` (AbstractUser) is only ever a verified address: mail and password resets go
    # there. A new address waits here until its owner opens the link sent to it.
    email_pending = models.EmailField(_("e-mail address to verify"), blank=True)
    run_limit = models.PositiveSmallIntegerField(
        _("experiment runs at once"),
        null=True,
        blank=True,
        help_text=_("Queued and running demo runs this member may have; blank: the site default."),
    )

    objects = MemberManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            # "Minji" beside "minji" would let one member pose as another.
            models.UniqueConstraint(
                Lower("username"),
                name="unique_member_username_ci",
                violation_error_message=_("A member with that username already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("member_detail", args=[self.username])

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def avatar_initials(self) -> str:
        words = self.name.split()
        if len(words) >= 2 and words[0].isascii():
            return (words[0][0] + words[1][0]).upper()
        return self.name[:2].upper()

    @property
    def is_organizer(self) -> bool:
        return self.is_staff


class Cohort(models.Model):
    """A season or track of the study group, with its members."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CohortMembership", related_name="cohorts"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class CohortMembership(models.Model):
    """A member's place in a cohort."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=CohortRole.choices, default=CohortRole.MEMBER)
    joined = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "member"], name="unique_cohort_member"),
            models.CheckConstraint(
                condition=Q(role__in=CohortRole.values), name="cohort_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.cohort}"


class Tag(models.Model):
    """A topic label on papers; each tag has its own feed."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Paper(models.Model):
    """A paper the group reads."""

    title = models.CharField(_("title"), max_length=500)
    authors = models.JSONField(_("authors"), default=list, validators=[validate_authors])
    # The list was cut short ("et al.") and could not be completed: BibTeX says "and others".
    authors_incomplete = models.BooleanField(_("author list incomplete"), default=False)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    arxiv_id = models.CharField(
        _("arXiv id"), max_length=40, blank=True, validators=[validate_arxiv_id]
    )
    doi = models.CharField(_("DOI"), max_length=200, blank=True, validators=[validate_doi])
    url = models.URLField(_("paper URL"), max_length=500, blank=True)
    pdf_url = models.URLField(_("PDF URL"), max_length=500, blank=True)
    code_url = models.URLField(_("code URL"), max_length=500, blank=True)
    project_url = models.URLField(_("project page"), max_length=500, blank=True)
    abstract = models.TextField(_("abstract"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="papers")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="papers_added",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["arxiv_id"], condition=~Q(arxiv_id=""), name="unique_paper_arxiv_id"
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1900, year__lte=2100),
                name="paper_year_range",
            ),
        ]
        # The API's default order, walked instead of sorting every paper.
        indexes = [models.Index(fields=["title", "id"], name="paper_by_title")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("paper_detail", args=[self.pk])

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else ""

    @property
    def authors_short(self) -> str:
        if len(self.authors) > 3:
            return f"{self.authors[0]} et al."
        return ", ".join(self.authors)


class ReadingList(models.Model):
    """A cohort's numbered list of papers."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="reading_lists")
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reading_list", args=[self.slug])


class ReadingListEntry(models.Model):
    """One numbered paper on a reading list."""

    reading_list = models.ForeignKey(ReadingList, on_delete=models.CASCADE, related_name="entries")
    number = models.PositiveIntegerField(_("number"))
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="entries")

    class Meta:
        ordering = ["reading_list", "number"]
        verbose_name_plural = "reading list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["reading_list", "number"], name="unique_entry_number_per_list"
            ),
            models.UniqueConstraint(
                fields=["reading_list", "paper"], name="unique_entry_paper_per_list"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="entry_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.paper}"


class EntryStatus(models.Model):
    """Where one member is with one reading list entry."""

    entry = models.ForeignKey(ReadingListEntry, on_delete=models.CASCADE, related_name="statuses")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entry_statuses"
    )
    status = models.CharField(
        max_length=10, choices=ReadingStatus.choices, default=ReadingStatus.TO_READ
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "entry statuses"
        constraints = [
            models.UniqueConstraint(fields=["entry", "member"], name="unique_entry_status"),
            models.CheckConstraint(
                condition=Q(status__in=ReadingStatus.values), name="entry_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.entry} ({self.status})"


class Review(models.Model):
    """A member's four-section review of a paper; HTML is rendered at save time."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    tldr = models.CharField(_("TL;DR"), max_length=300, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    introduction = models.TextField(_("Introduction"), blank=True)
    core_algorithm = models.TextField(_("Core algorithm"), blank=True)
    results = models.TextField(_("Results"), blank=True)
    thoughts = models.TextField(_("My thoughts"), blank=True)
    introduction_html = models.TextField(editable=False, blank=True)
    core_algorithm_html = models.TextField(editable=False, blank=True)
    results_html = models.TextField(editable=False, blank=True)
    thoughts_html = models.TextField(editable=False, blank=True)
    # Bumped on every save; an edit based on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Where an imported review came from (a blog feed item): its link, guid and date.
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    source_guid = models.CharField(_("source guid"), max_length=500, blank=True)
    source_date = models.DateTimeField(_("source date"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "author"], name="unique_review_per_author"),
            models.UniqueConstraint(
                fields=["author", "source_guid"],
                condition=~Q(source_guid=""),
                name="unique_review_source_guid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="review_status_valid"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="review_version_positive"),
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.DRAFT) | Q(published_at__isnull=False),
                name="published_review_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            # A member's page and feeds: their newest reviews without reading all of them.
            models.Index(fields=["author", "status", "-published_at", "-id"]),
            models.Index(fields=["author", "-updated_at", "-id"]),
            # A signed-in list (published or mine, newest first) walks this one.
            models.Index(fields=["-published_at", "-id"], name="review_newest"),
            # "Reviews this member may read" as an index-only scan, for counts and comments.
            models.Index(fields=["status", "author", "id"], name="review_visibility"),
        ]

    def __str__(self) -> str:
        return f"{self.paper} — {self.author}"

    def get_absolute_url(self) -> str:
        return reverse("review_detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == ReviewStatus.PUBLISHED

    def sections(self) -> list[tuple[str, str, str]]:
        """(key, label, html) for the four sections, in order."""
        return [(s.value, s.label, getattr(self, f"{s.value}_html")) for s in Section]


class ReviewWorkingCopy(models.Model):
    """A published review's saved but unpublished changes, seen by its author alone.

    Readers, search, feeds and the API keep reading the review itself (the published text)
    until the author publishes the copy, which then becomes a revision like any other save.
    """

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, primary_key=True, related_name="working_copy"
    )
    # The review's version the copy was saved against.
    base_version = models.PositiveIntegerField()
    tldr = models.CharField(_("TL;DR"), max_length=300, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    introduction = models.TextField(_("Introduction"), blank=True)
    core_algorithm = models.TextField(_("Core algorithm"), blank=True)
    results = models.TextField(_("Results"), blank=True)
    thoughts = models.TextField(_("My thoughts"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Working copy of {self.review}"


class ReviewRevision(models.Model):
    """The four sections of a review as they were at one publish."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    tldr = models.CharField(max_length=300, blank=True)
    introduction = models.TextField(blank=True)
    core_algorithm = models.TextField(blank=True)
    results = models.TextField(blank=True)
    thoughts = models.TextField(blank=True)
    # Rendered when it was published, by the renderer that rendered the review then.
    introduction_html = models.TextField(editable=False, blank=True)
    core_algorithm_html = models.TextField(editable=False, blank=True)
    results_html = models.TextField(editable=False, blank=True)
    thoughts_html = models.TextField(editable=False, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="unique_revision_number"),
        ]

    def __str__(self) -> str:
        return f"{self.review} r{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("review_revision", args=[self.review_id, self.number])

    def sections(self) -> list[tuple[str, str, str]]:
        """(key, label, html) for the four sections as they were published, in order."""
        return [(s.value, s.label, getattr(self, s.html_field)) for s in Section]


class Comment(models.Model):
    """A threaded comment on a review, optionally about one section."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    section = models.CharField(_("section"), max_length=20, choices=Section.choices, blank=True)
    body = models.TextField(_("comment"))
    body_html = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When its author last changed the text; the earlier texts are its CommentRevisions.
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True, editable=False)
    # An open question for the group's next session, until someone marks it resolved.
    is_question = models.BooleanField(_("question"), default=False)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(section="") | Q(section__in=Section.values),
                name="comment_section_valid",
            ),
        ]
        indexes = [models.Index(fields=["created_at", "id"], name="comment_oldest")]

    def __str__(self) -> str:
        return f"{self.author} on {self.review}"


class CommentRevision(models.Model):
    """A comment's text as it was before one of its author's edits."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(_("comment"))
    # When this text was written: the comment's creation, or the edit before this one.
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["comment", "-written_at", "-id"]

    def __str__(self) -> str:
        return f"{self.comment} ({self.written_at:%Y-%m-%d %H:%M})"


class Visit(models.Model):
    """A member's visits to a page (`review:12`, `paper:3`, `list:classics`): what appeared
    after `since`, the end of their previous visit, is new to them on this one."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.CharField(max_length=80)
    seen_at = models.DateTimeField()
    since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "page"], name="unique_visit_page"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} on {self.page}"


class Bookmark(models.Model):
    """A paper on a member's read-later list."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "paper"], name="unique_bookmark"),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.paper}"


def _invite_code() -> str:
    return secrets.token_urlsafe(24)


def _invite_expiry() -> timezone.datetime:
    return timezone.now() + timedelta(days=14)


class ImportedPost(models.Model):
    """A blog post waiting in its member's import inbox until its paper is picked or added."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imported_posts"
    )
    title = models.CharField(_("title"), max_length=500, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    source_guid = models.CharField(_("source guid"), max_length=500, blank=True)
    source_date = models.DateTimeField(_("source date"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    # Section key -> Markdown, as the member mapped the post's headings in the preview.
    sections = models.JSONField(default=dict)
    tags = models.JSONField(default=list)
    arxiv_id = models.CharField(_("arXiv id seen in the post"), max_length=40, blank=True)
    reason = models.CharField(_("why it waits"), max_length=500, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "source_guid"],
                condition=~Q(source_guid=""),
                name="unique_imported_post_guid",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.source_guid


class Invite(models.Model):
    """A single-use sign-up link an organizer hands out."""

    code = models.CharField(max_length=64, unique=True, default=_invite_code, editable=False)
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="invites"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invites_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invite_expiry)
    used_by = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invite_used",
    )
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invite by {self.created_by} ({self.created_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("invite_accept", args=[self.code])

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class ApiToken(models.Model):
    """A member's API key; only its SHA-256 is stored, so the key is shown once."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class FeedKey(models.Model):
    """A member's secret feed-reader key; only its SHA-256 is stored, and it opens feeds only."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_key"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Feed key of {self.member}"


class ExperimentRun(models.Model):
    """One run of one demo experiment (``reviews.experiments``), attached to a review."""

    MAX_ATTEMPTS = 2

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="runs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs"
    )
    experiment = models.CharField(_("experiment"), max_length=40)
    preset = models.CharField(_("preset"), max_length=20, blank=True)
    config = models.JSONField(_("config"))
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    series = models.JSONField(_("metric series"), default=dict, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    verdict = models.CharField(_("verdict"), max_length=16, choices=RunVerdict.choices, blank=True)
    verdict_reason = models.TextField(_("verdict reason"), blank=True)
    # ``message`` and ``verdict_reason`` as message ids with their values (``Text.to_dict()``
    # under those keys), shown in the reader's language; the columns keep the English text.
    texts = models.JSONField(_("message ids"), default=dict, blank=True)
    figure = models.FileField(_("figure"), upload_to="runs/", blank=True)
    device = models.CharField(_("device"), max_length=200, blank=True)
    versions = models.JSONField(_("library versions"), default=dict, blank=True)
    seeds = models.JSONField(_("seeds"), default=list, blank=True)
    steps = models.PositiveIntegerField(_("steps"), default=0)
    error = models.TextField(_("error"), blank=True)
    time_limit_s = models.PositiveIntegerField(_("time limit (s)"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    task_id = models.CharField(_("Celery task id"), max_length=64, blank=True)
    # The reaper's record of a queued run whose message the broker lost: first seen missing,
    # then re-sent (once) under a new task id.
    missing_since = models.DateTimeField(_("message missing since"), null=True, blank=True)
    resent_at = models.DateTimeField(_("re-sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "status"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1), name="run_progress_0_1"
            ),
            models.CheckConstraint(condition=Q(attempts__lte=2), name="run_attempts_at_most_2"),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="run_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.experiment} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("run_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in RunStatus.active()

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None
