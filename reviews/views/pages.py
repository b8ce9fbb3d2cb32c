"""Browser pages. Reads go through selectors, writes through services."""

from __future__ import annotations

import difflib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services, signin
from ..enums import ReadingStatus, Section
from ..forms import (
    CommentForm,
    EntryStatusForm,
    InviteAcceptForm,
    ProfileForm,
    ReadingListFilterForm,
    ReviewForm,
    RunForm,
    TokenForm,
)
from ..markdown import render_markdown
from ..models import (
    ApiToken,
    Bookmark,
    Cohort,
    Comment,
    FeedKey,
    Invite,
    Member,
    Paper,
    ReadingList,
    ReadingListEntry,
    Review,
    ReviewWorkingCopy,
    Tag,
)
from ..validators import validate_markdown_size
from .conditional import conditional_page
from .runs import review_runs_context

MEMBER_REVIEWS_PER_PAGE = 30
# Each entry costs ~1 ms to render with its status form; 500 at once took over a second.
ENTRIES_PER_PAGE = 50


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_GET
@conditional_page(lambda request: selectors.home_version(tag=request.GET.get("tag", "")))
def home(request: HttpRequest) -> HttpResponse:
    cohorts = Cohort.objects.prefetch_related("reading_lists").order_by("-created_at")
    latest = selectors.review_items(selectors.published_reviews())
    tag = Tag.objects.filter(slug=request.GET.get("tag", "")).first()
    if tag is not None:
        latest = latest.filter(paper__tags=tag)
    context = {"cohorts": cohorts, "latest": latest[:10], "tag": tag}
    return render(request, "reviews/home.html", context)


def _reading_list_version(request: HttpRequest, slug: str) -> object:
    # The plain list, page by page; filtered and searched lists are not conditional.
    if set(request.GET) - {"page"}:
        return None
    page = _positive_int(request.GET.get("page", "1"))
    if page is None:
        return None
    return selectors.reading_list_version(slug=slug, page=page, per_page=ENTRIES_PER_PAGE)


@require_GET
@conditional_page(_reading_list_version)
def reading_list(request: HttpRequest, slug: str) -> HttpResponse:
    rl = get_object_or_404(ReadingList.objects.select_related("cohort"), slug=slug)
    form = ReadingListFilterForm(request.GET or None)
    filters: dict[str, str] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    entries = selectors.reading_list_entries(
        reading_list=rl,
        user=request.user,
        tag=filters.get("tag", ""),
        status=filters.get("status", ""),
        query=filters.get("q", ""),
    )
    kept = {k: v for k, v in request.GET.items() if k in ("q", "tag", "status") and v}
    if (number := _positive_int(request.GET.get("entry"))) is not None:
        # Jump to an entry number: the page that holds it (under the same filters).
        before = entries.filter(number__lt=number).count()
        query = urlencode({**kept, "page": before // ENTRIES_PER_PAGE + 1})
        return redirect(f"{rl.get_absolute_url()}?{query}#entry-{number}")
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "reading_list": rl,
        "other_lists": ReadingList.objects.exclude(pk=rl.pk).select_related("cohort"),
        "entries": page,
        "page_query": urlencode(kept),
        "kept_filters": kept,
        "form": form,
        "tags": Tag.objects.filter(papers__entries__reading_list=rl).distinct(),
        "status_choices": _status_choices(),
        "filtered": bool(filters),
    }
    return render(request, "reviews/reading_list.html", context)


def _positive_int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def _status_choices() -> list[tuple[str, str]]:
    # Translated once per page, not once per entry.
    return [(value, str(label)) for value, label in ReadingStatus.choices]


@login_required
@require_POST
def entry_status(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(ReadingListEntry.objects.select_related("reading_list"), pk=pk)
    form = EntryStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown reading status."), status=400)
    services.entry_status_set(entry=entry, member=request.user, status=form.cleaned_data["status"])
    if _is_htmx(request):
        entry.my_status = form.cleaned_data["status"]
        context = {"entry": entry, "status_choices": _status_choices(), "saved": True}
        return render(request, "reviews/partials/entry_status.html", context)
    return redirect(f"{entry.reading_list.get_absolute_url()}?entry={entry.number}")


@require_GET
@conditional_page(lambda request, pk: selectors.paper_version(pk=pk))
def paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        paper = selectors.paper_with_reviews(pk=pk)
    except Paper.DoesNotExist:
        raise Http404 from None
    my_review = None
    bookmarked = False
    if request.user.is_authenticated:
        my_review = Review.objects.filter(paper=paper, author=request.user).only("status").first()
        bookmarked = Bookmark.objects.filter(paper=paper, member=request.user).exists()
    context = {
        "paper": paper,
        "reviews": paper.published_reviews,
        "my_review": my_review,
        "bookmarked": bookmarked,
        "sections": Section.choices,
    }
    return render(request, "reviews/paper_detail.html", context)


@require_GET
@conditional_page(lambda request, pk: selectors.paper_version(pk=pk))
def paper_compare(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_object_or_404(Paper.objects.only("title"), pk=pk)
    section = request.GET.get("section", Section.RESULTS)
    if section not in Section.values:
        return render(
            request,
            "reviews/paper_compare.html",
            {"paper": paper, "error": _("Unknown section."), "sections": Section.choices},
            status=400,
        )
    reviews = (
        selectors.published_reviews()
        .filter(paper=paper)
        .select_related(None)
        .select_related("author")
        .only("language", f"{section}_html", "author", *selectors.AUTHOR_NAME_FIELDS)
    )
    columns = [(review, getattr(review, f"{section}_html")) for review in reviews]
    context = {
        "paper": paper,
        "section": section,
        "section_label": Section(section).label,
        "sections": Section.choices,
        "columns": columns,
    }
    return render(request, "reviews/paper_compare.html", context)


@login_required
@require_POST
def bookmark(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=pk)
    saved = services.bookmark_toggle(member=request.user, paper=paper)
    if _is_htmx(request):
        return render(
            request, "reviews/partials/bookmark.html", {"paper": paper, "bookmarked": saved}
        )
    return redirect(paper)


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write or revise the signed-in member's review of a paper."""
    paper = get_object_or_404(Paper, pk=pk)
    review = Review.objects.filter(paper=paper, author=request.user).first()
    working_copy = ReviewWorkingCopy.objects.filter(review=review).first() if review else None
    conflict: Review | None = None
    if request.method == "POST" and review is not None and "discard_working_copy" in request.POST:
        services.review_working_copy_discard(review=review, by=request.user)
        messages.success(request, _("Working copy discarded; the published review is unchanged."))
        return redirect("review_edit", pk=paper.pk)
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            publish = "publish" in request.POST
            # "Save working copy": a published review's changes, kept without publishing.
            keep = review is not None and "working_copy" in request.POST
            try:
                if review is None:
                    review = services.review_create(
                        paper=paper, author=request.user, content=form.content(), publish=publish
                    )
                elif keep:
                    services.review_working_copy_save(
                        review=review,
                        by=request.user,
                        content=form.content(),
                        expected_version=form.cleaned_data["version"],
                    )
                else:
                    review = services.review_save(
                        review=review,
                        by=request.user,
                        content=form.content(),
                        expected_version=form.cleaned_data["version"],
                        publish=publish,
                        drop_working_copy=True,
                    )
            except services.ReviewConflict as error:
                conflict = error.current
                form.add_error(
                    None,
                    _(
                        "This review was saved elsewhere (now version %(version)d) after you "
                        "opened the editor, so your changes were not saved. Your text is kept "
                        "below; compare it with the saved version, then save again to replace it."
                    )
                    % {"version": conflict.version},
                )
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form.data = data
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if keep:
                    messages.success(
                        request,
                        _(
                            "Working copy saved. Only you can see it: readers see the published "
                            "review until you publish the changes."
                        ),
                    )
                    return redirect("review_edit", pk=paper.pk)
                if publish or review.is_published:
                    messages.success(request, _("Your review is published."))
                    return redirect(review)
                messages.success(request, _("Draft saved."))
                return redirect("review_edit", pk=paper.pk)
    elif review is not None:
        # The author goes on from their working copy when they saved one.
        content = services.ReviewContent.from_review(working_copy or review)
        form = ReviewForm(initial={**vars(content), "version": review.version})
    else:
        form = ReviewForm(initial={"version": 0, "language": request.user.preferred_language})
    section_fields = [form[s.value] for s in Section]
    context = {
        "paper": paper,
        "review": review,
        "form": form,
        "section_fields": section_fields,
        "conflict": conflict,
        "conflict_sections": _conflict_sections(form, conflict) if conflict else [],
        "working_copy": working_copy,
    }
    status = 409 if conflict else (400 if request.method == "POST" else 200)
    return render(request, "reviews/review_edit.html", context, status=status)


def _conflict_sections(form: ReviewForm, current: Review) -> list[dict[str, Any]]:
    """For each section that differs, the saved text beside what the user typed."""
    out = []
    for section in Section:
        mine = form.data.get(section.value, "")
        saved = getattr(current, section.value)
        if mine.replace("\r\n", "\n") != saved.replace("\r\n", "\n"):
            out.append({"key": section.value, "label": section.label, "saved": saved})
    return out


@login_required
@require_POST
def review_preview(request: HttpRequest) -> HttpResponse:
    """Render whichever section the editor sent; the same renderer as the saved page."""
    # htmx names the textarea that fired; a plain POST may carry just one section.
    name = request.headers.get("HX-Trigger-Name") or next(
        (s for s in Section.values if s in request.POST), ""
    )
    if name not in Section.values or name not in request.POST:
        return _preview_error(request, _("Nothing to preview."))
    section, text = Section(name), request.POST[name]
    try:
        validate_markdown_size(text)
    except ValidationError as error:
        return _preview_error(request, " ".join(error.messages))
    html = render_markdown(text.replace("\x00", ""), id_prefix=f"preview-{section.value}-")
    return render(request, "reviews/partials/preview.html", {"html": html})


def _preview_error(request: HttpRequest, message: str) -> HttpResponse:
    """Why the preview cannot render; the editor shows it in place of the preview."""
    context = {"message": message}
    return render(request, "reviews/partials/preview_error.html", context, status=400)


def review_page(
    request: HttpRequest,
    review: Review,
    comment_form: CommentForm | None = None,
    *,
    run_form: RunForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The review page; a comment or run form with errors comes back here with them."""
    _prepare_comments(review.all_comments)
    sections, general_threads = selectors.review_discussion(review, review.all_comments)
    if comment_form is None:
        # "Comment on this section" without JavaScript: a link to the form, section chosen.
        section = request.GET.get("section", "")
        comment_form = CommentForm(initial={"section": section if section in Section else ""})
    context = {
        **review_runs_context(request, review, run_form),
        "review": review,
        "paper": review.paper,
        "sections": sections,
        "threads": general_threads,
        "comment_count": len(review.all_comments),
        "comment_form": comment_form,
        "can_moderate": request.user.is_authenticated
        and (request.user.pk == review.author_id or request.user.is_staff),
        "viewer": _comment_viewer(request, review),
        "working_copy": _own_working_copy(request, review),
    }
    return render(request, "reviews/review_detail.html", context, status=status)


def _own_working_copy(request: HttpRequest, review: Review) -> ReviewWorkingCopy | None:
    """The author's unpublished changes, which the page mentions to them alone."""
    if request.user.pk != review.author_id:
        return None
    return ReviewWorkingCopy.objects.filter(review=review).only("updated_at").first()


def _prepare_comments(comments: list[Comment]) -> None:
    """Each comment's time and id as text, made here in one pass: through the template's
    date filter and number formatting they were a quarter of a 200-comment page's time."""
    for comment in comments:
        created = localtime(comment.created_at)
        comment.created_iso = created.isoformat(timespec="seconds")
        comment.created_text = created.strftime("%Y-%m-%d %H:%M")
        comment.pk_text = str(comment.pk)


def _comment_viewer(request: HttpRequest, review: Review) -> dict[str, Any]:
    """What each of (maybe hundreds of) comments needs to know of the viewer, worked out once."""
    user = request.user
    if not user.is_authenticated:
        return {"id": None}
    return {
        "id": user.pk,
        "is_staff": user.is_staff,
        "comment_action": reverse("comment_create", args=[review.pk]),
        "reply": _("Reply"),
    }


@require_GET
@conditional_page(lambda request, pk: selectors.review_version(pk=pk))
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review = selectors.review_for_page(pk=pk, user=request.user)
    except Review.DoesNotExist:
        raise Http404 from None
    return review_page(request, review)


@require_GET
def review_history(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review = selectors.review_for_page(pk=pk, user=request.user, full_revisions=True)
    except Review.DoesNotExist:
        raise Http404 from None
    revisions = review.all_revisions
    by_number = {r.number: r for r in revisions}
    older = newer = None
    if len(revisions) >= 2:
        newer, older = revisions[0], revisions[1]
    try:
        if "a" in request.GET:
            older = by_number[int(request.GET["a"])]
        if "b" in request.GET:
            newer = by_number[int(request.GET["b"])]
    except (KeyError, ValueError):
        return render(
            request,
            "reviews/review_history.html",
            {"review": review, "revisions": revisions, "error": _("No such revision.")},
            status=404,
        )
    diff = _revision_diff(older, newer) if older and newer else []
    context = {
        "review": review,
        "revisions": revisions,
        "older": older,
        "newer": newer,
        "diff": diff,
    }
    return render(request, "reviews/review_history.html", context)


def _revision_diff(older: Any, newer: Any) -> list[dict[str, Any]]:
    """Line diff of the TL;DR and each section; unchanged sections are left out."""
    parts = [("tldr", _("TL;DR"))] + [(s.value, s.label) for s in Section]
    out = []
    for key, label in parts:
        a = getattr(older, key).splitlines()
        b = getattr(newer, key).splitlines()
        if a == b:
            continue
        lines = []
        for line in difflib.unified_diff(a, b, lineterm="", n=2):
            if line.startswith(("---", "+++")):
                continue
            kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
            lines.append((kind, line[1:] if kind != "hunk" else line))
        out.append({"label": label, "lines": lines})
    return out


@login_required
@require_POST
def review_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        selectors.reviews_visible_to(request.user).select_related("paper"), pk=pk
    )
    try:
        services.review_unpublish(review=review, by=request.user)
    except PermissionDenied:
        return HttpResponse(_("Only the author or an organizer can do that."), status=403)
    messages.success(request, _("The review is back to draft."))
    return redirect(review.paper)


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        selectors.reviews_visible_to(request.user).select_related("paper"), pk=pk
    )
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid() and form.cleaned_data["parent"]:
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], review=review).first()
        if parent is None:
            form.add_error("parent", _("That comment is not on this review."))
    if form.is_valid():
        try:
            comment = services.comment_create(
                review=review,
                author=request.user,
                body=form.cleaned_data["body"],
                section=form.cleaned_data["section"],
                parent=parent,
            )
        except PermissionDenied:
            return HttpResponse(_("You cannot comment on this review."), status=403)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Comment posted."))
            # The comment shows at its section, or with the general ones at the bottom.
            return redirect(f"{review.get_absolute_url()}#comment-{comment.pk}")
    review = selectors.review_for_page(pk=review.pk, user=request.user)
    return review_page(request, review, form, status=400)


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(
        Comment.objects.filter(
            review__in=selectors.reviews_visible_to(request.user)
        ).select_related("review"),
        pk=pk,
    )
    try:
        services.comment_delete(comment=comment, by=request.user)
    except PermissionDenied:
        return HttpResponse(_("Only the author or an organizer can do that."), status=403)
    messages.success(request, _("Comment deleted."))
    return redirect(f"{comment.review.get_absolute_url()}#comments")


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
