"""Request and response policies: CSP, the member's language, members-only mode."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone, translation

Handler = Callable[[HttpRequest], HttpResponse]


class ContentSecurityPolicyMiddleware:
    """Send the strict policy on every response; pages carry no inline script or style."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class RejectNulMiddleware:
    """PostgreSQL text cannot hold NUL, so a NUL in the URL is a bad request, not a 500."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return HttpResponseBadRequest("NUL characters are not allowed in URLs.")
        return self.get_response(request)


class PreferredLanguageMiddleware:
    """Use a signed-in member's preferred language until they pick one with the switch."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if user is not None and user.is_authenticated and not chosen:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class MemberTimeZoneMiddleware:
    """Show times in a signed-in member's own time zone (the site's for everyone else)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone != settings.TIME_ZONE:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                pass
        try:
            return self.get_response(request)
        finally:
            # The zone belongs to this request, not to the thread that serves the next one.
            timezone.deactivate()


class MembersOnlyMiddleware:
    """With MEMBERS_ONLY on, send anonymous visitors to the sign-in page.

    The API is left to reviews.api.authentication.MembersOnlyAuthentication: token clients
    are known only after DRF authenticates them, and an API client wants a JSON 401, not a
    sign-in page. Private feed URLs carry their own key (reviews.feeds).
    """

    OPEN_PREFIXES = (
        "/login/",
        "/password-reset/",
        "/account/email/verify/",
        "/notifications/unsubscribe/",
        "/invite/",
        "/i18n/",
        "/static/",
        "/admin/login/",
        "/api/",
        "/feeds/private/",
    )

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.MEMBERS_ONLY
            and not request.user.is_authenticated
            and not request.path.startswith(self.OPEN_PREFIXES)
        ):
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class ApiJsonErrorsMiddleware:
    """Every answer under /api/ is JSON, whatever DEBUG is.

    DRF answers its own errors in JSON; this covers the ones Django answers before or around a
    view (no route for an odd path, a NUL in the URL, a body over the upload limit, a crash),
    which would otherwise be the site's HTML pages or Django's debug pages.
    """

    PREFIX = "/api/"
    # The API's HTML pages (Swagger UI, Redoc) are not errors and stay as they are.
    JSON_TYPES = ("application/json", "application/problem+json")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith(self.PREFIX)
            or response.get("Content-Type", "").startswith(self.JSON_TYPES)
        ):
            return response
        json_response = JsonResponse(
            {"detail": response.reason_phrase or "Error."}, status=response.status_code
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate", "Vary"):
            if header in response:
                json_response[header] = response[header]
        return json_response
