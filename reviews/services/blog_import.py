"""Saving a blog feed as a member's draft reviews, all of it or (dry run) none of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..importers.base import MAX_IMPORT_BYTES, normalize_title
from ..importers.blog import FeedItem, ReviewDraft, item_to_review, parse_feed
from ..models import Member, Paper, Review, Tag
from . import ReviewContent, paper_changed, review_create, tag_slug

# Titles shorter than this are too generic to be found inside a longer post title.
MIN_CONTAINED_TITLE = 15


class Outcome:
    IMPORTED = "imported"
    SKIPPED = "skipped"


@dataclass
class ItemOutcome:
    """What happened (or, in a dry run, would happen) to one feed item."""

    draft: ReviewDraft
    status: str
    reason: str = ""
    paper: Paper | None = None
    new_paper: bool = False
    review: Review | None = None

    @property
    def imported(self) -> bool:
        return self.status == Outcome.IMPORTED


@dataclass
class FeedImportReport:
    """Every item's outcome; in a dry run nothing of it was saved."""

    outcomes: list[ItemOutcome] = field(default_factory=list)
    dry_run: bool = False

    @property
    def imported(self) -> list[ItemOutcome]:
        return [o for o in self.outcomes if o.imported]

    @property
    def skipped(self) -> list[ItemOutcome]:
        return [o for o in self.outcomes if not o.imported]


def feed_fetch_items(url: str) -> list[FeedItem]:
    """Fetch a feed from a public http(s) URL and parse it (ImportRefused with a message)."""
    # Imported here: the fetcher pulls in httpx, which only URL imports need.
    from ..importers.fetch import fetch

    return parse_feed(fetch(url, max_bytes=MAX_IMPORT_BYTES, timeout=10.0).content)


def feed_import(
    *, items: list[FeedItem], member: Member, dry_run: bool = False
) -> FeedImportReport:
    """Make each item a draft review of ``member``, in one transaction.

    Skipped, with the reason: items already imported by this member (same guid), items whose
    paper this member has already reviewed, and items that cannot be saved as they are.
    A dry run does all the same work and rolls it back, so its report is exactly what an
    import would do.
    """
    report = FeedImportReport(dry_run=dry_run)
    with transaction.atomic():
        papers = _PaperIndex()
        done_guids = set(
            Review.objects.filter(
                author=member, source_guid__in=[item.guid for item in items if item.guid]
            ).values_list("source_guid", flat=True)
        )
        for item in items:
            report.outcomes.append(_import_item(item, member, papers, done_guids))
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_item(
    item: FeedItem, member: Member, papers: _PaperIndex, done_guids: set[str]
) -> ItemOutcome:
    draft = item_to_review(item)
    if item.guid and item.guid in done_guids:
        return ItemOutcome(draft, Outcome.SKIPPED, _("Already imported."))
    if draft.problems:
        return ItemOutcome(draft, Outcome.SKIPPED, " ".join(draft.problems))
    paper, new_paper, reason = papers.find(draft)
    if paper is None and not new_paper:
        return ItemOutcome(draft, Outcome.SKIPPED, reason)
    if paper is not None and Review.objects.filter(paper=paper, author=member).exists():
        return ItemOutcome(
            draft,
            Outcome.SKIPPED,
            _("You already have a review of “%(title)s”; one review per paper.")
            % {"title": paper.title},
            paper=paper,
        )
    content = ReviewContent(language=draft.language, **draft.sections)
    try:
        # Each item in its own savepoint: a bad item is skipped, the others still go in.
        with transaction.atomic():
            if paper is None:
                paper = papers.create(draft, member)
            else:
                _add_tags(paper, draft.tags)
            review = review_create(paper=paper, author=member, content=content)
            Review.objects.filter(pk=review.pk).update(
                source_url=_source_url(item.link),
                source_guid=item.guid,
                source_date=item.published,
            )
    except ValidationError as error:
        if new_paper:
            papers.forget(draft)
        return ItemOutcome(
            draft, Outcome.SKIPPED, " ".join(error.messages), paper=None if new_paper else paper
        )
    except IntegrityError:
        # Another import of the same guid committed in the meantime.
        return ItemOutcome(draft, Outcome.SKIPPED, _("Already imported."))
    if item.guid:
        done_guids.add(item.guid)
    return ItemOutcome(draft, Outcome.IMPORTED, paper=paper, new_paper=new_paper, review=review)


class _PaperIndex:
    """Finds the paper a post is about: by arXiv id, else by title; remembers new ones."""

    def __init__(self) -> None:
        self.by_title = {
            normalize_title(title): pk for pk, title in Paper.objects.values_list("pk", "title")
        }
        self.created: dict[str, Paper] = {}

    def find(self, draft: ReviewDraft) -> tuple[Paper | None, bool, str]:
        """(paper, False, "") when found, (None, True, "") when a new one is to be made."""
        if draft.arxiv_id:
            paper = Paper.objects.filter(arxiv_id=draft.arxiv_id).first()
            if paper is not None:
                return paper, False, ""
        key = normalize_title(draft.paper_title)
        if key in self.created:
            return self.created[key], False, ""
        pk = self.by_title.get(key) or self._contained(normalize_title(draft.item.title))
        if pk is not None:
            return Paper.objects.get(pk=pk), False, ""
        if not key and not draft.arxiv_id:
            return None, False, _("The post has no title and no arXiv link: which paper is it?")
        return None, True, ""

    def _contained(self, post_key: str) -> int | None:
        # "Transformer: Attention Is All You Need 정리" still names that paper.
        found = [
            (len(key), pk)
            for key, pk in self.by_title.items()
            if len(key) >= MIN_CONTAINED_TITLE and f" {key} " in f" {post_key} "
        ]
        return max(found)[1] if found else None

    def create(self, draft: ReviewDraft, member: Member) -> Paper:
        title = (draft.paper_title or f"arXiv:{draft.arxiv_id}")[:500]
        paper = Paper(
            title=title,
            arxiv_id=draft.arxiv_id,
            url=f"https://arxiv.org/abs/{draft.arxiv_id}" if draft.arxiv_id else "",
            added_by=member,
        )
        # A blog post names a paper but not its authors, which the model requires of a paper
        # entered by hand; such a paper is flagged "new" in the preview and can be completed
        # later (for example by its arXiv id). Everything else is validated as usual.
        paper.full_clean(exclude=["authors"])
        paper.save()
        paper.tags.set(_tags(draft.tags))
        paper_changed(paper=paper)
        self.created[normalize_title(draft.paper_title)] = paper
        return paper

    def forget(self, draft: ReviewDraft) -> None:
        self.created.pop(normalize_title(draft.paper_title), None)


def _valid_tags(names: list[str]) -> list[str]:
    """The feed's categories that make valid tags; blog-specific odd ones are left out."""
    valid = []
    for name in names:
        try:
            tag_slug(name)
        except ValidationError:
            continue
        valid.append(name)
    return valid


def _tags(names: list[str]) -> list[Tag]:
    return [
        Tag.objects.get_or_create(slug=tag_slug(name), defaults={"name": name})[0]
        for name in _valid_tags(names)
    ]


def _add_tags(paper: Paper, names: list[str]) -> None:
    # Added, never replaced: the paper's existing tags are the group's, not this blog's.
    paper.tags.add(*_tags(names))


def _source_url(link: str) -> str:
    return link if link.startswith(("http://", "https://")) and len(link) <= 500 else ""
