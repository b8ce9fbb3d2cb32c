"""The cohort page and the session page, with what members do there."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews.models import Cohort, Comment

from .. import rules, selectors, services
from ..calendar import calendar_token
from ..forms import AttendanceForm, RsvpForm, SwapForm, UnavailabilityForm, add_service_errors
from ..models import Attendance, CalendarKey, Session, SwapRequest


def _say_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@require_GET
def since_last_session(request: HttpRequest, slug: str) -> HttpResponse:
    """What changed in the cohort since its previous meeting: reviews, questions, comments."""
    cohort = get_object_or_404(Cohort, slug=slug)
    answer = selectors.since_last_session(cohort=cohort)
    return render(request, "meetings/since_last_session.html", {"answer": answer})


@require_GET
def cohort_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = get_object_or_404(Cohort, slug=slug)
    user = request.user
    assignments = [
        (a, selectors.assignment_progress(assignment=a))
        for a in selectors.cohort_assignments(cohort=cohort)
    ]
    key = (
        CalendarKey.objects.filter(member=user, active=True).first()
        if user.is_authenticated
        else None
    )
    is_member = rules.is_member(user, cohort)
    context = {
        "cohort": cohort,
        "sessions": selectors.cohort_sessions(cohort=cohort),
        "assignments": assignments,
        "is_member": is_member,
        "may_plan": rules.may_plan(user, cohort),
        "calendar_key": key if is_member else None,
        "calendar_token": calendar_token(key) if key and is_member else "",
        "public_calendar": not settings.MEMBERS_ONLY,
        "unavailability_form": UnavailabilityForm(
            initial={
                "days": " ".join(d.isoformat() for d in selectors.upcoming_unavailable(member=user))
            }
        )
        if user.is_authenticated
        else None,
    }
    return render(request, "meetings/cohort_detail.html", context)


def _session_page(
    request: HttpRequest, session: Session, *, status: int = 200, **extra: object
) -> HttpResponse:
    user = request.user
    is_member = rules.is_member(user, session.cohort)
    is_presenter = user.is_authenticated and any(p.pk == user.pk for p in session.presenters.all())
    my_answer = (
        Attendance.objects.filter(session=session, member=user)
        .values_list("answer", flat=True)
        .first()
        if is_member
        else None
    )
    context = {
        "session": session,
        "reviews": selectors.session_reviews(session=session, user=user),
        "roster": selectors.session_roster(session=session)
        if is_member or rules.may_plan(user, session.cohort)
        else None,
        "questions": selectors.session_questions(session=session),
        "my_comments": selectors.session_my_comments(session=session, user=user),
        "is_member": is_member,
        "is_presenter": is_presenter,
        "may_plan": rules.may_plan(user, session.cohort),
        "rsvp_form": RsvpForm(initial={"answer": my_answer}) if is_member else None,
        "swap_form": extra.pop("swap_form", None)
        or (SwapForm(session=session, member=user) if is_presenter else None),
        "attendance_form": AttendanceForm(
            session=session,
            initial={"present": [a.member_id for a in session.attendance.filter(attended=True)]},
        )
        if rules.may_plan(user, session.cohort)
        else None,
        "swaps": SwapRequest.objects.filter(session=session, status="pending").select_related(
            "requested_by", "counterpart", "counterpart_session"
        )
        if is_member
        else [],
        **extra,
    }
    return render(request, "meetings/session_detail.html", context, status=status)


@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_for_page(pk=pk)
    if session is None:
        return render(request, "404.html", status=404)
    return _session_page(request, session)


def _session(pk: int) -> Session:
    return get_object_or_404(Session.objects.select_related("cohort"), pk=pk)


@login_required
@require_POST
def session_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    form = RsvpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Answer yes, maybe or no."))
        return redirect(session)
    try:
        services.attendance_answer(
            session=session, member=request.user, answer=form.cleaned_data["answer"]
        )
    except ValidationError as error:
        _say_errors(request, error)
    else:
        messages.success(request, _("Your answer is saved."))
    return redirect(session)


@login_required
@require_POST
def session_volunteer(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    try:
        services.session_volunteer(session=session, member=request.user)
    except ValidationError as error:
        _say_errors(request, error)
    else:
        messages.success(request, _("You present this session. Thank you!"))
    return redirect(session)


@login_required
@require_POST
def session_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    try:
        services.session_withdraw(session=session, member=request.user)
    except ValidationError as error:
        _say_errors(request, error)
    else:
        messages.success(request, _("You no longer present this session."))
    return redirect(session)


@login_required
@require_POST
def swap_create(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_for_page(pk=pk)
    if session is None:
        return render(request, "404.html", status=404)
    form = SwapForm(request.POST, session=session, member=request.user)
    if form.is_valid():
        try:
            services.swap_request(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Swap request sent. It takes effect when they accept."))
            return redirect(session)
    return _session_page(request, session, status=400, swap_form=form)


@login_required
@require_POST
def swap_answer(request: HttpRequest, pk: int) -> HttpResponse:
    swap = get_object_or_404(SwapRequest.objects.select_related("session__cohort"), pk=pk)
    accept = request.POST.get("answer") == "accept"
    try:
        if accept:
            services.swap_accept(swap=swap, by=request.user)
        else:
            services.swap_decline(swap=swap, by=request.user)
    except ValidationError as error:
        _say_errors(request, error)
    else:
        messages.success(
            request, _("Swap accepted: the turns have changed.") if accept else _("Swap declined.")
        )
    return redirect(swap.session)


@login_required
@require_POST
def attendance_take(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    if not rules.may_plan(request.user, session.cohort):
        raise PermissionDenied
    form = AttendanceForm(request.POST, session=session)
    if not form.is_valid():
        messages.error(request, _("Pick members of this cohort."))
        return redirect(session)
    try:
        services.attendance_take(
            session=session, by=request.user, present=form.cleaned_data["present"]
        )
    except ValidationError as error:
        _say_errors(request, error)
    else:
        messages.success(request, _("Attendance saved."))
    return redirect(session)


def _back(request: HttpRequest, comment: Comment) -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(comment.review)


@login_required
@require_POST
def comment_question(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("review"), pk=pk)
    services.comment_mark_question(
        comment=comment, by=request.user, question=request.POST.get("question") == "1"
    )
    return _back(request, comment)


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("review"), pk=pk)
    try:
        services.comment_resolve(
            comment=comment, by=request.user, resolved=request.POST.get("resolved", "1") == "1"
        )
    except ValidationError as error:
        _say_errors(request, error)
    return _back(request, comment)
