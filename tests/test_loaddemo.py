"""The demo study group: real papers, bilingual reviews, and a second run changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from reviews.models import Paper, ReadingList, Review

pytestmark = pytest.mark.django_db

REQUIRED_PAPERS = {
    "1711.09846": "Population Based Training of Neural Networks",
    "1803.05407": "Averaging Weights Leads to Wider Optima and Better Generalization",
    "2005.14165": "Language Models are Few-Shot Learners",
    "1803.03635": "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks",
    "2201.02177": "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
    "1912.02292": "Deep Double Descent: Where Bigger Models and More Data Hurt",
    "1710.09412": "mixup: Beyond Empirical Risk Minimization",
    "1806.09055": "DARTS: Differentiable Architecture Search",
    "2103.00020": "Learning Transferable Visual Models From Natural Language Supervision",
    "2010.11929": "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
    "2212.04356": "Robust Speech Recognition via Large-Scale Weak Supervision",
    "1703.03400": "Model-Agnostic Meta-Learning for Fast Adaptation of Deep Networks",
    "1904.03758": "Meta-Learning with Differentiable Convex Optimization",
    "1801.06146": "Universal Language Model Fine-tuning for Text Classification",
}


def snapshot() -> dict[str, list[tuple]]:
    return {
        model._meta.label: sorted(model.objects.values_list(), key=repr)
        for model in apps.get_app_config("reviews").get_models()
    }


def test_loaddemo_creates_the_papers_with_metadata() -> None:
    out = StringIO()
    call_command("loaddemo", stdout=out)
    titles = dict(Paper.objects.values_list("arxiv_id", "title"))
    assert {k: titles.get(k) for k in REQUIRED_PAPERS} == REQUIRED_PAPERS
    assert Paper.objects.get(arxiv_id="2005.14165").authors[0] == "Tom B. Brown"
    assert "minji / demo-password-123" in out.getvalue()


def test_loaddemo_reading_list_is_numbered_like_the_group() -> None:
    call_command("loaddemo", stdout=StringIO())
    numbers = list(ReadingList.objects.get().entries.values_list("number", flat=True))
    assert len(numbers) == 14
    assert numbers == sorted(numbers)
    assert numbers != list(range(1, 15))


def test_loaddemo_reviews_in_both_languages_with_math_tables_code() -> None:
    call_command("loaddemo", stdout=StringIO())
    published = Review.objects.filter(status="published")
    assert set(published.values_list("language", flat=True)) == {"ko", "en"}
    assert Review.objects.filter(status="draft").exists()
    for review in published:
        html = "".join(html for _key, _label, html in review.sections())
        assert "<math" in html, review
        assert "<table>" in html, review
        assert 'class="codehilite"' in html, review
        assert review.revisions.count() == 1


def test_loaddemo_twice_changes_nothing() -> None:
    call_command("loaddemo", stdout=StringIO())
    before = snapshot()
    call_command("loaddemo", stdout=StringIO())
    assert snapshot() == before


def test_loaddemo_keeps_edits_made_since() -> None:
    call_command("loaddemo", stdout=StringIO())
    Paper.objects.filter(arxiv_id="1803.05407").update(venue="edited")
    call_command("loaddemo", stdout=StringIO())
    assert Paper.objects.get(arxiv_id="1803.05407").venue == "edited"
