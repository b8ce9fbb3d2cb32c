"""Runs through their services, without a worker: launch rules, the claim, fencing, the reaper."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from reviews.enums import RunStatus
from reviews.models import ExperimentRun
from reviews.services import runs
from reviews.services.runs import RunOutcome, RunRefused
from tests.factories import MemberFactory, make_review
from tests.worker import publishing_to

SMALL = {"steps": 100, "seeds": 1}


@pytest.fixture
def review(author):
    return make_review(author=author)


def launch(review, by, **overrides) -> ExperimentRun:
    return runs.run_create(
        review=review, by=by, experiment="grokking", overrides={**SMALL, **overrides}
    )


def make_stale(run: ExperimentRun, seconds: float) -> None:
    ExperimentRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=seconds)
    )


# Launching


def test_run_create_queues_validated_config(review, member, settings):
    settings.EXPERIMENT_MAX_TIME_LIMIT_S = 120
    run = launch(review, member, seed=5)
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    assert run.experiment == "grokking"
    assert run.preset == "tiny"
    assert run.config["steps"] == 100
    assert run.config["model"] == "mlp"  # from the tiny preset
    assert run.seeds == [5]
    assert run.time_limit_s == 120
    assert run.attempts == 0
    assert run.task_id


def test_run_create_enqueues_on_commit_to_gpu_queue_with_limits(
    review, member, settings, django_capture_on_commit_callbacks
):
    from studygroup.celery import app

    settings.EXPERIMENT_MAX_TIME_LIMIT_S = 60
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = launch(review, member)
    assert len(callbacks) == 1  # nothing is published before the row is committed
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue("gpu")
        queue.clear()  # what other tests launched
        callbacks[0]()
        message = queue.get(timeout=2)
    message.ack()
    assert message.headers["id"] == run.task_id
    assert message.headers["task"] == "reviews.run_experiment"
    assert message.headers["timelimit"] == [60 + settings.EXPERIMENT_HARD_LIMIT_GRACE_S, 60]
    assert message.decode()[0] == [run.pk]


def test_run_create_fails_the_run_when_the_broker_is_down(
    review, member, django_capture_on_commit_callbacks
):
    with publishing_to("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        run = launch(review, member)
    assert run.status == RunStatus.FAILED
    assert "job queue could not be reached" in run.error
    assert ExperimentRun.objects.get(pk=run.pk).status == RunStatus.FAILED


def test_run_create_unknown_experiment(review, member):
    with pytest.raises(ValidationError) as caught:
        runs.run_create(review=review, by=member, experiment="alchemy")
    assert list(caught.value.message_dict) == ["experiment"]
    assert not ExperimentRun.objects.exists()


@pytest.mark.parametrize(
    ("preset", "overrides", "field"),
    [
        ("tiny", {"steps": 1}, "steps"),
        ("tiny", {"seeds": "three"}, "seeds"),
        ("tiny", {"learning_rate_of_doom": 1}, "learning_rate_of_doom"),
        ("huge", {}, "preset"),
        ("tiny", ["steps", 5], "config"),
    ],
)
def test_run_create_bad_config(review, member, preset, overrides, field):
    with pytest.raises(ValidationError) as caught:
        runs.run_create(
            review=review, by=member, experiment="grokking", preset=preset, overrides=overrides
        )
    assert field in caught.value.message_dict
    assert not ExperimentRun.objects.exists()


def test_run_create_on_draft_only_by_its_author(author, member, organizer):
    draft = make_review(author=author, published=False)
    assert launch(draft, author).status == RunStatus.QUEUED
    for outsider in (member, organizer):
        with pytest.raises(PermissionDenied):
            launch(draft, outsider)
    assert ExperimentRun.objects.count() == 1


def test_run_create_refuses_inactive_member(review, inactive):
    with pytest.raises(PermissionDenied):
        launch(review, inactive)


def test_run_create_refuses_over_the_run_limit(review, member, settings):
    settings.EXPERIMENT_RUN_LIMIT = 2
    first = launch(review, member)
    launch(review, member)
    with pytest.raises(RunRefused) as caught:
        launch(review, member)
    assert caught.value.code == "run_limit"
    assert caught.value.retry_after is None
    runs.run_cancel(run=first, by=member)
    assert launch(review, member).status == RunStatus.QUEUED  # a finished run frees its place


def test_run_create_uses_the_members_own_limit(review, member, settings):
    settings.EXPERIMENT_RUN_LIMIT = 1
    member.run_limit = 3
    member.save()
    for _ in range(3):
        launch(review, member)
    with pytest.raises(RunRefused):
        launch(review, member)


def test_run_create_throttles_per_hour(review, member, settings):
    settings.EXPERIMENT_RUN_LIMIT = 10
    settings.EXPERIMENT_RUNS_PER_HOUR = 3
    made = [launch(review, member) for _ in range(3)]
    for run in made:
        runs.run_cancel(run=run, by=member)  # finished runs still count towards the hour
    with pytest.raises(RunRefused) as caught:
        launch(review, member)
    assert caught.value.code == "run_throttled"
    assert 0 < caught.value.retry_after <= 3600
    ExperimentRun.objects.filter(pk=made[0].pk).update(
        created_at=timezone.now() - timedelta(minutes=61)
    )
    assert launch(review, member).status == RunStatus.QUEUED


def test_run_create_limit_holds_under_parallel_launches(transactional_db, settings):
    """20 launches at once, each on its own connection, against a limit of 2."""
    settings.EXPERIMENT_RUN_LIMIT = 2
    member = MemberFactory(username="racer")
    review = make_review()
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def one() -> None:
        try:
            barrier.wait(timeout=30)
            launch(review, member)
            outcomes.append("created")
        except RunRefused as refused:
            outcomes.append(refused.code)
        except Exception as error:  # a deadlock or lock timeout would show here
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["created"] * 2 + ["run_limit"] * 18
    assert ExperimentRun.objects.filter(requested_by=member).count() == 2


def test_run_rerun_launches_the_same_config(review, member, other):
    run = launch(review, member, seed=7)
    again = runs.run_rerun(run=run, by=other)
    assert again.pk != run.pk
    assert again.requested_by == other
    assert again.config == run.config


# Cancelling


def test_run_cancel_queued_run_ends_it_at_once(review, member):
    run = launch(review, member)
    run = runs.run_cancel(run=run, by=member)
    assert run.status == RunStatus.CANCELLED
    assert run.finished_at is not None
    assert runs.run_claim(run_id=run.pk) is None  # its task, delivered later, does nothing


def test_run_cancel_running_run_asks_the_worker(review, member):
    run = launch(review, member)
    claimed = runs.run_claim(run_id=run.pk)
    assert not runs.run_cancel_requested(run_id=run.pk, attempt=claimed.attempts)
    run = runs.run_cancel(run=run, by=member)
    assert run.status == RunStatus.RUNNING
    assert run.cancel_requested
    assert runs.run_cancel_requested(run_id=run.pk, attempt=claimed.attempts)
    assert runs.run_mark_cancelled(run_id=run.pk, attempt=claimed.attempts)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED


def test_run_cancel_by_requester_or_organizer_only(review, member, other, organizer):
    run = launch(review, member)
    with pytest.raises(PermissionDenied):
        runs.run_cancel(run=run, by=other)
    assert runs.run_cancel(run=run, by=organizer).status == RunStatus.CANCELLED


def test_run_cancel_finished_run_changes_nothing(review, member):
    run = launch(review, member)
    claimed = runs.run_claim(run_id=run.pk)
    runs.run_fail(run_id=run.pk, attempt=claimed.attempts, error="boom")
    run = runs.run_cancel(run=run, by=member)
    assert run.status == RunStatus.FAILED
    assert not run.cancel_requested


# The worker's side


def test_run_claim_once(review, member):
    run = launch(review, member)
    claimed = runs.run_claim(run_id=run.pk)
    assert claimed.status == RunStatus.RUNNING
    assert claimed.attempts == 1
    assert claimed.started_at is not None
    assert claimed.heartbeat_at is not None
    assert runs.run_claim(run_id=run.pk) is None  # a duplicate delivery of a live run


def test_run_claim_is_atomic_under_parallel_claims(transactional_db):
    run = launch(make_review(), MemberFactory(username="claimer"))
    barrier = threading.Barrier(8)
    won: list[int] = []

    def one() -> None:
        try:
            barrier.wait(timeout=30)
            if runs.run_claim(run_id=run.pk) is not None:
                won.append(1)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert won == [1]
    assert ExperimentRun.objects.get(pk=run.pk).attempts == 1


def test_run_claim_takes_over_after_the_lease(review, member, settings):
    settings.EXPERIMENT_LEASE_S = 15
    run = launch(review, member)
    runs.run_claim(run_id=run.pk)
    make_stale(run, 10)
    assert runs.run_claim(run_id=run.pk) is None  # still within the lease
    make_stale(run, 16)
    taken = runs.run_claim(run_id=run.pk)
    assert taken.attempts == 2
    assert taken.series == {}


def test_run_claim_at_most_two_attempts(review, member):
    run = launch(review, member)
    runs.run_claim(run_id=run.pk)
    make_stale(run, 3600)
    runs.run_claim(run_id=run.pk)
    make_stale(run, 3600)
    assert runs.run_claim(run_id=run.pk) is None
    assert ExperimentRun.objects.get(pk=run.pk).attempts == ExperimentRun.MAX_ATTEMPTS


def test_run_claim_no_takeover_of_a_run_asked_to_cancel(review, member):
    run = launch(review, member)
    runs.run_claim(run_id=run.pk)
    runs.run_cancel(run=run, by=member)
    make_stale(run, 3600)
    assert runs.run_claim(run_id=run.pk) is None


def test_run_superseded_worker_cannot_write(review, member):
    run = launch(review, member)
    first = runs.run_claim(run_id=run.pk).attempts
    make_stale(run, 3600)
    second = runs.run_claim(run_id=run.pk).attempts
    assert (first, second) == (1, 2)
    series = {"loss": {"x": [1.0], "y": [[0.5]]}}
    assert not runs.run_heartbeat(run_id=run.pk, attempt=first)
    assert not runs.run_progress(
        run_id=run.pk, attempt=first, fraction=0.5, message="old", series=series
    )
    assert runs.run_cancel_requested(run_id=run.pk, attempt=first)  # so the old one stops
    assert not runs.run_fail(run_id=run.pk, attempt=first, error="old")
    assert not runs.run_mark_cancelled(run_id=run.pk, attempt=first)
    outcome = RunOutcome(_result(), "<svg/>")
    assert not runs.run_succeed(run_id=run.pk, attempt=first, outcome=outcome)
    assert default_storage.listdir("runs") == ([], [])  # its figure was not kept
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error, run.series) == (RunStatus.RUNNING, 2, "", {})

    assert runs.run_progress(
        run_id=run.pk, attempt=second, fraction=1.5, message="x" * 300, series=series
    )
    run.refresh_from_db()
    assert (run.progress, len(run.message), run.series) == (1.0, 200, series)
    assert runs.run_succeed(run_id=run.pk, attempt=second, outcome=outcome)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert run.verdict == "inconclusive"
    assert run.summary == {"best": 0.5}
    assert run.figure.read() == b"<svg/>"


def test_run_heartbeat_keeps_the_lease(review, member):
    run = launch(review, member)
    attempt = runs.run_claim(run_id=run.pk).attempts
    make_stale(run, 60)
    assert runs.run_heartbeat(run_id=run.pk, attempt=attempt)
    run.refresh_from_db()
    assert timezone.now() - run.heartbeat_at < timedelta(seconds=5)
    runs.run_fail(run_id=run.pk, attempt=attempt, error="boom")
    assert not runs.run_heartbeat(run_id=run.pk, attempt=attempt)


def test_run_fail_time_limit(review, member, settings):
    settings.EXPERIMENT_MAX_TIME_LIMIT_S = 42
    run = launch(review, member)
    runs.run_claim(run_id=run.pk)
    assert runs.run_fail_time_limit(run_id=run.pk)  # the hard limit: no attempt to fence on
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "time limit of 42 s" in run.error
    assert not runs.run_fail_time_limit(run_id=run.pk)


# The reaper


def test_runs_reap_stale_fails_silent_runs_only(review, member, settings):
    settings.EXPERIMENT_RUN_LIMIT = 5
    settings.EXPERIMENT_STALE_S = 30
    silent, alive, queued = (launch(review, member) for _ in range(3))
    runs.run_claim(run_id=silent.pk)
    runs.run_claim(run_id=alive.pk)
    make_stale(silent, 31)
    make_stale(alive, 5)
    assert runs.runs_reap_stale() == 1
    statuses = dict(ExperimentRun.objects.values_list("pk", "status"))
    assert statuses == {
        silent.pk: RunStatus.FAILED,
        alive.pk: RunStatus.RUNNING,
        queued.pk: RunStatus.QUEUED,
    }
    silent.refresh_from_db()
    assert "stopped responding" in silent.error
    assert silent.finished_at is not None


def test_runs_reap_stale_only_the_runs_asked_for(review, member, settings):
    settings.EXPERIMENT_RUN_LIMIT = 5
    one, two = launch(review, member), launch(review, member)
    for run in (one, two):
        runs.run_claim(run_id=run.pk)
        make_stale(run, 3600)
    assert runs.runs_reap_stale(run_ids=[two.pk]) == 1
    assert ExperimentRun.objects.get(pk=one.pk).status == RunStatus.RUNNING


def test_runs_reap_stale_cancels_a_silent_run_asked_to_cancel(review, member):
    run = launch(review, member)
    runs.run_claim(run_id=run.pk)
    runs.run_cancel(run=run, by=member)
    make_stale(run, 3600)
    assert runs.runs_reap_stale() == 1
    assert ExperimentRun.objects.get(pk=run.pk).status == RunStatus.CANCELLED


def _result() -> dict:
    return {
        "series": {"loss": {"x": [1.0], "y": [[0.5]]}},
        "summary": {"best": 0.5},
        "verdict": "inconclusive",
        "reason": "too short",
        "seeds": [0],
        "steps": 100,
        "device": "CPU",
        "versions": {"torch": "2"},
    }
