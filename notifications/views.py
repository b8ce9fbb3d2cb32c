"""The notifications page, opening and marking notifications, and a member's settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import mail, selectors, services
from .enums import Kind
from .forms import NotificationSettingsForm


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.inbox(request.user, unread_only=unread_only)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "groups": selectors.grouped(list(page.object_list)),
        "unread_only": unread_only,
    }
    return render(request, "notifications/list.html", context)


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of my notifications read and go to what it is about."""
    notification = get_object_or_404(selectors.inbox(request.user), pk=pk)
    services.notification_mark_read(member=request.user, ids=[notification.pk])
    return redirect(selectors.notification_url(notification) or "notifications:list")


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(selectors.inbox(request.user), pk=pk)
    services.notification_mark_read(member=request.user, ids=[notification.pk])
    return _back(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_read(member=request.user)
    messages.success(request, _("Marked %(count)d as read.") % {"count": count})
    return _back(request)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    current = services.notification_settings_for(request.user)
    form = NotificationSettingsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.notification_settings_save(
                member=request.user,
                deliveries=form.deliveries(),
                remind_days=form.cleaned_data["remind_days"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect("notifications:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "notifications/settings.html", {"form": form}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link in every notification mail: GET asks, POST unsubscribes. A mail
    client's one-click POST (RFC 8058) comes signed out and without a CSRF token."""
    found = mail.unsubscribe_read(token)
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"problem": True}, status=400)
    member, kind = found
    kind = None if kind == mail.ALL_KINDS else kind
    context = {"kind_label": Kind(kind).label if kind else ""}
    if request.method == "POST":
        services.notification_unsubscribe(member=member, kind=kind)
        context["done"] = True
    response = render(request, "notifications/unsubscribe.html", context)
    response["Cache-Control"] = "no-store"
    return response
