"""Sign-in abuse: failed sign-ins, invite codes and old passwords lock out an account or address.

The counts are django-axes' (settings AXES_*), kept in the database, so each test starts
from none. The limit is pinned to 3 here; the cool-off is the default 15 minutes, and the
tests move the recorded failures back in time instead of waiting.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from reviews.models import Invite, Member
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 3
COOLOFF_S = 15 * 60
LOCKOUT_TEXT = "Too many failed attempts for this account or from this address."
LOGIN = "/login/"
NEW_PASSWORD = "a-new-Passphrase-42"


@pytest.fixture(autouse=True)
def _small_limit(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(seconds=COOLOFF_S)


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in_as(client: Client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def assert_locked_out(response: Any) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(COOLOFF_S)
    assert LOCKOUT_TEXT in response.content.decode()


def age_failures(seconds: int) -> None:
    """Move every recorded failure `seconds` into the past."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(seconds=seconds)
        attempt.save(update_fields=["attempt_time"])


# --- the sign-in form -----------------------------------------------------------------------


def test_signin_wrong_password_below_limit_shows_form_error(member: Member) -> None:
    client = from_address("198.51.100.1")
    codes = [sign_in(client, "member", "wrong").status_code for _ in range(LIMIT - 1)]
    assert codes == [200] * (LIMIT - 1)
    assert sign_in(client, "member", PASSWORD).status_code == 302
    assert signed_in_as(client) == member.pk


def test_signin_locked_after_limit_failures_per_account(member: Member) -> None:
    # Each failure from another address: only the account's count can reach the limit.
    for i in range(LIMIT - 1):
        assert sign_in(from_address(f"198.51.100.{i}"), "member", "wrong").status_code == 200
    assert_locked_out(sign_in(from_address("198.51.100.50"), "member", "wrong"))

    # The right password, from an address that never failed, waits for the cool-off too.
    client = from_address("203.0.113.9")
    assert_locked_out(sign_in(client, "member", PASSWORD))
    assert signed_in_as(client) is None


def test_signin_locked_after_limit_failures_per_address(member: Member, other: Member) -> None:
    client = from_address("198.51.100.7")
    for username in ("nobody-1", "nobody-2"):
        assert sign_in(client, username, "wrong").status_code == 200
    assert_locked_out(sign_in(client, "nobody-3", "wrong"))

    assert_locked_out(sign_in(client, "member", PASSWORD))
    assert signed_in_as(client) is None
    # The accounts themselves are not locked: from elsewhere the member signs in.
    elsewhere = from_address("203.0.113.9")
    assert sign_in(elsewhere, "member", PASSWORD).status_code == 302
    assert signed_in_as(elsewhere) == member.pk


def test_signin_lockout_page_keeps_the_form_and_says_how_long(member: Member) -> None:
    client = from_address("198.51.100.1")
    for _ in range(LIMIT - 1):
        sign_in(client, "member", "wrong")
    response = sign_in(client, "member", "wrong")
    assert_locked_out(response)
    page = response.content.decode()
    assert "Please wait 15 min before trying again." in page
    assert 'name="password"' in page


@pytest.mark.parametrize(
    ("next_url", "kept"), [("/lists/x/", True), ("https://evil.example/", False)]
)
def test_signin_lockout_page_keeps_only_a_safe_next(
    member: Member, next_url: str, kept: bool
) -> None:
    client = from_address("198.51.100.1")
    for _ in range(LIMIT):
        response = client.post(LOGIN, {"username": "member", "password": "x", "next": next_url})
    assert_locked_out(response)
    assert (f'value="{next_url}"' in response.content.decode()) is kept


def test_signin_lockout_message_in_korean(member: Member) -> None:
    client = from_address("198.51.100.1")
    client.cookies["django_language"] = "ko"
    for _ in range(LIMIT):
        response = sign_in(client, "member", "wrong")
    assert response.status_code == 429
    assert "15분 후에 다시 시도하세요" in response.content.decode()


def test_signin_lock_ends_after_cooloff(member: Member) -> None:
    client = from_address("198.51.100.1")
    for _ in range(LIMIT):
        sign_in(client, "member", "wrong")
    assert_locked_out(sign_in(client, "member", PASSWORD))

    age_failures(COOLOFF_S + 1)
    assert sign_in(client, "member", PASSWORD).status_code == 302
    assert signed_in_as(client) == member.pk


def test_signin_tries_while_locked_do_not_extend_cooloff(member: Member) -> None:
    """A stranger who keeps trying cannot keep the member out past one cool-off."""
    stranger = from_address("198.51.100.66")
    for _ in range(LIMIT):
        sign_in(stranger, "member", "wrong")
    age_failures(COOLOFF_S - 60)
    for _ in range(5):
        assert_locked_out(sign_in(stranger, "member", "wrong"))
    assert list(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == [LIMIT]

    age_failures(61)
    client = from_address("203.0.113.9")
    assert sign_in(client, "member", PASSWORD).status_code == 302


def test_signin_success_resets_failures(member: Member) -> None:
    client = from_address("198.51.100.1")
    for _ in range(LIMIT - 1):
        sign_in(client, "member", "wrong")
    assert sign_in(client, "member", PASSWORD).status_code == 302
    assert AccessAttempt.objects.count() == 0

    client = from_address("198.51.100.1")
    for _ in range(LIMIT - 1):
        assert sign_in(client, "member", "wrong").status_code == 200
    assert sign_in(client, "member", PASSWORD).status_code == 302


def test_signin_username_in_any_case_signs_in_the_member(member: Member) -> None:
    client = Client()
    assert sign_in(client, "MEMBER", PASSWORD).status_code == 302
    assert signed_in_as(client) == member.pk


def test_signin_case_variants_count_against_one_account(member: Member) -> None:
    for i, username in enumerate(["MEMBER", "Member"]):
        assert sign_in(from_address(f"198.51.100.{i}"), username, "wrong").status_code == 200
    assert_locked_out(sign_in(from_address("198.51.100.9"), "mEmBeR", "wrong"))
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"member"}


def test_signin_forwarded_for_header_does_not_pick_the_address(member: Member) -> None:
    """With API_NUM_PROXIES=0 the connection's address counts, whatever the header says."""
    client = from_address("198.51.100.1")
    for i in range(LIMIT):
        client.post(
            LOGIN,
            {"username": f"nobody-{i}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}
    assert_locked_out(sign_in(client, "member", PASSWORD))


def test_signin_admin_login_locked_too(organizer: Member) -> None:
    client = from_address("198.51.100.1")
    url = reverse("admin:login")
    for _ in range(LIMIT - 1):
        response = client.post(url, {"username": "organizer", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(url, {"username": "organizer", "password": "wrong"})
    assert_locked_out(response)
    assert "Too many attempts" in response.content.decode()


# --- invite sign-up -------------------------------------------------------------------------


def invite_data(username: str = "newbie") -> dict[str, str]:
    return {"username": username, "password1": PASSWORD, "password2": PASSWORD}


def test_invite_bad_codes_lock_the_address(organizer: Member) -> None:
    invite = Invite.objects.create(created_by=organizer)
    client = from_address("198.51.100.1")
    codes = [
        client.get(reverse("invite_accept", args=[f"guess-{i}"])).status_code
        for i in range(LIMIT - 1)
    ]
    assert codes == [404] * (LIMIT - 1)
    assert_locked_out(client.get(reverse("invite_accept", args=["guess-last"])))

    # Even the real code waits, and creates nobody.
    url = reverse("invite_accept", args=[invite.code])
    assert_locked_out(client.get(url))
    assert_locked_out(client.post(url, invite_data()))
    assert Member.objects.filter(username="newbie").count() == 0

    response = from_address("203.0.113.9").post(url, invite_data())
    assert (response.status_code, response.url) == (302, "/members/newbie/")


def test_invite_used_code_counts_as_a_failure(organizer: Member) -> None:
    used = Invite.objects.create(created_by=organizer)
    client = from_address("198.51.100.1")
    assert client.post(reverse("invite_accept", args=[used.code]), invite_data()).status_code == 302
    url = reverse("invite_accept", args=[used.code])
    codes = [from_address("198.51.100.2").get(url).status_code for _ in range(LIMIT)]
    assert codes == [404] * (LIMIT - 1) + [429]


def test_invite_form_errors_do_not_count(organizer: Member) -> None:
    invite = Invite.objects.create(created_by=organizer)
    client = from_address("198.51.100.1")
    url = reverse("invite_accept", args=[invite.code])
    mismatched = {"username": "newbie", "password1": PASSWORD, "password2": "other"}
    assert [client.post(url, mismatched).status_code for _ in range(LIMIT + 1)] == [400] * (
        LIMIT + 1
    )
    assert AccessAttempt.objects.count() == 0


# --- password change ------------------------------------------------------------------------


@pytest.fixture
def member_client(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def change_password(client: Client, old: str, new: str = NEW_PASSWORD) -> Any:
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_password_change_linked_from_profile(member_client: Client) -> None:
    page = member_client.get(reverse("profile_edit")).content.decode()
    assert f'href="{reverse("password_change")}"' in page
    assert member_client.get(reverse("password_change")).status_code == 200


def test_password_change_keeps_this_session_signed_in(member: Member) -> None:
    client = from_address("198.51.100.1")
    client.force_login(member)
    response = change_password(client, PASSWORD)
    assert (response.status_code, response.url) == (302, reverse("profile_edit"))
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert client.get(reverse("profile_edit")).status_code == 200

    fresh = Client()
    assert sign_in(fresh, "member", PASSWORD).status_code == 200
    assert sign_in(fresh, "member", NEW_PASSWORD).status_code == 302


def test_password_change_weak_new_password_400_not_counted(member: Member) -> None:
    client = from_address("198.51.100.1")
    client.force_login(member)
    response = change_password(client, PASSWORD, new="12345")
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert AccessAttempt.objects.count() == 0


def test_password_change_wrong_old_password_counts_for_the_account(member: Member) -> None:
    client = from_address("198.51.100.1")
    client.force_login(member)
    for _ in range(LIMIT - 1):
        assert change_password(client, "wrong").status_code == 400
    assert_locked_out(change_password(client, "wrong"))

    # Locked: the right old password is refused too, and so is signing in to the account.
    assert_locked_out(change_password(client, PASSWORD))
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert_locked_out(sign_in(from_address("203.0.113.9"), "member", PASSWORD))

    age_failures(COOLOFF_S + 1)
    assert change_password(client, PASSWORD).status_code == 302


def test_password_change_needs_sign_in() -> None:
    response = Client().get(reverse("password_change"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
