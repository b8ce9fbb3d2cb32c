"""Every write the app makes, one keyword-only function each.

Views, the admin, management commands and (later) the API call these, so a rule
such as the lost-update guard on reviews lives in exactly one place.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .. import signals
from ..enums import Language, ReadingStatus, ReviewStatus, Section
from ..markdown import render_markdown
from ..models import (
    ApiToken,
    Bookmark,
    CohortMembership,
    Comment,
    CommentRevision,
    EntryStatus,
    Invite,
    Member,
    Paper,
    ReadingListEntry,
    Review,
    ReviewRevision,
    ReviewWorkingCopy,
    Tag,
)
from ..validators import validate_markdown_size


class ReviewConflict(Exception):
    """The review was saved by someone else after the editor loaded it."""

    def __init__(self, current: Review) -> None:
        super().__init__(f"review {current.pk} is at version {current.version}")
        self.current = current


@dataclass(frozen=True)
class ReviewContent:
    """What an author writes: the TL;DR, the language and the four Markdown sections."""

    tldr: str = ""
    language: str = Language.ENGLISH
    introduction: str = ""
    core_algorithm: str = ""
    results: str = ""
    thoughts: str = ""

    @classmethod
    def from_review(cls, review: Review) -> ReviewContent:
        return cls(**{f.name: getattr(review, f.name) for f in fields(cls)})

    def validate(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        for section in Section:
            try:
                validate_markdown_size(getattr(self, section.value))
            except ValidationError as error:
                errors[section.value] = [error]
        if self.language not in Language.values:
            errors["language"] = [ValidationError(_("Unknown language."), code="invalid")]
        if len(self.tldr) > 300:
            errors["tldr"] = [ValidationError(_("Keep the TL;DR under 300 characters."))]
        if errors:
            raise ValidationError(errors)

    def rendered(self) -> dict[str, str]:
        return {
            f"{s.value}_html": str(render_markdown(getattr(self, s.value), id_prefix=f"{s.value}-"))
            for s in Section
        }


def normalize_search_text(text: str) -> str:
    """NFKC and lower case, so composed and decomposed Hangul (macOS) match alike."""
    return unicodedata.normalize("NFKC", text).lower()


def paper_changed(*, paper: Paper, deep: bool = False) -> None:
    """Tell subscribers (search) a paper changed; `deep`: its reviews or comments too."""
    signals.paper_changed.send(sender=Paper, paper_id=paper.pk, deep=deep)


TAG_SLUG_RE = re.compile(r"[-\w]+")


def tag_slug(name: str) -> str:
    """The URL form of a tag name; Korean names keep their letters."""
    slug = "-".join(normalize_search_text(name).split())
    if len(slug) > 60 or not TAG_SLUG_RE.fullmatch(slug):
        message = _("“%(name)s”: tags use letters, digits, spaces, - and _ (up to 60).")
        raise ValidationError({"tags": [message % {"name": name}]})
    return slug


@transaction.atomic
def paper_save(*, paper: Paper, tag_names: list[str] | None = None) -> Paper:
    """Validate and save a paper, set its tags, and refresh its search text."""
    slugs = {name: tag_slug(name) for name in tag_names or []}
    paper.full_clean()
    try:
        # A concurrent save can pass full_clean() with the same arXiv id; the constraint decides.
        with transaction.atomic():
            paper.save()
    except IntegrityError:
        raise ValidationError(
            {"arxiv_id": [_("A paper with this arXiv id already exists.")]}
        ) from None
    if tag_names is not None:
        tags = []
        for name, slug in slugs.items():
            tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name})
            tags.append(tag)
        paper.tags.set(tags)
    paper_changed(paper=paper)
    return paper


@transaction.atomic
def review_create(
    *, paper: Paper, author: Member, content: ReviewContent, publish: bool = False
) -> Review:
    """Start a member's review of a paper, as a draft or published at once."""
    content.validate()
    status = ReviewStatus.PUBLISHED if publish else ReviewStatus.DRAFT
    try:
        with transaction.atomic():
            review = Review.objects.create(
                paper=paper,
                author=author,
                status=status,
                published_at=timezone.now() if publish else None,
                **vars(content),
                **content.rendered(),
            )
    except IntegrityError:
        raise ValidationError(
            _("You have already reviewed this paper; edit your review instead."),
            code="duplicate_review",
        ) from None
    if publish:
        _keep_revision(review=review, by=author, content=content)
    return review


def review_changed(*, review: Review) -> None:
    """Tell subscribers (search) a review was written, published or unpublished."""
    signals.review_changed.send(sender=Review, review_id=review.pk, paper_id=review.paper_id)


def _keep_revision(*, review: Review, by: Member, content: ReviewContent) -> None:
    """Snapshot a publish, and let search see the published text."""
    number = (review.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    ReviewRevision.objects.create(
        review=review,
        number=number,
        published_by=by,
        **{k: getattr(content, k) for k in ("tldr", *Section.values)},
        # The review's HTML was rendered from this content as it was saved.
        **{s.html_field: getattr(review, s.html_field) for s in Section},
    )
    review_changed(review=review)
    signals.review_published.send(
        sender=Review, review_id=review.pk, by_id=by.pk, first=number == 1
    )


@transaction.atomic
def review_save(
    *,
    review: Review,
    by: Member,
    content: ReviewContent,
    expected_version: int,
    publish: bool = False,
    drop_working_copy: bool = False,
) -> Review:
    """Save the author's edit if nobody saved since `expected_version`.

    A published review stays published, so every later save is a publish and
    keeps a revision. Raises ReviewConflict when the version moved on.
    `drop_working_copy`: the edit includes the working copy (the editor opened it).
    """
    if review.author_id != by.pk:
        raise PermissionDenied(_("Only the author can edit this review."))
    content.validate()
    publish = publish or review.is_published
    now = timezone.now()
    changes: dict[str, object] = {**vars(content), **content.rendered(), "updated_at": now}
    if publish:
        changes["status"] = ReviewStatus.PUBLISHED
        changes["published_at"] = review.published_at or now
    # The conditional UPDATE is the guard: on PostgreSQL it also locks the row, so
    # two saves with the same version serialize and the second matches nothing.
    updated = Review.objects.filter(pk=review.pk, version=expected_version).update(
        version=F("version") + 1, **changes
    )
    if not updated:
        raise ReviewConflict(Review.objects.select_related("paper", "author").get(pk=review.pk))
    review.refresh_from_db()
    if publish:
        _keep_revision(review=review, by=by, content=content)
    if drop_working_copy:
        ReviewWorkingCopy.objects.filter(review=review).delete()
    return review


def _working_copy_author(review: Review, by: Member) -> None:
    if review.author_id != by.pk:
        raise PermissionDenied(_("Only the author can change this review's working copy."))


@transaction.atomic
def review_working_copy_save(
    *, review: Review, by: Member, content: ReviewContent, expected_version: int
) -> ReviewWorkingCopy:
    """Keep the author's changes to a published review without publishing them.

    Guarded like every write to the review: ReviewConflict if it moved on from
    `expected_version`. Readers, search and feeds never see the copy.
    """
    _working_copy_author(review, by)
    if not review.is_published:
        raise ValidationError(
            _("Only a published review has a working copy; save your draft instead."),
            code="not_published",
        )
    content.validate()
    _lock_version(review, expected_version)
    copy, _created = ReviewWorkingCopy.objects.update_or_create(
        review=review, defaults={**vars(content), "base_version": expected_version}
    )
    return copy


@transaction.atomic
def review_working_copy_publish(
    *,
    review: Review,
    by: Member,
    expected_version: int,
    content: ReviewContent | None = None,
) -> Review:
    """Publish the working copy (or `content`, the editor's text that includes it) as the
    review's new revision, through review_save's version check, and drop the copy."""
    _working_copy_author(review, by)
    if content is None:
        copy = ReviewWorkingCopy.objects.filter(review=review).first()
        if copy is None:
            raise ValidationError(_("There is no working copy to publish."), code="no_copy")
        content = working_copy_content(copy)
    return review_save(
        review=review,
        by=by,
        content=content,
        expected_version=expected_version,
        publish=True,
        drop_working_copy=True,
    )


@transaction.atomic
def review_working_copy_discard(
    *, review: Review, by: Member, expected_version: int | None = None
) -> bool:
    """Throw the working copy away; the published review stays as it is. True if there was one."""
    _working_copy_author(review, by)
    _lock_version(review, expected_version)
    deleted, _detail = ReviewWorkingCopy.objects.filter(review=review).delete()
    return bool(deleted)


def working_copy_content(copy: ReviewWorkingCopy) -> ReviewContent:
    return ReviewContent(**{f.name: getattr(copy, f.name) for f in fields(ReviewContent)})


def _lock_version(review: Review, expected_version: int | None) -> None:
    """Lock the review's row; ReviewConflict if it moved on from ``expected_version``.

    ``None`` is the browser's moderation, which acts on the review as it is now.
    """
    current = Review.objects.select_for_update().filter(pk=review.pk).values("version").first()
    if current is None:
        raise Review.DoesNotExist
    if expected_version is not None and current["version"] != expected_version:
        raise ReviewConflict(Review.objects.select_related("paper", "author").get(pk=review.pk))


@transaction.atomic
def review_unpublish(*, review: Review, by: Member, expected_version: int | None = None) -> Review:
    """Take a review back to draft (author or organizer); its revisions stay."""
    if review.author_id != by.pk and not by.is_staff:
        raise PermissionDenied(_("Only the author or an organizer can unpublish a review."))
    _lock_version(review, expected_version)
    Review.objects.filter(pk=review.pk).update(
        status=ReviewStatus.DRAFT, published_at=None, version=F("version") + 1
    )
    review.refresh_from_db()
    review_changed(review=review)
    return review


@transaction.atomic
def review_delete(*, review: Review, by: Member, expected_version: int | None = None) -> None:
    if review.author_id != by.pk and not by.is_staff:
        raise PermissionDenied(_("Only the author or an organizer can delete a review."))
    _lock_version(review, expected_version)
    review_id = review.pk
    review.delete()
    signals.review_changed.send(sender=Review, review_id=review_id, paper_id=review.paper_id)


@transaction.atomic
def comment_create(
    *,
    review: Review,
    author: Member,
    body: str,
    section: str = "",
    parent: Comment | None = None,
) -> Comment:
    """Add a comment to a published review (or to one's own draft)."""
    if not review.is_published and review.author_id != author.pk:
        raise PermissionDenied(_("You cannot comment on this review."))
    if not body.strip():
        raise ValidationError({"body": [_("Write something first.")]})
    validate_markdown_size(body)
    if section and section not in Section.values:
        raise ValidationError({"section": [_("Unknown section.")]})
    if parent is not None and parent.review_id != review.pk:
        raise ValidationError({"parent": [_("That comment belongs to another review.")]})
    comment = Comment.objects.create(
        review=review,
        author=author,
        body=body,
        body_html=str(render_markdown(body, id_prefix=f"c{review.pk}-")),
        section=section,
        parent=parent,
    )
    _comment_changed(comment)
    signals.comment_written.send(
        sender=Comment, comment_id=comment.pk, by_id=author.pk, previous_body=""
    )
    return comment


def _comment_changed(comment: Comment) -> None:
    signals.comment_changed.send(sender=Comment, comment_id=comment.pk, review_id=comment.review_id)


def comment_delete(*, comment: Comment, by: Member) -> None:
    if comment.author_id != by.pk and not by.is_staff:
        raise PermissionDenied(_("Only the author or an organizer can delete a comment."))
    comment.delete()


def entry_status_set(*, entry: ReadingListEntry, member: Member, status: str) -> EntryStatus:
    if status not in ReadingStatus.values:
        raise ValidationError({"status": [_("Unknown reading status.")]})
    row, _created = EntryStatus.objects.update_or_create(
        entry=entry, member=member, defaults={"status": status}
    )
    return row


def bookmark_add(*, member: Member, paper: Paper) -> Bookmark:
    bookmark, created = Bookmark.objects.get_or_create(member=member, paper=paper)
    if created:
        signals.bookmark_changed.send(sender=Bookmark, member_id=member.pk, paper_id=paper.pk)
    return bookmark


def bookmark_remove(*, member: Member, paper: Paper) -> bool:
    deleted, _detail = Bookmark.objects.filter(member=member, paper=paper).delete()
    if deleted:
        signals.bookmark_changed.send(sender=Bookmark, member_id=member.pk, paper_id=paper.pk)
    return bool(deleted)


def bookmark_toggle(*, member: Member, paper: Paper) -> bool:
    """Add the paper to the member's read-later list, or take it off. True if now saved."""
    if bookmark_remove(member=member, paper=paper):
        return False
    bookmark_add(member=member, paper=paper)
    return True


def member_update_profile(
    *,
    member: Member,
    display_name: str,
    bio: str,
    preferred_language: str,
    time_zone: str | None = None,
) -> Member:
    member.display_name = display_name
    member.bio = bio
    member.preferred_language = preferred_language
    if time_zone is not None:
        member.time_zone = time_zone
    member.full_clean(exclude=["password"])
    member.save(update_fields=["display_name", "bio", "preferred_language", "time_zone"])
    return member


@transaction.atomic
def invite_accept(
    *, invite: Invite, username: str, password: str, display_name: str = "", email: str = ""
) -> Member:
    """Create a member from a single-use invite and add them to its cohort."""
    locked = Invite.objects.select_for_update().get(pk=invite.pk)
    if not locked.is_usable:
        raise ValidationError(_("This invite link has expired or was already used."))
    member = Member(username=username, display_name=display_name)
    member.set_password(password)
    member.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:  # someone took the name (in any case) since full_clean looked
        message = _("A member with that username already exists.")
        raise ValidationError({"username": [message]}) from None
    if locked.cohort_id:
        CohortMembership.objects.create(cohort_id=locked.cohort_id, member=member)
    locked.used_by = member
    locked.used_at = timezone.now()
    locked.save(update_fields=["used_by", "used_at"])
    if email:
        from .accounts import member_email_request

        member_email_request(member=member, address=email)
    return member


def api_token_create(*, member: Member, name: str) -> tuple[ApiToken, str]:
    """A new API key for the member: the token row and the key, which is never stored."""
    name = name.strip()
    if not name or len(name) > 100 or "\x00" in name:
        raise ValidationError({"name": [_("Give the token a name of 1 to 100 characters.")]})
    key = f"sg_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        member=member, name=name, prefix=key[:10], key_hash=api_token_hash(key)
    )
    return token, key


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", errors="surrogatepass")).hexdigest()


def api_token_revoke(*, token: ApiToken, by: Member) -> None:
    if token.member_id != by.pk:
        raise PermissionDenied(_("Only the owner can revoke a token."))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def comment_update(*, comment: Comment, by: Member, body: str) -> Comment:
    """The author's edit of their comment; the text it replaces is kept as a revision."""
    if comment.author_id != by.pk:
        raise PermissionDenied(_("Only the author can edit a comment."))
    if not body.strip():
        raise ValidationError({"body": [_("Write something first.")]})
    try:
        validate_markdown_size(body)
    except ValidationError as error:
        raise ValidationError({"body": error.messages}) from None
    # Locked, so two edits at once each keep the text they replace.
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    if body == current.body:
        return current
    now = timezone.now()
    previous = current.body
    CommentRevision.objects.create(
        comment=current,
        body=current.body,
        written_at=current.edited_at or current.created_at,
        replaced_at=now,
    )
    current.body = body
    current.body_html = str(render_markdown(body, id_prefix=f"c{current.review_id}-"))
    current.edited_at = now
    current.save(update_fields=["body", "body_html", "edited_at", "updated_at"])
    _comment_changed(current)
    signals.comment_written.send(
        sender=Comment, comment_id=current.pk, by_id=by.pk, previous_body=previous
    )
    return current


# Reloading a page within this long is the same visit: what was new stays marked.
VISIT_GAP = timedelta(minutes=30)

_VISIT_SQL = """
INSERT INTO reviews_visit (member_id, page, seen_at, since) VALUES (%s, %s, %s, NULL)
ON CONFLICT (member_id, page) DO UPDATE SET
    since = CASE
        WHEN reviews_visit.seen_at < %s THEN reviews_visit.seen_at
        ELSE reviews_visit.since
    END,
    seen_at = excluded.seen_at
RETURNING since
"""


def visit_record(*, member: Member, page: str) -> datetime | None:
    """Record that `member` is looking at `page`; what appeared after the returned moment is
    new to them (None on a first visit: nothing is marked). One statement, read and write."""
    now = timezone.now()
    ops = connection.ops
    params = [
        member.pk,
        page[:80],
        ops.adapt_datetimefield_value(now),
        ops.adapt_datetimefield_value(now - VISIT_GAP),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_VISIT_SQL, params)
        (since,) = cursor.fetchone()
    if isinstance(since, str):  # SQLite keeps text
        since = parse_datetime(since)
    if since is not None and timezone.is_naive(since):
        since = timezone.make_aware(since, UTC)
    return since
