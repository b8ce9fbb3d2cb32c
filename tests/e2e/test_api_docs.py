"""The API docs (Swagger UI and Redoc) render offline, from vendored assets, under the CSP."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.e2e.support import PageGuard, Session

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Request

pytestmark = pytest.mark.e2e

# Both UIs list every operation path; these two must show up once the schema is rendered.
EXPECTED_PATHS = ("/api/reviews/", "/api/papers/{id}/")


def _watch_requests(context: BrowserContext) -> list[str]:
    """Every URL any page of the context asks for: documents, assets, fetch() and workers."""
    urls: list[str] = []

    def record(request: Request) -> None:
        urls.append(request.url)

    context.on("request", record)
    return urls


def _foreign(urls: list[str], base_url: str) -> list[str]:
    origin = urlsplit(base_url)
    allowed = {(origin.scheme, origin.netloc)}
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in ("data", "blob", "about")
        and (urlsplit(url).scheme, urlsplit(url).netloc) not in allowed
    ]


def _directive(policy: str, name: str) -> str:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0].lower() == name:
            return " ".join(words[1:])
    return ""


def _assert_strict_scripts(page: Page, path: str) -> None:
    response = page.request.get(path)
    assert response.status == 200, f"{path} answered {response.status}"
    policy = response.headers.get("content-security-policy", "")
    script_src = _directive(policy, "script-src") or _directive(policy, "default-src")
    assert script_src, f"no script-src in the CSP of {path}: {policy!r}"
    assert "'unsafe-inline'" not in script_src, f"{path}: {script_src}"
    assert "'unsafe-eval'" not in script_src, f"{path}: {script_src}"


def test_api_docs_swagger_renders_offline(
    session: Session, page: Page, guard: PageGuard, transactional_db: None
) -> None:
    requests = _watch_requests(session.context)

    page.goto("/api/docs/")
    # Operations are rendered as blocks with the path in `.opblock-summary-path`.
    for path in EXPECTED_PATHS:
        page.locator(".opblock-summary-path", has_text=path).first.wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator(".opblock").count() >= 50, "Swagger UI rendered too few operations"
    assert "StudyGroup API" in page.locator(".info .title").inner_text()
    guard.check(page)

    assert _foreign(requests, session.base_url) == []
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in requests)
    assert any(urlsplit(url).path == "/api/schema/" for url in requests)
    _assert_strict_scripts(page, "/api/docs/")


def _open_redoc(page: Page) -> None:
    page.goto("/api/redoc/")
    # Redoc shows each operation's path in its request panel once the schema is parsed.
    for path in EXPECTED_PATHS:
        page.get_by_text(path, exact=True).first.wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    assert "StudyGroup API" in page.locator("h1").first.inner_text()


def test_api_docs_redoc_renders_offline(
    session: Session, page: Page, guard: PageGuard, transactional_db: None
) -> None:
    """The vendored Redoc bundle is patched not to fetch its footer logo from a CDN."""
    requests = _watch_requests(session.context)

    _open_redoc(page)
    guard.check(page)

    assert _foreign(requests, session.base_url) == []
    assert any("/static/vendor/redoc/bundles/redoc.standalone.js" in url for url in requests)
    assert any(urlsplit(url).path == "/api/schema/" for url in requests)
    _assert_strict_scripts(page, "/api/redoc/")
