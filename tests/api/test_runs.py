"""Demo experiments and their runs through the API: registry, launch, limits, cancel, re-run.

Launched runs stay `queued` (Celery publishes to the in-memory transport in tests); runs in
other states are written with the ORM, as a worker would have left them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reviews import experiments
from reviews.api.serializers.runs import finite
from reviews.enums import RunStatus, RunVerdict
from reviews.models import ExperimentRun, Member, Review
from tests.factories import MemberFactory, PaperFactory, make_review

pytestmark = pytest.mark.django_db

TokenClient = Callable[..., APIClient]
SERIES = {"test_acc": {"x": [1.0, 2.0], "y": [[0.5, 0.6], [0.7, 0.8]]}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_run(
    review: Review,
    by: Member,
    status: str = RunStatus.SUCCEEDED,
    *,
    experiment: str = "swa",
    heartbeat_age: timedelta = timedelta(0),
    **fields: Any,
) -> ExperimentRun:
    now = timezone.now()
    finished = status not in RunStatus.active()
    return ExperimentRun.objects.create(
        review=review,
        requested_by=by,
        experiment=experiment,
        preset="tiny",
        config=experiments.get(experiment).config("tiny").to_dict(),
        status=status,
        time_limit_s=60,
        attempts=0 if status == RunStatus.QUEUED else 1,
        started_at=None if status == RunStatus.QUEUED else now - heartbeat_age,
        heartbeat_at=None if status == RunStatus.QUEUED else now - heartbeat_age,
        finished_at=now if finished else None,
        series=SERIES,
        **fields,
    )


def run_url(run: ExperimentRun, action: str = "detail") -> str:
    return reverse(f"run-{action}", args=[run.pk])


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def published(author: Member) -> Review:
    return make_review(author=author, paper=PaperFactory(arxiv_id="1803.05407"))


@pytest.fixture
def draft(author: Member) -> Review:
    return make_review(author=author, published=False, tldr="Secret.")


# --- The registry ------------------------------------------------------------------------


def test_experiments_list_has_each_config_schema_and_presets(api: APIClient) -> None:
    swa_paper = PaperFactory(arxiv_id=experiments.get("swa").arxiv_id)

    response = api.get(reverse("experiment-list"))

    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()}
    assert list(rows) == [demo.slug for demo in experiments.all_experiments()]
    for demo in experiments.all_experiments():
        row = rows[demo.slug]
        assert row["config_schema"] == demo.config_class.json_schema()
        assert row["presets"] == {name: c.to_dict() for name, c in demo.presets.items()}
        assert {"tiny", "full"} <= row["presets"].keys()
        assert (row["title"], row["arxiv_id"], row["claim"], row["criterion"]) == (
            demo.title,
            demo.arxiv_id,
            demo.claim,
            demo.criterion,
        )
        assert row["time_limit_s"] == demo.time_limit_s
        assert row["paper"] == (swa_paper.pk if demo.slug == "swa" else None)


def test_experiment_detail_by_slug(api: APIClient) -> None:
    response = api.get(reverse("experiment-detail", args=["grokking"]))

    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "grokking"
    assert body["config_schema"]["properties"]["seeds"]["minimum"] == 1


def test_experiment_detail_unknown_slug_is_json_404(api: APIClient) -> None:
    response = api.get(reverse("experiment-detail", args=["alchemy"]))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


# --- Reading runs: visibility --------------------------------------------------------------


def test_run_list_hides_runs_on_drafts_from_everyone_but_the_author(
    api: APIClient,
    token_client: TokenClient,
    author: Member,
    member: Member,
    organizer: Member,
    published: Review,
    draft: Review,
) -> None:
    public = make_run(published, author)
    secret = make_run(draft, author)
    url = reverse("run-list")

    assert ids(api.get(url)) == {public.pk}
    assert ids(token_client(member).get(url)) == {public.pk}
    assert ids(token_client(organizer).get(url)) == {public.pk}
    assert ids(token_client(author).get(url)) == {public.pk, secret.pk}


@pytest.mark.parametrize(
    "query",
    [
        "review={draft}",
        "paper={draft_paper}",
        "requested_by=author",
        "status=succeeded",
        "experiment=swa",
        "verdict=reproduced",
    ],
)
def test_run_list_filters_never_reveal_draft_runs(
    query: str,
    token_client: TokenClient,
    author: Member,
    member: Member,
    published: Review,
    draft: Review,
) -> None:
    public = make_run(published, author, verdict=RunVerdict.REPRODUCED)
    make_run(draft, author, verdict=RunVerdict.REPRODUCED)
    url = reverse("run-list") + "?" + query.format(draft=draft.pk, draft_paper=draft.paper_id)

    visible = ids(token_client(member).get(url))

    assert visible <= {public.pk}


def test_run_detail_on_draft_is_404_for_others(
    api: APIClient,
    token_client: TokenClient,
    author: Member,
    member: Member,
    organizer: Member,
    draft: Review,
) -> None:
    run = make_run(draft, author)

    assert api.get(run_url(run)).status_code == 404
    assert token_client(member).get(run_url(run)).status_code == 404
    assert token_client(organizer).get(run_url(run)).status_code == 404
    assert token_client(author).get(run_url(run)).status_code == 200


def test_run_list_filters(
    api: APIClient, author: Member, member: Member, published: Review
) -> None:
    other_review = make_review(author=member)
    swa = make_run(published, author, verdict=RunVerdict.REPRODUCED)
    grok = make_run(published, member, experiment="grokking", verdict=RunVerdict.INCONCLUSIVE)
    failed = make_run(other_review, member, RunStatus.FAILED)
    url = reverse("run-list")

    assert ids(api.get(url, {"experiment": "grokking"})) == {grok.pk}
    assert ids(api.get(url, {"verdict": "reproduced"})) == {swa.pk}
    assert ids(api.get(url, {"status": "failed"})) == {failed.pk}
    assert ids(api.get(url, {"requested_by": "member"})) == {grok.pk, failed.pk}
    assert ids(api.get(url, {"review": published.pk})) == {swa.pk, grok.pk}
    assert ids(api.get(url, {"paper": other_review.paper_id})) == {failed.pk}
    assert api.get(url, {"status": "exploded"}).status_code == 400
    assert api.get(url, {"review": "0"}).status_code == 400


def test_run_list_ordering_by_created_at(api: APIClient, author: Member, published: Review) -> None:
    runs = [make_run(published, author) for _ in range(3)]
    for age, run in enumerate(runs):
        ExperimentRun.objects.filter(pk=run.pk).update(
            created_at=timezone.now() - timedelta(minutes=age)
        )
    url = reverse("run-list")

    newest_first = [row["id"] for row in api.get(url).json()["results"]]
    oldest_first = [row["id"] for row in api.get(url, {"ordering": "created_at"}).json()["results"]]

    assert newest_first == [run.pk for run in runs]
    assert oldest_first == [run.pk for run in reversed(runs)]


def test_run_list_is_light_and_detail_has_everything(
    api: APIClient, author: Member, published: Review
) -> None:
    run = make_run(
        published,
        author,
        verdict=RunVerdict.REPRODUCED,
        verdict_reason="SWA beat SGD by 1.2 points.",
        summary={"swa_acc": 0.91},
        device="cpu",
        versions={"torch": "2.6.0"},
        seeds=[0, 1, 2],
        steps=40,
    )

    row = api.get(reverse("run-list")).json()["results"][0]
    detail = api.get(run_url(run)).json()

    assert "series" not in row
    assert detail["series"] == SERIES
    assert detail == {**row, "series": SERIES}
    assert detail["paper"] == published.paper_id
    assert detail["requested_by"] == "author"
    assert detail["verdict"] == "reproduced"
    assert detail["summary"] == {"swa_acc": 0.91}
    assert detail["versions"] == {"torch": "2.6.0"}
    assert detail["seeds"] == [0, 1, 2]
    assert detail["duration_s"] == 0.0
    assert detail["figure_url"] is None
    assert detail["can_cancel"] is False


def test_run_figure_url_once_a_figure_exists(
    api: APIClient, author: Member, published: Review
) -> None:
    run = make_run(published, author, figure="runs/run-1.svg")

    figure_url = api.get(run_url(run)).json()["figure_url"]

    assert figure_url == f"http://testserver/runs/{run.pk}/figure.svg"


def test_run_can_cancel_for_requester_and_organizer_while_active(
    token_client: TokenClient,
    author: Member,
    member: Member,
    organizer: Member,
    published: Review,
) -> None:
    active = make_run(published, author, RunStatus.RUNNING)
    done = make_run(published, author)

    def can_cancel(who: Member, run: ExperimentRun) -> bool:
        return token_client(who).get(run_url(run)).json()["can_cancel"]

    assert (can_cancel(author, active), can_cancel(organizer, active)) == (True, True)
    assert (can_cancel(member, active), can_cancel(author, done)) == (False, False)
    assert APIClient().get(run_url(active)).json()["can_cancel"] is False


def test_run_read_reaps_a_run_whose_worker_died(
    api: APIClient, author: Member, published: Review, settings: Any
) -> None:
    dead = make_run(
        published,
        author,
        RunStatus.RUNNING,
        heartbeat_age=timedelta(seconds=settings.EXPERIMENT_STALE_S + 5),
    )
    alive = make_run(published, author, RunStatus.RUNNING)

    rows = {row["id"]: row for row in api.get(reverse("run-list")).json()["results"]}

    assert (rows[dead.pk]["status"], rows[alive.pk]["status"]) == ("failed", "running")
    assert "stopped responding" in rows[dead.pk]["error"]
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED


def test_run_detail_reaps_a_run_whose_worker_died(
    api: APIClient, author: Member, published: Review, settings: Any
) -> None:
    dead = make_run(
        published,
        author,
        RunStatus.RUNNING,
        heartbeat_age=timedelta(seconds=settings.EXPERIMENT_STALE_S + 5),
    )

    body = api.get(run_url(dead)).json()

    assert (body["status"], body["can_cancel"]) == ("failed", False)
    assert body["series"] == SERIES


def test_finite_turns_non_finite_numbers_into_null() -> None:
    assert finite({"a": [1.0, float("nan")], "b": float("inf"), "c": "x"}) == {
        "a": [1.0, None],
        "b": None,
        "c": "x",
    }


# --- Launching ---------------------------------------------------------------------------


def test_run_create_queues_run_with_location(
    token_client: TokenClient, member: Member, published: Review
) -> None:
    client = token_client(member)
    data = {
        "review": published.pk,
        "experiment": "swa",
        "preset": "tiny",
        "config": {"epochs": 8, "seeds": 2},
    }

    response = client.post(reverse("run-list"), data, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    run = ExperimentRun.objects.get(pk=body["id"])
    assert response["Location"] == "http://testserver" + run_url(run)
    assert (run.status, run.requested_by, run.review, run.preset) == (
        RunStatus.QUEUED,
        member,
        published,
        "tiny",
    )
    expected = experiments.get("swa").config("tiny", {"epochs": 8, "seeds": 2}).to_dict()
    assert run.config == body["config"] == expected
    assert (body["status"], body["can_cancel"], body["series"]) == ("queued", True, {})
    assert client.get(response["Location"]).json() == body


def test_run_create_preset_defaults_to_tiny(
    token_client: TokenClient, member: Member, published: Review
) -> None:
    data = {"review": published.pk, "experiment": "grokking"}

    response = token_client(member).post(reverse("run-list"), data, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["config"] == experiments.get("grokking").config("tiny").to_dict()


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"experiment": "alchemy"}, {"experiment"}),
        ({"preset": "enormous"}, {"preset"}),
        ({"config": {"epochs": -1}}, {"config"}),
        ({"config": {"bogus": 1}}, {"config"}),
        ({"config": [1, 2]}, {"config"}),
        ({"config": {"epochs": {"deep": 1}}}, {"config"}),
        ({"config": {"epochs": 10**30}}, {"config"}),
        ({"review": 0}, {"review"}),
        ({"review": None}, {"review"}),
        ({"experiment": 5}, {"experiment"}),
    ],
)
def test_run_create_bad_input_is_400_by_field(
    data: dict[str, Any],
    errors: set[str],
    token_client: TokenClient,
    member: Member,
    published: Review,
) -> None:
    body = {"review": published.pk, "experiment": "swa", "preset": "tiny", **data}

    response = token_client(member).post(reverse("run-list"), body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == errors
    assert ExperimentRun.objects.count() == 0


def test_run_create_config_errors_are_keyed_by_setting_under_config(
    token_client: TokenClient, member: Member, published: Review
) -> None:
    body = {
        "review": published.pk,
        "experiment": "swa",
        "config": {"epochs": 0, "bogus": 1, "lr": "fast"},
    }

    response = token_client(member).post(reverse("run-list"), body, format="json")

    assert response.status_code == 400
    errors = response.json()["config"]
    assert set(errors) <= {"epochs", "bogus", "lr"}
    assert "bogus" in errors
    assert all(isinstance(messages, list) and messages for messages in errors.values())


def test_run_create_on_someone_elses_draft_says_it_does_not_exist(
    token_client: TokenClient, member: Member, organizer: Member, draft: Review
) -> None:
    body = {"review": draft.pk, "experiment": "swa"}

    for who in (member, organizer):
        response = token_client(who).post(reverse("run-list"), body, format="json")
        assert response.status_code == 400
        assert "does not exist" in response.json()["review"][0]
    assert ExperimentRun.objects.count() == 0


def test_run_create_on_own_draft(token_client: TokenClient, author: Member, draft: Review) -> None:
    body = {"review": draft.pk, "experiment": "swa"}

    response = token_client(author).post(reverse("run-list"), body, format="json")

    assert response.status_code == 201


def test_run_create_anonymous_is_401(api: APIClient, published: Review) -> None:
    body = {"review": published.pk, "experiment": "swa"}

    assert api.post(reverse("run-list"), body, format="json").status_code == 401
    assert ExperimentRun.objects.count() == 0


def test_run_create_over_the_run_limit_is_429(
    token_client: TokenClient, member: Member, published: Review
) -> None:
    Member.objects.filter(pk=member.pk).update(run_limit=1)
    client = token_client(member)
    body = {"review": published.pk, "experiment": "swa"}

    first = client.post(reverse("run-list"), body, format="json")
    second = client.post(reverse("run-list"), body, format="json")

    assert (first.status_code, second.status_code) == (201, 429)
    assert second.json() == {"detail": second.json()["detail"], "code": "run_limit"}
    assert "limit is 1" in second.json()["detail"]
    assert "Retry-After" not in second
    assert ExperimentRun.objects.count() == 1


def test_run_create_throttled_per_hour_is_429_with_retry_after(
    token_client: TokenClient, member: Member, published: Review, settings: Any
) -> None:
    settings.EXPERIMENT_RUNS_PER_HOUR = 1
    make_run(published, member)  # finished, so only the hourly budget is spent
    body = {"review": published.pk, "experiment": "swa"}

    response = token_client(member).post(reverse("run-list"), body, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "run_throttled"
    assert 0 < int(response["Retry-After"]) <= 3600


# --- Cancel and re-run -------------------------------------------------------------------


def test_run_cancel_by_requester_cancels_a_queued_run(
    token_client: TokenClient, member: Member, published: Review
) -> None:
    run = make_run(published, member, RunStatus.QUEUED)

    response = token_client(member).post(run_url(run, "cancel"))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["can_cancel"]) == ("cancelled", False)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED


def test_run_cancel_by_organizer_asks_a_running_run_to_stop(
    token_client: TokenClient, member: Member, organizer: Member, published: Review
) -> None:
    run = make_run(published, member, RunStatus.RUNNING)

    response = token_client(organizer).post(run_url(run, "cancel"))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_requested"]) == ("running", True)


def test_run_cancel_by_another_member_is_403_and_changes_nothing(
    token_client: TokenClient, member: Member, other: Member, published: Review
) -> None:
    run = make_run(published, member, RunStatus.QUEUED)

    response = token_client(other).post(run_url(run, "cancel"))

    assert response.status_code == 403
    run.refresh_from_db()
    assert (run.status, run.cancel_requested) == (RunStatus.QUEUED, False)


def test_run_cancel_on_hidden_draft_is_404(
    token_client: TokenClient, author: Member, organizer: Member, draft: Review
) -> None:
    run = make_run(draft, author, RunStatus.QUEUED)

    assert token_client(organizer).post(run_url(run, "cancel")).status_code == 404
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED


def test_run_cancel_anonymous_is_401(api: APIClient, member: Member, published: Review) -> None:
    run = make_run(published, member, RunStatus.QUEUED)

    assert api.post(run_url(run, "cancel")).status_code == 401


def test_run_rerun_queues_same_config_as_caller(
    token_client: TokenClient, author: Member, member: Member, published: Review
) -> None:
    config = experiments.get("swa").config("tiny", {"epochs": 6}).to_dict()
    run = make_run(published, author, verdict=RunVerdict.REPRODUCED)
    ExperimentRun.objects.filter(pk=run.pk).update(config=config)

    response = token_client(member).post(run_url(run, "rerun"))

    assert response.status_code == 201
    again = ExperimentRun.objects.get(pk=response.json()["id"])
    assert response["Location"] == "http://testserver" + run_url(again)
    assert (again.requested_by, again.review, again.experiment, again.config) == (
        member,
        published,
        "swa",
        config,
    )
    assert (again.status, again.verdict) == (RunStatus.QUEUED, "")


def test_run_rerun_over_the_limit_is_429(
    token_client: TokenClient, member: Member, published: Review
) -> None:
    Member.objects.filter(pk=member.pk).update(run_limit=1)
    run = make_run(published, member, RunStatus.RUNNING)

    response = token_client(member).post(run_url(run, "rerun"))

    assert (response.status_code, response.json()["code"]) == (429, "run_limit")


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_run_cannot_be_edited_or_deleted(
    method: str, token_client: TokenClient, organizer: Member, member: Member, published: Review
) -> None:
    run = make_run(published, member)

    response = getattr(token_client(organizer), method)(run_url(run), {}, format="json")

    assert response.status_code == 405
    assert ExperimentRun.objects.filter(pk=run.pk).exists()


# --- Query counts ------------------------------------------------------------------------


def _runs(n: int, viewer: Member) -> None:
    """n runs on several reviews by several members, one running, one on the viewer's draft."""
    reviews = [make_review(), make_review(), make_review(author=viewer, published=False)]
    for i in range(n):
        status = RunStatus.RUNNING if i == 0 else RunStatus.SUCCEEDED
        make_run(reviews[i % 3], MemberFactory(), status)


@pytest.mark.parametrize("size", [3, 30])
def test_run_list_query_count_is_fixed(
    size: int, token_client: TokenClient, django_assert_num_queries: Any
) -> None:
    viewer = MemberFactory(username="viewer")
    _runs(size, viewer)
    client = token_client(viewer)
    client.get(reverse("run-list"))  # the token's once-a-minute last_used_at write

    # token + member, page (runs + review + paper + author + requester; no COUNT, the page
    # has room to spare), and the reaper's UPDATE of dead runs among the active ones
    with django_assert_num_queries(3):
        response = client.get(reverse("run-list"), {"page_size": 100})

    assert len(response.json()["results"]) == size


def test_run_list_query_count_with_a_reaped_run_is_fixed(
    token_client: TokenClient, settings: Any
) -> None:
    viewer = MemberFactory(username="viewer")
    _runs(30, viewer)
    stale = timezone.now() - timedelta(seconds=settings.EXPERIMENT_STALE_S + 5)
    ExperimentRun.objects.filter(status=RunStatus.RUNNING).update(heartbeat_at=stale)
    client = token_client(viewer)
    client.get(reverse("run-list"), {"status": "succeeded"})

    # as above (the reaper's one UPDATE now changes a row), plus re-reading the reaped runs
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("run-list"), {"page_size": 100})

    assert len(queries) == 4
    assert {row["status"] for row in response.json()["results"]} == {"failed", "succeeded"}


def test_experiment_list_query_count(api: APIClient, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):  # the papers with the demos' arXiv ids
        assert api.get(reverse("experiment-list")).status_code == 200
