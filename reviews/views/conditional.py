"""Conditional GETs: anonymous pages and feeds answer 304 while what they show is unchanged.

The ETag is computed before the view runs, from a selector's version of the page (one cheap
query), so a 304 costs that query and no rendering. It also covers the visitor's language
and cookies: a page carries the visitor's CSRF token and any pending message, so it is
never reused across cookies. Signed-in pages (and requests with a session) are not
conditional. The ETag turns over every ETAG_LIFETIME_S as well, which bounds how long a
rename shown on another page (a paper's title in a member's list) can stay unnoticed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import condition

ETAG_LIFETIME_S = 300

Version = Callable[..., object]
View = Callable[..., HttpResponse]


def conditional_page(version: Version) -> Callable[[View], View]:
    """Answer 304 to a matching If-None-Match; `version(request, *args, **kwargs)` (None
    when the page has no version: missing, or changing by the second) runs first."""

    def decorator(view: View) -> View:
        def etag(request: HttpRequest, *args: Any, **kwargs: Any) -> str | None:
            if not _anonymous(request):
                return None
            found = version(request, *args, **kwargs)
            return None if found is None else page_etag(request, found)

        conditional_view = condition(etag_func=etag)(view)

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = conditional_view(request, *args, **kwargs)
            if response.has_header("ETag"):
                # Revalidate each time, and never from a shared cache: the page holds this
                # visitor's CSRF token.
                patch_cache_control(response, private=True, no_cache=True)
            return response

        return wrapper

    return decorator


def page_etag(request: HttpRequest, version: object) -> str:
    key = repr(
        (
            version,
            request.get_full_path(),
            get_language(),
            request.headers.get("Cookie", ""),
            etag_period(),
        )
    )
    return f'W/"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'


def etag_period() -> int:
    return int(time.time() // ETAG_LIFETIME_S)


def _anonymous(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and not request.user.is_authenticated
