"""Separate budgets for anonymous reads, member reads and writes, and for bad tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:
    from rest_framework.views import APIView


class _ScopedThrottle(SimpleRateThrottle):
    def applies(self, request: Request) -> bool:
        raise NotImplementedError

    def allow_request(self, request: Request, view: APIView) -> bool:
        if not self.applies(request):
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"member-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonReadThrottle(_ScopedThrottle):
    scope = "anon_read"

    def applies(self, request: Request) -> bool:
        return request.method in SAFE_METHODS and not request.user.is_authenticated


class MemberReadThrottle(_ScopedThrottle):
    scope = "member_read"

    def applies(self, request: Request) -> bool:
        return request.method in SAFE_METHODS and request.user.is_authenticated


class WriteThrottle(_ScopedThrottle):
    scope = "write"

    def applies(self, request: Request) -> bool:
        return request.method not in SAFE_METHODS


class BadTokenThrottle(SimpleRateThrottle):
    """Failed token checks per address, counted in the cache like the budgets above.

    TokenAuthentication asks before it looks a key up and records each failure; the view
    throttles run only after authentication, so they never see a refused token.
    """

    scope = "bad_token"

    def get_rate(self) -> str:
        # Read the live setting: the class attribute THROTTLE_RATES is copied at import.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request: Request | HttpRequest, view: APIView | None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def wait_before_next(self, request: Request | HttpRequest) -> float | None:
        """Seconds until this address may try a token again; None if it may now."""
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) < self.num_requests:
            return None
        # Newest first: the address may try again once the limit-th newest failure expires.
        return self.duration - (self.now - self.history[self.num_requests - 1])

    def failure_record(self, request: Request | HttpRequest) -> None:
        self.wait_before_next(request)
        self.throttle_success()
