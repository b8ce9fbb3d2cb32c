"""Member B against member A's things: every method, every filter, and forged bodies.

A (`author`) has a published review and a draft (with a word found nowhere else), a comment
on each, an API token, bookmarks and reading statuses. B (`member`) has a draft and a
published review of their own, a comment, a bookmark and a reading status, so every list
assertion names the exact set of ids B may see: B's own things and what is public.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reviews import services
from reviews.api.views import review_etag
from reviews.enums import ReviewStatus
from reviews.models import ApiToken, Bookmark, Comment, EntryStatus, Member, Review
from tests.factories import EntryFactory, PaperFactory, make_comment, make_review

pytestmark = pytest.mark.django_db

SECRET_WORD = "zanzibarite"  # only in A's draft
SECRET_COMMENT_WORD = "quokkaesque"  # only in A's comment on A's draft
PUBLIC_PROFILE_FIELDS = {
    "id",
    "username",
    "name",
    "display_name",
    "bio",
    "avatar_initials",
    "is_organizer",
}

TokenClient = Callable[..., APIClient]


@dataclass
class Scene:
    a: Member
    b: Member
    client_a: APIClient
    client_b: APIClient
    a_published: Review
    a_draft: Review
    b_published: Review
    b_draft: Review
    a_comment_on_draft: Comment
    a_comment_on_published: Comment
    b_comment: Comment
    a_token: ApiToken
    a_bookmarks: list[Bookmark]
    b_bookmark: Bookmark
    a_statuses: list[EntryStatus]
    b_status: EntryStatus


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def scene(author: Member, member: Member, token_client: TokenClient) -> Scene:
    a, b = author, member
    paper, draft_paper, third = PaperFactory(), PaperFactory(), PaperFactory()
    first_entry = EntryFactory(paper=paper)
    second_entry = EntryFactory(paper=draft_paper, reading_list=first_entry.reading_list)
    a_published = make_review(paper=paper, author=a)
    a_draft = make_review(
        paper=draft_paper,
        author=a,
        published=False,
        tldr=f"A {SECRET_WORD} result.",
        thoughts=f"The {SECRET_WORD} trick is new.",
    )
    b_published = make_review(paper=draft_paper, author=b, tldr="B's published take.")
    b_draft = make_review(paper=paper, author=b, published=False, tldr="B's draft.")
    return Scene(
        a=a,
        b=b,
        client_a=token_client(a),
        client_b=token_client(b),
        a_published=a_published,
        a_draft=a_draft,
        b_published=b_published,
        b_draft=b_draft,
        a_comment_on_draft=make_comment(
            review=a_draft, author=a, body=f"Note: {SECRET_COMMENT_WORD}."
        ),
        a_comment_on_published=make_comment(review=a_published, author=a, body="A's remark."),
        b_comment=make_comment(review=a_published, author=b, body="B's remark."),
        a_token=services.api_token_create(member=a, name="a-laptop")[0],
        a_bookmarks=[
            services.bookmark_add(member=a, paper=paper),
            services.bookmark_add(member=a, paper=third),
        ],
        b_bookmark=services.bookmark_add(member=b, paper=draft_paper),
        a_statuses=[
            services.entry_status_set(entry=first_entry, member=a, status="reviewed"),
            services.entry_status_set(entry=second_entry, member=a, status="reading"),
        ],
        b_status=services.entry_status_set(entry=first_entry, member=b, status="to_read"),
    )


def url(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs=kwargs)


def send(client: APIClient, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    """One request; review writes carry the review's real current ETag, guessed or not."""
    headers = {}
    if method != "GET" and path.startswith("/api/reviews/"):
        review = Review.objects.get(pk=int(path.split("/")[3]))
        headers["If-Match"] = review_etag(review)
    if method == "GET":
        return client.get(path, headers=headers)
    return getattr(client, method.lower())(path, data or {}, format="json", headers=headers)


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    results = body["results"]
    assert body["count"] == len(results)
    return {item["id"] for item in results}


def statuses(client: APIClient, calls: list[tuple[str, str, dict[str, Any]]]) -> dict[str, int]:
    return {
        f"{method} {path}": send(client, method, path, data).status_code
        for method, path, data in calls
    }


# --- A's draft review ---------------------------------------------------------------------


def review_calls(pk: int) -> list[tuple[str, str, dict[str, Any]]]:
    detail = url("review-detail", pk=pk)
    return [
        ("GET", detail, {}),
        ("PUT", detail, {"tldr": "Hijacked.", "introduction": "Mine now."}),
        ("PATCH", detail, {"tldr": "Hijacked."}),
        ("DELETE", detail, {}),
        ("POST", url("review-publish", pk=pk), {}),
        ("POST", url("review-unpublish", pk=pk), {}),
        ("GET", url("review-revisions", pk=pk), {}),
    ]


def test_draft_review_of_another_member_is_404_through_every_method(scene: Scene) -> None:
    calls = review_calls(scene.a_draft.pk)
    assert statuses(scene.client_b, calls) == {f"{m} {p}": 404 for m, p, _d in calls}
    draft = Review.objects.get(pk=scene.a_draft.pk)
    assert (draft.status, draft.version, draft.tldr) == (
        ReviewStatus.DRAFT,
        scene.a_draft.version,
        f"A {SECRET_WORD} result.",
    )
    assert draft.revisions.count() == 0


def test_draft_review_404_is_the_same_as_for_a_missing_id(scene: Scene) -> None:
    """No oracle: B cannot tell A's draft from an id that does not exist."""
    missing = Review.objects.order_by("-pk").first().pk + 1000
    for (method, path, data), (_m, gone, _d) in zip(
        review_calls(scene.a_draft.pk), review_calls(missing), strict=True
    ):
        hidden = send(scene.client_b, method, path, data)
        absent = scene.client_b.generic(method, gone, "{}", content_type="application/json")
        assert (method, hidden.status_code, hidden.json()) == (
            method,
            absent.status_code,
            absent.json(),
        )


def test_unpublished_review_revisions_and_comments_hidden_from_others(scene: Scene) -> None:
    response = send(scene.client_a, "POST", url("review-unpublish", pk=scene.a_published.pk))
    assert response.status_code == 200
    pk = scene.a_published.pk
    assert scene.client_b.get(url("review-revisions", pk=pk)).status_code == 404
    assert scene.client_b.get(url("review-detail", pk=pk)).status_code == 404
    # B's own comment went into the draft with it: comments on drafts are the author's only.
    assert ids(scene.client_b.get(url("comment-list"), {"review": pk})) == set()
    assert scene.client_b.get(url("comment-detail", pk=scene.b_comment.pk)).status_code == 404
    assert len(scene.client_a.get(url("review-revisions", pk=pk)).json()) == 1


# --- A's comments -------------------------------------------------------------------------


def comment_calls(pk: int) -> list[tuple[str, str, dict[str, Any]]]:
    detail = url("comment-detail", pk=pk)
    return [
        ("GET", detail, {}),
        ("PUT", detail, {"body": "Hijacked."}),
        ("PATCH", detail, {"body": "Hijacked."}),
        ("DELETE", detail, {}),
    ]


def test_comment_on_another_members_draft_is_404_through_every_method(scene: Scene) -> None:
    calls = comment_calls(scene.a_comment_on_draft.pk)
    assert statuses(scene.client_b, calls) == {f"{m} {p}": 404 for m, p, _d in calls}
    comment = Comment.objects.get(pk=scene.a_comment_on_draft.pk)
    assert comment.body == f"Note: {SECRET_COMMENT_WORD}."


def test_comment_of_another_member_on_published_review_is_read_only(scene: Scene) -> None:
    calls = comment_calls(scene.a_comment_on_published.pk)
    assert list(statuses(scene.client_b, calls).values()) == [200, 403, 403, 403]
    comment = Comment.objects.get(pk=scene.a_comment_on_published.pk)
    assert (comment.author, comment.body) == (scene.a, "A's remark.")


# --- A's token, bookmarks, reading statuses -------------------------------------------------


def test_token_of_another_member_is_404_and_stays_valid(scene: Scene) -> None:
    detail = url("token-detail", pk=scene.a_token.pk)
    assert [send(scene.client_b, m, detail).status_code for m in ("GET", "DELETE")] == [404, 404]
    scene.a_token.refresh_from_db()
    assert scene.a_token.revoked_at is None
    assert scene.client_a.get(url("member-me")).status_code == 200


def test_bookmarks_of_another_member_are_404(scene: Scene) -> None:
    for bookmark in scene.a_bookmarks:
        detail = url("bookmark-detail", pk=bookmark.pk)
        codes = [send(scene.client_b, m, detail).status_code for m in ("GET", "DELETE")]
        assert (bookmark.pk, codes) == (bookmark.pk, [404, 404])
    assert Bookmark.objects.filter(member=scene.a).count() == 2


def test_reading_statuses_of_another_member_are_404(scene: Scene) -> None:
    for status in scene.a_statuses:
        detail = url("entrystatus-detail", pk=status.pk)
        codes = [send(scene.client_b, m, detail).status_code for m in ("GET", "DELETE")]
        assert (status.pk, codes) == (status.pk, [404, 404])
    assert EntryStatus.objects.filter(member=scene.a).count() == 2


# --- A's profile ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_profile_of_another_member_has_public_fields_only(
    scene: Scene, api: APIClient, who: str
) -> None:
    client = scene.client_b if who == "member" else api
    response = client.get(url("member-detail", username=scene.a.username))
    assert response.status_code == 200
    assert set(response.json()) == PUBLIC_PROFILE_FIELDS
    assert scene.a.email.encode() not in response.content
    listing = client.get(url("member-list"), {"search": scene.a.username})
    assert [set(item) for item in listing.json()["results"]] == [PUBLIC_PROFILE_FIELDS]
    assert b"@example.org" not in client.get(url("member-list")).content
    # Nor can the email be probed through search or ordering.
    assert ids(client.get(url("member-list"), {"search": scene.a.email})) == set()
    by_email = client.get(url("member-list"), {"ordering": "email"})
    assert ids(by_email) == {scene.a.pk, scene.b.pk}
    assert b"@example.org" not in by_email.content


def test_me_shows_own_email_only(scene: Scene) -> None:
    response = scene.client_b.get(url("member-me"))
    assert (response.json()["username"], response.json()["email"]) == ("member", scene.b.email)
    assert scene.a.email.encode() not in response.content


# --- Filters and search: lists show exactly what B may see ----------------------------------


def test_review_filters_never_list_another_members_draft(scene: Scene, api: APIClient) -> None:
    reviews = url("review-list")
    b = scene.client_b
    visible = {scene.a_published.pk, scene.b_published.pk, scene.b_draft.pk}
    assert ids(b.get(reviews)) == visible
    assert ids(b.get(reviews, {"author": scene.a.username})) == {scene.a_published.pk}
    assert ids(b.get(reviews, {"status": "draft"})) == {scene.b_draft.pk}
    assert ids(b.get(reviews, {"author": scene.a.username, "status": "draft"})) == set()
    assert ids(b.get(reviews, {"search": SECRET_WORD})) == set()
    assert ids(b.get(reviews, {"paper": scene.a_draft.paper_id})) == {scene.b_published.pk}
    assert ids(b.get(reviews, {"ordering": "-updated_at", "page_size": 100})) == visible
    assert ids(api.get(reviews, {"status": "draft"})) == set()
    assert ids(api.get(reviews)) == {scene.a_published.pk, scene.b_published.pk}
    # A sees their own draft by the same word, so the search itself works.
    assert ids(scene.client_a.get(reviews, {"search": SECRET_WORD})) == {scene.a_draft.pk}


def test_comment_filters_never_list_comments_on_another_members_draft(scene: Scene) -> None:
    comments = url("comment-list")
    b = scene.client_b
    public = {scene.a_comment_on_published.pk, scene.b_comment.pk}
    assert ids(b.get(comments)) == public
    assert ids(b.get(comments, {"review": scene.a_draft.pk})) == set()
    assert ids(b.get(comments, {"author": scene.a.username})) == {scene.a_comment_on_published.pk}
    assert ids(b.get(comments, {"search": SECRET_COMMENT_WORD})) == set()
    assert ids(scene.client_a.get(comments, {"search": SECRET_COMMENT_WORD})) == {
        scene.a_comment_on_draft.pk
    }


def test_bookmark_list_is_own_whatever_the_query(scene: Scene) -> None:
    bookmarks = url("bookmark-list")
    for params in ({}, {"member": scene.a.pk}, {"member__username": "author"}, {"search": "Paper"}):
        assert (params, ids(scene.client_b.get(bookmarks, params))) == (
            params,
            {scene.b_bookmark.pk},
        )


def test_reading_status_list_is_own_whatever_the_query(scene: Scene) -> None:
    path = url("entrystatus-list")
    slug = scene.b_status.entry.reading_list.slug
    b = scene.client_b
    assert ids(b.get(path)) == {scene.b_status.pk}
    assert ids(b.get(path, {"member": scene.a.pk})) == {scene.b_status.pk}
    assert ids(b.get(path, {"reading_list": slug})) == {scene.b_status.pk}
    assert ids(b.get(path, {"status": "reviewed"})) == set()  # A's status, not B's
    assert ids(b.get(path, {"status": "to_read"})) == {scene.b_status.pk}


def test_token_list_is_own(scene: Scene) -> None:
    own = set(ApiToken.objects.filter(member=scene.b).values_list("pk", flat=True))
    assert ids(scene.client_b.get(url("token-list"), {"member": scene.a.pk})) == own
    assert scene.a_token.pk not in own


def test_entry_my_status_is_own(scene: Scene) -> None:
    response = scene.client_b.get(url("entry-list"))
    mine = {item["id"]: item["my_status"] for item in response.json()["results"]}
    first, second = (status.entry_id for status in scene.a_statuses)
    assert mine == {first: "to_read", second: None}


def test_paper_search_ignores_another_members_draft_text(scene: Scene) -> None:
    response = scene.client_b.get(url("paper-list"), {"search": SECRET_WORD})
    assert ids(response) == set()


def test_paper_search_finds_draft_text_once_published(scene: Scene) -> None:
    """The control for the test above: the word is searchable once A publishes."""
    send(scene.client_a, "POST", url("review-publish", pk=scene.a_draft.pk))
    response = scene.client_b.get(url("paper-list"), {"search": SECRET_WORD})
    assert ids(response) == {scene.a_draft.paper_id}


# --- Forged bodies: the author is always the requesting member ------------------------------


def test_review_create_with_another_author_is_authored_by_requester(scene: Scene) -> None:
    paper = PaperFactory()
    data = {"paper": paper.pk, "author": scene.a.pk, "id": scene.a_draft.pk, "tldr": "Mine."}
    response = scene.client_b.post(url("review-list"), data, format="json")
    assert response.status_code == 201
    created = Review.objects.get(pk=response.json()["id"])
    assert (created.author, created.paper, response.json()["author"]["id"]) == (
        scene.b,
        paper,
        scene.b.pk,
    )
    assert created.pk != scene.a_draft.pk
    assert Review.objects.get(pk=scene.a_draft.pk).tldr == f"A {SECRET_WORD} result."


def test_review_patch_cannot_move_author_or_paper(scene: Scene) -> None:
    data = {"author": scene.a.pk, "paper": scene.a_draft.paper_id, "tldr": "Edited."}
    response = send(scene.client_b, "PATCH", url("review-detail", pk=scene.b_draft.pk), data)
    assert response.status_code == 200
    review = Review.objects.get(pk=scene.b_draft.pk)
    assert (review.author, review.paper_id, review.tldr) == (
        scene.b,
        scene.b_draft.paper_id,
        "Edited.",
    )


def test_comment_create_ignores_author_and_id_in_body(scene: Scene) -> None:
    data = {
        "review": scene.a_published.pk,
        "body": "Forged?",
        "author": scene.a.pk,
        "id": scene.a_comment_on_published.pk,
    }
    response = scene.client_b.post(url("comment-list"), data, format="json")
    assert response.status_code == 201
    created = Comment.objects.get(pk=response.json()["id"])
    assert (created.author, created.body) == (scene.b, "Forged?")
    assert created.pk != scene.a_comment_on_published.pk
    assert Comment.objects.get(pk=scene.a_comment_on_published.pk).body == "A's remark."


def test_comment_patch_cannot_move_to_another_members_draft(scene: Scene) -> None:
    data = {"body": "Moved?", "review": scene.a_draft.pk, "parent": scene.a_comment_on_draft.pk}
    response = scene.client_b.patch(
        url("comment-detail", pk=scene.b_comment.pk), data, format="json"
    )
    assert response.status_code == 200
    comment = Comment.objects.get(pk=scene.b_comment.pk)
    assert (comment.review_id, comment.parent_id, comment.body) == (
        scene.a_published.pk,
        None,
        "Moved?",
    )


def test_me_patch_cannot_change_username_email_or_staff(scene: Scene) -> None:
    data = {
        "username": "author",
        "email": "b@evil.example",
        "is_staff": True,
        "is_superuser": True,
        "is_organizer": True,
        "is_active": False,
        "id": scene.a.pk,
        "bio": "Hello.",
    }
    response = scene.client_b.patch(url("member-me"), data, format="json")
    assert response.status_code == 200
    b = Member.objects.get(pk=scene.b.pk)
    assert (b.username, b.email, b.is_staff, b.is_superuser, b.is_active, b.bio) == (
        "member",
        "member@example.org",
        False,
        False,
        True,
        "Hello.",
    )
    a = Member.objects.get(pk=scene.a.pk)
    assert (a.username, a.email, a.bio) == ("author", "author@example.org", "")
    assert response.json()["is_organizer"] is False


def test_bookmark_reading_status_and_token_create_for_requester_only(scene: Scene) -> None:
    b = scene.client_b
    paper = PaperFactory()
    bookmark = b.post(
        url("bookmark-list"), {"paper": paper.pk, "member": scene.a.pk}, format="json"
    )
    entry = scene.a_statuses[1].entry
    status_data = {"entry": entry.pk, "status": "reviewed", "member": scene.a.pk}
    status = b.post(url("entrystatus-list"), status_data, format="json")
    token = b.post(url("token-list"), {"name": "cli", "member": scene.a.pk}, format="json")
    assert [bookmark.status_code, status.status_code, token.status_code] == [201, 201, 201]
    assert Bookmark.objects.get(pk=bookmark.json()["id"]).member == scene.b
    assert EntryStatus.objects.get(pk=status.json()["id"]).member == scene.b
    assert ApiToken.objects.get(pk=token.json()["id"]).member == scene.b
    assert EntryStatus.objects.get(pk=scene.a_statuses[1].pk).status == "reading"
    assert Bookmark.objects.filter(member=scene.a, paper=paper).exists() is False


# --- Comments on what B may not see ----------------------------------------------------------


def test_comment_on_another_members_draft_refused_and_nothing_created(scene: Scene) -> None:
    before = Comment.objects.count()
    data = {"review": scene.a_draft.pk, "body": "Let me in."}
    response = scene.client_b.post(url("comment-list"), data, format="json")
    assert response.status_code in (400, 404)
    assert "review" in response.json()
    assert Comment.objects.count() == before


def test_reply_with_parent_on_another_review_refused(scene: Scene) -> None:
    before = Comment.objects.count()
    data = {
        "review": scene.b_published.pk,
        "parent": scene.a_comment_on_published.pk,
        "body": "Cross-thread reply.",
    }
    response = scene.client_b.post(url("comment-list"), data, format="json")
    assert (response.status_code, list(response.json())) == (400, ["parent"])
    assert Comment.objects.count() == before


def test_reply_to_comment_on_another_members_draft_refused(scene: Scene) -> None:
    before = Comment.objects.count()
    data = {
        "review": scene.a_published.pk,
        "parent": scene.a_comment_on_draft.pk,
        "body": "Reply to a hidden comment.",
    }
    response = scene.client_b.post(url("comment-list"), data, format="json")
    assert (response.status_code, list(response.json())) == (400, ["parent"])
    assert Comment.objects.count() == before
