"""A member's own credentials: password change, e-mail address and the private feed key."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import signin
from ..forms import EmailForm, ProfileForm
from ..services import accounts
from .members import _profile_page


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """A wrong old password counts as a failed sign-in of this account from this address."""
    member = request.user
    form = PasswordChangeForm(member, request.POST or None)
    if request.method == "POST":
        # While locked out, not even the right old password is checked.
        if refused := signin.refusal(request, username=member.username):
            return refused
        if form.is_valid():
            accounts.member_password_change(
                member=member, password=form.cleaned_data["new_password1"]
            )
            # Keep this session signed in; the member's other sessions end.
            update_session_auth_hash(request, member)
            messages.success(request, _("Password changed."))
            return redirect("profile_edit")
        if form.has_error("old_password", "password_incorrect"):
            signin.failure_record(request, username=member.username)
    status = 400 if request.method == "POST" else 200
    return render(request, "reviews/password_change.html", {"form": form}, status=status)


@login_required
@require_POST
def feed_key_create(request: HttpRequest) -> HttpResponse:
    """Make a private feed key and show its URLs on this response only."""
    key = accounts.feed_key_create(member=request.user)
    feed_urls = [
        ("RSS", request.build_absolute_uri(reverse("feed_private_rss", args=[key]))),
        ("Atom", request.build_absolute_uri(reverse("feed_private_atom", args=[key]))),
    ]
    response = _profile_page(request, ProfileForm(instance=request.user), new_feed_urls=feed_urls)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def feed_key_revoke(request: HttpRequest) -> HttpResponse:
    if accounts.feed_key_revoke(member=request.user):
        messages.success(request, _("Private feed URL revoked."))
    return redirect("profile_edit")


@login_required
@require_POST
def email_change(request: HttpRequest) -> HttpResponse:
    """Ask to use a new address: a link to verify it goes there."""
    form = EmailForm(request.POST)
    if form.is_valid():
        try:
            member = accounts.member_email_request(
                member=request.user, address=form.cleaned_data["email"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if member.email_pending:
                messages.success(
                    request,
                    _("We sent a link to %(address)s: open it to use that address.")
                    % {"address": member.email_pending},
                )
            return redirect(reverse("profile_edit") + "#email")
    page = _profile_page(request, ProfileForm(instance=request.user), email_form=form, status=400)
    return page


@require_GET
def email_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the verification mail; it works signed out too."""
    try:
        member = accounts.member_email_verify(token=token)
    except ValidationError as error:
        context = {"problem": " ".join(error.messages)}
        return render(request, "reviews/email_verified.html", context, status=400)
    return render(request, "reviews/email_verified.html", {"address": member.email})


@login_required
@require_POST
def email_remove(request: HttpRequest) -> HttpResponse:
    accounts.member_email_remove(member=request.user)
    messages.success(request, _("Your e-mail address was removed: no mail is sent to you."))
    return redirect(reverse("profile_edit") + "#email")
