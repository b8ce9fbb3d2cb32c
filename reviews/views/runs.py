"""Demo-experiment runs in the browser: attach one to a review, watch it, read its verdict.

Reads go through ``selectors``, writes through ``services.runs``. The web process only uses
the torch-free parts of ``reviews.experiments`` (configs, presets, figures).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import experiments, selectors
from ..enums import RunStatus
from ..experiment_texts import translate
from ..exports.markdown import bundles_figures
from ..forms import RunForm, run_form
from ..models import ExperimentRun, Member, Review
from ..services import runs as run_services

FIGURE_CSP = "default-src 'none'"


def can_launch(user: Member) -> bool:
    """Whether the user may attach runs to a review they can read (the service decides)."""
    return user.is_authenticated and user.is_active


def review_runs_context(
    request: HttpRequest, review: Review, form: RunForm | None = None
) -> dict[str, Any]:
    """The "Demo experiments" section of a review page: its runs and the attach form."""
    runs = list(selectors.runs_for_review(review))
    for run in runs:
        run.demo = _demo(run.experiment)
    if form is None and can_launch(request.user):
        form = run_form(arxiv_id=review.paper.arxiv_id)
    # The blog download becomes a ZIP once a run has a figure or the review an image stored
    # here; its link says which.
    return {"runs": runs, "run_form": form, "blog_bundle": bundles_figures(runs, review)}


def _demo(slug: str) -> experiments.Experiment | None:
    try:
        return experiments.get(slug)
    except KeyError:  # a run of a demo that has since been removed from the registry
        return None


@login_required
@require_POST
def run_launch(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a demo to a review: validate the form, queue the run, go to its page."""
    from .reviews import review_page

    review = get_object_or_404(
        selectors.reviews_visible_to(request.user).select_related("paper"), pk=pk
    )
    form = run_form(request.POST, arxiv_id=review.paper.arxiv_id)
    status = 400
    headers: dict[str, str] = {}
    if form.is_valid():
        try:
            run = run_services.run_create(
                review=review,
                by=request.user,
                experiment=form.cleaned_data["experiment"],
                preset=form.cleaned_data["preset"],
                overrides=form.overrides(),
            )
        except PermissionDenied:
            return HttpResponse(_("You cannot run experiments on this review."), status=403)
        except ValidationError as error:
            form.add_config_errors(error.message_dict)
        except run_services.RunRefused as refused:
            form.add_error(None, refused.message)
            status = 429
            if refused.retry_after:
                headers["Retry-After"] = str(refused.retry_after)
        else:
            _say_queued(request, run, _("The run is queued."))
            return redirect(run)
    review = selectors.review_for_page(pk=review.pk, user=request.user)
    response = review_page(request, review, run_form=form, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@require_GET
def run_config_fields(request: HttpRequest) -> HttpResponse:
    """The preset select and settings of one experiment, for htmx to swap into the form."""
    experiment = request.GET.get("experiment", "")
    if experiment and _demo(experiment) is None:
        return HttpResponse(_("There is no such experiment."), status=400)
    form = run_form(arxiv_id="", experiment=experiment, preset=request.GET.get("preset", ""))
    return render(request, "reviews/partials/run_config.html", {"run_form": form})


def _visible_run(request: HttpRequest, pk: int) -> ExperimentRun:
    """The run if the user can read its review (404 otherwise); reaped first if active."""
    runs = selectors.runs_visible_to(request.user)
    run = get_object_or_404(runs, pk=pk)
    if run.is_active and run_services.runs_reap_stale(run_ids=[run.pk]):
        run = runs.get(pk=pk)
    return run


def _live_context(run: ExperimentRun) -> dict[str, Any]:
    demo = _demo(run.experiment)
    return {"run": run, "demo": demo, "chart": _live_chart(run, demo)}


def _live_chart(run: ExperimentRun, demo: experiments.Experiment | None) -> str:
    """The curves so far as inline SVG: while running, and for runs that stopped early."""
    if demo is None or not run.series or (run.figure and not run.is_active):
        return ""
    try:
        config = demo.config_class.from_dict(run.config)
        series = {name: experiments.Series.from_dict(s) for name, s in run.series.items()}
        return demo.figure(series, config)
    except (experiments.ConfigError, KeyError, TypeError, ValueError):
        return ""  # a config or series this version of the demo can no longer read


@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _visible_run(request, pk)
    context = _live_context(run)
    demo = context["demo"]
    context.update(
        {
            "review": run.review,
            "paper": run.review.paper,
            "config_rows": _config_rows(run, demo),
            "can_cancel": run.is_active and run_services.run_can_cancel(run, request.user),
            "can_rerun": can_launch(request.user),
        }
    )
    return render(request, "reviews/run_detail.html", context)


def _config_rows(run: ExperimentRun, demo: experiments.Experiment | None) -> list[dict[str, Any]]:
    """The run's settings in the config's field order, marking those changed from its preset."""
    fields = demo.config_class.fields_info() if demo else []
    helps = {f["name"]: f["description"] for f in fields}
    order = [f["name"] for f in fields if f["name"] in run.config]
    order += sorted(set(run.config) - set(order))
    preset = demo.presets.get(run.preset) if demo else None
    preset_values = preset.to_dict() if preset else {}
    return [
        {
            "name": name,
            "value": run.config[name],
            "help": translate(helps.get(name, "")),
            "changed": bool(preset_values) and preset_values.get(name) != run.config[name],
        }
        for name in order
    ]


@require_GET
def run_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The changing part of the run page; it stops polling once the run has finished."""
    run = _visible_run(request, pk)
    context = _live_context(run)
    context["can_cancel"] = run.is_active and run_services.run_can_cancel(run, request.user)
    return render(request, "reviews/partials/run_live.html", context)


@require_GET
def run_figure(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored SVG, served so it cannot run script or load anything."""
    run = _visible_run(request, pk)
    if not run.figure:
        raise Http404
    try:
        with run.figure.open("rb") as stored:
            content = stored.read()
    except OSError:
        raise Http404 from None
    response = HttpResponse(content, content_type="image/svg+xml")
    response["Content-Security-Policy"] = FIGURE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="run-{run.pk}.svg"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(selectors.runs_visible_to(request.user), pk=pk)
    try:
        run = run_services.run_cancel(run=run, by=request.user)
    except PermissionDenied:
        return HttpResponse(
            _("Only who started the run or an organizer can cancel it."), status=403
        )
    if run.is_active:
        messages.info(request, _("Cancelling: the run stops at its next progress point."))
    else:
        messages.success(request, _("The run is cancelled."))
    return redirect(run)


@login_required
@require_POST
def run_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(selectors.runs_visible_to(request.user), pk=pk)
    try:
        new_run = run_services.run_rerun(run=run, by=request.user)
    except PermissionDenied:
        return HttpResponse(_("You cannot run experiments on this review."), status=403)
    except ValidationError as error:
        problems = "; ".join(f"{k}: {', '.join(v)}" for k, v in error.message_dict.items())
        messages.error(request, _("This run cannot be repeated: %s") % problems)
        return redirect(run)
    except run_services.RunRefused as refused:
        messages.error(request, refused.message)
        return redirect(run)
    _say_queued(request, new_run, _("The run is queued again."))
    return redirect(new_run)


def _say_queued(request: HttpRequest, run: ExperimentRun, queued: str) -> None:
    """What became of a launch: queued, or failed at once because the queue was down."""
    if run.status == RunStatus.FAILED:
        messages.error(request, _("The run could not be queued: %s") % run.error)
    else:
        messages.success(request, queued)
