"""Notifications by e-mail: at once, or gathered into a daily or weekly digest.

Only a verified address (`Member.email`) gets mail, only for kinds its owner did not turn
off, and only about what they may still read when the mail is built. Each message has a text
part (Markdown as written, TeX included) and an HTML part in which math shows as its TeX,
since Gmail and Apple Mail render neither MathML nor SVG. Each carries a one-click
unsubscribe (RFC 8058) through a signed link.

These run in the worker (notifications.tasks); a row is claimed (`emailed_at`) before its
mail is sent, so two workers never send it twice, and released if sending fails.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from reviews.mail import Mail, mail_send
from reviews.markdown import render_markdown
from reviews.models import Member

from . import selectors
from .enums import Delivery, Kind
from .models import Notification, NotificationSettings
from .services import delivery_of, notification_settings_for

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
ALL_KINDS = "all"
# Digests go out at this local hour; weekly ones on Monday.
DIGEST_HOUR = 8
# Notifications older than this are not mailed at once any more (the worker was down).
IMMEDIATE_WINDOW = timedelta(days=1)
DIGEST_WINDOW = {Delivery.DAILY: timedelta(days=2), Delivery.WEEKLY: timedelta(days=8)}
MAX_DIGEST_ITEMS = 100


def unsubscribe_token(member: Member, kind: str) -> str:
    return signing.dumps({"m": member.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token: str) -> tuple[Member, str] | None:
    """The member and kind (or ALL_KINDS) a link unsubscribes; None for a bad link."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    kind = data.get("k") if isinstance(data, dict) else None
    member = Member.objects.filter(pk=data.get("m") if isinstance(data, dict) else None).first()
    if member is None or kind not in (*Kind.values, ALL_KINDS):
        return None
    return member, kind


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path


@dataclass
class Item:
    """One notification as a mail shows it: its line, its link, and what was written."""

    text: str
    url: str
    body_text: str
    body_html: str


def _item(n: Notification) -> Item:
    body = ""
    if n.comment_id and n.comment is not None:
        body = n.comment.body
    elif n.review is not None and n.kind in (Kind.NEW_REVIEW, Kind.REVISION, Kind.MENTION):
        body = n.review.tldr
    html = str(render_markdown(body, id_prefix="m-", math_as_source=True)) if body else ""
    return Item(
        selectors.notification_text(n), _absolute(selectors.notification_url(n)), body, html
    )


def _message(member: Member, items: list[Item], *, kind: str, subject: str) -> Mail:
    token = unsubscribe_token(member, kind)
    unsubscribe = _absolute(reverse("notifications:unsubscribe", args=[token]))
    context = {
        "member": member,
        "items": items,
        "subject": subject,
        "site_name": settings.SITE_NAME,
        "inbox": _absolute(reverse("notifications:list")),
        "settings_url": _absolute(reverse("notifications:settings")),
        "unsubscribe": unsubscribe,
        "all_kinds": kind == ALL_KINDS,
        "kind_label": "" if kind == ALL_KINDS else Kind(kind).label,
        "LANGUAGE_CODE": translation.get_language(),
    }
    return Mail(
        to=member.email,
        subject=subject,
        text=render_to_string("notifications/email/message.txt", context),
        html=render_to_string("notifications/email/message.html", context),
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def _zone(member: Member) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(member.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _claim(ids: Iterable[int], now: datetime) -> list[int]:
    """Mark these rows e-mailed; the ids this call got (another worker may have some)."""
    claimed = []
    for pk in ids:
        if Notification.objects.filter(pk=pk, emailed_at__isnull=True).update(emailed_at=now):
            claimed.append(pk)
    return claimed


def _send(member: Member, rows: list[Notification], *, kind: str, subject_of: object) -> bool:
    """Claim `rows`, send them as one message, and release them if sending fails."""
    now = timezone.now()
    claimed = set(_claim([n.pk for n in rows], now))
    rows = [n for n in rows if n.pk in claimed]
    if not rows:
        return False
    with translation.override(member.preferred_language), timezone.override(_zone(member)):
        items = [_item(n) for n in rows]
        mail = _message(member, items, kind=kind, subject=str(subject_of(items)))
    try:
        mail_send(mail)
    except Exception:
        Notification.objects.filter(pk__in=claimed, emailed_at=now).update(emailed_at=None)
        raise
    return True


def _recipients(member_ids: Iterable[int]) -> dict[int, Member]:
    members = Member.objects.filter(pk__in=set(member_ids), is_active=True).exclude(email="")
    return {m.pk: m for m in members}


def _rows(member: Member, kinds: Iterable[str], since: datetime) -> list[Notification]:
    """Not yet mailed, of these kinds, since then: what `member` may still read, oldest first."""
    rows = selectors.inbox(member).filter(
        emailed_at__isnull=True, kind__in=list(kinds), created_at__gte=since
    )
    return list(rows.order_by("created_at", "pk"))


def email_due(*, now: datetime | None = None) -> int:
    """Mail each notification its recipient wants at once; how many messages went out."""
    now = now or timezone.now()
    pending = Notification.objects.filter(
        emailed_at__isnull=True, created_at__gte=now - IMMEDIATE_WINDOW
    ).exclude(recipient__email="")
    members = _recipients(pending.values_list("recipient_id", flat=True).distinct())
    sent = 0
    for member in members.values():
        choices = notification_settings_for(member)
        kinds = [k for k in Kind.values if delivery_of(choices, k) == Delivery.IMMEDIATE]
        for n in _rows(member, kinds, now - IMMEDIATE_WINDOW):
            sent += _send(member, [n], kind=n.kind, subject_of=lambda items: items[0].text)
    return sent


def _digest_subject(items: list[Item], delivery: str) -> str:
    values = {"site": settings.SITE_NAME, "count": len(items)}
    if delivery == Delivery.WEEKLY:
        return (
            ngettext(
                "%(site)s: %(count)d notification this week",
                "%(site)s: %(count)d notifications this week",
                len(items),
            )
            % values
        )
    return (
        ngettext(
            "%(site)s: %(count)d notification today",
            "%(site)s: %(count)d notifications today",
            len(items),
        )
        % values
    )


def _local_today(member: Member, now: datetime) -> tuple[date, int, int]:
    local = now.astimezone(_zone(member))
    return local.date(), local.hour, local.weekday()


def digests_due(*, now: datetime | None = None) -> int:
    """At DIGEST_HOUR in each member's time zone: their daily digest, and on Monday their
    weekly one, of what they chose to get that way and was not mailed yet."""
    now = now or timezone.now()
    sent = 0
    for member in Member.objects.filter(is_active=True).exclude(email=""):
        today, hour, weekday = _local_today(member, now)
        if hour != DIGEST_HOUR:
            continue
        for delivery, field in (
            (Delivery.DAILY, "daily_sent_on"),
            (Delivery.WEEKLY, "weekly_sent_on"),
        ):
            if delivery == Delivery.WEEKLY and weekday != 0:
                continue
            sent += _digest(member, delivery, field, today, now)
    return sent


@transaction.atomic
def _mark_digest(member: Member, field: str, today: date) -> bool:
    """Record today's digest; False if one was recorded already (another run)."""
    choices, _created = NotificationSettings.objects.select_for_update().get_or_create(
        member=member
    )
    if getattr(choices, field) == today:
        return False
    setattr(choices, field, today)
    choices.save(update_fields=[field, "updated_at"])
    return True


def _digest(member: Member, delivery: str, field: str, today: date, now: datetime) -> int:
    choices = notification_settings_for(member)
    kinds = [k for k in Kind.values if delivery_of(choices, k) == delivery]
    if not kinds or getattr(choices, field) == today:
        return 0
    rows = _rows(member, kinds, now - DIGEST_WINDOW[delivery])[-MAX_DIGEST_ITEMS:]
    if not rows or not _mark_digest(member, field, today):
        return 0
    return int(
        _send(
            member,
            rows,
            kind=ALL_KINDS,
            subject_of=lambda items: _digest_subject(items, delivery),
        )
    )
