"""The member's import inbox: blog posts waiting until their paper is picked or added."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..arxiv_ids import parse_arxiv_id
from ..importers.fetch import FetchError
from ..models import ImportedPost, Paper
from ..services.blog_import import imported_post_discard, imported_post_resolve
from ..services.papers import PaperIndex


@login_required
@require_http_methods(["GET", "POST"])
def import_inbox(request: HttpRequest) -> HttpResponse:
    """GET: the waiting posts. POST: pick a post's paper (or add it from arXiv), or discard it."""
    posts = ImportedPost.objects.filter(member=request.user)
    errors: dict[int, str] = {}
    if request.method == "POST":
        post = get_object_or_404(posts, pk=request.POST.get("post", "0").strip() or 0)
        if "discard" in request.POST:
            imported_post_discard(post=post, by=request.user)
            messages.success(request, _("“%(title)s” left out.") % {"title": post.title})
            return redirect("import_inbox")
        query = request.POST.get("paper", "").strip()[:500]
        try:
            paper = _paper_for(query, request)
            if paper is None:
                raise ValidationError(
                    _(
                        "No paper of the group matches “%(query)s”. "
                        "Add the paper first, or give its arXiv id."
                    )
                    % {"query": query}
                )
            review = imported_post_resolve(post=post, paper=paper, by=request.user)
        except ValidationError as error:
            errors[post.pk] = " ".join(error.messages)
        else:
            messages.success(
                request, _("“%(title)s” is now your draft review.") % {"title": post.title}
            )
            return redirect("review_edit", review.paper_id)
    rows = [{"post": post, "error": errors.get(post.pk, "")} for post in posts]
    return render(
        request, "reviews/import_inbox.html", {"rows": rows}, status=400 if errors else 200
    )


def _paper_for(query: str, request: HttpRequest) -> Paper | None:
    """The paper a member named: the group's (arXiv id, title, short name) or one from arXiv."""
    if not query:
        raise ValidationError(_("Name the post's paper: its title, short name or arXiv id."))
    arxiv_id = parse_arxiv_id(query)
    if arxiv_id is None:
        match, _candidates = PaperIndex(names=True).find_post(query)
        return match.paper if match else None
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is not None:
        return paper
    from ..importers.arxiv import fetch_arxiv
    from ..services.imports import paper_import

    try:
        return paper_import(item=fetch_arxiv(arxiv_id), by=request.user).paper
    except FetchError as error:
        raise ValidationError(str(error)) from None
