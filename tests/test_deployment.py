"""What a deployment installs and starts: the split requirements and the Procfile."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TORCH_STACK = {"torch", "numpy", "scikit-learn"}


def requirement_names(path: Path) -> set[str]:
    """Package names a requirements file installs, following its `-r` includes."""
    names: set[str] = set()
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            names |= requirement_names(path.parent / line[3:].strip())
            continue
        names.add(re.split(r"[\[<>=!~; ]", line, maxsplit=1)[0].lower())
    return names


def test_requirements_web_without_torch_numpy_or_scikit_learn() -> None:
    names = requirement_names(ROOT / "requirements" / "web.txt")

    assert "django" in names and "celery" in names
    assert names & TORCH_STACK == set()


def test_requirements_cpu_worker_fits_recommendations_without_torch() -> None:
    names = requirement_names(ROOT / "requirements" / "worker-cpu.txt")

    assert "django" in names and "celery" in names
    assert names & TORCH_STACK == {"numpy", "scikit-learn"}


def test_requirements_gpu_worker_has_torch_pinned() -> None:
    text = (ROOT / "requirements" / "worker-gpu.txt").read_text()

    assert TORCH_STACK <= requirement_names(ROOT / "requirements" / "worker-gpu.txt")
    # An unpinned torch pulls a CUDA build of whatever is newest.
    assert re.search(r"^torch==\d", text, re.MULTILINE)


def test_requirements_txt_is_the_union() -> None:
    union = requirement_names(ROOT / "requirements.txt")
    for part in ("web", "worker-cpu", "worker-gpu", "dev"):
        assert requirement_names(ROOT / "requirements" / f"{part}.txt") <= union, part
    assert {"gunicorn", "honcho", "pytest"} <= union


def test_web_process_starts_and_serves_without_torch(tmp_path: Path) -> None:
    """With torch, NumPy and scikit-learn unimportable, as on a web-only install, the app
    loads every URL, view and task module and serves its pages."""
    script = """
import os, sys
for name in ("torch", "numpy", "sklearn"):
    sys.modules[name] = None
os.environ["DJANGO_SETTINGS_MODULE"] = "studygroup.settings"
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("check")
from django.urls import get_resolver
get_resolver().url_patterns
import reviews.tasks, reviews.api.views, reviews.views
from django.test import Client
client = Client()
for path in ("/", "/api/experiments/", "/api/schema/", "/login/"):
    assert client.get(path).status_code == 200, path
print("served without torch")
"""
    env = {
        "PATH": "/usr/bin:/bin",
        "DATA_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "memory://",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert "served without torch" in done.stdout


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    entries = [line.split(":", 1) for line in lines if line and not line.startswith("#")]
    return {name.strip(): shlex.split(command) for name, command in entries}


def test_procfile_holds_web_workers_and_beat() -> None:
    processes = procfile()

    assert set(processes) == {"web", "gpu", "cpu", "beat"}
    assert processes["web"][0] == "gunicorn"
    gpu, cpu = processes["gpu"], processes["cpu"]
    assert gpu[gpu.index("-Q") + 1] == "gpu"
    assert gpu[gpu.index("--concurrency") + 1] == "1"
    assert cpu[cpu.index("-Q") + 1] == "celery"
    assert processes["beat"][:4] == ["celery", "-A", "studygroup", "beat"]
