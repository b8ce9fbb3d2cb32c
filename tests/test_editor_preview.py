"""The editor's preview endpoint: a refused section comes back with its reason."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import Member
from reviews.sections import MAX_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_preview_over_limit_is_400_with_the_reason_as_an_alert(writer: Client) -> None:
    response = writer.post(
        reverse("review_preview"),
        {"results": "a" * (MAX_BYTES + 1)},
        headers={"HX-Request": "true", "HX-Trigger-Name": "results"},
    )
    assert response.status_code == 400
    assert response.content.decode().strip() == (
        '<p class="preview-error" role="alert">This section is 101 KB; the limit is 100 KB.</p>'
    )


def test_preview_at_limit_renders(writer: Client) -> None:
    response = writer.post(reverse("review_preview"), {"results": "a" * MAX_BYTES})
    assert response.status_code == 200


def test_preview_without_section_says_so(writer: Client) -> None:
    response = writer.post(reverse("review_preview"), {"tldr": "x"})
    assert response.status_code == 400
    assert b'class="preview-error"' in response.content
    assert b"Nothing to preview." in response.content


def test_editor_carries_the_preview_failure_messages(writer: Client, member: Member) -> None:
    from tests.factories import PaperFactory

    page = writer.get(reverse("review_edit", args=[PaperFactory().pk])).content.decode()
    assert 'data-preview-failed="The preview could not be rendered' in page
    assert 'data-preview-offline="The preview could not reach the server' in page
