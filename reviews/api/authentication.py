"""`Authorization: Token <key>` or `Bearer <key>`, checked against hashed member tokens."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from reviews.models import ApiToken, Member
from reviews.services import api_token_hash

KEYWORDS = (b"token", b"bearer")
# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION_S = 60


class TokenAuthentication(authentication.BaseAuthentication):
    """A revoked token or a deactivated member is refused on the very next request."""

    def authenticate(self, request: Request) -> tuple[Member, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
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
