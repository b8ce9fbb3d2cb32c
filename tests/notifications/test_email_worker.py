"""A reply reaches its addressee's inbox the way it does in production: the page's request
commits, the fan-out queues a task on a real Redis broker, a real Celery worker process sends
through a real SMTP server process, and the message is received and parsed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from notifications.enums import Kind
from notifications.models import Notification
from tests.factories import MemberFactory, make_comment, make_review
from tests.smtp import smtp_server
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_reply_is_mailed_by_the_worker_after_the_request(tmp_path: Path) -> None:
    author = MemberFactory(username="author", email="")
    asker = MemberFactory(username="asker", email="asker@example.org", preferred_language="ko")
    review = make_review(author=author)
    question = make_comment(review=review, author=asker, body="Why $\\sqrt{t}$?")
    client = Client()
    client.force_login(author)
    with smtp_server(tmp_path) as smtp, celery_worker(tmp_path, **smtp.env()) as worker:
        response = client.post(
            reverse("comment_create", args=[review.pk]),
            {
                "body": "Because $\\eta_t \\propto 1/\\sqrt{t}$ keeps the sum finite.",
                "parent": question.pk,
            },
        )
        assert response.status_code == 302
        try:
            (message,) = smtp.wait_for(1, timeout=60)
        except AssertionError:
            pytest.fail(f"no mail\n--- worker log ---\n{worker.log()[-4000:]}")
    assert message["To"] == "asker@example.org"
    assert "답글" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "$\\eta_t \\propto 1/\\sqrt{t}$" in text
    assert "math-source" in html and "<math" not in html
    note = Notification.objects.get(recipient=asker)
    assert note.kind == Kind.REPLY and note.emailed_at is not None
