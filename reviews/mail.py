"""E-mail leaves through a Celery task once the transaction that caused it commits, so a
request never waits on a mail server and a rolled-back change sends nothing.

A message travels to the worker as plain data (`Mail`), and is sent there through Django's
e-mail framework: the console backend under `make run`, SMTP from the environment in
production.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass
class Mail:
    """One message: a text part, an HTML part where there is one, and extra headers."""

    to: str
    subject: str
    text: str
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def message(self) -> EmailMultiAlternatives:
        # A header may never carry a line break (Django refuses one in the subject too).
        subject = " ".join(self.subject.split())[:200]
        message = EmailMultiAlternatives(
            subject=subject,
            body=self.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.to],
            headers=self.headers,
        )
        if self.html:
            message.attach_alternative(self.html, "text/html")
        return message


def mail_send(mail: Mail) -> None:
    """Send now (in the worker)."""
    mail.message().send()


def mail_send_later(mail: Mail) -> None:
    """Queue `mail` for the worker once the current transaction commits. With the broker
    down the change still stands and the message is dropped, logged: the member asks again
    (a verification or password-reset link)."""
    from studygroup.celery import app

    data: dict[str, Any] = asdict(mail)

    def queue() -> None:
        try:
            app.send_task("reviews.send_mail", args=[data])
        except Exception:
            logger.exception("could not queue mail to %s", mail.to)

    transaction.on_commit(queue)
