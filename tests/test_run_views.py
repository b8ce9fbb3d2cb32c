"""Demo-experiment runs in the browser: who sees and starts what, the form, the run page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews import experiments
from reviews.enums import RunStatus
from reviews.models import ExperimentRun, Member, Review
from reviews.services import runs as run_services
from tests.factories import MemberFactory, PaperFactory, make_review

pytestmark = pytest.mark.django_db

GROKKING_ARXIV = experiments.get("grokking").arxiv_id


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def published(author: Member) -> Review:
    return make_review(paper=PaperFactory(arxiv_id=GROKKING_ARXIV), author=author)


@pytest.fixture
def draft(author: Member) -> Review:
    return make_review(author=author, published=False)


def client_for(user: Member | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def fake_series(points: int = 4, seeds: int = 2) -> dict[str, dict[str, list]]:
    """Curves in the grokking demo's shape, enough for its figure."""
    xs = [float(10**k) for k in range(points)]
    rising = [[min(1.0, 0.2 * (k + 1) + 0.01 * s) for s in range(seeds)] for k in range(points)]
    norms = [[10.0 - k for _ in range(seeds)] for k in range(points)]
    return {
        name: {"x": xs, "y": norms if name.startswith("norm") else rising}
        for name in (
            "train_acc_wd",
            "val_acc_wd",
            "train_acc_wd0",
            "val_acc_wd0",
            "norm_wd",
            "norm_wd0",
        )
    }


def launch(review: Review, by: Member, **overrides: Any) -> ExperimentRun:
    return run_services.run_create(
        review=review, by=by, experiment="grokking", preset="tiny", overrides=overrides or None
    )


def succeed(run: ExperimentRun) -> ExperimentRun:
    """Finish ``run`` the way the worker does: claim it, then store a result and figure."""
    claimed = run_services.run_claim(run_id=run.pk)
    assert claimed is not None
    demo = experiments.get(run.experiment)
    config = demo.config_class.from_dict(run.config)
    series = fake_series()
    result = experiments.Result(
        series={k: experiments.Series.from_dict(v) for k, v in series.items()},
        summary={"delay_ratio_wd": 14.25, "best_val_acc_wd0": 0.3125, "steps_run": 1400.0},
        verdict=experiments.Verdict.REPRODUCED,
        reason="With weight decay: 99% val acc 14.2x later than 99% train acc.",
        seeds=config.seed_list,
        steps=1400,
        device="cpu (test)",
        versions={"torch": "2.x", "python": "3.11"},
    )
    svg = demo.figure(result.series, config)
    outcome = run_services.RunOutcome(result.to_dict(), svg)
    assert run_services.run_succeed(run_id=run.pk, attempt=claimed.attempts, outcome=outcome)
    run.refresh_from_db()
    return run


def form_data(**values: Any) -> dict[str, Any]:
    """The attach form as the browser sends it: every setting of the tiny preset."""
    preset = experiments.get("grokking").presets["tiny"].to_dict()
    data = {"experiment": "grokking", "preset": "tiny"}
    for name, value in {**preset, **values}.items():
        if value is True:
            data[name] = "on"
        elif value is not False:
            data[name] = str(value)
    return data


# Reading: the run page, its live partial and its figure follow the review's visibility.

READ_VIEWS = ("run_detail", "run_live", "run_figure")


@pytest.mark.parametrize("view", READ_VIEWS)
def test_run_views_published_review_readable_by_everyone(
    view: str,
    published: Review,
    member: Member,
    other: Member,
    author: Member,
    organizer: Member,
) -> None:
    run = succeed(launch(published, member))
    url = reverse(view, args=[run.pk])
    statuses = {
        role: client_for(user).get(url).status_code
        for role, user in [
            ("anonymous", None),
            ("member", member),
            ("other", other),
            ("author", author),
            ("organizer", organizer),
        ]
    }
    assert statuses == dict.fromkeys(statuses, 200)


@pytest.mark.parametrize("view", READ_VIEWS)
def test_run_views_draft_review_only_its_author(
    view: str,
    draft: Review,
    member: Member,
    other: Member,
    author: Member,
    organizer: Member,
) -> None:
    run = succeed(launch(draft, author))
    url = reverse(view, args=[run.pk])
    statuses = {
        role: client_for(user).get(url).status_code
        for role, user in [
            ("anonymous", None),
            ("member", member),
            ("other", other),
            ("author", author),
            ("organizer", organizer),
        ]
    }
    assert statuses == {
        "anonymous": 404,
        "member": 404,
        "other": 404,
        "author": 200,
        "organizer": 404,
    }


def test_run_views_members_only_sends_anonymous_to_login(
    settings: Any, published: Review, member: Member
) -> None:
    settings.MEMBERS_ONLY = True
    run = launch(published, member)
    for view in READ_VIEWS:
        response = Client().get(reverse(view, args=[run.pk]))
        assert response.status_code == 302
        assert response.url.startswith("/login/")


def test_run_views_unknown_run_404(member: Member) -> None:
    for view in READ_VIEWS:
        assert client_for(member).get(reverse(view, args=[999999])).status_code == 404


def test_run_views_write_urls_refuse_get(published: Review, member: Member) -> None:
    run = launch(published, member)
    client = client_for(member)
    assert client.get(reverse("run_launch", args=[published.pk])).status_code == 405
    assert client.get(reverse("run_cancel", args=[run.pk])).status_code == 405
    assert client.get(reverse("run_rerun", args=[run.pk])).status_code == 405
    assert client.post(reverse("run_detail", args=[run.pk])).status_code == 405


# The run page.


def test_run_detail_finished_shows_verdict_figure_and_facts(
    published: Review, member: Member
) -> None:
    run = succeed(launch(published, member, seeds=2))
    html = client_for(member).get(run.get_absolute_url()).content.decode()
    demo = experiments.get("grokking")
    assert demo.title in html
    assert demo.claim in html
    assert demo.criterion in html
    assert "fixed before the run" in html
    assert f'href="{published.get_absolute_url()}#runs"' in html
    assert f'href="{published.paper.get_absolute_url()}"' in html
    assert f'src="{reverse("run_figure", args=[run.pk])}"' in html
    assert 'class="verdict verdict-reproduced">Reproduced<' in html
    assert "14.2x later" in html
    assert ">14.25<" in html and ">0.3125<" in html and ">1400<" in html
    assert "cpu (test)" in html
    assert "torch 2.x" in html
    assert "<dd>0, 1</dd>" in html  # the seeds
    assert "hx-trigger" not in html  # finished: nothing polls
    assert 'value="100"' in html
    # seeds=2 differs from the tiny preset's 3: marked as changed.
    assert re.search(r'<tr class="changed"><th scope="row"><code>seeds</code>', html)
    assert "Cancel" not in html
    assert "Re-run" in html


def test_run_detail_active_polls_and_offers_cancel_to_requester(
    published: Review, member: Member, other: Member, organizer: Member
) -> None:
    run = launch(published, member)
    live = reverse("run_live", args=[run.pk])
    for user, can_cancel in [(member, True), (organizer, True), (other, False), (None, False)]:
        html = client_for(user).get(run.get_absolute_url()).content.decode()
        assert f'hx-get="{live}" hx-trigger="every 1s"' in html
        assert "Waiting for a worker" in html
        assert (reverse("run_cancel", args=[run.pk]) in html) is can_cancel
        assert ("Re-run" in html) is (user is not None)


def test_run_live_running_renders_chart_inline_without_style(
    published: Review, member: Member
) -> None:
    run = launch(published, member)
    claimed = run_services.run_claim(run_id=run.pk)
    assert claimed is not None
    run_services.run_progress(
        run_id=run.pk,
        attempt=claimed.attempts,
        fraction=0.42,
        message="step 1260 of 3000",
        series=fake_series(),
    )
    response = client_for(member).get(reverse("run_live", args=[run.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section id="run-live"')
    assert 'hx-trigger="every 1s"' in html
    assert 'value="42"' in html
    assert "step 1260 of 3000" in html
    assert html.count("<svg") == 1
    assert "style=" not in html
    assert "<script" not in html


def test_run_live_finished_stops_polling(published: Review, member: Member) -> None:
    run = succeed(launch(published, member))
    html = client_for(member).get(reverse("run_live", args=[run.pk])).content.decode()
    assert "hx-get" not in html
    assert "<svg" not in html  # the stored figure replaces the live chart
    assert reverse("run_figure", args=[run.pk]) in html


def test_run_detail_failed_run_shows_error_and_partial_curves(
    published: Review, member: Member
) -> None:
    run = launch(published, member)
    claimed = run_services.run_claim(run_id=run.pk)
    assert claimed is not None
    run_services.run_fail(
        run_id=run.pk,
        attempt=claimed.attempts,
        error="The GPU ran out of memory. <b>Try</b> fewer seeds.",
        series=fake_series(),
    )
    html = client_for(member).get(run.get_absolute_url()).content.decode()
    assert "The GPU ran out of memory. &lt;b&gt;Try&lt;/b&gt; fewer seeds." in html
    assert "The curves as far as the run got." in html
    assert "hx-get" not in html


def test_run_detail_stale_running_run_is_reaped_when_read(
    settings: Any, published: Review, member: Member
) -> None:
    run = launch(published, member)
    assert run_services.run_claim(run_id=run.pk) is not None
    stale = timezone.now() - timedelta(seconds=settings.EXPERIMENT_STALE_S + 5)
    ExperimentRun.objects.filter(pk=run.pk).update(heartbeat_at=stale)
    html = client_for(None).get(run.get_absolute_url()).content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "The worker stopped responding" in html
    assert "hx-get" not in html


def test_run_detail_query_count(
    published: Review, member: Member, django_assert_num_queries: Any
) -> None:
    run = succeed(launch(published, member))
    anonymous, signed_in = Client(), client_for(member)
    with django_assert_num_queries(1):
        assert anonymous.get(run.get_absolute_url()).status_code == 200
    # session + user, then the run, then the bell's unread count.
    with django_assert_num_queries(4):
        assert signed_in.get(run.get_absolute_url()).status_code == 200


def test_run_detail_active_query_count_includes_reaping(
    published: Review, member: Member, django_assert_num_queries: Any
) -> None:
    run = launch(published, member)
    with django_assert_num_queries(2):  # the run, then the reaper's UPDATE
        assert Client().get(run.get_absolute_url()).status_code == 200


# The figure.


def test_run_figure_headers_and_content(published: Review, member: Member) -> None:
    run = succeed(launch(published, member))
    response = Client().get(reverse("run_figure", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    body = response.content.decode()
    assert body.startswith("<svg")
    assert "<script" not in body and "style=" not in body
    with run.figure.open("rb") as stored:
        assert response.content == stored.read()


def test_run_figure_404_without_one(published: Review, member: Member) -> None:
    run = launch(published, member)
    assert Client().get(reverse("run_figure", args=[run.pk])).status_code == 404


def test_run_figure_404_when_file_is_gone(published: Review, member: Member) -> None:
    run = succeed(launch(published, member))
    run.figure.storage.delete(run.figure.name)
    assert Client().get(reverse("run_figure", args=[run.pk])).status_code == 404


# The review page: the runs section and the attach form.


def test_review_page_lists_runs_and_inlines_finished_figures(
    published: Review, member: Member, other: Member
) -> None:
    done = succeed(launch(published, member))
    active = launch(published, other)
    html = Client().get(published.get_absolute_url()).content.decode()
    section = html[html.index('id="runs"') : html.index('id="comments"')]
    assert f'id="run-{done.pk}"' in section and f'id="run-{active.pk}"' in section
    assert f'src="{reverse("run_figure", args=[done.pk])}"' in section
    assert reverse("run_figure", args=[active.pk]) not in section
    assert section.count("<progress") == 1
    assert "verdict-reproduced" in section
    assert "14.2x later" in section
    assert "Sign in to attach a demo." in section
    assert "run-form" not in section


def test_review_page_form_lists_this_papers_experiments_first(
    published: Review, member: Member
) -> None:
    html = client_for(member).get(published.get_absolute_url()).content.decode()
    start = html.index('<select name="experiment"')
    select = html[start : html.index("</select>", start)]
    assert select.index('<optgroup label="For this paper">') < select.index('value="grokking"')
    first_group = select.split("</optgroup>")[0]
    assert 'value="grokking" selected' in first_group
    assert first_group.count("<option") == 1
    assert select.count("<option") == len(experiments.all_experiments())
    # The tiny preset's values fill the settings.
    tiny = experiments.get("grokking").presets["tiny"]
    assert f'name="modulus" value="{tiny.modulus}"' in html
    assert f'name="seeds" value="{tiny.seeds}"' in html


def test_review_page_form_without_matching_experiment_has_one_group(
    member: Member, author: Member
) -> None:
    review = make_review(paper=PaperFactory(arxiv_id="1502.03167"), author=author)
    html = client_for(member).get(review.get_absolute_url()).content.decode()
    assert "For this paper" not in html
    assert '<optgroup label="Experiments">' in html


def test_review_page_query_count_same_for_one_and_five_runs(
    published: Review, member: Member, django_assert_num_queries: Any
) -> None:
    requesters = [MemberFactory() for _ in range(5)]
    succeed(launch(published, requesters[0]))
    url = published.get_absolute_url()
    clients = {"anonymous": Client(), "member": client_for(member)}
    # Anonymous pages ask for their version first (conditional GET); a member's count the
    # bell's unread notifications and record the visit (tests/test_views.py).
    pinned = {"anonymous": 5, "member": 8}
    for role, client in clients.items():
        with django_assert_num_queries(pinned[role]):
            assert client.get(url).status_code == 200
    for requester in requesters[1:]:
        succeed(launch(published, requester))
    launch(published, requesters[0])  # an active one too
    for role, client in clients.items():
        with django_assert_num_queries(pinned[role]):
            html = client.get(url).content.decode()
        assert html.count('class="run-item"') == 6


def test_run_config_fields_partial(member: Member) -> None:
    client = client_for(member)
    response = client.get(
        reverse("run_config_fields"), {"experiment": "grokking", "preset": "full"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="run-config"')
    assert '<option value="full" selected>' in html
    full = experiments.get("grokking").presets["full"]
    assert f'name="modulus" value="{full.modulus}"' in html
    assert 'name="model"' in html
    # No experiment: the first one; a preset the experiment lacks falls back to tiny; an
    # unknown experiment is refused.
    assert client.get(reverse("run_config_fields")).status_code == 200
    html = client.get(
        reverse("run_config_fields"), {"experiment": "grokking", "preset": "nope"}
    ).content.decode()
    assert '<option value="tiny" selected>' in html
    response = client.get(reverse("run_config_fields"), {"experiment": "nope"})
    assert response.status_code == 400


# Launching.


def test_run_launch_queues_with_changed_settings_only(published: Review, member: Member) -> None:
    client = client_for(member)
    response = client.post(
        reverse("run_launch", args=[published.pk]), form_data(seeds=1, modulus=53)
    )
    run = ExperimentRun.objects.get()
    assert response.status_code == 302
    assert response.url == run.get_absolute_url()
    assert run.requested_by == member
    assert run.review == published
    assert (run.experiment, run.preset, run.status) == ("grokking", "tiny", RunStatus.QUEUED)
    expected = experiments.get("grokking").config("tiny", {"seeds": 1, "modulus": 53}).to_dict()
    assert run.config == expected
    assert run.seeds == [0]


def test_run_launch_blank_settings_keep_the_preset(published: Review, member: Member) -> None:
    # A checkbox left out is unchecked, as browsers send it; this preset has it checked.
    data = {
        "experiment": "grokking",
        "preset": "tiny",
        "seeds": "",
        "lr": "",
        "stop_when_grokked": "on",
    }
    response = client_for(member).post(reverse("run_launch", args=[published.pk]), data)
    assert response.status_code == 302
    run = ExperimentRun.objects.get()
    assert run.config == experiments.get("grokking").presets["tiny"].to_dict()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"seeds": "-1"}, "seeds", "greater than or equal to 1"),
        ({"seeds": "many"}, "seeds", "Enter a whole number."),
        ({"lr": "5"}, "lr", "less than or equal to 0.1"),
        ({"lr": "nan"}, "lr", "Enter a number."),
        ({"modulus": "100000"}, "modulus", "less than or equal to 257"),
        ({"model": "resnet"}, "model", "Select a valid choice."),
        ({"preset": "huge"}, "preset", "Select a valid choice."),
        ({"experiment": "alchemy"}, "experiment", "Select a valid choice."),
        # Checked by the experiment's config (across fields), reported on the field.
        ({"model": "transformer", "d_model": "60", "heads": "7"}, "heads", "must divide"),
    ],
)
def test_run_launch_bad_values_are_field_errors_and_change_nothing(
    published: Review, member: Member, values: dict[str, str], field: str, message: str
) -> None:
    data = {**form_data(), **values}
    response = client_for(member).post(reverse("run_launch", args=[published.pk]), data)
    assert response.status_code == 400
    assert ExperimentRun.objects.count() == 0
    form = response.context["run_form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert 'id="run-form"' in html
    assert "field-error" in html


def test_run_launch_over_the_limit_is_refused_with_a_message(
    settings: Any, published: Review, member: Member
) -> None:
    settings.EXPERIMENT_RUN_LIMIT = 1
    launch(published, member)
    response = client_for(member).post(reverse("run_launch", args=[published.pk]), form_data())
    assert response.status_code == 429
    assert ExperimentRun.objects.count() == 1
    html = response.content.decode()
    assert "You already have 1 runs queued or running (your limit is 1)" in html
    assert 'class="form-errors"' in html


def test_run_launch_throttled_sets_retry_after(
    settings: Any, published: Review, member: Member
) -> None:
    settings.EXPERIMENT_RUNS_PER_HOUR = 1
    run = launch(published, member)
    run_services.run_cancel(run=run, by=member)
    response = client_for(member).post(reverse("run_launch", args=[published.pk]), form_data())
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert ExperimentRun.objects.count() == 1


def test_run_launch_permissions(
    published: Review, draft: Review, member: Member, author: Member, organizer: Member
) -> None:
    url_published = reverse("run_launch", args=[published.pk])
    url_draft = reverse("run_launch", args=[draft.pk])
    response = Client().post(url_published, form_data())
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert client_for(member).post(url_draft, form_data()).status_code == 404
    assert client_for(organizer).post(url_draft, form_data()).status_code == 404
    assert ExperimentRun.objects.count() == 0
    assert client_for(author).post(url_draft, form_data()).status_code == 302
    assert client_for(organizer).post(url_published, form_data()).status_code == 302
    assert ExperimentRun.objects.count() == 2


def test_run_launch_inactive_member_is_anonymous(published: Review, inactive: Member) -> None:
    client = Client()
    client.force_login(inactive)  # the backend refuses inactive users on the next request
    response = client.post(reverse("run_launch", args=[published.pk]), form_data())
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert ExperimentRun.objects.count() == 0


# Cancel and re-run.


def test_run_cancel_by_requester_or_organizer_only(
    published: Review, member: Member, other: Member, organizer: Member
) -> None:
    run = launch(published, member)
    url = reverse("run_cancel", args=[run.pk])
    response = Client().post(url)
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert client_for(other).post(url).status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    response = client_for(member).post(url)
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED

    second = launch(published, member)
    assert client_for(organizer).post(reverse("run_cancel", args=[second.pk])).status_code == 302
    second.refresh_from_db()
    assert second.status == RunStatus.CANCELLED


def test_run_cancel_running_asks_the_worker(published: Review, member: Member) -> None:
    run = launch(published, member)
    assert run_services.run_claim(run_id=run.pk) is not None
    client = client_for(member)
    response = client.post(reverse("run_cancel", args=[run.pk]), follow=True)
    run.refresh_from_db()
    assert (run.status, run.cancel_requested) == (RunStatus.RUNNING, True)
    assert "Cancelling" in response.content.decode()
    assert "Cancel requested" in response.content.decode()


def test_run_cancel_on_draft_of_someone_else_404(
    draft: Review, author: Member, organizer: Member
) -> None:
    run = launch(draft, author)
    assert client_for(organizer).post(reverse("run_cancel", args=[run.pk])).status_code == 404


def test_run_rerun_launches_same_config_for_whoever_asks(
    published: Review, member: Member, other: Member
) -> None:
    run = succeed(launch(published, member, seeds=2, modulus=53))
    url = reverse("run_rerun", args=[run.pk])
    response = Client().post(url)
    assert response.status_code == 302 and response.url.startswith("/login/")
    response = client_for(other).post(url)
    new = ExperimentRun.objects.exclude(pk=run.pk).get()
    assert response.status_code == 302 and response.url == new.get_absolute_url()
    assert (new.requested_by, new.config, new.preset) == (other, run.config, run.preset)
    assert new.status == RunStatus.QUEUED


def test_run_rerun_refused_says_why(settings: Any, published: Review, member: Member) -> None:
    settings.EXPERIMENT_RUN_LIMIT = 1
    run = launch(published, member)
    response = client_for(member).post(reverse("run_rerun", args=[run.pk]), follow=True)
    assert response.redirect_chain[-1][0] == run.get_absolute_url()
    assert "your limit is 1" in response.content.decode()
    assert ExperimentRun.objects.count() == 1


def test_run_rerun_invalid_stored_config_says_why(published: Review, member: Member) -> None:
    run = succeed(launch(published, member))
    ExperimentRun.objects.filter(pk=run.pk).update(config={**run.config, "warp": 9})
    response = client_for(member).post(reverse("run_rerun", args=[run.pk]), follow=True)
    assert "This run cannot be repeated: warp" in response.content.decode()
    assert ExperimentRun.objects.count() == 1


def test_run_detail_unknown_experiment_still_renders(published: Review, member: Member) -> None:
    run = succeed(launch(published, member))
    ExperimentRun.objects.filter(pk=run.pk).update(experiment="retired-demo")
    response = Client().get(run.get_absolute_url())
    assert response.status_code == 200
    assert "no longer in the registry" in response.content.decode()
    assert Client().get(published.get_absolute_url()).status_code == 200
