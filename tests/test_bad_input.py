"""Hostile and malformed requests get a 4xx with a message, change nothing, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from reviews.models import Comment, EntryStatus, Review
from tests.factories import EntryFactory, make_review

pytestmark = pytest.mark.django_db

SECTIONS = {"introduction": "a", "core_algorithm": "b", "results": "c", "thoughts": "d"}


@pytest.fixture
def client_for(author) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(author)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/members/a%00b/",
        "/lists/x%00/",
        "/feeds/tags/a%00.atom",
        "/feeds/members/%00.rss",
        "/invite/%00/",
        "/lists/x/?q=%00",
        "/papers/99999999999999999999999/",
        "/reviews/1/history/?a=x&b=%00",
        "/papers/1/compare/?section=%ff%fe",
    ],
)
def test_bad_urls_are_4xx(url: str) -> None:
    response = Client(raise_request_exception=True).get(url)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "data",
    [
        {"version": "99999999999999999999999999", "language": "en", **SECTIONS},
        {"version": "-1", "language": "en", **SECTIONS},
        {"version": "one", "language": "en", **SECTIONS},
        {"version": "1", "language": "xx", **SECTIONS},
        {"version": "1", "language": "en", **SECTIONS, "results": "x\x00y"},
        {"version": "1", "language": "en", **SECTIONS, "tldr": "t" * 301},
        {"version": "1", "language": "en", **SECTIONS, "thoughts": "가" * 40_000},
    ],
)
def test_review_edit_bad_form_changes_nothing(client_for: Client, author, data: dict) -> None:
    review = make_review(author=author)
    before = Review.objects.values().get(pk=review.pk)
    response = client_for.post(f"/papers/{review.paper_id}/review/", {**data, "publish": "1"})
    assert response.status_code == 400
    assert b"field-error" in response.content or b"form-errors" in response.content
    assert Review.objects.values().get(pk=review.pk) == before


def test_review_edit_invalid_utf8_body_is_not_a_500(client_for: Client, author) -> None:
    review = make_review(author=author)
    body = f"version={review.version}&language=en&introduction=%ff%fe%fd&publish=1".encode()
    response = client_for.post(
        f"/papers/{review.paper_id}/review/",
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (302, 400)


@pytest.mark.parametrize(
    "data",
    [
        {"body": ""},
        {"body": "x\x00"},
        {"body": "ok", "parent": "99999999999999999999999"},
        {"body": "ok", "parent": "abc"},
        {"body": "ok", "section": "appendix"},
        {"body": "가" * 40_000},
    ],
)
def test_comment_bad_form_changes_nothing(client_for: Client, author, data: dict) -> None:
    review = make_review(author=author)
    response = client_for.post(f"/reviews/{review.pk}/comments/", data)
    assert response.status_code == 400
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("status", ["", "skimmed", "\x00", "reviewed" * 100])
def test_entry_status_bad_value_changes_nothing(client_for: Client, status: str) -> None:
    entry = EntryFactory()
    response = client_for.post(f"/entries/{entry.pk}/status/", {"status": status})
    assert response.status_code == 400
    assert EntryStatus.objects.count() == 0


def test_preview_without_a_section_is_400(client_for: Client) -> None:
    assert client_for.post("/preview/", {"nothing": "x"}).status_code == 400


def test_preview_names_the_section_that_fired(client_for: Client) -> None:
    response = client_for.post(
        "/preview/",
        {"introduction": "first", "results": "$x^2$"},
        headers={"HX-Request": "true", "HX-Trigger-Name": "results"},
    )
    assert response.status_code == 200
    assert b"<msup>" in response.content
    assert b"first" not in response.content


def test_login_with_nul_is_a_form_error() -> None:
    response = Client().post("/login/", {"username": "a\x00", "password": "x"})
    assert response.status_code == 200
    assert b"form-errors" in response.content or b"field-error" in response.content
