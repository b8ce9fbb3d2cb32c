"""Queued runs and the broker, without a worker: finding a run's message on Redis and in the
filesystem transport's folder, and the reaper's decisions about runs whose message was lost.

Time is passed to the reaper (``now=``) rather than waited for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from reviews.enums import RunStatus
from reviews.models import ExperimentRun
from reviews.services import run_queue, runs
from reviews.services.runs import RunRefused
from tests.factories import make_review
from tests.worker import (
    REDIS_URL,
    Worker,
    celery_worker,
    filesystem_options,
    publishing_to,
    redis_or_skip,
)

SMALL = {"steps": 100, "seeds": 1}


@pytest.fixture
def review(author):
    return make_review(author=author)


@pytest.fixture(scope="module")
def filesystem_worker(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """A worker on the filesystem transport that consumes only the default queue: it answers
    the reaper's question (which messages do you hold?) and leaves launched runs waiting."""
    env = {"CELERY_BROKER_URL": "filesystem://"}
    with celery_worker(tmp_path_factory.mktemp("fs"), args=("-Q", "celery"), **env) as worker:
        yield worker


@pytest.fixture(params=["redis", "filesystem"])
def broker(request: pytest.FixtureRequest) -> Iterator[Callable[[], None]]:
    """Launches publish to a real broker of each kind; the fixture's value loses every run
    message waiting in it."""
    if request.param == "redis":
        import redis

        redis_or_skip()
        client = redis.Redis.from_url(REDIS_URL)
        client.flushdb()
        with publishing_to(REDIS_URL):
            yield client.flushdb
        client.flushdb()
    else:
        options = filesystem_options(request.getfixturevalue("filesystem_worker").data_dir)
        queue = Path(str(options["data_folder_in"]))

        def lose() -> None:
            for path in queue.glob("*.gpu.msg"):
                path.unlink()

        lose()
        with publishing_to("filesystem://", options):
            yield lose
        lose()


def launch(review, by, django_capture_on_commit_callbacks) -> ExperimentRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.run_create(review=review, by=by, experiment="grokking", overrides=SMALL)
    assert run.status == RunStatus.QUEUED
    # Looks are timed from the last launch: on a busy machine it can be seconds after the
    # test started, and a run younger than the grace period is rightly left alone.
    _START[:] = [max(_START[0], run.created_at)]
    return run


_START: list[datetime] = []


@pytest.fixture(autouse=True)
def _start() -> None:
    # One origin per test: a look can take seconds (asking workers), which must not count.
    _START[:] = [timezone.now()]


def later(seconds: float) -> datetime:
    """``seconds`` after the test started, or after its last launch."""
    return _START[0] + timedelta(seconds=seconds)


def reap_twice(start: float) -> tuple[int, int]:
    """Two looks, ``RECHECK_S`` apart, starting ``start`` seconds from now."""
    run_queue.runs_reap_lost(now=later(start))
    return run_queue.runs_reap_lost(now=later(start + run_queue.RECHECK_S))


# Looking into the broker


def test_task_ids_in_broker_finds_each_launched_run(
    broker, review, member, settings, django_capture_on_commit_callbacks
):
    settings.EXPERIMENT_RUN_LIMIT = 5
    one, two = (launch(review, member, django_capture_on_commit_callbacks) for _ in range(2))
    found = run_queue.task_ids_in_broker([one.task_id, two.task_id, "not-sent"])
    assert found == {one.task_id, two.task_id}
    broker()
    assert run_queue.task_ids_in_broker([one.task_id, two.task_id]) == set()


def test_task_ids_in_broker_redis_counts_priority_lists_and_unacked(review, member):
    """A message with a priority waits in its own list; one a worker took, unacknowledged,
    stays in the ``unacked`` hash until it is acknowledged."""
    import redis

    from reviews.tasks import run_experiment
    from studygroup.celery import app

    redis_or_skip()
    redis.Redis.from_url(REDIS_URL).flushdb()
    with publishing_to(REDIS_URL):
        run_experiment.apply_async(args=[1], task_id="urgent", priority=9)  # own list
        run_experiment.apply_async(args=[2], task_id="taken")
        with app.connection_for_read() as conn:
            queue = conn.SimpleQueue("gpu", no_ack=False)
            taken = queue.get(timeout=2)
            assert taken.headers["id"] == "taken"  # on Redis, 0 is the highest priority
            assert run_queue.task_ids_in_broker(["urgent", "taken"]) == {"urgent", "taken"}
            taken.ack()
            assert run_queue.task_ids_in_broker(["urgent", "taken"]) == {"urgent"}
            queue.close()


def test_task_ids_in_broker_none_where_it_cannot_look():
    # The in-memory transport the suite uses, as a stand-in for any broker we cannot read.
    with publishing_to("memory://", {}):
        assert run_queue.task_ids_in_broker(["any"]) is None


# The reaper's decisions


def test_runs_reap_lost_leaves_runs_whose_message_waits(
    broker, review, member, django_capture_on_commit_callbacks
):
    run = launch(review, member, django_capture_on_commit_callbacks)
    assert reap_twice(start=3600) == (0, 0)
    run.refresh_from_db()
    assert (run.status, run.missing_since, run.resent_at) == (RunStatus.QUEUED, None, None)


def test_runs_reap_lost_resends_once_after_two_looks(
    broker, review, member, settings, django_capture_on_commit_callbacks
):
    settings.EXPERIMENT_QUEUE_GRACE_S = 10
    run = launch(review, member, django_capture_on_commit_callbacks)
    first_id = run.task_id
    broker()
    assert run_queue.runs_reap_lost(now=later(5)) == (0, 0)  # within the grace period
    assert ExperimentRun.objects.get(pk=run.pk).missing_since is None
    first_look = later(11)
    assert run_queue.runs_reap_lost(now=first_look) == (0, 0)
    assert ExperimentRun.objects.get(pk=run.pk).missing_since == first_look
    # A second look too soon after the first decides nothing.
    assert run_queue.runs_reap_lost(now=later(11 + run_queue.RECHECK_S - 1)) == (0, 0)
    resent_at = later(11 + run_queue.RECHECK_S)
    assert run_queue.runs_reap_lost(now=resent_at) == (1, 0)
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    assert (run.resent_at, run.missing_since) == (resent_at, None)
    assert run.task_id != first_id
    assert run_queue.task_ids_in_broker([run.task_id, first_id]) == {run.task_id}
    # The re-sent message is there: later looks leave it alone.
    assert reap_twice(start=3600) == (0, 0)


def test_runs_reap_lost_fails_a_run_lost_twice_and_frees_its_place(
    broker, review, member, settings, django_capture_on_commit_callbacks
):
    settings.EXPERIMENT_RUN_LIMIT = 1
    run = launch(review, member, django_capture_on_commit_callbacks)
    with pytest.raises(RunRefused):
        launch(review, member, django_capture_on_commit_callbacks)
    broker()
    assert reap_twice(start=60) == (1, 0)
    broker()
    # The re-send's own grace period counts from the re-send.
    assert reap_twice(start=60) == (0, 0)
    assert reap_twice(start=60 + run_queue.RECHECK_S + 30) == (0, 1)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.finished_at is not None
    assert "lost this run twice" in run.error
    assert launch(review, member, django_capture_on_commit_callbacks).status == RunStatus.QUEUED


def test_runs_reap_lost_forgets_a_miss_when_the_message_is_seen_again(
    broker, review, member, django_capture_on_commit_callbacks
):
    """A message out of sight at one look (a worker taking it) and seen at the next."""
    run = launch(review, member, django_capture_on_commit_callbacks)
    ExperimentRun.objects.filter(pk=run.pk).update(missing_since=later(3600))
    assert run_queue.runs_reap_lost(now=later(3600 + run_queue.RECHECK_S)) == (0, 0)
    run.refresh_from_db()
    assert (run.missing_since, run.resent_at) == (None, None)


def test_runs_reap_lost_does_nothing_where_it_cannot_look(
    review, member, django_capture_on_commit_callbacks
):
    with publishing_to("memory://", {}):
        run = launch(review, member, django_capture_on_commit_callbacks)
        assert reap_twice(start=3600) == (0, 0)
    run.refresh_from_db()
    assert (run.status, run.missing_since) == (RunStatus.QUEUED, None)


def test_runs_reap_lost_leaves_running_and_finished_runs(
    broker, review, member, settings, django_capture_on_commit_callbacks
):
    settings.EXPERIMENT_RUN_LIMIT = 5
    running, cancelled = (launch(review, member, django_capture_on_commit_callbacks) for _ in "12")
    runs.run_claim(run_id=running.pk)
    runs.run_cancel(run=cancelled, by=member)
    broker()
    assert reap_twice(start=3600) == (0, 0)
    statuses = dict(ExperimentRun.objects.values_list("pk", "status"))
    assert statuses == {running.pk: RunStatus.RUNNING, cancelled.pk: RunStatus.CANCELLED}


def test_runs_reap_lost_queries_nothing_without_old_queued_runs(
    review, member, django_assert_num_queries
):
    runs.run_create(review=review, by=member, experiment="grokking", overrides=SMALL)
    with django_assert_num_queries(1):
        assert run_queue.runs_reap_lost() == (0, 0)  # the run is within its grace period


# A claim by a message the reaper replaced


def test_run_claim_only_by_the_runs_current_message(review, member):
    run = runs.run_create(review=review, by=member, experiment="grokking", overrides=SMALL)
    assert runs.run_claim(run_id=run.pk, task_id="an-older-message") is None
    assert runs.run_claim(run_id=run.pk, task_id=run.task_id).attempts == 1


# The pool process running an attempt died


def test_run_requeue_lost_attempt_queues_a_run_with_an_attempt_left(review, member):
    run = runs.run_create(review=review, by=member, experiment="grokking", overrides=SMALL)
    runs.run_claim(run_id=run.pk)
    series = {"loss": {"x": [1.0], "y": [[0.5]]}}
    runs.run_progress(run_id=run.pk, attempt=1, fraction=0.4, message="half", series=series)
    assert runs.run_requeue_lost_attempt(run_id=run.pk, task_id=run.task_id) == RunStatus.QUEUED
    run.refresh_from_db()
    assert (run.status, run.attempts, run.progress, run.series) == (RunStatus.QUEUED, 1, 0.0, {})
    assert "queued to run again" in run.message
    assert runs.run_claim(run_id=run.pk, task_id=run.task_id).attempts == 2


def test_run_requeue_lost_attempt_fails_a_run_out_of_attempts(review, member):
    run = runs.run_create(review=review, by=member, experiment="grokking", overrides=SMALL)
    for _ in range(ExperimentRun.MAX_ATTEMPTS):
        assert runs.run_claim(run_id=run.pk) is not None
        ExperimentRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    ExperimentRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    assert runs.run_requeue_lost_attempt(run_id=run.pk, task_id=run.task_id) == RunStatus.FAILED
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "each of this run's 2 attempts" in run.error
    assert run.finished_at is not None


def test_run_requeue_lost_attempt_cancels_a_run_asked_to_cancel(review, member):
    run = runs.run_create(review=review, by=member, experiment="grokking", overrides=SMALL)
    runs.run_claim(run_id=run.pk)
    runs.run_cancel(run=run, by=member)
    assert runs.run_requeue_lost_attempt(run_id=run.pk, task_id=run.task_id) == "cancelled"
    assert ExperimentRun.objects.get(pk=run.pk).status == RunStatus.CANCELLED


def test_run_requeue_lost_attempt_leaves_a_run_not_running_under_that_message(review, member):
    run = runs.run_create(review=review, by=member, experiment="grokking", overrides=SMALL)
    assert runs.run_requeue_lost_attempt(run_id=run.pk, task_id=run.task_id) == ""  # queued
    runs.run_claim(run_id=run.pk)
    assert runs.run_requeue_lost_attempt(run_id=run.pk, task_id="another") == ""
    assert ExperimentRun.objects.get(pk=run.pk).status == RunStatus.RUNNING


# What the member is told when the queue is down


# In autocommit, as in production: the launch is published when run_create's transaction
# commits, before the view answers.
@pytest.mark.django_db(transaction=True)
def test_run_launch_page_says_the_run_failed_when_the_queue_is_down(review, member):
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(member)
    form = {"experiment": "grokking", "preset": "tiny"}
    with publishing_to("redis://127.0.0.1:1/0"):
        response = client.post(reverse("run_launch", args=[review.pk]), form, follow=True)
    run = ExperimentRun.objects.get()
    assert run.status == RunStatus.FAILED
    page = response.content.decode()
    assert "The run could not be queued: The job queue could not be reached" in page
    assert "The run is queued." not in page


@pytest.mark.django_db(transaction=True)
def test_run_create_api_answers_503_when_the_queue_is_down(review, member):
    api = APIClient()
    api.force_authenticate(member)
    body = {"review": review.pk, "experiment": "grokking", "preset": "tiny"}
    with publishing_to("redis://127.0.0.1:1/0"):
        response = api.post("/api/runs/", body, format="json")
    run = ExperimentRun.objects.get()
    assert response.status_code == 503
    assert (response.json()["id"], response.json()["status"]) == (run.pk, "failed")
    assert "job queue could not be reached" in response.json()["error"]
    assert response["Location"].endswith(f"/api/runs/{run.pk}/")
