"""Blog posts to draft reviews: propose each post's paper, then save what the member chose.

No paper is ever made from a post's title. A post's paper is one the group has (same arXiv id
or DOI, a similar title, a short name its papers carry), or the paper of an arXiv link in the
post when that record's title agrees with the post, or unknown. A post whose paper is unknown
waits in the member's import inbox (``ImportedPost``); a post that does not look like a paper
review is left out by default. The preview, the page and the command share these rules.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..enums import Section
from ..images import folder_for
from ..importers.base import MAX_IMPORT_BYTES, PaperData, normalize_title
from ..importers.blog import FeedItem, ReviewDraft, assemble_sections, item_to_review, paper_signals
from ..importers.fetch import FetchError
from ..models import ImportedPost, Member, Paper, Review, Tag
from . import ReviewContent, review_create, tag_slug
from .images import Fetcher, ImageImport, review_images_discard, review_images_import
from .papers import PaperIndex, name_tier, paper_write, title_names

# A post's title and an arXiv record's title agree above this similarity (normalised).
TITLE_AGREEMENT = 0.8
# arXiv links looked up per post: the paper a post is about is among the ones it cites most.
MAX_ARXIV_LOOKUPS = 2


class Action:
    """What the member (or the command, by default) does with a post."""

    PAPER = "paper"  # a draft review of an existing paper
    ARXIV = "arxiv"  # a draft review of the paper of an arXiv record, added to the group
    INBOX = "inbox"  # waits in the import inbox until its paper is known
    SKIP = "skip"  # left out


ArxivLookup = Callable[[str], PaperData]


def _fetch_arxiv(arxiv_id: str) -> PaperData:
    from ..importers.arxiv import fetch_arxiv  # httpx only for imports that need it

    return fetch_arxiv(arxiv_id)


@dataclass
class PostPlan:
    """The proposal for one post: its paper (or why none), the action, the section guesses."""

    draft: ReviewDraft
    action: str
    reason: str = ""
    paper: Paper | None = None
    arxiv: PaperData | None = None  # the agreeing arXiv record, for Action.ARXIV
    candidates: list[Paper] = field(default_factory=list)
    seen_arxiv_id: str = ""  # an arXiv id the post links, kept for the inbox
    signals: list[str] = field(default_factory=list)
    blocked: bool = False  # already imported, or nothing to import: no choice to make

    @property
    def guid(self) -> str:
        return self.draft.item.guid


@dataclass
class PostChoice:
    """The member's choice for one post; ``sections`` maps each part (by position)."""

    action: str
    paper: Paper | None = None
    arxiv: PaperData | None = None
    sections: list[str] | None = None


@dataclass
class PostOutcome:
    """What happened to one post."""

    plan: PostPlan
    action: str
    reason: str = ""
    paper: Paper | None = None
    new_paper: bool = False
    review: Review | None = None
    inbox: ImportedPost | None = None
    images_stored: int = 0
    image_problems: list[str] = field(default_factory=list)  # images left as links, and why

    @property
    def draft(self) -> ReviewDraft:
        return self.plan.draft

    @property
    def status(self) -> str:
        """The outcome as the API reports it: "imported" (a draft review), "inbox" or "skipped"."""
        if self.action in (Action.PAPER, Action.ARXIV):
            return "imported"
        return "inbox" if self.action == Action.INBOX else "skipped"


@dataclass
class FeedImportReport:
    """Every post's outcome, in feed order; a dry run's is the proposal, nothing saved."""

    outcomes: list[PostOutcome] = field(default_factory=list)
    dry_run: bool = False

    @classmethod
    def from_plans(cls, plans: list[PostPlan]) -> FeedImportReport:
        """What ``feed_import`` would do with the proposals, as a report (a dry run)."""
        outcomes = [
            PostOutcome(
                plan, plan.action, plan.reason, paper=plan.paper, new_paper=plan.arxiv is not None
            )
            for plan in plans
        ]
        return cls(outcomes=outcomes, dry_run=True)

    def _with(self, *actions: str) -> list[PostOutcome]:
        return [o for o in self.outcomes if o.action in actions]

    @property
    def reviews(self) -> list[PostOutcome]:
        return self._with(Action.PAPER, Action.ARXIV)

    @property
    def inbox(self) -> list[PostOutcome]:
        return self._with(Action.INBOX)

    @property
    def left_out(self) -> list[PostOutcome]:
        return self._with(Action.SKIP)


def feed_fetch_items(url: str) -> list[FeedItem]:
    """Fetch a feed from a public http(s) URL and parse it (ImportRefused with a message)."""
    from ..importers.blog import parse_feed
    from ..importers.fetch import fetch

    return parse_feed(fetch(url, max_bytes=MAX_IMPORT_BYTES, timeout=10.0).content)


# --- proposing -------------------------------------------------------------------------------


def titles_agree(post_title: str, record: PaperData) -> bool:
    """Whether an arXiv record is the paper a post (by its cleaned title) is about."""
    post, title = normalize_title(post_title), normalize_title(record.title)
    if not post or not title:
        return False
    if post == title or (len(title) >= 15 and f" {title} " in f" {post} "):
        return True
    if difflib.SequenceMatcher(None, post, title).ratio() >= TITLE_AGREEMENT:
        return True
    # A post titled by the paper's short name: "Vision Transformer" and its abstract's "(ViT)".
    return any(
        name_tier(name, record.title, record.abstract) == 0 for name in title_names(post_title)
    )


def feed_preview(
    *, items: list[FeedItem], member: Member, arxiv_lookup: ArxivLookup | None = None
) -> list[PostPlan]:
    """The proposal for each post; reads the group's papers and arXiv, writes nothing."""
    lookup = arxiv_lookup or _fetch_arxiv
    index = PaperIndex(names=True)
    done = _done_guids(member, items)
    return [_plan(item_to_review(item), index, lookup, done) for item in items]


def _done_guids(member: Member, items: list[FeedItem]) -> set[str]:
    guids = [item.guid for item in items if item.guid]
    return set(
        Review.objects.filter(author=member, source_guid__in=guids).values_list(
            "source_guid", flat=True
        )
    ) | set(
        ImportedPost.objects.filter(member=member, source_guid__in=guids).values_list(
            "source_guid", flat=True
        )
    )


def _plan(draft: ReviewDraft, index: PaperIndex, lookup: ArxivLookup, done: set[str]) -> PostPlan:
    plan = PostPlan(draft=draft, action=Action.SKIP, signals=paper_signals(draft))
    if draft.item.guid and draft.item.guid in done:
        plan.reason, plan.blocked = _("Already imported."), True
        return plan
    if draft.problems:
        plan.reason, plan.blocked = " ".join(draft.problems), True
        return plan
    match, plan.candidates = index.find_post(draft.paper_title)
    if match is not None:
        plan.action, plan.paper = Action.PAPER, match.paper
        plan.reason = _("The group's paper, found by %(how)s.") % {"how": match.label}
        return plan
    notes = []
    arxiv_ids = list(dict.fromkeys([draft.arxiv_id] if draft.arxiv_id else []))
    arxiv_ids += [i for i in _linked_ids(draft) if i not in arxiv_ids]
    for arxiv_id in arxiv_ids[:MAX_ARXIV_LOOKUPS]:
        plan.seen_arxiv_id = plan.seen_arxiv_id or arxiv_id
        known = index.find(PaperData(arxiv_id=arxiv_id))
        if known is not None:
            record = PaperData(title=known.paper.title, abstract=known.paper.abstract)
            if titles_agree(draft.paper_title, record):
                plan.action, plan.paper, plan.seen_arxiv_id = Action.PAPER, known.paper, arxiv_id
                plan.reason = _("The group's paper, found by the post's arXiv link.")
                return plan
            notes.append(
                _("It links arXiv:%(id)s, “%(title)s”, which is another paper.")
                % {"id": arxiv_id, "title": known.paper.title}
            )
            continue
        try:
            record = lookup(arxiv_id)
        except FetchError as error:
            notes.append(
                _("arXiv could not be asked about arXiv:%(id)s (%(error)s).")
                % {"id": arxiv_id, "error": error}
            )
            continue
        if not titles_agree(draft.paper_title, record):
            notes.append(
                _("It links arXiv:%(id)s, “%(title)s”, which is another paper.")
                % {"id": arxiv_id, "title": record.title}
            )
            continue
        plan.seen_arxiv_id = arxiv_id
        existing = index.find(record)
        if existing is not None:
            plan.action, plan.paper = Action.PAPER, existing.paper
            plan.reason = _("The group's paper, found by the post's arXiv link.")
        else:
            plan.action, plan.arxiv = Action.ARXIV, record
            plan.reason = _("A new paper from the post's arXiv link, arXiv:%(id)s.") % {
                "id": arxiv_id
            }
        return plan
    if plan.signals or plan.candidates:
        plan.action = Action.INBOX
        notes.insert(0, _("No paper of the group matches the title."))
        plan.reason = " ".join(notes)
    else:
        plan.reason = " ".join(
            [_("Not a paper review: no paper, arXiv link or review label found."), *notes]
        )
    return plan


def _linked_ids(draft: ReviewDraft) -> list[str]:
    from ..arxiv_ids import find_arxiv_ids, is_arxiv_id

    return [i for i in dict.fromkeys(find_arxiv_ids(draft.item.content_html)) if is_arxiv_id(i)]


# --- saving ----------------------------------------------------------------------------------


def default_choices(plans: list[PostPlan]) -> dict[str, PostChoice]:
    """The proposal as a choice for every post: what the command does without asking."""
    return {
        plan.guid: PostChoice(action=plan.action, paper=plan.paper, arxiv=plan.arxiv)
        for plan in plans
    }


def feed_import(
    *,
    plans: list[PostPlan],
    member: Member,
    choices: dict[str, PostChoice] | None = None,
    image_fetcher: Fetcher | None = None,
) -> FeedImportReport:
    """Save each post as the member chose (the proposal where they did not), one transaction.

    Each post is saved in its own savepoint: a post that cannot be saved is left out with the
    reason, and the others still go in. The posts' images are fetched and stored first,
    outside the transaction, so that a slow image host never holds the database.
    """
    choices = {**default_choices(plans), **(choices or {})}
    images = {
        plan.guid: _import_images(plan, choices[plan.guid], member, image_fetcher)
        for plan in plans
        if not plan.blocked and choices[plan.guid].action != Action.SKIP
    }
    report = FeedImportReport()
    now = timezone.now()
    with transaction.atomic():
        for plan in plans:
            choice = choices[plan.guid]
            if plan.blocked:
                report.outcomes.append(PostOutcome(plan, Action.SKIP, plan.reason))
                continue
            outcome = _save(plan, choice, member, now, images.get(plan.guid))
            if plan.guid in images:
                if outcome.action == Action.SKIP:
                    review_images_discard(images[plan.guid].stored)
                else:
                    outcome.images_stored = len(images[plan.guid].stored)
                    outcome.image_problems = images[plan.guid].problems
            report.outcomes.append(outcome)
    return report


def _import_images(
    plan: PostPlan, choice: PostChoice, member: Member, fetcher: Fetcher | None
) -> ImageImport:
    folder = folder_for(choice.paper.pk if choice.paper is not None else None)
    return review_images_import(
        _sections(plan, choice), member=member, folder=folder, fetcher=fetcher
    )


def _sections(plan: PostPlan, choice: PostChoice) -> dict[str, str]:
    draft = plan.draft
    mapping = choice.sections or [part.guess for part in draft.parts]
    return assemble_sections(draft.preamble, draft.parts, mapping)


def _save(
    plan: PostPlan, choice: PostChoice, member: Member, now: object, images: ImageImport | None
) -> PostOutcome:
    item = plan.draft.item
    if choice.action == Action.SKIP:
        reason = plan.reason if plan.action == Action.SKIP else _("Left out by you.")
        return PostOutcome(plan, Action.SKIP, reason)
    sections = images.sections if images is not None else _sections(plan, choice)
    try:
        with transaction.atomic():
            if choice.action == Action.INBOX:
                post = imported_post_create(plan=plan, member=member, sections=sections)
                return PostOutcome(plan, Action.INBOX, post.reason, inbox=post)
            new_paper = False
            paper = choice.paper
            if choice.action == Action.ARXIV and choice.arxiv is not None:
                match = PaperIndex().find(choice.arxiv)
                paper, _filled = paper_write(
                    item=choice.arxiv, by=member, match=match.paper if match else None
                )
                new_paper = match is None
            if paper is None:
                raise ValidationError(_("Choose the post's paper."))
            if Review.objects.filter(paper=paper, author=member).exists():
                raise ValidationError(
                    _("You already have a review of “%(title)s”; one review per paper.")
                    % {"title": paper.title}
                )
            _add_tags(paper, plan.draft.tags)
            review = review_create(
                paper=paper,
                author=member,
                content=ReviewContent(language=plan.draft.language, **sections),
            )
            Review.objects.filter(pk=review.pk).update(
                source_url=_source_url(item.link),
                source_guid=item.guid,
                source_date=item.published,
                imported_at=now,
            )
    except ValidationError as error:
        return PostOutcome(plan, Action.SKIP, " ".join(error.messages))
    except IntegrityError:
        # Another import of the same guid committed in the meantime.
        return PostOutcome(plan, Action.SKIP, _("Already imported."))
    return PostOutcome(
        plan, choice.action, plan.reason, paper=paper, new_paper=new_paper, review=review
    )


def imported_post_create(
    *, plan: PostPlan, member: Member, sections: dict[str, str]
) -> ImportedPost:
    """Put a post whose paper is unknown into the member's import inbox."""
    item = plan.draft.item
    post = ImportedPost(
        member=member,
        title=item.title[:500],
        source_url=_source_url(item.link),
        source_guid=item.guid,
        source_date=item.published,
        language=plan.draft.language,
        sections=sections,
        tags=plan.draft.tags,
        arxiv_id=plan.seen_arxiv_id,
        reason=plan.reason[:500],
    )
    post.full_clean(exclude=["member", "sections", "tags"])
    post.save()
    return post


@transaction.atomic
def imported_post_resolve(*, post: ImportedPost, paper: Paper, by: Member) -> Review:
    """Make an inbox post the member's draft review of ``paper``; the inbox forgets it."""
    if post.member_id != by.pk:
        raise ValidationError(_("This post is not in your inbox."))
    if Review.objects.filter(paper=paper, author=by).exists():
        raise ValidationError(
            _("You already have a review of “%(title)s”; one review per paper.")
            % {"title": paper.title}
        )
    sections = {s.value: post.sections.get(s.value, "") for s in Section}
    review = review_create(
        paper=paper, author=by, content=ReviewContent(language=post.language, **sections)
    )
    _add_tags(paper, list(post.tags))
    provenance = {
        "source_url": post.source_url,
        "source_guid": post.source_guid,
        "source_date": post.source_date,
        "imported_at": post.imported_at,
    }
    Review.objects.filter(pk=review.pk).update(**provenance)
    for name, value in provenance.items():
        setattr(review, name, value)
    post.delete()
    return review


def imported_post_discard(*, post: ImportedPost, by: Member) -> None:
    """Remove a post from its member's inbox (a later import may bring it back)."""
    if post.member_id != by.pk:
        raise ValidationError(_("This post is not in your inbox."))
    post.delete()


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


def _add_tags(paper: Paper, names: list[str]) -> None:
    # Added, never replaced: the paper's existing tags are the group's, not this blog's.
    tags = [
        Tag.objects.get_or_create(slug=tag_slug(name), defaults={"name": name})[0]
        for name in _valid_tags(names)
    ]
    paper.tags.add(*tags)


def _source_url(link: str) -> str:
    return link if link.startswith(("http://", "https://")) and len(link) <= 500 else ""
