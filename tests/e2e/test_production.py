"""The README's production path on a fresh data directory and a fresh PostgreSQL database.

`tests.stack` follows the README's steps (`DEBUG=0`, `migrate`, `collectstatic` with the
manifest storage, `check --deploy`), loads the demo group and starts the Procfile under honcho:
gunicorn, a GPU worker, a CPU worker and beat, on Redis. Then Chromium walks the main pages
and the API docs (no console error, no CSP violation, every static asset they reference
answers 200 with the right type), and one demo run goes from launch to figure.
"""

from __future__ import annotations

import json
import mimetypes
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from reviews import demo_data
from tests.e2e.support import TIMEOUT_MS, VIEWPORT, PageGuard
from tests.stack import PROXY_HEADERS, Stack, fresh_postgres_database, redis_or_skip

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

MEMBER = "minji"
ASSET_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".ico": "image/x-icon",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The deployed app with the demo group, and a token of the member's in ``stack.key``."""
    redis_or_skip()
    with fresh_postgres_database() as database_url:
        deployed = Stack(
            database_url=database_url, data_dir=tmp_path_factory.mktemp("production") / "data"
        )
        checked = deployed.prepare()
        assert "no issues" in checked.stdout, checked.stdout + checked.stderr
        deployed.manage("loaddemo")
        deployed.key = deployed.manage(
            "shell",
            "-c",
            "from reviews.models import Member; from reviews.services import api_token_create; "
            f"print(api_token_create(member=Member.objects.get(username='{MEMBER}'), "
            "name='production test')[1])",
        ).stdout.split()[-1]
        deployed.start()
        try:
            yield deployed
        finally:
            deployed.stop()


def _demo_password() -> str:
    return next(row["password"] for row in demo_data.MEMBERS if row["username"] == MEMBER)


def _pages(stack: Stack) -> list[str]:
    """The main pages, read from the API so that ids are the deployed ones."""
    review = stack.get("/api/reviews/?page_size=1").json()["results"][0]
    lists = stack.get("/api/reading-lists/").json()["results"]
    return [
        "/",
        f"/lists/{lists[0]['slug']}/",
        f"/papers/{review['paper']}/",
        f"/papers/{review['paper']}/compare/?section=results",
        f"/reviews/{review['id']}/",
        f"/reviews/{review['id']}/history/",
        f"/members/{review['author']['username']}/",
        "/login/",
        "/api/docs/",
        "/api/redoc/",
    ]


def _walk(browser: Browser, stack: Stack, paths: list[str], *, sign_in: bool) -> set[str]:
    """Open each page in a guarded context; returns the same-site asset URLs they loaded."""
    context = browser.new_context(
        base_url=stack.url,
        viewport=VIEWPORT,
        extra_http_headers=PROXY_HEADERS,
        locale="en-US",
    )
    guard = PageGuard()
    guard.attach(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS * 3)
    guard.watch(page)
    assets: set[str] = set()
    page.on(
        "request",
        lambda request: (
            assets.add(request.url)
            if request.url.startswith(stack.url) and not request.is_navigation_request()
            else None
        ),
    )
    try:
        if sign_in:
            _sign_in(page)
        for path in paths:
            page.goto(path, wait_until="networkidle")
            assert page.locator("body").count() == 1
            guard.check(page)
        return {url for url in assets if "/static/" in url}
    finally:
        context.close()


def _sign_in(page: Page) -> None:
    page.goto("/login/")
    form = page.locator("main form")
    form.locator("#id_username").fill(MEMBER)
    form.locator("#id_password").fill(_demo_password())
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "/login/" not in page.url, "signing in on the deployed app failed"


@pytest.mark.e2e
def test_production_pages_load_clean_in_chromium(stack: Stack, browser: Browser) -> None:
    paths = _pages(stack)
    anonymous = _walk(browser, stack, paths, sign_in=False)
    review_id = stack.get("/api/reviews/?page_size=1").json()["results"][0]["id"]
    signed_in = _walk(
        browser,
        stack,
        [*paths, "/account/profile/", "/papers/import/", f"/reviews/{review_id}/"],
        sign_in=True,
    )
    assets = anonymous | signed_in
    # The pages and the API docs bring their CSS, htmx, the app's script, Swagger and Redoc.
    names = {Path(urlsplit(url).path).name.split(".")[0] for url in assets}
    assert {"app", "htmx", "swagger-ui-bundle", "redoc"} <= names, sorted(names)
    for url in sorted(assets):
        _assert_asset(stack, urlsplit(url).path)


def _assert_asset(stack: Stack, path: str) -> None:
    response = stack.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    suffix = Path(path).suffix
    expected = ASSET_TYPES.get(suffix) or mimetypes.guess_type(path)[0]
    assert expected, f"{path}: no known type for {suffix}"
    assert response.headers["content-type"].split(";")[0] == expected, (
        f"{path}: {response.headers['content-type']}"
    )
    # The manifest storage serves hashed names, cacheable for ever.
    assert "max-age=315360000" in response.headers.get("cache-control", ""), path


def test_production_every_collected_asset_is_served(stack: Stack) -> None:
    manifest = json.loads((stack.data_dir / "staticfiles" / "staticfiles.json").read_text())
    hashed = sorted(manifest["paths"].values())
    assert any(name.startswith("vendor/redoc/") for name in hashed)
    for name in hashed:
        response = stack.get(f"/static/{name}")
        assert response.status_code == 200, f"{name}: {response.status_code}"


def test_production_demo_run_end_to_end(stack: Stack) -> None:
    headers = {"Authorization": f"Token {stack.key}"}
    mine = stack.get(f"/api/reviews/?author={MEMBER}&status=published", headers=headers).json()
    review = mine["results"][0]["id"]

    launched = stack.post(
        "/api/runs/",
        headers=headers,
        json={"review": review, "experiment": "mixup", "preset": "tiny"},
    )

    assert launched.status_code == 201, launched.text
    run = launched.json()
    deadline = time.monotonic() + 240
    while run["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(1)
        run = stack.get(f"/api/runs/{run['id']}/", headers=headers).json()
    assert run["status"] == "succeeded", f"{run}\n{stack.log()[-4000:]}"
    assert run["verdict"] in ("reproduced", "not_reproduced", "inconclusive")
    figure = stack.get(urlsplit(run["figure_url"]).path, headers=headers)
    assert figure.status_code == 200
    assert figure.headers["content-type"] == "image/svg+xml"
    assert figure.text.lstrip().startswith(("<svg", "<?xml"))
    page = stack.get(f"/runs/{run['id']}/", headers=headers)
    assert page.status_code == 200


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/reviews/?search=a%00b", 400),
        ("/api/reading-lists/%C3%9C%0A%C3%9C/bibtex/", 404),
        ("/api/no-such-thing/", 404),
        ("/api/papers/999999/", 404),
    ],
)
def test_production_api_errors_are_json(stack: Stack, path: str, status: int) -> None:
    response = stack.get(path)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"]
