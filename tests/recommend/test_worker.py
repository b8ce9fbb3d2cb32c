"""The recommender kept the way production keeps it: changes commit, the receivers queue
tasks on a real Redis broker, and a real Celery worker process weighs papers and refits
the member's model."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from recommend.models import PaperVector, Recommendation, SimilarPaper
from tests.factories import MemberFactory, PaperFactory
from tests.recommend.corpus import make_corpus
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)


def _wait(condition: Callable[[], bool], worker: object, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not get there\n--- log ---\n{worker.log()[-4000:]}")
        time.sleep(0.2)


def test_worker_weighs_papers_and_refits_after_a_bookmark(tmp_path: Path) -> None:
    with celery_worker(tmp_path) as worker:
        corpus = make_corpus()
        # The first paper's task finds no model and fits one on every paper.
        _wait(lambda: PaperVector.objects.count() == 10, worker)
        reader = MemberFactory(username="reader")
        client = Client()
        client.force_login(reader)
        for paper in corpus.papers["graphs"][:2]:
            assert client.post(reverse("bookmark", args=[paper.pk])).status_code == 302
        _wait(lambda: Recommendation.objects.filter(member=reader).exists(), worker)
        new = PaperFactory(
            title="Graph attention for molecules",
            abstract="Graph attention over the nodes and edges of a molecular graph.",
        )
        _wait(lambda: SimilarPaper.objects.filter(paper=new).exists(), worker)
    best = Recommendation.objects.filter(member=reader).order_by("-score").first()
    assert corpus.topic_of(best.paper_id) == "graphs"
    nearest = SimilarPaper.objects.filter(paper=new).order_by("-score").first()
    assert corpus.topic_of(nearest.similar_id) == "graphs"
