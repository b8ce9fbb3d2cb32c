"""The bell in the header: a link to the notifications page with my unread count."""

from __future__ import annotations

from typing import Any

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("notifications/partials/bell.html", takes_context=True)
def notification_bell(context: dict[str, Any]) -> dict[str, Any]:
    """One query, for signed-in members only."""
    user = context["request"].user
    return {"unread": selectors.unread_count(user)}
