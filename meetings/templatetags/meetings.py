"""Blocks other apps' pages show: "what's next for me" and a member's calendar links."""

from __future__ import annotations

from typing import Any

from django import template

from .. import selectors
from ..calendar import calendar_token
from ..models import CalendarKey

register = template.Library()


@register.inclusion_tag("meetings/partials/whats_next.html", takes_context=True)
def whats_next(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    if not user.is_authenticated:
        return {"answers": None}
    return {
        "answers": selectors.whats_next(member=user),
        "swaps": list(selectors.pending_swaps(member=user)),
        "user": user,
    }


@register.inclusion_tag("meetings/partials/member_calendar.html", takes_context=True)
def member_calendar(context: dict[str, Any], member: Any) -> dict[str, Any]:
    """The member's own private calendar address, shown to that member alone."""
    user = context["request"].user
    if not (user.is_authenticated and user.pk == member.pk):
        return {"show": False}
    key = CalendarKey.objects.filter(member=user, active=True).first()
    return {
        "show": True,
        "token": calendar_token(key) if key else "",
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }
