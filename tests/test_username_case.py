"""Usernames are unique whatever their case: the database refuses "Minji" beside "minji",
forms say so, sign-in takes any case, and migration 0006 stops on existing clashes."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddConstraint, RunPython
from django.test import Client
from django.urls import reverse

from reviews.models import Invite, Member
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

migration_0006 = importlib.import_module("reviews.migrations.0006_username_case_insensitive")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_client(organizer: Member) -> Client:
    organizer.is_superuser = True
    organizer.save()
    client = Client()
    client.force_login(organizer)
    return client


def test_username_case_clash_refused_by_the_database(member: Member) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(username="MEMBER")
    assert list(Member.objects.values_list("username", flat=True)) == ["member"]


def test_username_case_clash_refused_by_full_clean(member: Member) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        Member(username="Member").full_clean(exclude=["password"])
    assert caught.value.messages == ["A member with that username already exists."]


def test_username_sign_in_any_case(member: Member) -> None:
    for username in ("member", "MEMBER", "mEmBeR"):
        client = Client()
        response = client.post("/login/", {"username": username, "password": PASSWORD})
        assert (response.status_code, response.url) == (302, "/")
        assert int(client.session["_auth_user_id"]) == member.pk


def test_username_natural_key_any_case(member: Member) -> None:
    assert Member.objects.get_by_natural_key("Member") == member


def test_username_invite_clash_is_a_form_error(member: Member, organizer: Member) -> None:
    invite = Invite.objects.create(created_by=organizer)
    response = Client().post(
        reverse("invite_accept", args=[invite.code]),
        {"username": "Member", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [
        "A user with that username already exists."
    ]
    invite.refresh_from_db()
    assert (invite.used_at, Member.objects.count()) == (None, 2)


def test_username_admin_add_clash_is_a_form_error(member: Member, staff_client: Client) -> None:
    response = staff_client.post(
        reverse("admin:reviews_member_add"),
        {
            "username": "MEMBER",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "preferred_language": "en",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [
        "A user with that username already exists."
    ]
    assert Member.objects.filter(username__iexact="member").count() == 1


def test_username_admin_rename_clash_is_a_form_error(
    member: Member, other: Member, staff_client: Client
) -> None:
    url = reverse("admin:reviews_member_change", args=[other.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"password", "groups", "user_permissions"}
    }
    data.update(
        username="Member",
        date_joined_0=other.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=other.date_joined.strftime("%H:%M:%S"),
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "A member with that username already exists."
    ]
    other.refresh_from_db()
    assert other.username == "other"


# --- migration 0006 -------------------------------------------------------------------------


def drop_case_constraint() -> None:
    """Take the constraint away inside this test's transaction, as before migration 0006."""
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX unique_member_username_ci")


def test_username_migration_checks_before_adding_the_constraint() -> None:
    operations = migration_0006.Migration.operations
    check = next(i for i, op in enumerate(operations) if isinstance(op, RunPython))
    constraint = next(i for i, op in enumerate(operations) if isinstance(op, AddConstraint))
    assert operations[check].code is migration_0006.refuse_case_clashes
    assert check < constraint


def test_username_migration_refuses_clashes_and_lists_every_group() -> None:
    drop_case_constraint()
    for username in ("minji", "Minji", "MINJI", "bob", "Bob", "carol"):
        MemberFactory(username=username)

    state = MigrationLoader(connection).project_state(("reviews", "0005_review_source"))
    operation = next(op for op in migration_0006.Migration.operations if isinstance(op, RunPython))
    with pytest.raises(RuntimeError) as caught:
        operation.database_forwards("reviews", connection.schema_editor(), state, state)
    message = str(caught.value)
    assert message.endswith(": Bob, bob; MINJI, Minji, minji")
    assert "carol" not in message


def test_username_migration_passes_without_clashes() -> None:
    drop_case_constraint()
    for username in ("minji", "bob", "carol"):
        MemberFactory(username=username)
    state = MigrationLoader(connection).project_state(("reviews", "0005_review_source"))
    member_model = state.apps.get_model("reviews", "Member")
    assert migration_0006.username_case_clashes(member_model, connection.alias) == []


def test_invite_accept_losing_a_race_for_the_name_is_a_field_error(
    member: Member, organizer: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another sign-up took the name between the form's check and the insert: a field error,
    never an IntegrityError (500), and the invite stays usable."""
    from django.core.exceptions import ValidationError

    from reviews import services

    invite = Invite.objects.create(created_by=organizer)
    monkeypatch.setattr(Member, "validate_constraints", lambda self, exclude=None: None)

    with pytest.raises(ValidationError) as refused:
        services.invite_accept(invite=invite, username="MEMBER", password=PASSWORD)

    assert list(refused.value.message_dict) == ["username"]
    invite.refresh_from_db()
    assert invite.used_by is None
    assert Member.objects.filter(username__iexact="member").count() == 1
