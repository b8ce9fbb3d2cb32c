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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
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
from .services import delivery_of

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


def _claim(ids: list[int], now: datetime) -> set[int]:
    """Mark these rows e-mailed at `now`; the ids this call got (another worker may have
    taken some): two statements, however many rows."""
    Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=now)
    return set(Notification.objects.filter(pk__in=ids, emailed_at=now).values_list("pk", flat=True))


def _send(member: Member, rows: list[Notification], *, kind: str, subject_of: object) -> bool:
    """Claim `rows`, send them as one message, and release them if sending fails."""
    now = timezone.now()
    claimed = _claim([n.pk for n in rows], now)
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


def _unmailed(member_ids: Iterable[int], since: datetime) -> dict[int, list[Notification]]:
    """Per member, oldest first: what was not mailed yet, since then, that they may still
    read. One query for all of them."""
    rows = (
        Notification.objects.filter(
            selectors.VISIBLE,
            recipient_id__in=list(member_ids),
            emailed_at__isnull=True,
            created_at__gte=since,
        )
        .select_related(*selectors.SUBJECTS)
        .order_by("created_at", "pk")
    )
    found: dict[int, list[Notification]] = defaultdict(list)
    for n in rows:
        found[n.recipient_id].append(n)
    return found


def _choices(members: Iterable[Member]) -> dict[int, NotificationSettings]:
    ids = [m.pk for m in members]
    found = {c.member_id: c for c in NotificationSettings.objects.filter(member_id__in=ids)}
    return {pk: found.get(pk) or NotificationSettings(member_id=pk) for pk in ids}


def _mailable() -> QuerySet[Member]:
    return Member.objects.filter(is_active=True).exclude(email="")


def email_due(*, now: datetime | None = None) -> int:
    """Mail each notification its recipient wants at once; how many messages went out."""
    now = now or timezone.now()
    since = now - IMMEDIATE_WINDOW
    waiting = Notification.objects.filter(emailed_at__isnull=True, created_at__gte=since)
    members = list(_mailable().filter(pk__in=waiting.values("recipient_id")))
    choices = _choices(members)
    rows = _unmailed([m.pk for m in members], since)
    sent = 0
    for member in members:
        for n in rows.get(member.pk, []):
            if delivery_of(choices[member.pk], n.kind) == Delivery.IMMEDIATE:
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


def digests_due(*, now: datetime | None = None) -> int:
    """At DIGEST_HOUR in each member's time zone: their daily digest, and on Monday their
    weekly one, of what they chose to get that way and was not mailed yet."""
    now = now or timezone.now()
    due: list[tuple[Member, date, int]] = []
    for member in _mailable():
        local = now.astimezone(_zone(member))
        if local.hour == DIGEST_HOUR:
            due.append((member, local.date(), local.weekday()))
    if not due:
        return 0
    choices = _choices(m for m, _day, _weekday in due)
    rows = _unmailed([m.pk for m, _day, _weekday in due], now - DIGEST_WINDOW[Delivery.WEEKLY])
    sent = 0
    for member, today, weekday in due:
        for delivery, field in (
            (Delivery.DAILY, "daily_sent_on"),
            (Delivery.WEEKLY, "weekly_sent_on"),
        ):
            if delivery == Delivery.WEEKLY and weekday != 0:
                continue
            mine = choices[member.pk]
            if getattr(mine, field) == today:
                continue
            since = now - DIGEST_WINDOW[delivery]
            picked = [
                n
                for n in rows.get(member.pk, [])
                if n.created_at >= since and delivery_of(mine, n.kind) == delivery
            ][-MAX_DIGEST_ITEMS:]
            if picked and _mark_digest(member, field, today):
                sent += _send(
                    member,
                    picked,
                    kind=ALL_KINDS,
                    subject_of=lambda items, d=delivery: _digest_subject(items, d),
                )
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
