"""The README's production steps, run for tests: a fresh data directory, ``DEBUG=0``,
``collectstatic`` with the manifest storage, ``migrate``, ``check --deploy``, then
``honcho start`` on the Procfile (gunicorn, a GPU worker, a CPU worker and beat) on
PostgreSQL (or the test database given) and Redis.

Clients talk to gunicorn as a TLS-terminating proxy would: plain HTTP with
``X-Forwarded-Proto: https`` (``SECURE_PROXY_SSL_HEADER``), so the production settings stay
exactly as the README sets them, HTTPS redirect and secure cookies included.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import services_required
from tests.worker import stop_group

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
# Redis databases of their own, emptied when a stack starts: the worker tests use 15.
BROKER_URL = os.environ.get("TEST_STACK_BROKER_URL", "redis://127.0.0.1:6379/10")
CACHE_URL = os.environ.get("TEST_STACK_CACHE_URL", "redis://127.0.0.1:6379/11")
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_STACK_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def require(what: str, error: Exception) -> None:
    message = f"the production stack needs {what}: {error}"
    if services_required():
        pytest.fail(message)
    pytest.skip(message)


def redis_or_skip() -> None:
    import redis

    for url in (BROKER_URL, CACHE_URL):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.RedisError as error:
            require(f"Redis at {url}", error)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards; yields its URL."""
    import psycopg

    name = f"sg_stack_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        require(f"PostgreSQL at {POSTGRES_ADMIN_URL}", error)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """One deployment on this host, as the README's "In production" describes it."""

    def __init__(self, *, database_url: str, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log_path = data_dir / "honcho.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.key = ""  # a member's API token, when a test makes one
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{self.port},http://127.0.0.1:{self.port}",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": BROKER_URL,
            "REDIS_CACHE_URL": CACHE_URL,
            "DATA_DIR": str(data_dir),
            "WEB_CONCURRENCY": "2",
            "EXPERIMENT_DEVICE": "cpu",
            "OMP_NUM_THREADS": "1",
            # Nothing leaves this machine: arXiv and feed imports answer their documented 502.
            "IMPORT_FETCH": "0",
            "PYTHONUNBUFFERED": "1",
            **env,
        }

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and done.returncode != 0:
            pytest.fail(f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
        return done

    def prepare(self) -> subprocess.CompletedProcess[str]:
        """The README's steps before starting; returns what ``check --deploy`` printed."""
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        return self.manage("check", "--deploy", "--fail-level", "WARNING")

    def start(self, timeout: float = 120) -> None:
        import redis

        for url in (BROKER_URL, CACHE_URL):
            redis.Redis.from_url(url).flushdb()
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "honcho"), "start", "--no-colour", "-p", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"honcho exited with {self.process.returncode}:\n{self.log()}")
            log_text = self.log()
            workers_ready = log_text.count(" ready.") >= 2
            if workers_ready and "Booting worker" in log_text and self._answers():
                return
            time.sleep(0.5)
        self.stop()
        pytest.fail(f"the stack did not start in {timeout} s:\n{self.log()}")

    def _answers(self) -> bool:
        try:
            return self.get("/login/").status_code == 200
        except httpx.HTTPError:
            return False

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        headers = {**PROXY_HEADERS, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return httpx.get(f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        headers = {**PROXY_HEADERS, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return httpx.post(f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """SIGTERM to honcho, which stops every process of the Procfile; then ``kill -9``."""
        stop_group(self.process, grace=30)


@contextmanager
def production_stack(*, database_url: str, data_dir: Path, **env: str) -> Iterator[Stack]:
    """The README's production steps on ``database_url``, then the Procfile under honcho."""
    redis_or_skip()
    data_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(database_url=database_url, data_dir=data_dir, **env)
    stack.prepare()
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
