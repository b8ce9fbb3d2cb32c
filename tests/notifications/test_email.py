"""Notification mail, address verification and password reset, through a real SMTP server
process (aiosmtpd), received and parsed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from notifications import mail, services
from notifications.enums import Delivery, Kind
from notifications.models import Notification, NotificationSettings
from reviews import services as review_services
from reviews import tasks as review_tasks
from reviews.models import Invite, Member
from reviews.services import accounts
from tests.factories import PASSWORD, MemberFactory, make_comment, make_review
from tests.smtp import SmtpServer, smtp_server
from tests.worker import publishing_to

pytestmark = pytest.mark.django_db

MATH_COMMENT = (
    "The step size $\\eta_t = \\eta_0/\\sqrt{t}$ matters:\n\n"
    "| lr | acc |\n| --- | --- |\n| 0.1 | 72.5 |\n\n좋은 지적입니다 @author"
)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with smtp_server(tmp_path) as server, override_settings(**server.settings()):
        yield server


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def run_mail_callbacks(callbacks: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the on-commit callbacks a request queued, with the mail task run in this process
    instead of a worker (tests/notifications/test_email_worker.py covers the worker)."""
    from studygroup.celery import app

    def send_task(name: str, args: list[Any]) -> None:
        assert name == "reviews.send_mail"
        review_tasks.send_mail(*args)

    monkeypatch.setattr(app, "send_task", send_task)
    for callback in callbacks:
        callback()


def test_comment_is_mailed_at_once_with_math_as_tex(smtp: SmtpServer) -> None:
    author = MemberFactory(username="author", email="author@example.org")
    reader = MemberFactory(username="reader", display_name="Reader Park")
    review = make_review(author=author)
    make_comment(review=review, author=reader, section="results", body=MATH_COMMENT)
    assert mail.email_due() == 1
    (message,) = smtp.wait_for(1)
    assert message["To"] == "author@example.org"
    assert message["Subject"].startswith("Reader Park commented on Results of your review")
    text, html = parts(message)
    assert "$\\eta_t = \\eta_0/\\sqrt{t}$" in text
    assert '<code class="math-source">$\\eta_t = \\eta_0/\\sqrt{t}$</code>' in html
    assert "<math" not in html and "<svg" not in html
    assert "<table>" in html and "좋은 지적입니다" in html
    url = re.search(r"<(.+)>", message["List-Unsubscribe"])[1]
    assert urlsplit(url).path.startswith("/notifications/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Claimed once: a second run sends nothing.
    assert mail.email_due() == 0
    assert Notification.objects.get().emailed_at is not None


def test_mail_is_in_the_members_language(smtp: SmtpServer) -> None:
    author = MemberFactory(username="author", email="a@example.org", preferred_language="ko")
    reader = MemberFactory(display_name="박독자")
    make_comment(review=make_review(author=author), author=reader)
    mail.email_due()
    (message,) = smtp.wait_for(1)
    assert "박독자 님이 내" in message["Subject"]


def test_unverified_address_gets_nothing(smtp: SmtpServer) -> None:
    author = MemberFactory(email="")
    author.email_pending = "pending@example.org"
    author.save()
    make_comment(review=make_review(author=author), author=MemberFactory())
    assert mail.email_due() == 0
    assert smtp.messages() == []


def test_kind_off_or_digest_is_not_mailed_at_once(smtp: SmtpServer) -> None:
    author = MemberFactory(email="a@example.org")
    services.notification_settings_save(
        member=author, deliveries={Kind.COMMENT: Delivery.OFF, Kind.MENTION: Delivery.DAILY}
    )
    review = make_review(author=author)
    make_comment(review=review, author=MemberFactory())
    other_review = make_review(author=MemberFactory(email=""))
    make_comment(review=other_review, author=MemberFactory(), body=f"@{author.username} look")
    assert mail.email_due() == 0
    assert smtp.messages() == []


def test_unpublished_review_is_never_mailed(smtp: SmtpServer) -> None:
    author = MemberFactory(email="")
    watcher = MemberFactory(username="watcher", email="w@example.org")
    review = make_review(author=author)
    make_comment(review=review, author=MemberFactory(), body="@watcher see this")
    review_services.review_unpublish(review=review, by=author)
    assert mail.email_due() == 0
    assert smtp.messages() == []
    assert not Notification.objects.filter(recipient=watcher, emailed_at__isnull=False).exists()


def test_daily_digest_once_at_eight_in_the_members_zone(smtp: SmtpServer) -> None:
    member = MemberFactory(email="m@example.org", time_zone="America/New_York")
    services.notification_settings_save(
        member=member,
        deliveries={Kind.COMMENT: Delivery.DAILY, Kind.MENTION: Delivery.WEEKLY},
    )
    review = make_review(author=member)
    for _ in range(3):
        make_comment(review=review, author=MemberFactory(), body="$x^2$ is **bold**")
    make_comment(review=make_review(), author=MemberFactory(), body=f"@{member.username} hi")
    new_york = ZoneInfo("America/New_York")
    tuesday_7am = datetime(2026, 12, 8, 7, 10, tzinfo=new_york)
    tuesday_8am = tuesday_7am + timedelta(hours=1)
    Notification.objects.update(created_at=tuesday_7am - timedelta(hours=5))
    assert mail.digests_due(now=tuesday_7am) == 0
    assert mail.digests_due(now=tuesday_8am) == 1
    assert mail.digests_due(now=tuesday_8am + timedelta(minutes=30)) == 0
    (message,) = smtp.wait_for(1)
    assert "3 notifications today" in message["Subject"]
    text, html = parts(message)
    assert text.count("commented on your review") == 3
    assert "$x^2$" in text and '<code class="math-source">$x^2$</code>' in html
    assert "mentioned you" not in text  # weekly, on Monday
    choices = NotificationSettings.objects.get(member=member)
    assert choices.daily_sent_on == tuesday_8am.date()
    monday_8am = datetime(2026, 12, 14, 8, 5, tzinfo=new_york)
    Notification.objects.filter(kind=Kind.MENTION).update(created_at=monday_8am - timedelta(days=1))
    assert mail.digests_due(now=monday_8am) == 1
    subjects = sorted(m["Subject"] for m in smtp.wait_for(2))
    assert subjects == ["StudyGroup: 1 notification this week", "StudyGroup: 3 notifications today"]


def test_one_click_unsubscribe_signed_out_members_only_without_csrf(
    smtp: SmtpServer, settings: Any
) -> None:
    settings.MEMBERS_ONLY = True
    author = MemberFactory(email="a@example.org")
    make_comment(review=make_review(author=author), author=MemberFactory())
    mail.email_due()
    (message,) = smtp.wait_for(1)
    url = urlsplit(re.search(r"<(.+)>", message["List-Unsubscribe"])[1]).path
    client = Client(enforce_csrf_checks=True)
    assert client.get(url).status_code == 200
    assert NotificationSettings.objects.filter(member=author).count() == 0
    response = client.post(url, "List-Unsubscribe=One-Click", content_type="text/plain")
    assert response.status_code == 200
    choices = services.notification_settings_for(author)
    assert services.delivery_of(choices, Kind.COMMENT) == Delivery.OFF
    assert services.delivery_of(choices, Kind.REPLY) == Delivery.IMMEDIATE


def test_unsubscribe_altered_link_is_400_and_changes_nothing() -> None:
    member = MemberFactory()
    token = mail.unsubscribe_token(member, mail.ALL_KINDS)
    url = reverse("notifications:unsubscribe", args=[token[:-2] + "xx"])
    assert Client().post(url).status_code == 400
    assert not NotificationSettings.objects.exists()


def test_email_verification_link_sets_the_address(
    smtp: SmtpServer, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = MemberFactory(email="")
    client = Client()
    client.force_login(member)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("email_change"), {"email": "new@example.org"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.email, member.email_pending) == ("", "new@example.org")
    run_mail_callbacks(callbacks, monkeypatch)
    (message,) = smtp.wait_for(1)
    assert message["To"] == "new@example.org"
    link = re.search(r"http\S+/account/email/verify/\S+/", parts(message)[0])[0]
    # Opened signed out, as from a phone.
    page = Client().get(urlsplit(link).path)
    assert page.status_code == 200
    member.refresh_from_db()
    assert (member.email, member.email_pending) == ("new@example.org", "")
    # Used once: the same link again is refused.
    assert Client().get(urlsplit(link).path).status_code == 400


def test_email_verification_of_a_replaced_address_is_refused() -> None:
    member = MemberFactory(email="")
    accounts.member_email_request(member=member, address="first@example.org")
    first = accounts.email_token(member, "first@example.org")
    accounts.member_email_request(member=member, address="second@example.org")
    response = Client().get(reverse("email_verify", args=[first]))
    assert response.status_code == 400
    member.refresh_from_db()
    assert (member.email, member.email_pending) == ("", "second@example.org")


@pytest.mark.parametrize("address", ["", "not-an-address", "a@b", "x" * 250 + "@example.org"])
def test_email_change_bad_address_is_400_and_changes_nothing(address: str) -> None:
    member = MemberFactory(email="kept@example.org")
    client = Client()
    client.force_login(member)
    response = client.post(reverse("email_change"), {"email": address})
    assert response.status_code == 400
    member.refresh_from_db()
    assert (member.email, member.email_pending) == ("kept@example.org", "")


def test_password_reset_by_mail_to_the_verified_address_only(
    smtp: SmtpServer, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.clear()
    member = MemberFactory(username="forgetful", email="f@example.org")
    stranger = MemberFactory(email="")
    stranger.email_pending = "s@example.org"
    stranger.save()
    with django_capture_on_commit_callbacks() as callbacks:
        for address in ("f@example.org", "s@example.org", "nobody@example.org"):
            response = Client().post(reverse("password_reset"), {"email": address})
            assert response.status_code == 302
    run_mail_callbacks(callbacks, monkeypatch)
    (message,) = smtp.wait_for(1)
    assert message["To"] == "f@example.org"
    link = urlsplit(re.search(r"http\S+/password-reset/\S+/", parts(message)[0])[0]).path
    client = Client()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": "a-new-passw0rd-42", "new_password2": "a-new-passw0rd-42"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("a-new-passw0rd-42")
    assert Member.objects.get(pk=stranger.pk).check_password(PASSWORD)


def test_password_reset_mails_at_most_three_an_hour(
    smtp: SmtpServer, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.clear()
    MemberFactory(email="f@example.org")
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(6):
            Client().post(reverse("password_reset"), {"email": "f@example.org"})
    assert len(callbacks) == 3
    run_mail_callbacks(callbacks, monkeypatch)
    assert len(smtp.wait_for(3)) == 3


def test_fan_out_queues_mail_only_after_commit_and_only_for_addresses(
    django_capture_on_commit_callbacks: Any,
) -> None:
    author = MemberFactory(email="")
    review = make_review(author=author)
    with django_capture_on_commit_callbacks() as callbacks:
        make_comment(review=review, author=MemberFactory())
    assert callbacks == []
    author.email = "a@example.org"
    author.save()
    with django_capture_on_commit_callbacks() as callbacks:
        make_comment(review=review, author=MemberFactory())
    assert len(callbacks) == 1


def test_comment_stands_when_the_mail_queue_is_down(
    django_capture_on_commit_callbacks: Any,
) -> None:
    author = MemberFactory(email="a@example.org")
    review = make_review(author=author)
    reader = MemberFactory(email="r@example.org")
    client = Client()
    client.force_login(reader)
    with (
        publishing_to("redis://127.0.0.1:1/0"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(reverse("comment_create", args=[review.pk]), {"body": "Nice."})
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert Notification.objects.filter(recipient=author, emailed_at__isnull=True).count() == 1


def test_invite_address_waits_for_its_link(
    smtp: SmtpServer, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    invite = Invite.objects.create(created_by=MemberFactory(is_staff=True))
    with django_capture_on_commit_callbacks() as callbacks:
        member = review_services.invite_accept(
            invite=invite, username="newbie", password=PASSWORD, email="newbie@example.org"
        )
    assert (member.email, member.email_pending) == ("", "newbie@example.org")
    run_mail_callbacks(callbacks, monkeypatch)
    (message,) = smtp.wait_for(1)
    assert message["To"] == "newbie@example.org"
    assert "/account/email/verify/" in parts(message)[0]
