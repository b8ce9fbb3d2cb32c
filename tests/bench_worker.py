"""`make bench-worker-memory`: the pool process's memory over many runs on a real worker.

Starts ``celery -A studygroup worker`` (concurrency 1, CPU, one torch thread) on the Redis
database TEST_REDIS_URL (emptied first) and a throwaway test database on DATABASE_URL (SQLite
when unset), launches runs of the demos' tiny presets one after another, and after each run
reads the resident set size (VmRSS) of the pool process that ran it. Prints a Markdown table
for docs/benchmarks.md, "Worker memory".

    python -m tests.bench_worker --runs 50
    python -m tests.bench_worker --runs 50 --worker-arg=--max-memory-per-child=600000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

from reviews import experiments  # noqa: E402
from reviews.models import ExperimentRun  # noqa: E402
from reviews.services import runs  # noqa: E402
from tests.factories import MemberFactory, make_review  # noqa: E402
from tests.worker import Worker, celery_worker  # noqa: E402


def rss_mb(pid: int) -> float | None:
    """VmRSS in MiB; ``None`` for a process that is exiting (or gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def pool_rss(worker: Worker) -> tuple[int, float]:
    """The live pool process and its RSS; with --max-memory-per-child the one that ran the
    task may be exiting, and its replacement is measured."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        live = [(pid, rss) for pid in worker.pool_pids() if (rss := rss_mb(pid)) is not None]
        if len(live) == 1:
            return live[0]
        time.sleep(0.2)
    raise SystemExit(f"expected one live pool process, found {worker.pool_pids()}")


def wait_done(worker: Worker, run: ExperimentRun, timeout: float = 600) -> float:
    """Seconds from launch until the worker's main process logged the task's end (after the
    pool process's clean-up, unlike the run's own finished state)."""
    start = time.monotonic()
    marks = (f"run_experiment[{run.task_id}] succeeded", f"run_experiment[{run.task_id}] raised")
    while not any(mark in worker.log() for mark in marks):
        if time.monotonic() - start > timeout:
            raise SystemExit(f"run {run.pk} did not end\n{worker.log()[-3000:]}")
        time.sleep(0.2)
    return time.monotonic() - start


def bench(n_runs: int, slugs: list[str], worker_args: tuple[str, ...]) -> list[str]:
    review, member = make_review(), MemberFactory(username="bench")
    member.run_limit = n_runs
    member.save()
    settings.EXPERIMENT_RUNS_PER_HOUR = max(settings.EXPERIMENT_RUNS_PER_HOUR, n_runs)
    rows = ["| run | demo (tiny) | pool pid | RSS MB | s |", "| ---: | --- | ---: | ---: | ---: |"]
    samples: list[float] = []
    seconds: list[float] = []
    with celery_worker(Path(tempfile.mkdtemp(prefix="bench-worker-")), args=worker_args) as w:
        pid, idle = pool_rss(w)
        rows.append(f"| 0 | (idle) | {pid} | {idle:.0f} | |")
        for i in range(1, n_runs + 1):
            slug = slugs[(i - 1) % len(slugs)]
            run = runs.run_create(review=review, by=member, experiment=slug, preset="tiny")
            took = wait_done(w, run)
            run.refresh_from_db()
            if run.status != "succeeded":
                raise SystemExit(f"run {run.pk} ({slug}) {run.status}: {run.error}")
            pid, rss = pool_rss(w)
            samples.append(rss)
            seconds.append(took)
            rows.append(f"| {i} | {slug} | {pid} | {rss:.0f} | {took:.1f} |")
            print(rows[-1], file=sys.stderr, flush=True)
    fifth, last = samples[min(4, n_runs - 1)], samples[-1]
    rows.append("")
    rows.append(
        f"idle {idle:.0f} MB; after run 1 {samples[0]:.0f} MB, run 5 {fifth:.0f} MB, "
        f"run {n_runs} {last:.0f} MB ({(last / fifth - 1) * 100:+.1f}% from run 5), "
        f"max {max(samples):.0f} MB; median {statistics.median(seconds):.1f} s a run"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--demos",
        default=",".join(e.slug for e in experiments.all_experiments()),
        help="comma-separated demo slugs, run in turn (default: all six)",
    )
    parser.add_argument(
        "--worker-arg", action="append", default=[], help="an extra celery worker option"
    )
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rows = bench(args.runs, args.demos.split(","), tuple(args.worker_arg))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    print(f"database: {connection.vendor}, Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
