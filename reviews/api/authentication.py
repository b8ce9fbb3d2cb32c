"""`Authorization: Token <key>` or `Bearer <key>`, checked against hashed member tokens.

Refused tokens are counted per address (BadTokenThrottle). Once an address has used up that
budget, every token it sends is refused with 429 until the window passes, the right one
too: answering a right key differently would let guessing go on behind the limit.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from reviews.models import ApiToken, Member
from reviews.services import api_token_hash

from .throttling import BadTokenThrottle

KEYWORDS = (b"token", b"bearer")
# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION_S = 60


class TokenAuthentication(authentication.BaseAuthentication):
    """A revoked token or a deactivated member is refused on the very next request."""

    def authenticate(self, request: Request) -> tuple[Member, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        throttle = BadTokenThrottle()
        wait = throttle.wait_before_next(request)
        if wait is not None:
            raise exceptions.Throttled(
                wait=max(1, math.ceil(wait)),
                detail=_("Too many refused tokens from this address."),
            )
        try:
            return self.check(header)
        except exceptions.AuthenticationFailed:
            throttle.failure_record(request)
            raise

    def check(self, header: list[bytes]) -> tuple[Member, ApiToken]:
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send exactly one token after the keyword."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = (
            ApiToken.objects.select_related("member")
            .filter(key_hash=api_token_hash(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.member.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if (
            token.last_used_at is None
            or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_S
        ):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.member, token

    def authenticate_header(self, request: Request) -> str:
        return 'Token realm="api"'


class MembersOnlyAuthentication(authentication.BaseAuthentication):
    """Last in line: with MEMBERS_ONLY on, a request no scheme above signed in gets 401.

    The pages' half of MEMBERS_ONLY is reviews.middleware.MembersOnlyMiddleware, which
    leaves /api/ to this class: only here are token clients known.
    """

    def authenticate(self, request: Request) -> None:
        if settings.MEMBERS_ONLY:
            raise exceptions.NotAuthenticated()
        return None
