"""Every answer under /api/ is JSON, errors included, whatever DEBUG is."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from reviews.models import Review
from tests.factories import make_review

ODD_PATHS = [
    # No route matches a path with a newline in it (the API's catch-all neither).
    ("/api/reading-lists/%C3%9C%0A%C3%9C/bibtex/", 404),
    ("/api/no-such-thing/", 404),
    # NUL is refused before any view: PostgreSQL text cannot hold it.
    ("/api/reviews/?search=a%00b", 400),
    ("/api/papers/%00/", 400),
]


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize(("path", "status"), ODD_PATHS)
def test_api_error_is_json(client: Client, db: None, settings, debug: bool, path, status) -> None:
    settings.DEBUG = debug

    response = client.get(path)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_api_body_over_the_upload_limit_413_json_changes_nothing(
    client: Client, author, settings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    review = make_review(author=author, published=False)
    client.force_login(author)

    response = client.patch(
        f"/api/reviews/{review.pk}/",
        json.dumps({"introduction": "x" * 4096}),
        content_type="application/json",
        headers={"If-Match": f'"review-{review.pk}-v{review.version}"'},
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == "The request body is over 1.0\xa0KB."
    assert Review.objects.get(pk=review.pk).introduction == review.introduction


def test_api_crash_is_json_500(client: Client, db: None, settings, monkeypatch) -> None:
    from reviews.api.views import reviews as review_views

    def crash(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(review_views.ReviewViewSet, "list", crash)
    client.raise_request_exception = False

    response = client.get("/api/reviews/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Internal Server Error"}


def test_site_pages_keep_their_html_errors(client: Client, db: None) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
