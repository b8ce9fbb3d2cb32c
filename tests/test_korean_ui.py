"""Korean everywhere: texts formatted at import time, and the demo experiments' texts."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
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


@pytest.fixture(autouse=True)
def _default_language_after() -> Iterator[None]:
    # A request in Korean leaves Korean active in this thread (LocaleMiddleware activates,
    # nothing deactivates): the tests that run after these would read their texts in Korean.
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


def test_every_message_id_in_experiments_has_korean() -> None:
    """Every ``gettext_noop`` id of the package: progress messages, verdict reasons, config
    errors, besides what the registry shows."""
    ids = set()
    for path in EXPERIMENTS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "gettext_noop"
                and isinstance(node.args[0], ast.Constant)
            ):
                ids.add(node.args[0].value)
    assert experiment_texts.message_ids() <= ids
    with translation.override("ko"):
        untranslated = sorted(i for i in ids if experiment_texts.translate(i) == i)
    assert untranslated == []


# --- a run's progress, verdict reason and config errors: stored as ids, shown translated ----

SWA_PROGRESS = "epoch %(epoch)s/%(epochs)s: SGD %(sgd)s, SWA %(swa)s"


def _mixup_reason() -> experiments.Text:
    from reviews.experiments import mixup

    summary = {
        "mixup_gain": 0.05,
        "mixup_test_acc": 0.8,
        "erm_test_acc": 0.75,
        "label_noise": 0.4,
        "erm_memorised": 0.6,
        "mixup_memorised": 0.2,
        "seeds_mixup_ahead": 3.0,
        "erm_best_test_acc": 0.3,  # never learned: the reason nests the numbers in another id
    }
    verdict, reason = mixup._verdict(summary, 3)
    assert verdict == experiments.Verdict.INCONCLUSIVE
    return reason


def _finished_run(member: Member, *, language: str = "en") -> ExperimentRun:
    """A mixup run carried through the worker's writes: claimed, one progress point, done."""
    from reviews.services import runs

    demo = experiments.get("mixup")
    run = ExperimentRun.objects.create(
        review=make_review(author=member, language=language),
        requested_by=member,
        experiment=demo.slug,
        preset="tiny",
        config=demo.config("tiny").to_dict(),
        time_limit_s=60,
    )
    claimed = runs.run_claim(run_id=run.pk)
    progress = experiments.Text(SWA_PROGRESS, epoch=3, epochs=30, sgd="71.0%", swa="72.5%")
    assert runs.run_progress(
        run_id=run.pk, attempt=claimed.attempts, fraction=0.1, message=progress, series={}
    )
    run.refresh_from_db()
    assert run.message == "epoch 3/30: SGD 71.0%, SWA 72.5%"  # the English, for old clients
    return run


def _succeed(run: ExperimentRun) -> ExperimentRun:
    from reviews.services import runs

    result = experiments.Result(
        series={},
        summary={"mixup_gain": 0.05},
        verdict=experiments.Verdict.INCONCLUSIVE,
        reason=_mixup_reason(),
        seeds=[0, 1, 2],
        steps=10,
    )
    outcome = runs.RunOutcome(result.to_dict(), "<svg/>")
    assert runs.run_succeed(run_id=run.pk, attempt=run.attempts, outcome=outcome)
    run.refresh_from_db()
    return run


def _korean(text: str) -> str:
    with translation.override("ko"):
        return experiment_texts.translate_text(text)


def test_text_reads_as_english_and_round_trips_through_json() -> None:
    reason = _mixup_reason()
    assert reason.startswith("ERM never learned the task: mixup 80.0% vs ERM 75.0% ")
    stored = experiments.Text.from_dict(json.loads(json.dumps(reason.to_dict())))
    assert (stored, stored.id) == (reason, reason.id)
    assert experiments.Result.from_dict(json.loads(json.dumps(_result_dict()))).reason == reason
    korean = _korean(reason)
    assert korean.startswith("ERM이 과제를 전혀 학습하지 못했습니다: 잡음 레이블 40.0%에서 ")
    assert "mixup" in korean and "ERM never" not in korean


def _result_dict() -> dict:
    return experiments.Result(
        series={},
        summary={},
        verdict=experiments.Verdict.INCONCLUSIVE,
        reason=_mixup_reason(),
        seeds=[0],
        steps=1,
    ).to_dict()


@pytest.mark.django_db
def test_run_page_and_live_updates_show_progress_in_ui_language(member: Member) -> None:
    run = _finished_run(member)
    client = Client()
    client.force_login(member)
    english_message = "epoch 3/30: SGD 71.0%, SWA 72.5%"
    for url in (reverse("run_detail", args=[run.pk]), reverse("run_live", args=[run.pk])):
        assert english_message in client.get(url).content.decode()
    member.preferred_language = "ko"
    member.save(update_fields=["preferred_language"])
    korean_message = "에폭 3/30: SGD 71.0%, SWA 72.5%"
    assert _korean(experiments.Text.from_dict(run.texts["message"])) == korean_message
    for url in (reverse("run_detail", args=[run.pk]), reverse("run_live", args=[run.pk])):
        page = client.get(url).content.decode()
        assert korean_message in page
        assert english_message not in page


@pytest.mark.django_db
def test_run_page_shows_verdict_reason_and_state_in_ui_language(member: Member) -> None:
    run = _succeed(_finished_run(member))
    reason = _mixup_reason()
    assert (run.message, run.verdict_reason) == ("Finished.", reason)
    member.preferred_language = "ko"
    member.save(update_fields=["preferred_language"])
    client = Client()
    client.force_login(member)
    page = client.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert escape(_korean(reason)) in page
    assert escape(reason) not in page
    assert "끝났습니다." in page  # "Finished." written by the worker, shown in Korean
    review_page = client.get(run.review.get_absolute_url()).content.decode()
    assert escape(_korean(reason)) in review_page


@pytest.mark.django_db
def test_api_run_adds_texts_in_request_language(member: Member) -> None:
    run = _succeed(_finished_run(member))
    client = Client()
    client.force_login(member)
    url = reverse("run-detail", args=[run.pk])
    english = client.get(url, headers={"accept-language": "en"}).json()
    assert english["message"] == english["message_display"] == "Finished."
    assert english["verdict_reason"] == english["verdict_reason_display"] == run.verdict_reason
    member.preferred_language = "ko"
    member.save(update_fields=["preferred_language"])
    korean = client.get(url, headers={"accept-language": "ko"}).json()
    assert (korean["message"], korean["verdict_reason"]) == ("Finished.", run.verdict_reason)
    assert korean["message_display"] == "끝났습니다."
    assert korean["verdict_reason_display"] == _korean(_mixup_reason())
    listed = client.get(reverse("run-list"), headers={"accept-language": "ko"}).json()
    assert listed["results"][0]["verdict_reason_display"] == _korean(_mixup_reason())


@pytest.mark.django_db
def test_export_shows_runs_in_the_review_language(member: Member) -> None:
    from reviews.exports.markdown import review_markdown

    korean_run = _succeed(_finished_run(member, language="ko"))
    post = review_markdown(korean_run.review, _figure(korean_run))
    assert f"## 데모 실험\n\n![mixup #{korean_run.pk}]" in post
    assert f"**판단 보류** — {_korean(_mixup_reason())}\n" in post
    english_run = _succeed(_finished_run(member, language="en"))
    with translation.override("ko"):  # the reader's language does not matter
        post = review_markdown(english_run.review, _figure(english_run))
    assert "## Demo experiments\n" in post
    assert f"**Inconclusive** — {_mixup_reason()}\n" in post


def _figure(run: ExperimentRun) -> list:
    from reviews.exports.markdown import Figure

    return [Figure(path=f"figures/mixup-{run.pk}.svg", svg=b"<svg/>", run=run)]


@pytest.mark.django_db
def test_config_errors_follow_ui_language(member: Member) -> None:
    review = make_review(author=member)
    client = Client()
    client.force_login(member)
    data = {"review": review.pk, "experiment": "mixup", "preset": "tiny", "config": {"seeds": 0}}
    english = client.post(reverse("run-list"), data, content_type="application/json")
    assert english.status_code == 400
    assert english.json()["config"]["seeds"] == ["must be at least 1"]
    member.preferred_language = "ko"
    member.save(update_fields=["preferred_language"])
    korean = client.post(
        reverse("run-list"),
        data,
        content_type="application/json",
        headers={"accept-language": "ko"},
    )
    assert korean.status_code == 400
    assert korean.json()["config"]["seeds"] == ["1 이상이어야 합니다"]
    # A rule across fields, on the launch form.
    form = {"experiment": "grokking", "preset": "tiny", "model": "transformer", "d_model": "60"}
    form["heads"] = "7"
    page = client.post(reverse("run_launch", args=[review.pk]), form)
    assert page.status_code == 400
    assert "d_model(60)을 나누어떨어지게 해야 합니다" in page.content.decode()
    assert ExperimentRun.objects.count() == 0


@pytest.mark.django_db
def test_state_messages_of_earlier_runs_get_their_ids(member: Member) -> None:
    """The migration: a state message stored in Korean or English becomes its id and the
    English text; a demo's old English sentence stays as it is."""
    from django.apps import apps

    migration = importlib.import_module("reviews.migrations.0017_run_texts")
    review = make_review(author=member)

    def run_saying(message: str) -> ExperimentRun:
        return ExperimentRun.objects.create(
            review=review,
            requested_by=member,
            experiment="swa",
            config={},
            time_limit_s=60,
            message=message,
        )

    korean, english, sentence = (
        run_saying("끝났습니다."),
        run_saying("Failed."),
        run_saying("epoch 3/30: SGD 71.0%"),
    )
    migration.message_ids(apps, None)
    for run in (korean, english, sentence):
        run.refresh_from_db()
    assert (korean.message, korean.texts) == (
        "Finished.",
        {"message": {"id": "Finished.", "params": {}}},
    )
    assert english.texts == {"message": {"id": "Failed.", "params": {}}}
    assert (sentence.message, sentence.texts) == ("epoch 3/30: SGD 71.0%", {})
    with translation.override("ko"):
        assert experiment_texts.run_message(korean) == "끝났습니다."
        assert experiment_texts.run_message(sentence) == "epoch 3/30: SGD 71.0%"
