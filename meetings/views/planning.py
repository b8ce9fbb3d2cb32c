"""The organizer's planning page: a season in one form, inline edits, rotation, assignments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviews.models import Cohort

from .. import rules, selectors, services
from ..forms import (
    AssignmentForm,
    ScheduleForm,
    SessionForm,
    UnavailabilityForm,
    add_service_errors,
)
from ..models import Session


def _planner_cohort(request: HttpRequest, slug: str) -> Cohort:
    cohort = get_object_or_404(Cohort, slug=slug)
    if not rules.may_plan(request.user, cohort):
        raise PermissionDenied(_("Only an organizer of this cohort can plan its sessions."))
    return cohort


def _plan_page(
    request: HttpRequest, cohort: Cohort, *, status: int = 200, **forms: object
) -> HttpResponse:
    context = {
        "cohort": cohort,
        "sessions": selectors.cohort_sessions(cohort=cohort),
        "schedule_form": forms.get("schedule_form")
        or ScheduleForm(initial={"time_zone": request.user.time_zone}),
        "assignment_form": forms.get("assignment_form") or AssignmentForm(cohort=cohort),
        "rotation_errors": forms.get("rotation_errors", []),
    }
    return render(request, "meetings/plan.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _planner_cohort(request, slug)
    if request.method == "GET":
        return _plan_page(request, cohort)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            created = services.schedule_create(
                cohort=cohort, by=request.user, schedule=form.schedule()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext("%(count)s session planned.", "%(count)s sessions planned.", len(created))
                % {"count": len(created)},
            )
            return redirect("meetings:plan", cohort.slug)
    return _plan_page(request, cohort, status=400, schedule_form=form)


@login_required
@require_POST
def rotation_assign(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _planner_cohort(request, slug)
    try:
        plan = services.rotation_assign(cohort=cohort, by=request.user)
    except ValidationError as error:
        return _plan_page(request, cohort, status=400, rotation_errors=error.messages)
    messages.success(
        request,
        ngettext(
            "%(count)s session got a presenter.", "%(count)s sessions got a presenter.", len(plan)
        )
        % {"count": len(plan)},
    )
    return redirect("meetings:plan", cohort.slug)


def _planned_session(request: HttpRequest, pk: int) -> Session:
    session = selectors.session_for_page(pk=pk)
    if session is None:
        raise PermissionDenied
    if not rules.may_plan(request.user, session.cohort):
        raise PermissionDenied(_("Only an organizer of this cohort can plan its sessions."))
    return session


def _auto_id(session: Session) -> str:
    # Several rows' editors (and the schedule form) share the page: ids must not collide.
    return f"id_session{session.pk}_%s"


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The inline editor of one row; saved, it answers the row again (htmx) or the page."""
    session = _planned_session(request, pk)
    if request.method == "GET":
        form = SessionForm(cohort=session.cohort, session=session, auto_id=_auto_id(session))
        return render(
            request, "meetings/partials/session_form.html", {"session": session, "form": form}
        )
    form = SessionForm(
        request.POST, cohort=session.cohort, session=session, auto_id=_auto_id(session)
    )
    if form.is_valid():
        try:
            services.session_update(
                session=session,
                by=request.user,
                fields=form.fields_value(),
                entries=form.cleaned_data["entries"],
                presenters=form.cleaned_data["presenters"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.headers.get("HX-Request") == "true":
                session = selectors.session_for_page(pk=pk)
                return render(request, "meetings/partials/session_row.html", {"session": session})
            messages.success(request, _("Session saved."))
            return redirect("meetings:plan", session.cohort.slug)
    return render(
        request,
        "meetings/partials/session_form.html",
        {"session": session, "form": form},
        status=400,
    )


@login_required
@require_GET
def session_row(request: HttpRequest, pk: int) -> HttpResponse:
    session = _planned_session(request, pk)
    return render(request, "meetings/partials/session_row.html", {"session": session})


@login_required
@require_POST
def assignment_create(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _planner_cohort(request, slug)
    form = AssignmentForm(request.POST, cohort=cohort)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assignment_create(
                cohort=cohort,
                by=request.user,
                reading_list=data["reading_list"],
                papers_required=data["papers_required"],
                due_at=form.due_at(),
                title=data["title"],
                length_guideline=data["length_guideline"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Assignment set."))
            return redirect("meetings:plan", cohort.slug)
    return _plan_page(request, cohort, status=400, assignment_form=form)


@login_required
@require_POST
def unavailability_edit(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = get_object_or_404(Cohort, slug=slug)
    form = UnavailabilityForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("days", []):
            messages.error(request, error)
    else:
        services.unavailability_set(member=request.user, days=form.cleaned_data["days"])
        messages.success(request, _("Your unavailable days are saved."))
    return redirect("meetings:cohort_detail", cohort.slug)
