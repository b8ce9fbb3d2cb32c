"""Korean everywhere: texts formatted at import time, and the demo experiments' texts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import Member


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("ko", ".bib 또는 .txt, UTF-8, 최대 2048 KB."), ("en", ".bib or .txt, UTF-8, up to 2048 KB.")],
)
def test_upload_help_follows_ui_language(member: Member, language: str, expected: str) -> None:
    member.preferred_language = language
    member.save(update_fields=["preferred_language"])
    client = Client()
    client.force_login(member)
    assert expected in client.get(reverse("import_papers")).content.decode()
