"""A real Celery worker process for tests, on a real Redis broker and the test database.

The test process publishes to the same Redis database the worker consumes, and the worker
reads and writes the test database, so tests that use it need committed data
(``transactional_db`` or ``live_server``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from tests.conftest import services_required

ROOT = Path(__file__).resolve().parent.parent
# Its own Redis database, emptied before each worker starts; TEST_REDIS_URL moves it.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis at {REDIS_URL} is needed for worker tests: {error}"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)


def database_url() -> str:
    """The test database as a URL the worker process can open."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        name = s["NAME"]
        if name == ":memory:" or "mode=memory" in str(name):
            pytest.fail("worker tests need a file test database (settings DATABASES TEST NAME)")
        return f"sqlite:///{name}"
    if connection.vendor == "postgresql":
        user = s.get("USER") or "postgres"
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"
    pytest.fail(f"no worker support for {connection.vendor}")


class Worker:
    """``celery -A studygroup worker -Q gpu,celery --concurrency 1`` as a child process."""

    def __init__(self, data_dir: Path, env: dict[str, str], args: tuple[str, ...] = ()) -> None:
        self.data_dir = data_dir
        self.args = args
        self.log_path = data_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "studygroup",
                "worker",
                "-Q",
                "gpu,celery",
                "--concurrency",
                "1",
                "--prefetch-multiplier",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test-{uuid.uuid4().hex[:8]}@%h",
                *self.args,  # later options win: "--prefetch-multiplier", "2"
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.log():
                return
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited with {self.process.returncode}:\n{self.log()}")
            time.sleep(0.2)
        pytest.fail(f"the worker did not start in {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pool_pids(self) -> list[int]:
        """The prefork pool's processes (the ones that run tasks)."""
        assert self.process is not None
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill_pool(self) -> list[int]:
        """``kill -9`` the pool processes only, as the OOM killer would; the main process
        notices, requeues the task (``reject_on_worker_lost``) and forks new ones."""
        pids = self.pool_pids()
        assert pids, f"the worker has no pool processes:\n{self.log()}"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return pids

    def kill(self) -> None:
        """``kill -9`` the whole worker: main process and pool."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Warm shutdown: SIGTERM to the main process only (to the whole group it would kill
        the pool processes too, and their tasks would be requeued), then ``kill -9``."""
        stop_group(self.process, grace=20)


def stop_group(process: subprocess.Popen[bytes] | None, *, grace: float) -> None:
    """SIGTERM to a process started with ``start_new_session``, up to ``grace`` seconds for it
    to stop its children, then ``kill -9`` to whatever of its group is left."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # children left behind
    if process.poll() is None:
        process.wait(10)


def filesystem_options(data_dir: Path) -> dict[str, object]:
    """The filesystem transport's folders of a worker whose ``DATA_DIR`` is ``data_dir``, as
    its settings make them."""
    folders = data_dir / "celery"
    return {
        "data_folder_in": str(folders / "queue"),
        "data_folder_out": str(folders / "queue"),
        "processed_folder": str(folders / "processed"),
        "control_folder": str(folders / "control"),
        "store_processed": False,
    }


@contextmanager
def publishing_to(broker_url: str, options: dict | None = None) -> Iterator[None]:
    """Point this process's Celery app at ``broker_url`` (tests otherwise use ``memory://``),
    with these transport ``options`` (the filesystem transport's folders, say)."""
    from studygroup.celery import app

    previous = (app.conf.broker_url, app.conf.broker_transport_options)
    _switch_broker(app, broker_url, {"visibility_timeout": 3600} if options is None else options)
    try:
        yield
    finally:
        _switch_broker(app, *previous)


def _switch_broker(app: Celery, broker_url: str, options: dict) -> None:
    app.close()
    # app.close() drops the connection pool but not the producer pool, which would keep
    # publishing to the broker it was first made for.
    app.amqp._producer_pool = None
    app.conf.broker_url = broker_url
    app.conf.broker_transport_options = options


@contextmanager
def celery_worker(
    tmp_path: Path, *, flush: bool = True, args: tuple[str, ...] = (), **env: str
) -> Iterator[Worker]:
    """A worker on Redis and the test database; this process publishes to the same Redis.

    Like a GPU worker on another host, it shares nothing else with this process: its
    ``DATA_DIR`` is a folder of its own (``Worker.data_dir``), never the web's.

    ``flush=False`` keeps what an earlier (killed) worker left in Redis, such as its
    unacknowledged message. ``env`` overrides the worker's environment, e.g.
    ``EXPERIMENT_LEASE_S="3"``.
    """
    import redis

    redis_or_skip()
    if flush:
        redis.Redis.from_url(REDIS_URL).flushdb()
    data_dir = tmp_path / "worker-data"
    data_dir.mkdir(exist_ok=True)
    assert data_dir != settings.DATA_DIR
    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studygroup.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "DATA_DIR": str(data_dir),
        "EXPERIMENT_DEVICE": "cpu",
        # One thread: tests share few cores with other test processes, and torch's thread
        # pool fighting over them makes small runs many times slower.
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    worker = Worker(data_dir, worker_env, args)
    with publishing_to(REDIS_URL):
        worker.start()
        try:
            yield worker
        finally:
            worker.stop()
