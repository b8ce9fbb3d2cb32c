"""Separate budgets for anonymous reads, member reads and writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
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
