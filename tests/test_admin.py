"""Organizers can edit everything in the admin, and admin edits keep cached HTML in step."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from reviews.models import Invite, Review
from tests.factories import EntryFactory, make_comment, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(organizer) -> Client:
    organizer.is_superuser = True
    organizer.save()
    client = Client()
    client.force_login(organizer)
    return client


def test_admin_every_model_changelist_and_add_page_open(
    staff_client: Client, organizer, author
) -> None:
    request = RequestFactory().get("/")
    request.user = organizer
    review = make_review(author=author)
    make_comment(review=review, author=author)
    EntryFactory(paper=review.paper)
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert staff_client.get(changelist).status_code == 200, changelist
        if admin.site._registry[model].has_add_permission(request):
            add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            assert staff_client.get(add).status_code == 200, add
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert staff_client.get(change).status_code == 200, change


def test_admin_review_edit_rerenders_html_and_bumps_version(staff_client: Client, author) -> None:
    review = make_review(author=author)
    url = reverse("admin:reviews_review_change", args=[review.pk])
    data = {
        "paper": review.paper_id,
        "author": author.pk,
        "tldr": review.tldr,
        "language": "ko",
        "status": "published",
        "introduction": "관리자가 고친 소개 $\\alpha$",
        "core_algorithm": review.core_algorithm,
        "results": review.results,
        "thoughts": review.thoughts,
    }
    response = staff_client.post(url, data)
    assert response.status_code == 302
    review.refresh_from_db()
    assert "관리자가 고친 소개" in review.introduction_html
    assert "<math" in review.introduction_html
    assert review.version == 2


def test_admin_invite_shows_link(staff_client: Client, organizer) -> None:
    response = staff_client.post(
        reverse("admin:reviews_invite_add"),
        {"expires_at_0": "2030-01-01", "expires_at_1": "00:00:00"},
    )
    assert response.status_code == 302
    invite = Invite.objects.get()
    assert invite.created_by == organizer
    page = staff_client.get(reverse("admin:reviews_invite_change", args=[invite.pk]))
    assert invite.get_absolute_url().encode() in page.content


def test_admin_closed_to_members(member) -> None:
    client = Client()
    client.force_login(member)
    response = client.get(reverse("admin:reviews_review_changelist"))
    assert response.status_code == 302
    assert Review.objects.count() == 0
