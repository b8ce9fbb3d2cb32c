"""`/search/`: one box for papers, reviews (by section), comments and members."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reviews.arxiv_ids import parse_arxiv_id
from reviews.enums import Section
from reviews.models import Paper

from . import selectors
from .forms import KINDS, SearchForm
from .models import DocumentKind
from .text import query_terms

# A DOI as papers print it, with or without its resolver.
DOI_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
HITS_PER_KIND = 20


def paper_for_identifier(query: str) -> tuple[Paper | None, str]:
    """The group's paper an arXiv id or DOI names, and the arXiv id when it names one."""
    arxiv_id = parse_arxiv_id(query)
    if arxiv_id is not None:
        return Paper.objects.filter(arxiv_id=arxiv_id).first(), arxiv_id
    doi = DOI_RE.match(query.strip())
    if doi is not None:
        return Paper.objects.filter(doi__iexact=doi.group(1)).first(), ""
    return None, ""


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, object] = {"form": form, "kinds": KINDS[1:]}
    if not form.is_bound:
        return render(request, "search/search.html", context)
    if not form.is_valid():
        return render(request, "search/search.html", context, status=400)
    query = form.cleaned_data["q"].strip()
    context["query"] = query
    if not query_terms(query):
        context["empty"] = True
        return render(request, "search/search.html", context)
    paper, arxiv_id = paper_for_identifier(query)
    if paper is not None:
        return redirect(paper)
    kind = form.cleaned_data["kind"]
    kinds = [kind] if kind else [value for value, _label in KINDS[1:]]
    found = selectors.search(query, kinds=kinds, limit=HITS_PER_KIND, scope=form.scope())
    labels = dict(KINDS)
    context["results"] = [
        (value, labels[value], [hit_row(value, hit) for hit in found.get(value, [])])
        for value in kinds
    ]
    context["arxiv_id"] = arxiv_id
    context["total"] = sum(len(hits) for hits in found.values())
    return render(request, "search/search.html", context)


@dataclass
class Row:
    """A hit as the page and the API show it: what it is, where, and why it matched."""

    title: str
    url: str
    meta: str
    snippet: SafeString


def hit_row(kind: str, hit: selectors.Hit) -> Row:
    doc = hit.document
    if kind == DocumentKind.PAPER and doc.paper is not None:
        paper = doc.paper
        meta = ", ".join(a for a in (paper.authors or [])[:3] if isinstance(a, str))
        return Row(paper.title, paper.get_absolute_url(), meta, hit.snippet)
    if kind in (DocumentKind.SECTION, DocumentKind.REVIEW) and doc.review is not None:
        review = doc.review
        section = Section(doc.section).label if doc.section in Section.values else ""
        url = review.get_absolute_url() + (f"#{doc.section}" if section else "")
        meta = " · ".join(str(part) for part in (review.author.name, section) if part)
        return Row(review.paper.title, url, meta, hit.snippet)
    if kind == DocumentKind.COMMENT and doc.comment is not None:
        comment = doc.comment
        url = f"{comment.review.get_absolute_url()}#comment-{comment.pk}"
        title = _("%(author)s on the review of %(paper)s") % {
            "author": comment.author.name,
            "paper": comment.review.paper.title,
        }
        return Row(title, url, "", hit.snippet)
    if kind == DocumentKind.MEMBER and doc.member is not None:
        return Row(doc.member.name, doc.member.get_absolute_url(), doc.member.username, hit.snippet)
    return Row(doc.title, "", "", hit.snippet)
