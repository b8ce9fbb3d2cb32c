"""Sign-in protection: how our pages that check a secret use django-axes.

Axes counts failed sign-ins per account and per address (settings: AXES_*). The sign-in
form and the admin reach it through the authentication backend below; the invite page and
the password change check their secrets themselves, so they ask `refusal` before checking
and report each failure with `failure_record`, which counts it exactly like a failed sign-in.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework.throttling import BaseThrottle

USERNAME_FIELD = "username"


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, first in AUTHENTICATION_BACKENDS.

    A call without a request has no client to count (the test client's `login()`, a shell);
    every sign-in over HTTP passes its request, so it is checked.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def attempt_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The account an attempt counts against (AXES_USERNAME_CALLABLE).

    Sign-in accepts a username in any case (reviews.models.MemberManager), so "MINJI" and
    "minji" must share one count, or changing case would dodge the per-account limit.
    """
    if credentials:
        username = credentials.get(USERNAME_FIELD)
    else:
        username = request.POST.get(USERNAME_FIELD)
    return username.lower() if isinstance(username, str) else username


def client_address(request: HttpRequest) -> str | None:
    """The address an attempt counts against (AXES_CLIENT_IP_CALLABLE).

    The same rule as the API throttles (DRF's, trusting X-Forwarded-For for API_NUM_PROXIES
    proxies only), so a client cannot pick its own address. Anything that is not an IP
    address falls back to the connection's, as the database column holds addresses only.
    """
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return request.META.get("REMOTE_ADDR")


def cooloff_seconds(request: HttpRequest) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else 0


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """429 with the lockout message (AXES_LOCKOUT_CALLABLE); the sign-in page keeps its form."""
    seconds = cooloff_seconds(request)
    context: dict[str, Any] = {"cooloff_minutes": max(1, math.ceil(seconds / 60))}
    if request.path == reverse("login"):
        template = "registration/login.html"
        context["form"] = AuthenticationForm(request)
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            context["next"] = next_url
    else:
        template = "registration/locked_out.html"
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def refusal(request: HttpRequest, *, username: str) -> HttpResponse | None:
    """The lockout page if this account or address is locked out now, else None."""
    if AxesProxyHandler.is_allowed(request, {USERNAME_FIELD: username}):
        return None
    return lockout_response(request)


def failure_record(request: HttpRequest, *, username: str) -> None:
    """Count a wrong secret for this account and address, as a failed sign-in counts.

    When this failure reaches the limit, axes flags the request and its middleware answers
    with the lockout page instead of the view's response.
    """
    user_login_failed.send(sender=__name__, credentials={USERNAME_FIELD: username}, request=request)
