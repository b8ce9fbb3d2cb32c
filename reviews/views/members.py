"""Members: profile pages, one's own profile and API tokens, invitations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services, signin
from ..forms import (
    EmailForm,
    InviteAcceptForm,
    ProfileForm,
    TokenForm,
)
from ..models import (
    ApiToken,
    FeedKey,
    Invite,
    Member,
)
from .conditional import conditional_page

MEMBER_REVIEWS_PER_PAGE = 30


@require_GET
@conditional_page(lambda request, username: selectors.member_version(username=username))
def member_detail(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(Member, username=username, is_active=True)
    is_self = request.user.is_authenticated and request.user.pk == member.pk
    reviews = selectors.member_reviews(member=member, user=request.user)
    # A page number past either end shows the nearest page, as does one that is not a number.
    page = Paginator(reviews, MEMBER_REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "member": member,
        "is_self": is_self,
        "reviews": page,
        "progress": selectors.member_progress(member=member),
        "bookmarks": selectors.member_bookmarks(member=member) if is_self else None,
    }
    return render(request, "reviews/member_detail.html", context)


def _profile_page(
    request: HttpRequest, form: ProfileForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "form": form,
        "token_form": extra.pop("token_form", None) or TokenForm(),
        "email_form": extra.pop("email_form", None)
        or EmailForm(initial={"email": request.user.email_pending}),
        "tokens": ApiToken.objects.filter(member=request.user, revoked_at__isnull=True),
        "feed_key": FeedKey.objects.filter(member=request.user).first(),
        **extra,
    }
    return render(request, "reviews/profile_edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.member_update_profile(member=request.user, **form.cleaned_data)
        messages.success(request, _("Profile saved."))
        response = redirect(request.user)
        # A saved preference wins over an earlier pick made with the switch.
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    return _profile_page(request, form, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Make an API token and show its key on this response only; it is never stored."""
    token_form = TokenForm(request.POST)
    profile = ProfileForm(instance=request.user)
    if not token_form.is_valid():
        return _profile_page(request, profile, status=400, token_form=token_form)
    token, key = services.api_token_create(
        member=request.user, name=token_form.cleaned_data["name"]
    )
    response = _profile_page(request, profile, new_token=token, new_key=key)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, member=request.user)
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("profile_edit")


@require_http_methods(["GET", "POST"])
def invite_accept(request: HttpRequest, code: str) -> HttpResponse:
    # Guessing invite codes is throttled like guessing passwords: per address, and per code.
    attempt = f"invite:{code}"
    if refused := signin.refusal(request, username=attempt):
        return refused
    invite = Invite.objects.filter(code=code).select_related("cohort").first()
    if invite is None or not invite.is_usable:
        signin.failure_record(request, username=attempt)
        return render(request, "reviews/invite_invalid.html", status=404)
    if request.user.is_authenticated:
        messages.info(request, _("You are already signed in."))
        return redirect("home")
    form = InviteAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.invite_accept(
                invite=invite,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, member, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to the study group!"))
            return redirect(member)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "reviews/invite_accept.html", {"form": form, "invite": invite}, status=status
    )
