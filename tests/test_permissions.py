"""Who may do what: every route in reviews.urls × method × role, from one table.

The world: a cohort with a reading list whose entry points at a paper; a published review
of that paper by `author` with a comment by `author`; a draft review by `author` of a
second paper; a tag on the first paper; an open invite and a used one; a deactivated member.

Roles: anonymous, member (not the author), author, organizer (is_staff), and inactive: a
user who signed in and was then deactivated, so their next request is anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews import services, urls
from reviews.enums import ReviewStatus
from reviews.models import (
    ApiToken,
    Comment,
    ExperimentRun,
    Invite,
    Member,
    Paper,
    ReadingList,
    ReadingListEntry,
    Review,
    Tag,
)
from reviews.services import accounts
from reviews.services import runs as run_services
from tests.factories import (
    PASSWORD,
    EntryFactory,
    MemberFactory,
    PaperFactory,
    ReadingListFactory,
    TagFactory,
    make_comment,
    make_review,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "author", "organizer", "inactive")

# An int is the expected status; a string "302 <path>" is a redirect to exactly that path
# (query and fragment ignored). Placeholders: {paper} {draft_paper} {review} {list} {me}.
LOGIN = "302 /login/"
HOME = "302 /"
Expected = int | str

# Expected responses, in role order (anonymous, member, author, organizer, inactive).
# Keys are (route name, method, target); the target picks which object of the world the
# URL points at ("published" or "draft" review / its paper, ...), "-" where there is one.
#
# Drafts are private to their author: reviews_visible_to() only adds `author=user`, so an
# organizer (is_staff) gets 404 on someone else's draft page, history, unpublish and
# comment URLs, exactly like any other member.
MATRIX: dict[tuple[str, str, str], tuple[Expected, Expected, Expected, Expected, Expected]] = {
    ("home", "GET", "-"): (200, 200, 200, 200, 200),
    ("login", "GET", "-"): (200, 200, 200, 200, 200),
    ("login", "POST", "-"): (HOME, HOME, HOME, HOME, HOME),
    # Django 5 signs out by POST only.
    ("logout", "GET", "-"): (405, 405, 405, 405, 405),
    ("logout", "POST", "-"): (HOME, HOME, HOME, HOME, HOME),
    # Signed-in members are sent home; an inactive user is anonymous and may sign up.
    ("invite_accept", "GET", "open"): (200, HOME, HOME, HOME, 200),
    ("invite_accept", "POST", "open"): (
        "302 /members/newbie/",
        HOME,
        HOME,
        HOME,
        "302 /members/newbie/",
    ),
    ("invite_accept", "GET", "used"): (404, 404, 404, 404, 404),
    ("invite_accept", "POST", "used"): (404, 404, 404, 404, 404),
    ("profile_edit", "GET", "-"): (LOGIN, 200, 200, 200, LOGIN),
    ("profile_edit", "POST", "-"): (
        LOGIN,
        "302 /members/{me}/",
        "302 /members/{me}/",
        "302 /members/{me}/",
        LOGIN,
    ),
    ("token_create", "GET", "-"): (LOGIN, 405, 405, 405, LOGIN),
    ("token_create", "POST", "-"): (LOGIN, 200, 200, 200, LOGIN),
    # The world's token is the author's: nobody else can even find it.
    ("token_revoke", "GET", "-"): (LOGIN, 405, 405, 405, LOGIN),
    ("token_revoke", "POST", "-"): (LOGIN, 404, "302 /account/profile/", 404, LOGIN),
    ("password_change", "GET", "-"): (LOGIN, 200, 200, 200, LOGIN),
    ("password_change", "POST", "-"): (
        LOGIN,
        "302 /account/profile/",
        "302 /account/profile/",
        "302 /account/profile/",
        LOGIN,
    ),
    # Every paper of the group, whoever asks (under MEMBERS_ONLY, members only).
    ("paper_index", "GET", "-"): (200, 200, 200, 200, 200),
    # Password reset works signed in or out; the mail goes to a verified address only.
    ("password_reset", "GET", "-"): (200, 200, 200, 200, 200),
    ("password_reset", "POST", "-"): ("302 /password-reset/sent/",) * 5,
    ("password_reset_done", "GET", "-"): (200, 200, 200, 200, 200),
    # A link that is not valid shows its page, whatever the method.
    ("password_reset_confirm", "GET", "-"): (200, 200, 200, 200, 200),
    ("password_reset_confirm", "POST", "-"): (200, 200, 200, 200, 200),
    ("password_reset_complete", "GET", "-"): (200, 200, 200, 200, 200),
    ("email_change", "GET", "-"): (LOGIN, 405, 405, 405, LOGIN),
    ("email_change", "POST", "-"): (
        LOGIN,
        "302 /account/profile/",
        "302 /account/profile/",
        "302 /account/profile/",
        LOGIN,
    ),
    ("email_remove", "GET", "-"): (LOGIN, 405, 405, 405, LOGIN),
    ("email_remove", "POST", "-"): (
        LOGIN,
        "302 /account/profile/",
        "302 /account/profile/",
        "302 /account/profile/",
        LOGIN,
    ),
    # The link carries its own signature: an altered one is refused for everyone.
    ("email_verify", "GET", "-"): (400, 400, 400, 400, 400),
    ("feed_key_create", "GET", "-"): (LOGIN, 405, 405, 405, LOGIN),
    ("feed_key_create", "POST", "-"): (LOGIN, 200, 200, 200, LOGIN),
    ("feed_key_revoke", "GET", "-"): (LOGIN, 405, 405, 405, LOGIN),
    ("feed_key_revoke", "POST", "-"): (
        LOGIN,
        "302 /account/profile/",
        "302 /account/profile/",
        "302 /account/profile/",
        LOGIN,
    ),
    ("reading_list", "GET", "-"): (200, 200, 200, 200, 200),
    ("entry_status", "GET", "-"): (LOGIN, 405, 405, 405, LOGIN),
    ("entry_status", "POST", "-"): (
        LOGIN,
        "302 /lists/{list}/",
        "302 /lists/{list}/",
        "302 /lists/{list}/",
        LOGIN,
    ),
    ("paper_detail", "GET", "published"): (200, 200, 200, 200, 200),
    # A paper whose only review is a draft is public; the draft is not listed on it.
    ("paper_detail", "GET", "draft"): (200, 200, 200, 200, 200),
    ("paper_compare", "GET", "published"): (200, 200, 200, 200, 200),
    # The editor's image upload: any member, for the review they write of the paper; without
    # a file it is a 400. A stored image's address is unguessable; an unknown one is 404.
    ("review_image_create", "GET", "published"): (LOGIN, 405, 405, 405, LOGIN),
    ("review_image_create", "POST", "published"): (LOGIN, 400, 400, 400, LOGIN),
    ("review_image", "GET", "-"): (404, 404, 404, 404, 404),
    ("paper_complete_authors", "GET", "published"): (LOGIN, 405, 405, 405, LOGIN),
    # Tests are offline: arXiv cannot be reached, and the paper page says so.
    ("paper_complete_authors", "POST", "published"): (
        LOGIN,
        "302 /papers/{paper}/",
        "302 /papers/{paper}/",
        "302 /papers/{paper}/",
        LOGIN,
    ),
    ("bookmark", "GET", "published"): (LOGIN, 405, 405, 405, LOGIN),
    ("bookmark", "POST", "published"): (
        LOGIN,
        "302 /papers/{paper}/",
        "302 /papers/{paper}/",
        "302 /papers/{paper}/",
        LOGIN,
    ),
    # Everyone signed in may write their own review of any paper.
    ("review_edit", "GET", "published"): (LOGIN, 200, 200, 200, LOGIN),
    ("review_edit", "GET", "draft"): (LOGIN, 200, 200, 200, LOGIN),
    # member/organizer start their own draft; the author's published review stays published.
    ("review_edit", "POST", "published"): (
        LOGIN,
        "302 /papers/{paper}/review/",
        "302 /reviews/{review}/",
        "302 /papers/{paper}/review/",
        LOGIN,
    ),
    ("review_edit", "POST", "draft"): (
        LOGIN,
        "302 /papers/{draft_paper}/review/",
        "302 /papers/{draft_paper}/review/",
        "302 /papers/{draft_paper}/review/",
        LOGIN,
    ),
    ("review_preview", "GET", "-"): (LOGIN, 405, 405, 405, LOGIN),
    ("review_preview", "POST", "-"): (LOGIN, 200, 200, 200, LOGIN),
    ("review_detail", "GET", "published"): (200, 200, 200, 200, 200),
    ("review_detail", "GET", "draft"): (404, 404, 200, 404, 404),
    ("review_history", "GET", "published"): (200, 200, 200, 200, 200),
    ("review_history", "GET", "draft"): (404, 404, 200, 404, 404),
    # A published revision read rendered; the world's draft was never published (no r1).
    ("review_revision", "GET", "published"): (200, 200, 200, 200, 200),
    ("review_revision", "GET", "draft"): (404, 404, 404, 404, 404),
    ("review_unpublish", "GET", "published"): (LOGIN, 405, 405, 405, LOGIN),
    ("review_unpublish", "POST", "published"): (
        LOGIN,
        403,
        "302 /papers/{paper}/",
        "302 /papers/{paper}/",
        LOGIN,
    ),
    ("review_unpublish", "POST", "draft"): (LOGIN, 404, "302 /papers/{draft_paper}/", 404, LOGIN),
    ("comment_create", "GET", "published"): (LOGIN, 405, 405, 405, LOGIN),
    ("comment_create", "POST", "published"): (
        LOGIN,
        "302 /reviews/{review}/",
        "302 /reviews/{review}/",
        "302 /reviews/{review}/",
        LOGIN,
    ),
    # Only the author may comment on (or even see) their draft.
    ("comment_create", "POST", "draft"): (LOGIN, 404, "302 /reviews/{draft}/", 404, LOGIN),
    ("comment_delete", "GET", "-"): (LOGIN, 405, 405, 405, LOGIN),
    ("comment_delete", "POST", "-"): (
        LOGIN,
        403,
        "302 /reviews/{review}/",
        "302 /reviews/{review}/",
        LOGIN,
    ),
    # Only its author edits a comment; its earlier texts are for the author and organizers.
    ("comment_edit", "GET", "-"): (LOGIN, 403, 200, 403, LOGIN),
    ("comment_edit", "POST", "-"): (LOGIN, 403, "302 /reviews/{review}/", 403, LOGIN),
    ("comment_history", "GET", "-"): (LOGIN, 403, 200, 200, LOGIN),
    # Runs follow their review: a run on a draft is its author's alone.
    ("run_launch", "GET", "published"): (LOGIN, 405, 405, 405, LOGIN),
    ("run_launch", "POST", "published"): (
        LOGIN,
        "302 /runs/new/",
        "302 /runs/new/",
        "302 /runs/new/",
        LOGIN,
    ),
    ("run_launch", "POST", "draft"): (LOGIN, 404, "302 /runs/new/", 404, LOGIN),
    ("run_config_fields", "GET", "-"): (200, 200, 200, 200, 200),
    ("run_detail", "GET", "published"): (200, 200, 200, 200, 200),
    ("run_detail", "GET", "draft"): (404, 404, 200, 404, 404),
    ("run_live", "GET", "published"): (200, 200, 200, 200, 200),
    ("run_live", "GET", "draft"): (404, 404, 200, 404, 404),
    # The world's runs are queued, so they have no figure yet.
    ("run_figure", "GET", "published"): (404, 404, 404, 404, 404),
    ("run_figure", "GET", "draft"): (404, 404, 404, 404, 404),
    ("run_cancel", "GET", "published"): (LOGIN, 405, 405, 405, LOGIN),
    # The author started the world's runs: only they and an organizer may cancel.
    ("run_cancel", "POST", "published"): (
        LOGIN,
        403,
        "302 /runs/{run}/",
        "302 /runs/{run}/",
        LOGIN,
    ),
    ("run_cancel", "POST", "draft"): (LOGIN, 404, "302 /runs/{draft_run}/", 404, LOGIN),
    ("run_rerun", "GET", "published"): (LOGIN, 405, 405, 405, LOGIN),
    ("run_rerun", "POST", "published"): (
        LOGIN,
        "302 /runs/new/",
        "302 /runs/new/",
        "302 /runs/new/",
        LOGIN,
    ),
    ("run_rerun", "POST", "draft"): (LOGIN, 404, "302 /runs/new/", 404, LOGIN),
    ("member_detail", "GET", "author"): (200, 200, 200, 200, 200),
    ("member_detail", "GET", "deactivated"): (404, 404, 404, 404, 404),
    # Import and export. Importing is for signed-in members; numbering papers on a reading
    # list is for organizers (checked in tests/test_import_papers.py). Exports follow reads.
    ("import_papers", "GET", "-"): (LOGIN, 200, 200, 200, LOGIN),
    ("import_papers", "POST", "-"): (LOGIN, 200, 200, 200, LOGIN),
    ("arxiv_import", "GET", "-"): (LOGIN, 200, 200, 200, LOGIN),
    ("arxiv_import", "POST", "-"): (LOGIN, 200, 200, 200, LOGIN),
    ("feed_import", "GET", "-"): (LOGIN, 200, 200, 200, LOGIN),
    # A member's own inbox; a post that is not theirs (here: none named) is 404.
    ("import_inbox", "GET", "-"): (LOGIN, 200, 200, 200, LOGIN),
    ("import_inbox", "POST", "-"): (LOGIN, 404, 404, 404, LOGIN),
    # An empty form (no feed file or URL) is a form error: the refusal is not about permission.
    ("feed_import", "POST", "-"): (LOGIN, 400, 400, 400, LOGIN),
    ("markdown_from_html", "GET", "-"): (LOGIN, 405, 405, 405, LOGIN),
    ("markdown_from_html", "POST", "-"): (LOGIN, 200, 200, 200, LOGIN),
    ("review_export", "GET", "published"): (200, 200, 200, 200, 200),
    ("review_export", "GET", "draft"): (404, 404, 200, 404, 404),
    ("paper_bibtex", "GET", "-"): (200, 200, 200, 200, 200),
    ("reading_list_bibtex", "GET", "-"): (200, 200, 200, 200, 200),
    ("member_bibtex", "GET", "-"): (200, 200, 200, 200, 200),
    ("member_bibtex", "GET", "deactivated"): (404, 404, 404, 404, 404),
    ("feed_rss", "GET", "-"): (200, 200, 200, 200, 200),
    ("feed_atom", "GET", "-"): (200, 200, 200, 200, 200),
    ("feed_tag_rss", "GET", "tag"): (200, 200, 200, 200, 200),
    ("feed_tag_atom", "GET", "tag"): (200, 200, 200, 200, 200),
    ("feed_member_rss", "GET", "author"): (200, 200, 200, 200, 200),
    ("feed_member_atom", "GET", "author"): (200, 200, 200, 200, 200),
    # The author's private feed key opens these for anyone who holds the URL.
    ("feed_private_rss", "GET", "-"): (200, 200, 200, 200, 200),
    ("feed_private_atom", "GET", "-"): (200, 200, 200, 200, 200),
    ("feed_private_tag_rss", "GET", "tag"): (200, 200, 200, 200, 200),
    ("feed_private_tag_atom", "GET", "tag"): (200, 200, 200, 200, 200),
    ("feed_private_member_rss", "GET", "author"): (200, 200, 200, 200, 200),
    ("feed_private_member_atom", "GET", "author"): (200, 200, 200, 200, 200),
}
PRIVATE_FEED_ROUTES = frozenset(
    {
        "feed_private_rss",
        "feed_private_atom",
        "feed_private_tag_rss",
        "feed_private_tag_atom",
        "feed_private_member_rss",
        "feed_private_member_atom",
    }
)

# Syndication views answer any method (they are read-only), so they get no POST row.
ACCOUNT_RECOVERY_ROUTES = frozenset(
    {
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "email_verify",
    }
)
ANY_METHOD_ROUTES = frozenset(
    {
        "feed_rss",
        "feed_atom",
        "feed_tag_rss",
        "feed_tag_atom",
        "feed_member_rss",
        "feed_member_atom",
        *PRIVATE_FEED_ROUTES,
    }
)


@dataclass
class World:
    member: Member
    author: Member
    organizer: Member
    deactivated: Member
    reading_list: ReadingList
    entry: ReadingListEntry
    tag: Tag
    paper: Paper
    draft_paper: Paper
    published: Review
    draft: Review
    comment: Comment
    invite: Invite
    used_invite: Invite
    token: ApiToken
    run: ExperimentRun
    draft_run: ExperimentRun
    feed_key: str

    def user(self, role: str) -> Member | None:
        return {"member": self.member, "author": self.author, "organizer": self.organizer}.get(role)


def build_world(member: Member, author: Member, organizer: Member) -> World:
    tag = TagFactory(name="optimization", slug="optimization")
    paper = PaperFactory(title="Averaging Weights Leads to Wider Optima", tags=[tag])
    draft_paper = PaperFactory(title="Grokking: Generalization Beyond Overfitting")
    reading_list = ReadingListFactory(title="Deep learning classics", slug="classics")
    entry = EntryFactory(reading_list=reading_list, number=16, paper=paper)
    published = make_review(paper=paper, author=author)
    comment = make_comment(review=published, author=author, body="A note on $x^2$.")
    draft = make_review(
        paper=draft_paper, author=author, published=False, tldr="Secret draft summary."
    )
    invite = Invite.objects.create(cohort=reading_list.cohort, created_by=organizer)
    used_invite = Invite.objects.create(
        created_by=organizer, used_by=organizer, used_at=timezone.now()
    )
    deactivated = MemberFactory(username="deactivated", is_active=False)
    token, _key = services.api_token_create(member=author, name="author's script")
    author.run_limit = 10  # the world's runs must not use up the author's launches
    author.save(update_fields=["run_limit"])
    run = run_services.run_create(review=published, by=author, experiment="grokking")
    draft_run = run_services.run_create(review=draft, by=author, experiment="grokking")
    feed_key = accounts.feed_key_create(member=author)
    return World(
        member=member,
        author=author,
        organizer=organizer,
        deactivated=deactivated,
        reading_list=reading_list,
        entry=entry,
        tag=tag,
        paper=paper,
        draft_paper=draft_paper,
        published=published,
        draft=draft,
        comment=comment,
        invite=invite,
        used_invite=used_invite,
        token=token,
        run=run,
        draft_run=draft_run,
        feed_key=feed_key,
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(member: Member, author: Member, organizer: Member) -> World:
    return build_world(member, author, organizer)


def client_for(role: str, world: World) -> Client:
    """A test client for the role; `inactive` signs in, then the account is deactivated."""
    client = Client()
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    elif role == "inactive":
        gone = MemberFactory(username="gone", display_name="Gone Han")
        client.force_login(gone)
        gone.is_active = False
        gone.save()
    return client


def url_for(route: str, target: str, world: World) -> str:
    review = world.draft if target == "draft" else world.published
    paper = world.draft_paper if target == "draft" else world.paper
    run = world.draft_run if target == "draft" else world.run
    args: dict[str, list[Any]] = {
        "invite_accept": [(world.used_invite if target == "used" else world.invite).code],
        "reading_list": [world.reading_list.slug],
        "entry_status": [world.entry.pk],
        "paper_detail": [paper.pk],
        "paper_compare": [paper.pk],
        "bookmark": [paper.pk],
        "paper_complete_authors": [paper.pk],
        "review_image_create": [paper.pk],
        "review_image": [f"1/import/{'A' * 22}.png"],
        "review_edit": [paper.pk],
        "review_detail": [review.pk],
        "review_history": [review.pk],
        "review_revision": [review.pk, 1],
        "review_unpublish": [review.pk],
        "comment_create": [review.pk],
        "comment_delete": [world.comment.pk],
        "comment_edit": [world.comment.pk],
        "comment_history": [world.comment.pk],
        "token_revoke": [world.token.pk],
        "run_launch": [review.pk],
        "run_detail": [run.pk],
        "run_live": [run.pk],
        "run_figure": [run.pk],
        "run_cancel": [run.pk],
        "run_rerun": [run.pk],
        "member_detail": [
            (world.deactivated if target == "deactivated" else world.author).username
        ],
        "member_bibtex": [
            (world.deactivated if target == "deactivated" else world.author).username
        ],
        "review_export": [review.pk],
        "paper_bibtex": [world.paper.pk],
        "reading_list_bibtex": [world.reading_list.slug],
        "feed_tag_rss": [world.tag.slug],
        "feed_tag_atom": [world.tag.slug],
        "feed_member_rss": [world.author.username],
        "feed_member_atom": [world.author.username],
        "feed_private_rss": [world.feed_key],
        "feed_private_atom": [world.feed_key],
        "feed_private_tag_rss": [world.feed_key, world.tag.slug],
        "feed_private_tag_atom": [world.feed_key, world.tag.slug],
        "feed_private_member_rss": [world.feed_key, world.author.username],
        "feed_private_member_atom": [world.feed_key, world.author.username],
        "password_reset_confirm": ["MQ", "set-password"],
        "email_verify": ["not-a-signed-token"],
    }
    return reverse(route, args=args.get(route, []))


def post_data(route: str, target: str, world: World) -> dict[str, str]:
    """Valid form data, so a refusal is about permission and never about the form."""
    review = world.draft if target == "draft" else world.published
    sections = {
        "tldr": "A new summary.",
        "language": "en",
        "introduction": "Intro $y$.",
        "core_algorithm": "Algorithm.",
        "results": "Results.",
        "thoughts": "새 생각.",
    }
    data: dict[str, dict[str, str]] = {
        "login": {"username": "member", "password": PASSWORD},
        "invite_accept": {
            "username": "newbie",
            "display_name": "New Bie",
            "email": "newbie@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        "profile_edit": {"display_name": "Renamed", "bio": "Hi.", "preferred_language": "ko"},
        "token_create": {"name": "laptop script"},
        "password_reset": {"email": "author@example.org"},
        "email_change": {"email": "new-address@example.org"},
        "password_change": {
            "old_password": PASSWORD,
            "new_password1": "a-new-Passphrase-42",
            "new_password2": "a-new-Passphrase-42",
        },
        "entry_status": {"status": "reading"},
        "review_edit": {**sections, "version": str(review.version)},
        "review_preview": {"introduction": "$x^2$"},
        "comment_create": {"body": "Thanks for this.", "section": "results"},
        "comment_edit": {"body": "A note on $x^3$, rather."},
        "run_launch": {"experiment": "grokking", "preset": "tiny"},
        "import_papers": {"text": '1. Doe, Jane. "A title." Venue, 2020.', "action": "preview"},
        "markdown_from_html": {"html": "<p>Hello <b>world</b></p>"},
    }
    return data.get(route, {})


def request(client: Client, method: str, url: str, data: dict[str, str]) -> Any:
    if method == "POST":
        return client.post(url, data)
    return client.get(url)


def outcome(response: Any, url: str) -> Expected:
    """A response in the table's terms: the status, or "302 <path>" for a redirect."""
    if response.status_code != 302:
        return response.status_code
    location = urlsplit(response.url)
    if location.path == "/login/" and parse_qs(location.query).get("next") != [url]:
        return f"302 {response.url}"  # signing in must lead back to the page asked for
    return f"302 {location.path}"


def format_expected(expected: Expected, world: World, role: str) -> Expected:
    if isinstance(expected, int):
        return expected
    user = world.user(role)
    return expected.format(
        paper=world.paper.pk,
        draft_paper=world.draft_paper.pk,
        review=world.published.pk,
        draft=world.draft.pk,
        list=world.reading_list.slug,
        run=world.run.pk,
        draft_run=world.draft_run.pk,
        me=user.username if user else "",
    )


ROWS = [
    pytest.param(route, method, target, row, id=f"{route}-{method}-{target}")
    for (route, method, target), row in MATRIX.items()
]


@pytest.mark.parametrize(("route", "method", "target", "row"), ROWS)
def test_permission_matrix_row(
    world: World, route: str, method: str, target: str, row: tuple[Expected, ...]
) -> None:
    """One row of the table: each role's request runs in a savepoint rolled back after it."""
    url = url_for(route, target, world)
    data = post_data(route, target, world)
    actual = []
    for role in ROLES:
        with transaction.atomic():
            client = client_for(role, world)
            got = outcome(request(client, method, url, data), url)
            # A launch or re-run lands on the page of a run made just now.
            known = {f"302 /runs/{world.run.pk}/", f"302 /runs/{world.draft_run.pk}/"}
            if isinstance(got, str) and got.startswith("302 /runs/") and got not in known:
                got = "302 /runs/new/"
            actual.append(got)
            transaction.set_rollback(True)
    expected = [format_expected(e, world, role) for role, e in zip(ROLES, row, strict=True)]
    assert dict(zip(ROLES, actual, strict=True)) == dict(zip(ROLES, expected, strict=True))


def test_permission_matrix_names_every_route() -> None:
    route_names = [pattern.name for pattern in urls.urlpatterns]
    assert None not in route_names
    assert sorted({route for route, _method, _target in MATRIX}) == sorted(route_names)
    assert {route for route, method, _t in MATRIX if method == "GET"} == set(route_names)


def test_permission_matrix_has_post_row_wherever_post_is_accepted(world: World) -> None:
    """A route without a POST row must refuse POST, so a new POST handler can't be missed."""
    client = client_for("organizer", world)
    with_post = {route for route, method, _target in MATRIX if method == "POST"}
    targets = {route: target for route, _method, target in MATRIX}
    for pattern in urls.urlpatterns:
        if pattern.name in with_post or pattern.name in ANY_METHOD_ROUTES:
            continue
        url = url_for(pattern.name, targets[pattern.name], world)
        assert (pattern.name, client.post(url).status_code) == (pattern.name, 405)


def test_inactive_user_cannot_see_own_draft_after_deactivation(world: World) -> None:
    """The deactivated session is anonymous: not even their own draft is visible."""
    gone = MemberFactory(username="gone", display_name="Gone Han")
    own_draft = make_review(paper=world.paper, author=gone, published=False)
    client = Client()
    client.force_login(gone)
    assert client.get(reverse("review_detail", args=[own_draft.pk])).status_code == 200
    gone.is_active = False
    gone.save()
    response = client.get(reverse("review_detail", args=[own_draft.pk]))
    assert response.status_code == 404
    assert response.wsgi_request.user.is_authenticated is False


def test_inactive_user_cannot_sign_in_with_password(world: World) -> None:
    client = Client()
    response = client.post(
        reverse("login"), {"username": world.deactivated.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_member_unpublish_refused_leaves_review_published(world: World) -> None:
    client = client_for("member", world)
    response = client.post(reverse("review_unpublish", args=[world.published.pk]))
    assert response.status_code == 403
    world.published.refresh_from_db()
    assert world.published.status == ReviewStatus.PUBLISHED


@pytest.mark.parametrize("role", ["author", "organizer"])
def test_unpublish_allowed_turns_review_into_draft(world: World, role: str) -> None:
    client = client_for(role, world)
    response = client.post(reverse("review_unpublish", args=[world.published.pk]))
    assert response.status_code == 302
    world.published.refresh_from_db()
    assert (world.published.status, world.published.published_at) == (ReviewStatus.DRAFT, None)


def test_member_comment_delete_refused_keeps_comment(world: World) -> None:
    client = client_for("member", world)
    response = client.post(reverse("comment_delete", args=[world.comment.pk]))
    assert response.status_code == 403
    assert Comment.objects.filter(pk=world.comment.pk).exists() is True


@pytest.mark.parametrize("role", ["author", "organizer"])
def test_comment_delete_allowed_removes_comment(world: World, role: str) -> None:
    client = client_for(role, world)
    response = client.post(reverse("comment_delete", args=[world.comment.pk]))
    assert response.status_code == 302
    assert Comment.objects.filter(pk=world.comment.pk).exists() is False


def test_review_author_cannot_delete_others_comment_on_own_review(world: World) -> None:
    """Moderating comments is for organizers; the review's author may delete only their own."""
    theirs = make_comment(review=world.published, author=world.member, body="Disagree.")
    client = client_for("author", world)
    response = client.post(reverse("comment_delete", args=[theirs.pk]))
    assert response.status_code == 403
    assert Comment.objects.filter(pk=theirs.pk).exists() is True


def test_member_cannot_edit_others_review_through_editor(world: World) -> None:
    """The editor always edits the signed-in member's own review, never the author's."""
    client = client_for("member", world)
    data = post_data("review_edit", "published", world)
    client.post(reverse("review_edit", args=[world.paper.pk]), {**data, "publish": "1"})
    world.published.refresh_from_db()
    assert world.published.tldr == "Averaging weights finds wider optima."
    assert Review.objects.filter(paper=world.paper, author=world.member).count() == 1


def test_review_delete_service_only_author_or_organizer(world: World) -> None:
    """There is no delete-review page; the service that the admin uses enforces the rule."""
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.review_delete(review=world.published, by=world.member)
    services.review_delete(review=world.published, by=world.organizer)
    services.review_delete(review=world.draft, by=world.author)
    assert Review.objects.filter(pk__in=[world.published.pk, world.draft.pk]).count() == 0


def test_members_only_sends_anonymous_to_login_except_login_and_invite(
    world: World, settings: Any
) -> None:
    settings.MEMBERS_ONLY = True
    # Password reset and the e-mail link are for members who cannot sign in, or are away.
    open_routes = {"login", "invite_accept", *PRIVATE_FEED_ROUTES, *ACCOUNT_RECOVERY_ROUTES}
    for role in ("anonymous", "inactive"):
        client = client_for(role, world)
        for (route, method, target), row in MATRIX.items():
            if method != "GET":
                continue
            url = url_for(route, target, world)
            response = client.get(url)
            if route in open_routes:
                expected = format_expected(row[ROLES.index(role)], world, role)
            else:
                expected = LOGIN
            assert (url, outcome(response, url)) == (url, expected)


def test_members_only_serves_members_as_usual(world: World, settings: Any) -> None:
    settings.MEMBERS_ONLY = True
    client = client_for("member", world)
    pages = 0
    for (route, method, target), row in MATRIX.items():
        if method != "GET":
            continue
        url = url_for(route, target, world)
        expected = format_expected(row[ROLES.index("member")], world, "member")
        assert (url, outcome(client.get(url), url)) == (url, expected)
        pages += expected == 200
    assert pages == 42


def test_members_only_login_redirect_keeps_query_string(world: World, settings: Any) -> None:
    """Like login_required: after signing in the visitor lands on the filtered list."""
    settings.MEMBERS_ONLY = True
    url = f"{reverse('reading_list', args=[world.reading_list.slug])}?tag=optimization&q=sgd"
    response = Client().get(url)
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.url).query)["next"] == [url]
