"""Korean everywhere: texts formatted at import time, and the demo experiments' texts."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from reviews import experiment_texts, experiments
from reviews.models import ExperimentRun, Member
from tests.factories import make_review


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("ko", ".bib 또는 .txt, UTF-8, 최대 2048 KB."), ("en", ".bib or .txt, UTF-8, up to 2048 KB.")],
)
def test_upload_help_follows_ui_language(member: Member, language: str, expected: str) -> None:
    member.preferred_language = language
    member.save(update_fields=["preferred_language"])
    client = Client()
    client.force_login(member)
    assert expected in client.get(reverse("import_papers")).content.decode()


# --- the demo experiments: message ids from a package without Django, translated here ---------

EXPERIMENTS_DIR = Path(settings.BASE_DIR) / "reviews" / "experiments"


def test_experiments_package_imports_no_django() -> None:
    for path in EXPERIMENTS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n == "django" or n.startswith("django.") for n in names), path.name
    # And at run time: the registry and every demo load without Django in the process.
    modules = ", ".join(repr(f"reviews.experiments.{name}") for name in experiments.MODULES)
    code = (
        "import importlib, sys\n"
        "import reviews.experiments as e\n"
        f"[importlib.import_module(m) for m in ({modules}, 'reviews.experiments.svg')]\n"
        "[d.config() for d in e.all_experiments()]\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not bad, bad\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_demo_message_id_has_korean() -> None:
    ids = experiment_texts.message_ids()
    assert len(ids) > 6 * 3
    with translation.override("ko"):
        untranslated = sorted(i for i in ids if experiment_texts.translate(i) == i)
    assert untranslated == []


@pytest.mark.django_db
def test_run_page_shows_claim_rule_and_settings_in_ui_language(member: Member) -> None:
    demo = experiments.get("swa")
    config = demo.config("tiny")
    run = ExperimentRun.objects.create(
        review=make_review(author=member),
        requested_by=member,
        experiment=demo.slug,
        preset="tiny",
        config=config.to_dict(),
        time_limit_s=60,
    )
    client = Client()
    client.force_login(member)
    url = reverse("run_detail", args=[run.pk])
    english = client.get(url).content.decode()
    assert escape(demo.claim) in english
    member.preferred_language = "ko"
    member.save(update_fields=["preferred_language"])
    korean = client.get(url).content.decode()
    with translation.override("ko"):
        expected = [
            experiment_texts.translate(demo.claim),
            experiment_texts.translate(demo.criterion),
            experiment_texts.translate(config.fields_info()[0]["description"]),
        ]
    for text in expected:
        assert escape(text) in korean
    assert escape(demo.claim) not in korean


@pytest.mark.django_db
def test_api_experiments_follow_the_member_language(member: Member) -> None:
    member.preferred_language = "ko"
    member.save(update_fields=["preferred_language"])
    client = Client()
    client.force_login(member)
    demo = experiments.get("mixup")
    url = reverse("experiment-detail", args=[demo.slug])
    body = client.get(url, headers={"accept-language": "ko"}).json()
    with translation.override("ko"):
        assert body["claim"] == experiment_texts.translate(demo.claim)
        assert body["criterion"] == experiment_texts.translate(demo.criterion)
        help_text = experiment_texts.translate(demo.config_class.fields_info()[0]["description"])
    assert help_text in [p["description"] for p in body["config_schema"]["properties"].values()]
    assert body["claim"] != demo.claim
