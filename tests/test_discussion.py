"""Reading and discussing a review: comments at their section, comment edits with their
earlier text, published revisions read rendered, and the author's working copy."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from reviews import services
from reviews.models import Comment, Member, Review, ReviewRevision, ReviewWorkingCopy
from search.services import index_rebuild
from tests.factories import MemberFactory, make_comment, make_review, paper_found_by

pytestmark = pytest.mark.django_db


def client_of(member: Member | None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


def page_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def section_html(page: str, key: str) -> str:
    return page.split(f'<section class="review-section" id="{key}">', 1)[1].split("</section>")[0]


def general_html(page: str) -> str:
    return page.split('<section class="comments" id="comments">', 1)[1].split("</section>")[0]


# --------------------------------------------------------------------------------------------
# Comments at their section
# --------------------------------------------------------------------------------------------


def test_section_comments_show_at_their_section_with_count(member: Member) -> None:
    review = make_review()
    on_results = make_comment(review=review, author=member, body="Three seeds?", section="results")
    reply = make_comment(review=review, author=review.author, body="Yes.", parent=on_results)
    general = make_comment(review=review, author=member, body="Great review overall.")

    page = page_of(client_of(member).get(review.get_absolute_url()))

    results = section_html(page, "results")
    assert f'id="comment-{on_results.pk}"' in results
    assert f'id="comment-{reply.pk}"' in results
    assert ">2 comments</a>" in results
    assert ">0 comments</a>" in section_html(page, "introduction")
    bottom = general_html(page)
    assert f'id="comment-{general.pk}"' in bottom
    assert f'id="comment-{on_results.pk}"' not in bottom
    # At its own section a comment needs no badge naming the section.
    assert 'class="badge" href="#results"' not in results


def test_section_comment_action_links_to_form_with_section(member: Member) -> None:
    review = make_review()
    page = page_of(client_of(member).get(review.get_absolute_url()))
    link = (
        '<a class="comment-on-section" href="?section=core_algorithm#comment-form" '
        'data-comment-section="core_algorithm">Comment on this section</a>'
    )
    assert link in section_html(page, "core_algorithm")


def test_section_comment_action_hidden_from_anonymous() -> None:
    review = make_review()
    page = page_of(Client().get(review.get_absolute_url()))
    assert "comment-on-section" not in page
    assert ">0 comments</a>" in section_html(page, "results")


@pytest.mark.parametrize(("query", "chosen"), [("results", "results"), ("bogus", "")])
def test_section_query_preselects_comment_form(member: Member, query: str, chosen: str) -> None:
    review = make_review()
    page = page_of(client_of(member).get(review.get_absolute_url(), {"section": query}))
    form = page.split('id="comment-form"', 1)[1].split("</form>", 1)[0]
    selected = [o for o in form.split("<option") if "selected" in o]
    assert len(selected) == 1
    assert f'value="{chosen}"' in selected[0]


def test_comment_post_on_section_redirects_to_comment(member: Member) -> None:
    review = make_review()
    response = client_of(member).post(
        reverse("comment_create", args=[review.pk]), {"body": "On thoughts.", "section": "thoughts"}
    )
    comment = Comment.objects.get(review=review)
    assert response.url == f"{review.get_absolute_url()}#comment-{comment.pk}"
    assert comment.section == "thoughts"


def test_review_page_only_section_comments_says_where_they_are(member: Member) -> None:
    review = make_review()
    make_comment(review=review, author=member, section="results")
    bottom = general_html(page_of(client_of(member).get(review.get_absolute_url())))
    assert "they show at their sections above" in bottom
    assert "No comments yet." not in bottom


def test_reply_to_section_comment_stays_at_section(member: Member) -> None:
    review = make_review()
    root = make_comment(review=review, author=member, section="introduction")
    other = MemberFactory()
    response = client_of(other).post(
        reverse("comment_create", args=[review.pk]),
        {"body": "Agreed.", "parent": root.pk, "section": "introduction"},
    )
    assert response.status_code == 302
    reply = Comment.objects.get(author=other)
    page = page_of(client_of(member).get(review.get_absolute_url()))
    assert f'id="comment-{reply.pk}"' in section_html(page, "introduction")


# --------------------------------------------------------------------------------------------
# Comment edits
# --------------------------------------------------------------------------------------------


def api_client(member: Member) -> APIClient:
    client = APIClient()
    client.force_authenticate(member)
    return client


def test_comment_edit_keeps_earlier_text(member: Member) -> None:
    comment = make_comment(review=make_review(), author=member, body="First **take**.")
    written = comment.created_at

    edited = services.comment_update(comment=comment, by=member, body="Second take.")
    services.comment_update(comment=edited, by=member, body="Third take.")

    comment.refresh_from_db()
    assert (comment.body, comment.body_html) == ("Third take.", "<p>Third take.</p>")
    revisions = list(comment.revisions.order_by("written_at"))
    assert [r.body for r in revisions] == ["First **take**.", "Second take."]
    assert revisions[0].written_at == written
    assert revisions[1].written_at == revisions[0].replaced_at
    assert comment.edited_at == revisions[1].replaced_at


def test_comment_edit_same_text_is_not_an_edit(member: Member) -> None:
    comment = make_comment(review=make_review(), author=member, body="Same.")
    services.comment_update(comment=comment, by=member, body="Same.")
    comment.refresh_from_db()
    assert (comment.edited_at, comment.revisions.count()) == (None, 0)


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Write something first."), ("x" * (101 * 1024), "the limit is 100 KB")],
)
def test_comment_edit_bad_text_changes_nothing(member: Member, body: str, message: str) -> None:
    comment = make_comment(review=make_review(), author=member, body="Kept.")
    with pytest.raises(ValidationError) as raised:
        services.comment_update(comment=comment, by=member, body=body)
    assert message in " ".join(raised.value.message_dict["body"])
    comment.refresh_from_db()
    assert (comment.body, comment.edited_at, comment.revisions.count()) == ("Kept.", None, 0)


def test_comment_edit_by_someone_else_is_refused(member: Member, organizer: Member) -> None:
    comment = make_comment(review=make_review(), author=member, body="Mine.")
    with pytest.raises(PermissionDenied):
        services.comment_update(comment=comment, by=organizer, body="Moderated.")
    comment.refresh_from_db()
    assert comment.body == "Mine."


def test_comment_edit_page_saves_and_shows_edited(member: Member) -> None:
    review = make_review()
    comment = make_comment(review=review, author=member, body="Typo hree.", section="results")
    client = client_of(member)
    url = reverse("comment_edit", args=[comment.pk])
    assert "Typo hree." in page_of(client.get(url))

    response = client.post(url, {"body": "Typo three."})

    assert response.url == f"{review.get_absolute_url()}#comment-{comment.pk}"
    results = section_html(page_of(client.get(review.get_absolute_url())), "results")
    history = reverse("comment_history", args=[comment.pk])
    assert f'<a class="comment-edited" href="{history}"' in results
    assert "Typo three." in results


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Write something first."), ("y" * (101 * 1024), "the limit is 100 KB")],
)
def test_comment_edit_page_bad_text_is_400(member: Member, body: str, message: str) -> None:
    comment = make_comment(review=make_review(), author=member, body="Kept.")
    response = client_of(member).post(reverse("comment_edit", args=[comment.pk]), {"body": body})
    assert response.status_code == 400
    assert message in response.content.decode()
    comment.refresh_from_db()
    assert (comment.body, comment.edited_at) == ("Kept.", None)


def test_comment_edited_marker_links_history_only_for_author_and_organizers(
    member: Member, organizer: Member
) -> None:
    review = make_review()
    comment = make_comment(review=review, author=member, body="One.")
    services.comment_update(comment=comment, by=member, body="Two.")
    history = reverse("comment_history", args=[comment.pk])
    seen = {}
    for name, viewer in (
        ("anonymous", None),
        ("other", MemberFactory()),
        ("author", member),
        ("organizer", organizer),
    ):
        page = page_of(client_of(viewer).get(review.get_absolute_url()))
        seen[name] = ('class="comment-edited"' in page, history in page)
    assert seen == {
        "anonymous": (True, False),
        "other": (True, False),
        "author": (True, True),
        "organizer": (True, True),
    }


def test_comment_history_lists_earlier_texts(member: Member, organizer: Member) -> None:
    comment = make_comment(review=make_review(), author=member, body="Before <b>.")
    services.comment_update(comment=comment, by=member, body="After.")
    url = reverse("comment_history", args=[comment.pk])
    for viewer in (member, organizer):
        page = page_of(client_of(viewer).get(url))
        assert "Before &lt;b&gt;." in page
        assert "<p>After.</p>" in page
    assert client_of(MemberFactory()).get(url).status_code == 403


def test_api_comment_patch_keeps_revision_and_says_edited(member: Member) -> None:
    comment = make_comment(review=make_review(), author=member, body="Old.")
    client = api_client(member)
    url = reverse("comment-detail", kwargs={"pk": comment.pk})

    response = client.patch(url, {"body": "New."}, format="json")

    assert response.status_code == 200
    assert response.json()["edited_at"] is not None
    history = client.get(reverse("comment-revisions", kwargs={"pk": comment.pk}))
    assert [(r["body"]) for r in history.json()] == ["Old."]


@pytest.mark.parametrize("body", ["", "z" * (101 * 1024)])
def test_api_comment_patch_bad_body_is_400_and_changes_nothing(member: Member, body: str) -> None:
    comment = make_comment(review=make_review(), author=member, body="Old.")
    url = reverse("comment-detail", kwargs={"pk": comment.pk})
    response = api_client(member).patch(url, {"body": body}, format="json")
    assert response.status_code == 400
    assert "body" in response.json()
    comment.refresh_from_db()
    assert (comment.body, comment.edited_at, comment.revisions.count()) == ("Old.", None, 0)


# --------------------------------------------------------------------------------------------
# Published revisions, read rendered
# --------------------------------------------------------------------------------------------


def publish_again(review: Review, **changes: str) -> Review:
    content = services.ReviewContent.from_review(review)
    content = services.ReviewContent(**{**vars(content), **changes})
    return services.review_save(
        review=review, by=review.author, content=content, expected_version=review.version
    )


def test_revision_keeps_html_rendered_at_publish() -> None:
    review = make_review(introduction="First $x^2$ **bold**.")
    review = publish_again(review, introduction="Second.")
    first, second = review.revisions.order_by("number")
    assert "<strong>bold</strong>" in first.introduction_html
    assert "<math" in first.introduction_html
    assert second.introduction_html == review.introduction_html == "<p>Second.</p>"
    assert second.results_html == review.results_html


def test_revision_page_shows_that_revision_rendered(member: Member) -> None:
    review = make_review(thoughts="Old **opinion**.")
    review = publish_again(review, thoughts="New opinion.")
    client = client_of(member)

    old = page_of(client.get(reverse("review_revision", args=[review.pk, 1])))
    new = page_of(client.get(reverse("review_revision", args=[review.pk, 2])))

    assert "Old <strong>opinion</strong>." in section_html(old, "thoughts")
    assert "not the latest" in old
    assert f'href="{reverse("review_revision", args=[review.pk, 2])}" rel="next"' in old
    assert "<p>New opinion.</p>" in section_html(new, "thoughts")
    assert "not the latest" not in new
    assert f'href="{reverse("review_revision", args=[review.pk, 1])}" rel="prev"' in new


def test_revision_page_unknown_number_is_404(member: Member) -> None:
    review = make_review()
    response = client_of(member).get(reverse("review_revision", args=[review.pk, 9]))
    assert response.status_code == 404


def test_revision_of_unpublished_review_is_its_authors_alone(member: Member) -> None:
    review = make_review()
    services.review_unpublish(review=review, by=review.author)
    url = reverse("review_revision", args=[review.pk, 1])
    assert client_of(review.author).get(url).status_code == 200
    assert client_of(member).get(url).status_code == 404
    assert Client().get(url).status_code == 404


def test_history_links_each_revision_to_its_page(member: Member) -> None:
    review = publish_again(make_review(), tldr="Changed.")
    page = page_of(client_of(member).get(reverse("review_history", args=[review.pk])))
    for number in (1, 2):
        assert f'href="{reverse("review_revision", args=[review.pk, number])}"' in page


def test_api_revisions_carry_their_html(member: Member) -> None:
    review = make_review(results="**72.55**")
    response = api_client(member).get(reverse("review-revisions", kwargs={"pk": review.pk}))
    assert response.json()[0]["results_html"] == "<p><strong>72.55</strong></p>"


def test_revision_html_migration_fills_existing_revisions() -> None:
    review = make_review(introduction="Filled $y$ *in*.", thoughts="")
    ReviewRevision.objects.update(introduction_html="", core_algorithm_html="")
    migration = importlib.import_module("reviews.migrations.0013_revision_html")

    migration.render_revisions(django_apps, None)

    revision = ReviewRevision.objects.get(review=review)
    assert revision.introduction_html == review.introduction_html
    assert revision.core_algorithm_html == review.core_algorithm_html
    assert revision.thoughts_html == ""


# --------------------------------------------------------------------------------------------
# The working copy of a published review
# --------------------------------------------------------------------------------------------

SECRET = "quokkaplanned"  # a word only the working copy holds


def save_copy(review: Review, **changes: str) -> ReviewWorkingCopy:
    content = services.ReviewContent.from_review(review)
    content = services.ReviewContent(**{**vars(content), "thoughts": f"{SECRET} 계획.", **changes})
    return services.review_working_copy_save(
        review=review, by=review.author, content=content, expected_version=review.version
    )


def test_working_copy_save_leaves_review_as_published() -> None:
    review = make_review(thoughts="Published opinion.")
    version = review.version

    copy = save_copy(review)

    review.refresh_from_db()
    assert (review.thoughts, review.version, review.revisions.count()) == (
        "Published opinion.",
        version,
        1,
    )
    assert (copy.thoughts, copy.base_version) == (f"{SECRET} 계획.", version)


def test_working_copy_save_on_stale_version_is_refused() -> None:
    review = make_review()
    content = services.ReviewContent.from_review(review)
    with pytest.raises(services.ReviewConflict):
        services.review_working_copy_save(
            review=review, by=review.author, content=content, expected_version=review.version - 1
        )
    assert not ReviewWorkingCopy.objects.exists()


def test_working_copy_of_draft_or_by_another_is_refused(member: Member) -> None:
    draft = make_review(published=False)
    content = services.ReviewContent.from_review(draft)
    with pytest.raises(ValidationError):
        services.review_working_copy_save(
            review=draft, by=draft.author, content=content, expected_version=draft.version
        )
    published = make_review()
    with pytest.raises(PermissionDenied):
        services.review_working_copy_save(
            review=published, by=member, content=content, expected_version=published.version
        )
    assert not ReviewWorkingCopy.objects.exists()


def test_working_copy_oversized_section_is_refused() -> None:
    review = make_review()
    with pytest.raises(ValidationError) as raised:
        save_copy(review, results="x" * (101 * 1024))
    assert "results" in raised.value.message_dict
    assert not ReviewWorkingCopy.objects.exists()


def test_working_copy_publish_makes_a_revision_and_drops_copy() -> None:
    review = make_review()
    save_copy(review)

    published = services.review_working_copy_publish(
        review=review, by=review.author, expected_version=review.version
    )

    assert published.thoughts == f"{SECRET} 계획."
    assert f"{SECRET}" in published.thoughts_html
    assert published.revisions.count() == 2
    assert not ReviewWorkingCopy.objects.exists()


def test_working_copy_publish_checks_version() -> None:
    review = make_review()
    save_copy(review)
    stale = review.version
    review = publish_again(review, tldr="Published from elsewhere.")
    with pytest.raises(services.ReviewConflict):
        services.review_working_copy_publish(
            review=review, by=review.author, expected_version=stale
        )
    review.refresh_from_db()
    assert SECRET not in review.thoughts
    assert ReviewWorkingCopy.objects.filter(review=review).exists()


def test_working_copy_stays_out_of_search_feeds_and_others_reads(member: Member) -> None:
    review = make_review()
    save_copy(review)
    index_rebuild()

    assert not paper_found_by(review.paper, SECRET)
    assert SECRET not in Client().get(reverse("feed_atom")).content.decode()
    assert SECRET not in Client().get(reverse("feed_rss")).content.decode()
    assert SECRET not in page_of(client_of(member).get(review.get_absolute_url()))
    assert SECRET not in page_of(client_of(review.author).get(review.get_absolute_url()))
    api = api_client(member)
    assert (
        SECRET not in api.get(reverse("review-detail", kwargs={"pk": review.pk})).content.decode()
    )
    assert SECRET not in api.get(reverse("review-list")).content.decode()
    assert api.get(reverse("review-list"), {"search": SECRET}).json()["count"] == 0
    copy_url = reverse("review-working-copy", kwargs={"pk": review.pk})
    assert api.get(copy_url).status_code == 404


def test_working_copy_published_is_found_by_search() -> None:
    review = make_review()
    save_copy(review)
    services.review_working_copy_publish(
        review=review, by=review.author, expected_version=review.version
    )
    assert paper_found_by(review.paper, SECRET)


def editor_post(client: Client, review: Review, button: str, **changes: str) -> Any:
    data = {
        **vars(services.ReviewContent.from_review(review)),
        "version": str(review.version),
        button: "1",
        **changes,
    }
    return client.post(reverse("review_edit", args=[review.paper_id]), data)


def test_editor_saves_working_copy_and_reopens_it() -> None:
    review = make_review(thoughts="Published opinion.")
    client = client_of(review.author)

    response = editor_post(client, review, "working_copy", thoughts=f"{SECRET} draft.")

    assert response.url == reverse("review_edit", args=[review.paper_id])
    review.refresh_from_db()
    assert review.thoughts == "Published opinion."
    editor = page_of(client.get(response.url))
    assert f"{SECRET} draft." in editor
    assert 'id="working-copy-note"' in editor
    assert 'name="discard_working_copy"' in editor
    page = page_of(client.get(review.get_absolute_url()))
    assert 'class="working-copy-note"' in page
    assert 'class="working-copy-note"' not in page_of(Client().get(review.get_absolute_url()))


def test_editor_publish_changes_publishes_and_drops_copy() -> None:
    review = make_review()
    save_copy(review)
    response = editor_post(client_of(review.author), review, "publish", thoughts="Final.")
    assert response.url == review.get_absolute_url()
    review.refresh_from_db()
    assert (review.thoughts, review.revisions.count()) == ("Final.", 2)
    assert not ReviewWorkingCopy.objects.exists()


def test_editor_discard_working_copy_keeps_published_review() -> None:
    review = make_review(thoughts="Published opinion.")
    save_copy(review)
    response = editor_post(client_of(review.author), review, "discard_working_copy")
    assert response.url == reverse("review_edit", args=[review.paper_id])
    review.refresh_from_db()
    assert (review.thoughts, ReviewWorkingCopy.objects.count()) == ("Published opinion.", 0)


def test_editor_working_copy_on_stale_version_is_409_and_keeps_text() -> None:
    review = make_review()
    stale = Review.objects.get(pk=review.pk)
    publish_again(review, tldr="Published elsewhere.")
    response = editor_post(client_of(review.author), stale, "working_copy", thoughts="Mine.")
    assert response.status_code == 409
    assert "Mine." in response.content.decode()
    assert not ReviewWorkingCopy.objects.exists()


def test_api_working_copy_round_trip() -> None:
    review = make_review(tldr="Published.")
    client = api_client(review.author)
    url = reverse("review-working-copy", kwargs={"pk": review.pk})
    etag = client.get(reverse("review-detail", kwargs={"pk": review.pk}))["ETag"]

    assert client.get(url).status_code == 404
    assert client.patch(url, {"tldr": "Later."}, format="json").status_code == 428
    saved = client.patch(url, {"tldr": "Later."}, format="json", headers={"If-Match": etag})
    assert (saved.status_code, saved.json()["tldr"], saved["ETag"]) == (200, "Later.", etag)
    assert saved.json()["thoughts"] == review.thoughts
    assert client.get(url).json()["tldr"] == "Later."

    publish = reverse("review-working-copy-publish", kwargs={"pk": review.pk})
    assert client.post(publish, headers={"If-Match": '"review-0-v0"'}).status_code == 412
    published = client.post(publish, headers={"If-Match": etag})
    assert (published.status_code, published.json()["tldr"]) == (200, "Later.")
    assert published["ETag"] != etag
    assert client.get(url).status_code == 404
    assert client.post(publish, headers={"If-Match": published["ETag"]}).status_code == 400


def test_api_working_copy_discard() -> None:
    review = make_review()
    save_copy(review)
    client = api_client(review.author)
    url = reverse("review-working-copy", kwargs={"pk": review.pk})
    etag = client.get(reverse("review-detail", kwargs={"pk": review.pk}))["ETag"]
    assert client.delete(url, headers={"If-Match": etag}).status_code == 204
    assert not ReviewWorkingCopy.objects.exists()
    assert client.delete(url, headers={"If-Match": etag}).status_code == 404
