"""`make bench-scale`: every page and API list at a whole school's scale, under gunicorn.

Builds (or reuses) the dataset of tests/bench_scale_data.py on PostgreSQL (DATABASE_URL,
``sg_scale`` by default), then starts the app as in production (``DEBUG=0``, collected static
files, gunicorn with 2 sync workers; clients send ``X-Forwarded-Proto: https`` as the TLS
proxy would) and, beside it, the bare baseline of tests/bench_bare.py under the same gunicorn
settings. Each page and API list is requested at 1 and at 8 concurrent clients, anonymous and
signed in (a session for pages, an API token for the API): p50 and p95 latency, requests per
second and, at 1 client, how far one request raised a worker's peak memory. Prints a Markdown
table (also written to var/bench-scale.md) and a summary line.

    python -m tests.bench_scale                 # build if needed, then measure
    python -m tests.bench_scale --rebuild       # build the dataset anew
    python -m tests.bench_scale --only api/     # rows whose path contains "api/"
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sg_scale"
PROXY = {"X-Forwarded-Proto": "https"}
WORKERS = 2
CLIENTS = (1, 8)

# The targets.
TARGET_P95_MS = 100
TARGET_API_RATIO = 0.6
TARGET_WORKER_MB = 250
TARGET_PEAK_MB = 50

os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")

import django  # noqa: E402

django.setup()

from tests import bench_scale_data  # noqa: E402
from tests.bench_scale_data import log  # noqa: E402

# --- Processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def peak_reset(pid: int) -> None:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


@dataclass
class Server:
    """gunicorn on a free port, ``WORKERS`` sync workers."""

    name: str
    app: str
    env: dict[str, str]
    ready_path: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_file: Any = None

    def start(self, timeout: float = 60) -> None:
        self.log_file = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                self.app,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WORKERS),
                "--limit-request-line",
                "0",  # as in the Procfile
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited {self.process.returncode}:\n{self.log()}")
            try:
                if get(self.port, self.ready_path).status == 200 and len(self.workers()) == WORKERS:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"{self.name} did not start in {timeout} s:\n{self.log()}")

    def workers(self) -> list[int]:
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return sorted(int(child) for child in children)

    def rss_mb(self) -> list[float]:
        return [proc_kb(pid, "VmRSS") / 1024 for pid in self.workers()]

    def log(self) -> str:
        if self.log_file is None:
            return ""
        self.log_file.seek(0)
        return self.log_file.read().decode(errors="replace")[-5000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's master stops its workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def server_env(database_url: str, data_dir: Path) -> dict[str, str]:
    """The README's production settings; rate limits off, since one client sends it all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    return {
        **env,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "IMPORT_FETCH": "0",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_ANON": "1000000/min",
        "API_THROTTLE_MEMBER": "1000000/min",
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: bytes
    headers: http.client.HTTPMessage


def get(port: int, path: str, headers: dict[str, str] | None = None) -> Reply:
    """One request on a new connection (gunicorn's sync workers close each one)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers={**PROXY, **(headers or {})})
        response = conn.getresponse()
        return Reply(response.status, response.read(), response.headers)
    finally:
        conn.close()


def post_form(port: int, path: str, data: dict[str, str], headers: dict[str, str]) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = urlencode(data)
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                **PROXY,
                **headers,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = conn.getresponse()
        return Reply(response.status, response.read(), response.headers)
    finally:
        conn.close()


def cookies(reply: Reply) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in reply.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in(port: int, username: str, password: str) -> str:
    """The session cookie header of a member signed in through /login/."""
    page = get(port, "/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if page.status != 200 or token is None:
        raise SystemExit(f"/login/ answered {page.status} without a CSRF token")
    csrf = cookies(page)["csrftoken"]
    origin = f"https://127.0.0.1:{port}"
    reply = post_form(
        port,
        "/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": token[1].decode()},
        {"Cookie": f"csrftoken={csrf}", "Origin": origin, "Referer": f"{origin}/login/"},
    )
    session = cookies(reply).get("sessionid")
    if reply.status != 302 or not session:
        raise SystemExit(f"signing in as {username} failed: {reply.status}")
    return f"sessionid={session}; csrftoken={csrf}"


# --- Measuring -------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    path: str
    who: str  # anonymous, signed in, bare
    clients: int
    n: int = 0
    errors: int = 0
    p50: float = 0.0
    p95: float = 0.0
    rps: float = 0.0
    peak_mb: float | None = None
    note: str = ""


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest rank."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(server: Server, row: Row, headers: dict[str, str], requests: int, max_s: float) -> Row:
    """``requests`` requests over ``row.clients`` threads, stopping early after ``max_s``
    seconds (but not before every client has sent two)."""
    # Warm both workers: two rounds of two requests at once.
    for _ in range(2):
        warm = [threading.Thread(target=get, args=(server.port, row.path, headers))]
        warm.append(threading.Thread(target=get, args=(server.port, row.path, headers)))
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
    pids = server.workers()
    before: dict[int, int] = {}
    if row.clients == 1:
        for pid in pids:
            peak_reset(pid)
            before[pid] = proc_kb(pid, "VmRSS")
    samples: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    issued = 0
    start = time.perf_counter()
    deadline = start + max_s

    def client() -> None:
        nonlocal issued
        mine = 0
        while True:
            with lock:
                late = time.perf_counter() > deadline and mine >= 2
                if issued >= requests or late:
                    return
                issued += 1
            mine += 1
            t0 = time.perf_counter()
            try:
                status = get(server.port, row.path, headers).status
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                samples.append(elapsed)
                if status != 200:
                    errors.append(status)

    threads = [threading.Thread(target=client) for _ in range(row.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if before:
        row.peak_mb = max((proc_kb(pid, "VmHWM") - before[pid]) / 1024 for pid in pids)
    row.n, row.errors = len(samples), len(errors)
    row.p50, row.p95 = statistics.median(samples), percentile(samples, 0.95)
    row.rps = len(samples) / wall
    if errors:
        row.note = f"{len(errors)} not 200 ({', '.join(map(str, sorted(set(errors))))})"
    log(
        f"  {row.label} [{row.who}, {row.clients}]: p50 {row.p50:.0f} ms, p95 {row.p95:.0f} ms, "
        f"{row.rps:.1f} req/s, n={row.n}"
        + (f", peak +{row.peak_mb:.0f} MB" if row.peak_mb is not None else "")
        + (f", {row.note}" if row.note else "")
    )
    return row


# --- What is measured ------------------------------------------------------------------------


def q(word: str) -> str:
    return quote(word)


def page_rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    words = info["words"]
    lst = f"/lists/{info['largest_list']}/"
    member = info["busiest_member"]
    return [
        ("home", "/"),
        ("reading list, 500 entries", lst),
        *[
            (f"reading list search “{words[k]}”", f"{lst}?q={q(words[k])}")
            for k in ("common_en", "rare_en", "common_ko", "rare_ko")
        ],
        *[
            (f"search page “{words[k]}”", f"/search/?q={q(words[k])}")
            for k in ("common_en", "rare_en", "common_ko", "rare_ko")
        ],
        *[
            (f"search page “{words[k]}”, {name}", f"/search/?q={q(words[k])}&{name}={q(value)}")
            for k in ("common_en", "common_ko")
            for name, value in (("cohort", info["cohort"]), ("tag", info["tag"]))
        ],
        (
            f"search page “{words['common_en']}”, cohort and tag",
            f"/search/?q={q(words['common_en'])}&cohort={q(info['cohort'])}&tag={q(info['tag'])}",
        ),
        ("papers index, most reviewed", "/papers/?sort=reviewed"),
        ("paper, 50 reviews", f"/papers/{info['featured_paper']}/"),
        ("review, 200 comments", f"/reviews/{info['featured_review']}/"),
        (f"member, {info['busiest_reviews']} reviews", f"/members/{member}/"),
        ("RSS, latest reviews", "/feeds/reviews.rss"),
        ("Atom, latest reviews", "/feeds/reviews.atom"),
        ("RSS, tag", f"/feeds/tags/{info['tag']}.rss"),
        ("Atom, member", f"/feeds/members/{member}.atom"),
    ]


def api_rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    words = info["words"]
    return [
        *[
            (f"API papers search “{words[k]}”", f"/api/papers/?page_size=100&search={q(words[k])}")
            for k in ("common_en", "rare_en", "common_ko", "rare_ko")
        ],
        # No query at all: what Django, DRF and the middleware cost before any work, the
        # floor under every API row (compare it with the bare baseline's rare-word search).
        ("API root, no query", "/api/"),
        ("API reviews", "/api/reviews/?page_size=100"),
        (
            "API reviews search “" + words["rare_en"] + "”",
            f"/api/reviews/?page_size=100&search={q(words['rare_en'])}",
        ),  # fmt: skip
        ("API papers", "/api/papers/?page_size=100"),
        ("API comments", "/api/comments/?page_size=100"),
        ("API members", "/api/members/?page_size=100"),
        ("API cohorts", "/api/cohorts/?page_size=100"),
        ("API reading lists", "/api/reading-lists/?page_size=100"),
        (
            "API entries, largest list",
            f"/api/entries/?page_size=100&reading_list={info['largest_list']}",
        ),  # fmt: skip
        ("API reading status", "/api/reading-status/?page_size=100"),
        ("API bookmarks", "/api/bookmarks/?page_size=100"),
        ("API runs", "/api/runs/?page_size=100"),
    ]


SIGNED_ONLY = ("/api/reading-status/", "/api/bookmarks/")
# The bare baseline serves these, for anonymous clients.
BARE_PATHS = ("/api/reviews/?page_size=100", "/api/papers/?page_size=100&search=")


def api_token(username: str) -> str:
    from reviews.models import Member
    from reviews.services import api_token_create

    _token, key = api_token_create(
        member=Member.objects.get(username=username), name=f"bench-scale {datetime.now(UTC)}"
    )
    return key


def checks(
    app: Server, bare: Server, info: dict[str, Any], auth: dict[str, dict], notes: list[str]
) -> list[str]:
    """Drafts stay hidden, featured rows are what they say, the bare JSON is the API's."""
    problems = []
    words = info["words"]

    def count(path: str, who: str) -> int:
        reply = get(app.port, path, auth[who])
        if reply.status != 200:
            problems.append(f"{path} ({who}) answered {reply.status}")
            return -1
        return json.loads(reply.body)["count"]

    for word in (words["draft_en"], words["draft_ko"]):
        for who in ("anonymous", "signed in"):
            found = count(f"/api/papers/?search={q(word)}", who)
            if found:
                problems.append(f"papers search for the draft-only “{word}” ({who}): {found}")
        found = count(f"/api/reviews/?search={q(word)}", "anonymous")
        if found:
            problems.append(f"reviews search for the draft-only “{word}” (anonymous): {found}")
        page = get(app.port, f"/lists/{info['largest_list']}/?q={q(word)}")
        if page.status != 200 or b'class="entry"' in page.body:
            problems.append(f"reading list search for the draft-only “{word}” lists papers")
    shown = get(app.port, f"/lists/{info['largest_list']}/").body.count(b'class="entry"')
    notes.append(f"The reading-list page shows {shown} of its 500 entries.")
    reviews = count(f"/api/reviews/?paper={info['featured_paper']}", "anonymous")
    if reviews != 50:
        problems.append(f"the featured paper has {reviews} published reviews, not 50")
    comments = count(f"/api/comments/?review={info['featured_review']}", "anonymous")
    if comments != 200:
        problems.append(f"the featured review has {comments} comments, not 200")
    for key in ("rare_en", "rare_ko"):
        found = count(f"/api/papers/?search={q(words[key])}", "anonymous")
        if not 1 <= found <= 10:
            problems.append(f"“{words[key]}” is in {found} papers, not a handful")
    searches = [BARE_PATHS[1] + q(words[k]) for k in ("common_en", "rare_en", "common_ko")]
    searches += [BARE_PATHS[1] + q(words["rare_ko"]), BARE_PATHS[1] + q(words["common_en"])]
    searches[-1] += "&page=2"
    for path in (BARE_PATHS[0], BARE_PATHS[0] + "&page=3", *searches):
        ours, theirs = get(app.port, path), get(bare.port, path)
        a = json.loads(ours.body.replace(f":{app.port}/".encode(), b":PORT/"))
        b = json.loads(theirs.body.replace(f":{bare.port}/".encode(), b":PORT/"))
        if a != b:
            diff = next((k for k in a if a[k] != b.get(k)), "results")
            problems.append(f"bare JSON differs from the API's for {path} (first at {diff!r})")
    return problems


# --- Report ----------------------------------------------------------------------------------


def flag(ok: bool) -> str:
    return "" if ok else " ✗"


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| page | clients | who | n | p50 ms | p95 ms | req/s | peak raise MB |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        p95 = f"{r.p95:.0f}" + flag(r.clients > 1 or r.p95 <= TARGET_P95_MS)
        peak = "" if r.peak_mb is None else f"{r.peak_mb:.0f}" + flag(r.peak_mb <= TARGET_PEAK_MB)
        label = f"{r.label}" + (f" ({r.note})" if r.note else "")
        lines.append(
            f"| {label} | {r.clients} | {r.who} | {r.n} | {r.p50:.0f} | {p95} | {r.rps:.1f} "
            f"| {peak} |"
        )
    return lines


def ratios(rows: list[Row]) -> tuple[list[str], dict[tuple[str, int], float]]:
    by_key = {(r.path, r.who, r.clients): r for r in rows}
    lines = [
        "| API list | clients | API req/s (anonymous) | bare req/s | API / bare |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    found: dict[tuple[str, int], float] = {}
    for r in rows:
        if r.who != "bare":
            continue
        api = by_key.get((r.path, "anonymous", r.clients))
        if api is None:
            continue
        ratio = api.rps / r.rps
        found[(api.label, r.clients)] = ratio
        lines.append(
            f"| {api.label} | {r.clients} | {api.rps:.1f} | {r.rps:.1f} | "
            f"{ratio:.2f}×{flag(ratio >= TARGET_API_RATIO)} |"
        )
    return lines, found


def report(
    rows: list[Row],
    info: dict[str, Any],
    memory: dict[str, list[float]],
    problems: list[str],
    settings_line: str,
    load: str,
) -> list[str]:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    counts = info["counts"]
    built = ("reused, " if info.get("reused") else "") + f"built in {info['build_s']} s"
    if info.get("index_s"):
        built += f", search index {info['index_s']} s"
    lines = [
        f"`make bench-scale`, {now}: {counts['papers']:,} papers, {counts['reviews']:,} reviews "
        f"({counts['published']:,} published), {counts['comments']:,} comments, "
        f"{counts['members']} members, {counts['entries']:,} list entries, "
        f"{counts['statuses']:,} statuses (dataset {built}). {settings_line}",
        "",
        *table(rows),
        "",
    ]
    ratio_lines, found = ratios(rows)
    lines += [*ratio_lines, ""]
    lines.append(f"Load average (1 min) before and after the rows: {load}.")
    memory_line = "; ".join(
        f"{name} workers " + " and ".join(f"{mb:.0f} MB" for mb in values)
        for name, values in memory.items()
    )
    lines.append(f"Worker memory after the run (VmRSS): {memory_line}.")
    if problems:
        lines += ["", "Problems seen:", *[f"- {p}" for p in problems]]
    one = [r for r in rows if r.clients == 1 and r.who != "bare"]
    worst = max(one, key=lambda r: r.p95) if one else None
    peak = max((r for r in one if r.peak_mb is not None), key=lambda r: r.peak_mb, default=None)
    app_max = max(memory.get("app", [0]))
    summary = "Summary: "
    if worst is not None:
        summary += (
            f"worst p95 at 1 client {worst.p95:.0f} ms ({worst.label}, {worst.who})"
            f"{flag(worst.p95 <= TARGET_P95_MS)}; "
        )
    groups: dict[str, dict[int, list[float]]] = {}
    for (label, clients), ratio in found.items():
        name = "papers search" if "search" in label else label.removeprefix("API ")
        groups.setdefault(name, {}).setdefault(clients, []).append(ratio)
    summary += "API/bare " + "; ".join(
        f"{name} "
        + ", ".join(
            f"{min(values):.2f}"
            + (f"–{max(values):.2f}" if len(values) > 1 else "")
            + f"× at {clients}"
            for clients, values in by_clients.items()
        )
        for name, by_clients in groups.items()
    )
    summary += (
        f"; app workers {' / '.join(f'{mb:.0f}' for mb in memory.get('app', []))} MB"
        + flag(app_max <= TARGET_WORKER_MB)
        + f" (bare {' / '.join(f'{mb:.0f}' for mb in memory.get('bare', []))} MB)"
    )
    if peak is not None:
        summary += (
            f"; largest peak raise {peak.peak_mb:.0f} MB ({peak.label}, {peak.who})"
            f"{flag(peak.peak_mb <= TARGET_PEAK_MB)}"
        )
    lines += ["", summary]
    return lines


# --- Main ------------------------------------------------------------------------------------


def migrate() -> bool:
    """Apply the app's migrations; whether there were any to apply."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        call_command("migrate", "--noinput", verbosity=0)
    return bool(pending)


@contextmanager
def servers(database_url: str, data_dir: Path) -> Any:
    env = server_env(database_url, data_dir)
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"collectstatic failed:\n{done.stderr}")
    app = Server("app", "studygroup.wsgi", env, "/login/")
    bare = Server("bare", "tests.bench_bare:app", env, "/health")
    try:
        app.start()
        bare.start()
        yield app, bare
    finally:
        app.stop()
        bare.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the dataset anew")
    parser.add_argument("--build-only", action="store_true", help="build, then stop")
    parser.add_argument("--no-index", action="store_true", help="leave the search index out")
    parser.add_argument("--requests", type=int, nargs=2, default=[30, 80], metavar=("AT1", "AT8"))
    parser.add_argument("--row-seconds", type=float, default=8, help="cap on one row's time")
    parser.add_argument("--only", default="", help="rows whose path contains this")
    parser.add_argument("--output", default=str(ROOT / "var" / "bench-scale.md"))
    args = parser.parse_args()

    database_url = os.environ["DATABASE_URL"]
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("make bench-scale needs PostgreSQL: set DATABASE_URL")
    started = time.perf_counter()
    info = bench_scale_data.ensure_dataset(
        database_url, rebuild=args.rebuild, index=not args.no_index, migrate=migrate
    )
    if args.build_only:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return
    from django.conf import settings
    from django.db import connection

    key = api_token(info["busiest_member"])
    from reviews.models import ReadingList

    # The search page's cohort filter: the cohort of the largest list (not in older markers).
    info["cohort"] = ReadingList.objects.get(slug=info["largest_list"]).cohort.slug
    connection.close()  # the harness holds no connection while it measures
    conn_max_age = settings.DATABASES["default"]["CONN_MAX_AGE"]
    settings_line = (
        f"gunicorn {WORKERS} sync workers, DEBUG=0, DB_CONN_MAX_AGE "
        f"{os.environ.get('DB_CONN_MAX_AGE') or f'unset ({conn_max_age})'}; "
        f"{args.requests[0]} requests a row at 1 client, {args.requests[1]} at 8, "
        f"a row stops after {args.row_seconds:g} s."
    )
    rows: list[Row] = []
    data_dir = ROOT / "var" / "bench-scale"
    load_before = Path("/proc/loadavg").read_text().split()[0]
    with servers(database_url, data_dir) as (app, bare):
        session = sign_in(app.port, info["busiest_member"], info["member_password"])
        auth = {
            "anonymous": {},
            "signed in": {"Cookie": session},
            "signed in (token)": {"Authorization": f"Token {key}"},
            "bare": {},
        }
        notes: list[str] = []
        token_auth = {**auth, "signed in": auth["signed in (token)"]}
        problems = checks(app, bare, info, token_auth, notes)
        for problem in problems:
            log(f"PROBLEM: {problem}")
        plan = [(label, path, False) for label, path in page_rows(info)]
        plan += [(label, path, True) for label, path in api_rows(info)]
        for label, path, is_api in plan:
            if args.only not in path:
                continue
            whos = ["signed in"] if path.startswith(SIGNED_ONLY) else ["anonymous", "signed in"]
            bare_path = is_api and (path in BARE_PATHS or path.startswith(BARE_PATHS[1]))
            for who in whos + (["bare"] if bare_path else []):
                headers = auth["signed in (token)" if is_api and who == "signed in" else who]
                for clients, requests in zip(CLIENTS, args.requests, strict=True):
                    row = Row(label, path, who, clients)
                    rows.append(
                        measure(
                            bare if who == "bare" else app, row, headers, requests, args.row_seconds
                        )  # fmt: skip
                    )
        memory = {"app": app.rss_mb(), "bare": bare.rss_mb()}
    load = f"{load_before} and {Path('/proc/loadavg').read_text().split()[0]} (2 cores)"
    lines = report(rows, info, memory, problems, settings_line + " " + "; ".join(notes), load)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    log(f"written to {output}; {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
