"""iCalendar feeds: a cohort's (public, unless the site is for members only) and each
member's private one, reached through a revocable address that works without signing in."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews.models import Cohort, Member

from .. import selectors, services
from ..calendar import build_calendar, calendar_key_member
from ..models import Assignment

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response


def _cohort_body(request: HttpRequest, cohort: Cohort, member: Member | None) -> bytes:
    return build_calendar(
        name=cohort.name,
        sessions=selectors.calendar_sessions(cohorts=[cohort]),
        assignments=Assignment.objects.filter(cohort=cohort).select_related("reading_list"),
        base_url=request.build_absolute_uri("/").rstrip("/"),
        presenter=member,
    )


@require_GET
def cohort_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """The cohort's public feed; in a members-only group only the private address serves it."""
    if settings.MEMBERS_ONLY and not request.user.is_authenticated:
        raise Http404
    cohort = get_object_or_404(Cohort, slug=slug)
    member = request.user if request.user.is_authenticated else None
    return _response(_cohort_body(request, cohort, member), f"{cohort.slug}.ics")


def _key_member(key: str) -> Member:
    member = calendar_key_member(key)
    if member is None:
        raise Http404
    return member


@require_GET
def private_cohort_calendar(request: HttpRequest, key: str, slug: str) -> HttpResponse:
    member = _key_member(key)
    cohort = get_object_or_404(Cohort, slug=slug, memberships__member=member)
    with translation.override(member.preferred_language):
        body = _cohort_body(request, cohort, member)
    return _response(body, f"{cohort.slug}.ics")


@require_GET
def private_calendar(request: HttpRequest, key: str) -> HttpResponse:
    """My calendar: my cohorts' sessions (my turns marked) and assignment deadlines."""
    member = _key_member(key)
    cohorts = list(Cohort.objects.filter(memberships__member=member))
    with translation.override(member.preferred_language):
        body = build_calendar(
            name=_("StudyGroup: %(name)s") % {"name": member.name},
            sessions=selectors.calendar_sessions(cohorts=cohorts),
            assignments=Assignment.objects.filter(cohort__in=cohorts).select_related(
                "reading_list"
            ),
            base_url=request.build_absolute_uri("/").rstrip("/"),
            presenter=member,
        )
    return _response(body, "studygroup.ics")


@login_required
@require_POST
def calendar_key_create(request: HttpRequest) -> HttpResponse:
    services.calendar_key_create(member=request.user)
    messages.success(request, _("Your private calendar address is ready. Keep it to yourself."))
    return redirect(request.user)


@login_required
@require_POST
def calendar_key_revoke(request: HttpRequest) -> HttpResponse:
    services.calendar_key_revoke(member=request.user)
    messages.success(request, _("Your private calendar address no longer works."))
    return redirect(request.user)
