"""Reading and discussing a review: comments at their section, comment edits with their
earlier text, published revisions read rendered, and the author's working copy."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import Comment, Member
from tests.factories import MemberFactory, make_comment, make_review

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
