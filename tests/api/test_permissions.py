"""Who may do what through the API: every (route, method) of reviews.api.urls × role, one table.

The world: a cohort with a reading list whose entry points at a paper; a published review of
that paper by `author`, with a comment by `author` and an unpublished working copy; a draft
review by `author` of a second paper, also with a comment by `author`; a third paper nobody
reviewed; and, belonging to `author`, a reading status, a bookmark and a spare API token.
`author` also has a run on each review: a running one on the published review, a finished
one on the draft.

Roles: anonymous; member and other (two members who are not the author); author; organizer
(is_staff, not the author); revoked (a member whose only token was revoked) and inactive (a
member deactivated after getting a token). Every signed-in role sends a real
`Authorization: Token <key>`.

Each row is one test; each role's request in it runs in a savepoint rolled back after it,
so a DELETE by one role leaves the object in place for the next.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reviews import services
from reviews.api import urls as api_urls
from reviews.api.views import review_etag
from reviews.enums import ReviewStatus, RunStatus
from reviews.models import (
    ApiToken,
    Bookmark,
    Comment,
    EntryStatus,
    ExperimentRun,
    Member,
    Paper,
    ReadingList,
    ReadingListEntry,
    Review,
    ReviewWorkingCopy,
)
from tests.factories import EntryFactory, MemberFactory, PaperFactory, make_comment, make_review

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "author", "other", "organizer", "revoked", "inactive")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
Row = tuple[int, int, int, int, int, int, int]

# Expected status per role, in ROLES order. Keys are (URL name, method, target); the target
# picks the object the URL (or the body) points at: "published" / "draft" for a review or
# for a comment on one, "deactivated" for the profile of a deactivated member, "-" where
# the route has one obvious object (the paper, cohort, list and entry of the world, and
# `author`'s profile, reading status, bookmark and token).
#
# A revoked token or a deactivated member is refused (401) even where anonymous reads work.
# Drafts, and comments on them, exist for their author only: everybody else, organizers
# included, gets 404, and anonymous writes get 401 before any lookup.
# fmt: off
MATRIX: dict[tuple[str, str, str], Row] = {
    #                                        anon  member author other  org  revoked inactive
    ("api-root", "GET", "-"):               (200,  200,  200,  200,  200,  401,  401),
    ("api-schema", "GET", "-"):             (200,  200,  200,  200,  200,  401,  401),
    ("api-docs", "GET", "-"):               (200,  200,  200,  200,  200,  401,  401),
    ("api-redoc", "GET", "-"):              (200,  200,  200,  200,  200,  401,  401),
    # Papers: everyone reads, members add and edit, organizers delete.
    ("paper-list", "GET", "-"):             (200,  200,  200,  200,  200,  401,  401),
    ("paper-list", "POST", "-"):            (401,  201,  201,  201,  201,  401,  401),
    ("paper-detail", "GET", "-"):           (200,  200,  200,  200,  200,  401,  401),
    ("paper-detail", "PUT", "-"):           (401,  200,  200,  200,  200,  401,  401),
    ("paper-detail", "PATCH", "-"):         (401,  200,  200,  200,  200,  401,  401),
    ("paper-detail", "DELETE", "-"):        (401,  403,  403,  403,  204,  401,  401),
    # Imports and exports: members import (numbering on a list: organizers); exports are
    # read like the page they come from. arXiv: the world's paper, found without fetching.
    ("paper-import", "POST", "-"):          (401,  200,  200,  200,  200,  401,  401),
    ("paper-import", "POST", "list"):       (401,  403,  403,  403,  200,  401,  401),
    ("paper-arxiv", "POST", "-"):           (401,  200,  200,  200,  200,  401,  401),
    ("paper-bibtex", "GET", "-"):           (200,  200,  200,  200,  200,  401,  401),
    ("review-import-feed", "POST", "-"):    (401,  200,  200,  200,  200,  401,  401),
    ("review-export", "GET", "published"):  (200,  200,  200,  200,  200,  401,  401),
    ("review-export", "GET", "draft"):      (404,  404,  200,  404,  404,  401,  401),
    ("readinglist-bibtex", "GET", "-"):     (200,  200,  200,  200,  200,  401,  401),
    ("member-bibtex", "GET", "-"):          (200,  200,  200,  200,  200,  401,  401),
    ("member-bibtex", "GET", "deactivated"): (404, 404,  404,  404,  404,  401,  401),
    # Reviews: the author writes (with If-Match); organizers delete and unpublish.
    ("review-list", "GET", "-"):            (200,  200,  200,  200,  200,  401,  401),
    ("review-list", "POST", "-"):           (401,  201,  201,  201,  201,  401,  401),
    ("review-detail", "GET", "published"):  (200,  200,  200,  200,  200,  401,  401),
    ("review-detail", "GET", "draft"):      (404,  404,  200,  404,  404,  401,  401),
    ("review-detail", "PUT", "published"):  (401,  403,  200,  403,  403,  401,  401),
    ("review-detail", "PUT", "draft"):      (401,  404,  200,  404,  404,  401,  401),
    ("review-detail", "PATCH", "published"): (401, 403,  200,  403,  403,  401,  401),
    ("review-detail", "PATCH", "draft"):    (401,  404,  200,  404,  404,  401,  401),
    ("review-detail", "DELETE", "published"): (401, 403, 204,  403,  204,  401,  401),
    ("review-detail", "DELETE", "draft"):   (401,  404,  204,  404,  404,  401,  401),
    ("review-publish", "POST", "published"): (401, 403,  200,  403,  403,  401,  401),
    ("review-publish", "POST", "draft"):    (401,  404,  200,  404,  404,  401,  401),
    ("review-unpublish", "POST", "published"): (401, 403, 200, 403,  200,  401,  401),
    ("review-unpublish", "POST", "draft"):  (401,  404,  200,  404,  404,  401,  401),
    ("review-revisions", "GET", "published"): (200, 200, 200,  200,  200,  401,  401),
    ("review-revisions", "GET", "draft"):   (404,  404,  200,  404,  404,  401,  401),
    # The working copy of a published review is its author's alone: others cannot even see
    # that it exists (404) and cannot write it (403). A draft has none (its author: 400/404).
    ("review-working-copy", "GET", "published"): (401, 404, 200, 404, 404, 401, 401),
    ("review-working-copy", "GET", "draft"): (401, 404,  404,  404,  404,  401,  401),
    ("review-working-copy", "PUT", "published"): (401, 403, 200, 403, 403, 401, 401),
    ("review-working-copy", "PUT", "draft"): (401, 404,  400,  404,  404,  401,  401),
    ("review-working-copy", "PATCH", "published"): (401, 403, 200, 403, 403, 401, 401),
    ("review-working-copy", "PATCH", "draft"): (401, 404, 400,  404,  404,  401,  401),
    ("review-working-copy", "DELETE", "published"): (401, 403, 204, 403, 403, 401, 401),
    ("review-working-copy", "DELETE", "draft"): (401, 404, 404, 404,  404,  401,  401),
    ("review-working-copy-publish", "POST", "published"): (401, 403, 200, 403, 403, 401, 401),
    ("review-working-copy-publish", "POST", "draft"): (401, 404, 400, 404, 404, 401, 401),
    # Comments: read with the review; members comment; the author edits, organizers delete.
    ("comment-list", "GET", "-"):           (200,  200,  200,  200,  200,  401,  401),
    ("comment-list", "POST", "published"):  (401,  201,  201,  201,  201,  401,  401),
    ("comment-list", "POST", "draft"):      (401,  400,  201,  400,  400,  401,  401),
    ("comment-detail", "GET", "published"): (200,  200,  200,  200,  200,  401,  401),
    ("comment-detail", "GET", "draft"):     (404,  404,  200,  404,  404,  401,  401),
    ("comment-detail", "PUT", "published"): (401,  403,  200,  403,  403,  401,  401),
    ("comment-detail", "PUT", "draft"):     (401,  404,  200,  404,  404,  401,  401),
    ("comment-detail", "PATCH", "published"): (401, 403, 200,  403,  403,  401,  401),
    ("comment-detail", "PATCH", "draft"):   (401,  404,  200,  404,  404,  401,  401),
    ("comment-detail", "DELETE", "published"): (401, 403, 204, 403,  204,  401,  401),
    ("comment-detail", "DELETE", "draft"):  (401,  404,  204,  404,  404,  401,  401),
    # A comment's earlier texts: its author and organizers.
    ("comment-revisions", "GET", "published"): (401, 403, 200, 403, 200,  401,  401),
    ("comment-revisions", "GET", "draft"):  (401,  404,  200,  404,  404,  401,  401),
    # Members: public profiles for everyone; `me` is the signed-in member's own.
    ("member-list", "GET", "-"):            (200,  200,  200,  200,  200,  401,  401),
    ("member-detail", "GET", "-"):          (200,  200,  200,  200,  200,  401,  401),
    ("member-detail", "GET", "deactivated"): (404, 404,  404,  404,  404,  401,  401),
    ("member-me", "GET", "-"):              (401,  200,  200,  200,  200,  401,  401),
    ("member-me", "PATCH", "-"):            (401,  200,  200,  200,  200,  401,  401),
    # Cohorts, reading lists and entries: everyone reads, organizers write.
    ("cohort-list", "GET", "-"):            (200,  200,  200,  200,  200,  401,  401),
    ("cohort-list", "POST", "-"):           (401,  403,  403,  403,  201,  401,  401),
    ("cohort-detail", "GET", "-"):          (200,  200,  200,  200,  200,  401,  401),
    ("cohort-detail", "PUT", "-"):          (401,  403,  403,  403,  200,  401,  401),
    ("cohort-detail", "PATCH", "-"):        (401,  403,  403,  403,  200,  401,  401),
    ("cohort-detail", "DELETE", "-"):       (401,  403,  403,  403,  204,  401,  401),
    ("readinglist-list", "GET", "-"):       (200,  200,  200,  200,  200,  401,  401),
    ("readinglist-list", "POST", "-"):      (401,  403,  403,  403,  201,  401,  401),
    ("readinglist-detail", "GET", "-"):     (200,  200,  200,  200,  200,  401,  401),
    ("readinglist-detail", "PUT", "-"):     (401,  403,  403,  403,  200,  401,  401),
    ("readinglist-detail", "PATCH", "-"):   (401,  403,  403,  403,  200,  401,  401),
    ("readinglist-detail", "DELETE", "-"):  (401,  403,  403,  403,  204,  401,  401),
    ("entry-list", "GET", "-"):             (200,  200,  200,  200,  200,  401,  401),
    ("entry-list", "POST", "-"):            (401,  403,  403,  403,  201,  401,  401),
    ("entry-detail", "GET", "-"):           (200,  200,  200,  200,  200,  401,  401),
    ("entry-detail", "PUT", "-"):           (401,  403,  403,  403,  200,  401,  401),
    ("entry-detail", "PATCH", "-"):         (401,  403,  403,  403,  200,  401,  401),
    ("entry-detail", "DELETE", "-"):        (401,  403,  403,  403,  204,  401,  401),
    # Reading status, bookmarks, tokens: one's own only; someone else's id is 404.
    ("entrystatus-list", "GET", "-"):       (401,  200,  200,  200,  200,  401,  401),
    ("entrystatus-list", "POST", "-"):      (401,  201,  201,  201,  201,  401,  401),
    ("entrystatus-detail", "GET", "-"):     (401,  404,  200,  404,  404,  401,  401),
    ("entrystatus-detail", "DELETE", "-"):  (401,  404,  204,  404,  404,  401,  401),
    ("bookmark-list", "GET", "-"):          (401,  200,  200,  200,  200,  401,  401),
    ("bookmark-list", "POST", "-"):         (401,  201,  201,  201,  201,  401,  401),
    ("bookmark-detail", "GET", "-"):        (401,  404,  200,  404,  404,  401,  401),
    ("bookmark-detail", "DELETE", "-"):     (401,  404,  204,  404,  404,  401,  401),
    ("token-list", "GET", "-"):             (401,  200,  200,  200,  200,  401,  401),
    ("token-list", "POST", "-"):            (401,  201,  201,  201,  201,  401,  401),
    ("token-detail", "GET", "-"):           (401,  404,  200,  404,  404,  401,  401),
    ("token-detail", "DELETE", "-"):        (401,  404,  204,  404,  404,  401,  401),
    # Demo experiments: the registry, read by everyone.
    ("experiment-list", "GET", "-"):        (200,  200,  200,  200,  200,  401,  401),
    ("experiment-detail", "GET", "-"):      (200,  200,  200,  200,  200,  401,  401),
    # Runs: read with their review; members launch and re-run on reviews they can read;
    # the member who launched a run, or an organizer, cancels it.
    ("run-list", "GET", "-"):               (200,  200,  200,  200,  200,  401,  401),
    ("run-list", "POST", "published"):      (401,  201,  201,  201,  201,  401,  401),
    ("run-list", "POST", "draft"):          (401,  400,  201,  400,  400,  401,  401),
    ("run-detail", "GET", "published"):     (200,  200,  200,  200,  200,  401,  401),
    ("run-detail", "GET", "draft"):         (404,  404,  200,  404,  404,  401,  401),
    ("run-cancel", "POST", "published"):    (401,  403,  200,  403,  200,  401,  401),
    ("run-cancel", "POST", "draft"):        (401,  404,  200,  404,  404,  401,  401),
    ("run-rerun", "POST", "published"):     (401,  201,  201,  201,  201,  401,  401),
    ("run-rerun", "POST", "draft"):         (401,  404,  201,  404,  404,  401,  401),
}
# fmt: on

# A one-post RSS feed for the feed import's dry run (no network: the text is the feed).
FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><item>'
    "<title>Review: Attention Is All You Need</title><guid>post-1</guid>"
    "<link>https://blog.example/1</link><description>&lt;h2&gt;Introduction&lt;/h2&gt;"
    "&lt;p&gt;Self-attention $x$.&lt;/p&gt;</description></item></channel></rss>"
)

# Routes whose object belongs to the review the target names; their writes need If-Match.
IF_MATCH_ROUTES = frozenset(
    {
        "review-detail",
        "review-publish",
        "review-unpublish",
        "review-working-copy",
        "review-working-copy-publish",
    }
)


@dataclass
class World:
    member: Member
    author: Member
    other: Member
    organizer: Member
    revoked: Member
    inactive: Member
    paper: Paper
    draft_paper: Paper
    fresh_paper: Paper
    published: Review
    draft: Review
    comment: Comment
    draft_comment: Comment
    working_copy: ReviewWorkingCopy
    reading_list: ReadingList
    entry: ReadingListEntry
    status: EntryStatus
    bookmark: Bookmark
    token: ApiToken
    published_run: ExperimentRun
    draft_run: ExperimentRun
    clients: dict[str, APIClient]


def token_api_client(member: Member) -> tuple[APIClient, ApiToken]:
    token, key = services.api_token_create(member=member, name="matrix")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, token


def build_world() -> World:
    member = MemberFactory(username="member", display_name="Member Kim")
    author = MemberFactory(username="author", display_name="작가 이")
    other = MemberFactory(username="other", display_name="Other Park")
    organizer = MemberFactory(username="organizer", is_staff=True)
    revoked = MemberFactory(username="revoked")
    inactive = MemberFactory(username="inactive")
    paper = PaperFactory(title="Averaging Weights Leads to Wider Optima")
    draft_paper = PaperFactory(title="Grokking: Generalization Beyond Overfitting")
    fresh_paper = PaperFactory(title="Attention Is All You Need")
    entry = EntryFactory(number=16, paper=paper)
    published = make_review(paper=paper, author=author)
    draft = make_review(paper=draft_paper, author=author, published=False, tldr="Secret.")
    clients = {"anonymous": APIClient()}
    for user in (member, author, other, organizer):
        clients[user.username] = token_api_client(user)[0]
    clients["revoked"], revoked_token = token_api_client(revoked)
    services.api_token_revoke(token=revoked_token, by=revoked)
    clients["inactive"] = token_api_client(inactive)[0]
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    return World(
        member=member,
        author=author,
        other=other,
        organizer=organizer,
        revoked=revoked,
        inactive=inactive,
        paper=paper,
        draft_paper=draft_paper,
        fresh_paper=fresh_paper,
        published=published,
        draft=draft,
        comment=make_comment(review=published, author=author, body="A note on $x^2$."),
        draft_comment=make_comment(review=draft, author=author, body="Note to self."),
        working_copy=services.review_working_copy_save(
            review=published,
            by=author,
            content=services.ReviewContent(tldr="Unpublished changes.", thoughts="아직 비공개."),
            expected_version=published.version,
        ),
        reading_list=entry.reading_list,
        entry=entry,
        status=services.entry_status_set(entry=entry, member=author, status="reading"),
        bookmark=services.bookmark_add(member=author, paper=paper),
        token=services.api_token_create(member=author, name="laptop")[0],
        published_run=make_run(published, author, RunStatus.RUNNING),
        draft_run=make_run(draft, author, RunStatus.SUCCEEDED),
        clients=clients,
    )


def make_run(review: Review, by: Member, status: str) -> ExperimentRun:
    """A run in a given state, as a worker would have left it (fresh heartbeat if running)."""
    now = timezone.now()
    return ExperimentRun.objects.create(
        review=review,
        requested_by=by,
        experiment="swa",
        preset="tiny",
        config={"seeds": 1},
        status=status,
        time_limit_s=60,
        attempts=1,
        started_at=now,
        heartbeat_at=now,
        finished_at=None if status == RunStatus.RUNNING else now,
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world() -> World:
    return build_world()


def url_for(route: str, target: str, world: World) -> str:
    review = world.draft if target == "draft" else world.published
    comment = world.draft_comment if target == "draft" else world.comment
    profile = world.inactive if target == "deactivated" else world.author
    run = world.draft_run if target == "draft" else world.published_run
    kwargs: dict[str, dict[str, Any]] = {
        "paper-detail": {"pk": world.paper.pk},
        "paper-bibtex": {"pk": world.paper.pk},
        "review-export": {"pk": review.pk},
        "readinglist-bibtex": {"slug": world.reading_list.slug},
        "member-bibtex": {"username": profile.username},
        "review-detail": {"pk": review.pk},
        "review-publish": {"pk": review.pk},
        "review-unpublish": {"pk": review.pk},
        "review-revisions": {"pk": review.pk},
        "review-working-copy": {"pk": review.pk},
        "review-working-copy-publish": {"pk": review.pk},
        "comment-detail": {"pk": comment.pk},
        "comment-revisions": {"pk": comment.pk},
        "member-detail": {"username": profile.username},
        "cohort-detail": {"slug": world.reading_list.cohort.slug},
        "readinglist-detail": {"slug": world.reading_list.slug},
        "entry-detail": {"pk": world.entry.pk},
        "entrystatus-detail": {"pk": world.status.pk},
        "bookmark-detail": {"pk": world.bookmark.pk},
        "token-detail": {"pk": world.token.pk},
        "experiment-detail": {"slug": "swa"},
        "run-detail": {"pk": run.pk},
        "run-cancel": {"pk": run.pk},
        "run-rerun": {"pk": run.pk},
    }
    return reverse(route, kwargs=kwargs.get(route, {}))


def body_for(route: str, method: str, target: str, world: World) -> dict[str, Any]:
    """A valid body, so a refusal is about permission and never about the data."""
    review = world.draft if target == "draft" else world.published
    cohort = world.reading_list.cohort
    sections = {
        "tldr": "Edited summary.",
        "language": "ko",
        "introduction": "Intro $y$.",
        "core_algorithm": "Algorithm.",
        "results": "Results.",
        "thoughts": "새 생각.",
    }
    paper = {
        "title": "Averaging Weights, again",
        "authors": ["Pavel Izmailov"],
        "year": 2018,
        "venue": "UAI",
        "arxiv_id": world.paper.arxiv_id,
        "abstract": "Wider optima.",
    }
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("paper-list", "POST"): {**paper, "title": "A new paper", "arxiv_id": "2402.00001"},
        ("paper-detail", "PUT"): paper,
        ("paper-detail", "PATCH"): {"venue": "NeurIPS"},
        ("review-list", "POST"): {"paper": world.fresh_paper.pk, **sections},
        ("review-detail", "PUT"): sections,
        ("review-detail", "PATCH"): {"tldr": "Edited summary."},
        ("review-working-copy", "PUT"): sections,
        ("review-working-copy", "PATCH"): {"tldr": "Not yet published."},
        ("comment-list", "POST"): {"review": review.pk, "body": "Thanks.", "section": "results"},
        ("comment-detail", "PUT"): {"body": "Edited **note**."},
        ("comment-detail", "PATCH"): {"body": "Edited **note**."},
        ("member-me", "PATCH"): {"display_name": "Renamed", "bio": "Hi."},
        ("cohort-list", "POST"): {"name": "Season 2", "slug": "season-2"},
        ("cohort-detail", "PUT"): {"name": "Renamed", "slug": cohort.slug, "description": "D."},
        ("cohort-detail", "PATCH"): {"description": "D."},
        ("readinglist-list", "POST"): {"cohort": cohort.slug, "title": "New", "slug": "new"},
        ("readinglist-detail", "PUT"): {
            "cohort": cohort.slug,
            "title": "Renamed",
            "slug": world.reading_list.slug,
            "description": "D.",
        },
        ("readinglist-detail", "PATCH"): {"title": "Renamed"},
        ("entry-list", "POST"): {
            "reading_list": world.reading_list.slug,
            "number": 99,
            "paper": world.fresh_paper.pk,
        },
        ("entry-detail", "PUT"): {
            "reading_list": world.reading_list.slug,
            "number": 17,
            "paper": world.paper.pk,
        },
        ("entry-detail", "PATCH"): {"number": 17},
        ("entrystatus-list", "POST"): {"entry": world.entry.pk, "status": "reviewed"},
        ("bookmark-list", "POST"): {"paper": world.fresh_paper.pk},
        ("token-list", "POST"): {"name": "ci"},
        ("run-list", "POST"): {"review": review.pk, "experiment": "swa", "preset": "tiny"},
        ("paper-import", "POST"): {
            "text": '16. Jaderberg, Max, et al. "Population based training of neural '
            'networks." arXiv preprint arXiv:1711.09846 (2017).',
            "dry_run": True,
            **({"reading_list": world.reading_list.slug} if target == "list" else {}),
        },
        ("paper-arxiv", "POST"): {"id": f"https://arxiv.org/abs/{world.paper.arxiv_id}v2"},
        ("review-import-feed", "POST"): {"feed": FEED, "dry_run": True},
    }
    return bodies.get((route, method), {})


def send(client: APIClient, method: str, url: str, data: dict[str, Any], **headers: str) -> Any:
    if method == "GET":
        return client.get(url, headers=headers)
    call = getattr(client, method.lower())
    return call(url, data, format="json", headers=headers)


def fresh_etag(world: World, target: str) -> str:
    """The If-Match an editor sends: the ETag of the author's own fresh GET."""
    review = world.draft if target == "draft" else world.published
    response = world.clients["author"].get(reverse("review-detail", kwargs={"pk": review.pk}))
    assert response.status_code == 200
    return response["ETag"]


def row_param(key: tuple[str, str, str]) -> Any:
    return pytest.param(*key, MATRIX[key], id="-".join(key))


ROWS = [row_param(key) for key in MATRIX]


@pytest.mark.parametrize(("route", "method", "target", "row"), ROWS)
def test_permission_matrix_row(
    world: World, route: str, method: str, target: str, row: Row
) -> None:
    url = url_for(route, target, world)
    data = body_for(route, method, target, world)
    actual: dict[str, int] = {}
    for role in ROLES:
        with transaction.atomic():
            headers = {}
            if route in IF_MATCH_ROUTES and method != "GET":
                headers["If-Match"] = fresh_etag(world, target)
            response = send(world.clients[role], method, url, data, **headers)
            actual[role] = response.status_code
            transaction.set_rollback(True)
    assert actual == dict(zip(ROLES, row, strict=True))


# --- The table covers the URL conf ------------------------------------------------------


def walk(patterns: list[URLPattern | URLResolver]) -> Iterator[URLPattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns)
        else:
            yield pattern


def view_methods(callback: Callable[..., Any]) -> set[str]:
    """The HTTP methods a URL's view answers (HEAD and OPTIONS aside)."""
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a viewset action map, {"get": "list", "post": "create"}
        return {method.upper() for method in actions} & set(METHODS)
    view_class = getattr(callback, "view_class", None)
    if view_class is None:  # a wrapper such as docs_policy(view): look inside its closure
        for value in inspect.getclosurevars(callback).nonlocals.values():
            if hasattr(value, "view_class"):
                return view_methods(value)
        raise AssertionError(f"cannot tell which methods {callback!r} answers")
    return {m for m in METHODS if hasattr(view_class, m.lower())}


# The last pattern answers every other /api/ path with a JSON 404; it serves nothing.
CATCH_ALL = "api-not-found"


def url_conf_methods() -> dict[str, set[str]]:
    """Every named API route with its methods, from the URL conf itself."""
    routes: dict[str, set[str]] = {}
    for pattern in walk(api_urls.urlpatterns):
        assert pattern.name, f"unnamed API route {pattern.pattern}"
        if pattern.name == CATCH_ALL:
            continue
        routes.setdefault(pattern.name, set()).update(view_methods(pattern.callback))
    return routes


def test_permission_matrix_url_conf_includes_router_and_docs() -> None:
    router_names = {pattern.name for pattern in api_urls.router.get_urls()}
    routes = url_conf_methods()
    assert router_names | {"api-schema", "api-docs", "api-redoc"} == set(routes)
    assert routes["review-detail"] == {"GET", "PUT", "PATCH", "DELETE"}
    assert routes["member-me"] == {"GET", "PATCH"}
    assert routes["api-docs"] == {"GET"}


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/api/nothing/", "/api/papers/0.5/", "/api/cohorts/%C2%84/"])
def test_api_unknown_path_is_json_404(api: APIClient, method: str, path: str) -> None:
    response = api.generic(method, path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert api_urls.urlpatterns[-1].name == CATCH_ALL


def test_permission_matrix_has_every_route_and_method() -> None:
    """A new route or action (experiments, runs, ...) fails here until the table has it."""
    in_table = {(route, method) for route, method, _target in MATRIX}
    in_url_conf = {
        (route, method) for route, methods in url_conf_methods().items() for method in methods
    }
    assert sorted(in_url_conf - in_table) == []
    assert sorted(in_table - in_url_conf) == []


def test_permission_matrix_unlisted_methods_are_refused(world: World) -> None:
    """What the table leaves out really is not served: 405, even for an organizer."""
    targets = {route: target for route, _method, target in MATRIX}
    listed = {(route, method) for route, method, _target in MATRIX}
    refused: dict[tuple[str, str], int] = {}
    for route, target in targets.items():
        url = url_for(route, target, world)
        for method in METHODS:
            if (route, method) in listed:
                continue
            cache.clear()  # 405s count against the write throttle too
            with transaction.atomic():
                response = send(world.clients["organizer"], method, url, {})
                refused[(route, method)] = response.status_code
                transaction.set_rollback(True)
    assert refused == dict.fromkeys(refused, 405)
    assert len(refused) == len(targets) * len(METHODS) - len(listed)


# --- What the allowed writes did, and what refused ones did not ---------------------------


def test_review_create_ignores_author_and_status_in_body(world: World) -> None:
    response = world.clients["member"].post(
        reverse("review-list"),
        {"paper": world.fresh_paper.pk, "author": world.author.pk, "status": "published"},
        format="json",
    )
    assert response.status_code == 201
    review = Review.objects.get(pk=response.json()["id"])
    assert (review.author, review.status) == (world.member, ReviewStatus.DRAFT)


def test_review_put_refused_for_organizer_leaves_review_unchanged(world: World) -> None:
    url = reverse("review-detail", kwargs={"pk": world.published.pk})
    response = world.clients["organizer"].put(
        url,
        {"tldr": "Moderated."},
        format="json",
        headers={"If-Match": fresh_etag(world, "published")},
    )
    assert response.status_code == 403
    world.published.refresh_from_db()
    assert (world.published.tldr, world.published.version) == (
        "Averaging weights finds wider optima.",
        1,
    )


def test_review_patch_by_author_needs_the_current_etag(world: World) -> None:
    url = reverse("review-detail", kwargs={"pk": world.draft.pk})
    client = world.clients["author"]
    stale = review_etag(world.draft)
    assert client.patch(url, {"tldr": "One."}, format="json").status_code == 428
    first = client.patch(url, {"tldr": "One."}, format="json", headers={"If-Match": stale})
    assert first.status_code == 200
    second = client.patch(url, {"tldr": "Two."}, format="json", headers={"If-Match": stale})
    assert (second.status_code, second["ETag"]) == (412, first["ETag"])
    world.draft.refresh_from_db()
    assert world.draft.tldr == "One."


def test_review_unpublish_by_member_refused_keeps_it_published(world: World) -> None:
    url = reverse("review-unpublish", kwargs={"pk": world.published.pk})
    if_match = {"If-Match": fresh_etag(world, "published")}
    assert world.clients["member"].post(url, headers=if_match).status_code == 403
    world.published.refresh_from_db()
    assert world.published.status == ReviewStatus.PUBLISHED


def test_review_unpublish_by_organizer_hides_it_from_everyone_else(world: World) -> None:
    url = reverse("review-unpublish", kwargs={"pk": world.published.pk})
    if_match = {"If-Match": fresh_etag(world, "published")}
    assert world.clients["organizer"].post(url, headers=if_match).status_code == 200
    detail = reverse("review-detail", kwargs={"pk": world.published.pk})
    statuses = {role: world.clients[role].get(detail).status_code for role in ROLES[:5]}
    assert statuses == {
        "anonymous": 404,
        "member": 404,
        "author": 200,
        "other": 404,
        "organizer": 404,
    }


def test_review_delete_by_organizer_removes_it(world: World) -> None:
    url = reverse("review-detail", kwargs={"pk": world.published.pk})
    if_match = {"If-Match": fresh_etag(world, "published")}
    assert world.clients["organizer"].delete(url, headers=if_match).status_code == 204
    assert Review.objects.filter(pk=world.published.pk).exists() is False


def test_comment_edit_refused_for_organizer_keeps_body(world: World) -> None:
    url = reverse("comment-detail", kwargs={"pk": world.comment.pk})
    response = world.clients["organizer"].patch(url, {"body": "Moderated."}, format="json")
    assert response.status_code == 403
    world.comment.refresh_from_db()
    assert world.comment.body == "A note on $x^2$."


def test_comment_on_draft_refused_creates_nothing(world: World) -> None:
    data = {"review": world.draft.pk, "body": "Sneaky."}
    response = world.clients["organizer"].post(reverse("comment-list"), data, format="json")
    assert response.status_code == 400
    assert list(Comment.objects.filter(review=world.draft)) == [world.draft_comment]


def test_paper_delete_refused_for_member_keeps_paper(world: World) -> None:
    url = reverse("paper-detail", kwargs={"pk": world.paper.pk})
    assert world.clients["author"].delete(url).status_code == 403
    assert Paper.objects.filter(pk=world.paper.pk).exists() is True


# --- Authentication: keywords, session, revocation and deactivation ------------------------


def test_bearer_keyword_authenticates(world: World) -> None:
    _token, key = services.api_token_create(member=world.member, name="bearer")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.get(reverse("member-me"))
    assert (response.status_code, response.json()["username"]) == (200, "member")


def test_session_authenticates_and_writes_need_csrf(world: World) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.member)
    assert client.get(reverse("member-me")).json()["username"] == "member"
    response = client.post(reverse("bookmark-list"), {"paper": world.paper.pk}, format="json")
    assert response.status_code == 403
    assert Bookmark.objects.filter(member=world.member).count() == 0


def test_revoked_token_refused_on_the_very_next_request(world: World) -> None:
    client, token = token_api_client(world.member)
    assert client.get(reverse("member-me")).status_code == 200
    response = client.delete(reverse("token-detail", kwargs={"pk": token.pk}))
    assert response.status_code == 204
    assert client.get(reverse("member-me")).status_code == 401
    assert client.get(reverse("review-list")).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_deactivated_member_refused_on_the_very_next_request(world: World) -> None:
    client, _token = token_api_client(world.member)
    session = APIClient()
    session.force_login(world.member)
    assert client.get(reverse("member-me")).status_code == 200
    assert session.get(reverse("member-me")).status_code == 200
    Member.objects.filter(pk=world.member.pk).update(is_active=False)
    assert client.get(reverse("member-me")).status_code == 401
    assert session.get(reverse("member-me")).status_code == 401
    draft = reverse("review-detail", kwargs={"pk": world.draft.pk})
    assert session.get(draft).status_code == 404


def test_unknown_token_refused_even_for_public_reads(world: World) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token sg_not-a-real-key")
    assert client.get(reverse("paper-list")).status_code == 401
