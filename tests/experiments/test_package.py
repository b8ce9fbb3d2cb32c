"""The experiments package as a whole: its boundaries, the registry, the CLI and the charts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reviews import experiments
from reviews.experiments import Cancelled, ConfigError, Series, svg
from reviews.experiments.base import Result, Verdict

ROOT = Path(__file__).resolve().parents[2]
SLUGS = ["grokking", "swa", "pbt", "lottery-ticket", "double-descent", "mixup"]


def _fresh_python(code: str) -> set[str]:
    """Run ``code`` in a new interpreter; return the top-level modules it imported."""
    probe = (
        code
        + "\nimport sys, json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_experiments_package_never_imports_django_or_torch() -> None:
    modules = _fresh_python(
        "from reviews import experiments\n"
        "for e in experiments.all_experiments():\n"
        "    e.figure({}, e.config('tiny'))\n"
    )
    assert "django" not in modules
    assert "torch" not in modules


def test_web_process_never_imports_torch() -> None:
    modules = _fresh_python(
        "import os, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'studygroup.settings')\n"
        "django.setup()\n"
        "import studygroup.urls, studygroup.celery, reviews.tasks, reviews.admin\n"
        "from django.urls import reverse\n"
        "from reviews import experiments\n"
        "[e.config_class.json_schema() for e in experiments.all_experiments()]\n"
    )
    assert "django" in modules
    assert "torch" not in modules


def test_registry_lists_the_six_demos_in_order() -> None:
    assert [e.slug for e in experiments.all_experiments()] == SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_experiment_declares_its_paper_claim_and_presets(slug: str) -> None:
    e = experiments.get(slug)
    assert re.fullmatch(r"\d{4}\.\d{4,5}", e.arxiv_id)
    assert e.title and e.claim.endswith(".") and e.criterion
    assert {"tiny", "full"} <= set(e.presets)
    assert 0 < e.time_limit_s <= 3600
    schema = e.config_class.json_schema()
    assert schema["additionalProperties"] is False
    for name, config in e.presets.items():
        assert e.config(name) == config
        assert set(config.to_dict()) == set(schema["properties"])
        assert config.seeds >= 1


@pytest.mark.parametrize("slug", SLUGS)
def test_config_refuses_unknown_fields_and_out_of_bounds_values(slug: str) -> None:
    e = experiments.get(slug)
    with pytest.raises(ConfigError) as unknown:
        e.config("tiny", {"learning_rate_typo": 1})
    assert set(unknown.value.errors) == {"learning_rate_typo"}
    with pytest.raises(ConfigError) as bad:
        e.config("tiny", {"seeds": 0})
    assert "seeds" in bad.value.errors
    with pytest.raises(ConfigError) as wrong_type:
        e.config("tiny", {"seed": "zero"})
    assert "seed" in wrong_type.value.errors
    with pytest.raises(ConfigError) as preset:
        e.config("huge")
    assert "preset" in preset.value.errors


@pytest.mark.parametrize("slug", SLUGS)
def test_figure_draws_empty_and_partial_series(slug: str) -> None:
    e = experiments.get(slug)
    config = e.config("tiny")
    assert e.figure({}, config).startswith("<svg")
    partial = Series()
    partial.append(1, [0.5] * config.seeds)
    svgs = e.figure(dict.fromkeys(("x", "y"), partial), config)
    assert svgs.startswith("<svg") and svgs.endswith("</svg>")


def test_chart_escapes_labels_and_skips_non_finite_points() -> None:
    series = Series()
    series.append(1, [0.1, float("nan")])
    series.append(2, [0.2, 0.3])
    series.append(3, [float("inf"), 0.4])
    drawn = svg.chart(
        [svg.Panel('<script>alert("x")</script>', "x & y", "acc", [svg.Line("<b>", series)])],
        title="</svg><img>",
    )
    assert "<script>" not in drawn and "<img>" not in drawn and "<b>" not in drawn
    assert "&lt;script&gt;" in drawn
    assert "nan" not in drawn.lower() and "inf" not in drawn.lower()


def test_config_coerces_integers_to_float_fields_but_not_bools() -> None:
    e = experiments.get("double-descent")
    floats = [f["name"] for f in e.config_class.fields_info() if f["type"] == "number"]
    assert floats
    config = e.config("tiny", {floats[0]: 0})
    assert isinstance(getattr(config, floats[0]), float)
    with pytest.raises(ConfigError):
        e.config("tiny", {floats[0]: True})


def test_result_round_trips_through_json() -> None:
    series = Series()
    series.append(1, [0.5, 0.25])
    result = Result(
        series={"acc": series},
        summary={"gap": 0.1},
        verdict=Verdict.REPRODUCED,
        reason="because",
        seeds=[0, 1],
        steps=10,
        device="CPU",
        versions={"torch": "x"},
        duration_s=1.5,
    )
    assert Result.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_cli_runs_a_demo_and_writes_result_and_figure(tmp_path: Path) -> None:
    out, figure = tmp_path / "result.json", tmp_path / "figure.svg"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reviews.experiments",
            "double-descent",
            "--preset",
            "tiny",
            "--device",
            "cpu",
            "--out",
            str(out),
            "--figure",
            str(figure),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["experiment"] == "double-descent"
    assert result["verdict"] in {v.value for v in Verdict}
    assert result["verdict"] in done.stdout
    assert figure.read_text().startswith("<svg")


def test_cli_reports_bad_settings_without_a_traceback() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reviews.experiments",
            "mixup",
            "--set",
            "seeds=0",
            "--set",
            "nonsense=1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert "nonsense: is not a setting" in done.stderr
    assert "Traceback" not in done.stderr
    unknown = subprocess.run(
        [sys.executable, "-m", "reviews.experiments", "alphafold"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert unknown.returncode == 2 and "unknown experiment" in unknown.stderr


def test_config_refuses_an_integer_too_large_for_a_float_field() -> None:
    e = experiments.get("swa")
    floats = [f["name"] for f in e.config_class.fields_info() if f["type"] == "number"]
    with pytest.raises(ConfigError) as error:
        e.config("tiny", {floats[0]: 10**400})
    assert error.value.errors == {floats[0]: "is out of range"}


@pytest.mark.parametrize("slug", SLUGS)
def test_run_stops_at_the_first_progress_point_when_asked(slug: str) -> None:
    e = experiments.get(slug)
    asked = []

    def stop() -> bool:
        asked.append(True)
        return True

    with pytest.raises(Cancelled):
        e.run(e.config("tiny"), device="cpu", should_stop=stop)
    assert asked == [True]
