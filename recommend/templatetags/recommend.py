"""The paper page's "what next": similar papers, what its reviewers also reviewed, and who
in the group can help with it. Three queries."""

from __future__ import annotations

from typing import Any

from django import template

from reviews.models import Paper

from .. import selectors

register = template.Library()


@register.inclusion_tag("recommend/partials/neighbours.html", takes_context=True)
def paper_neighbours(context: dict[str, Any], paper: Paper) -> dict[str, Any]:
    """Who can help leaves out the member reading the page."""
    similar = selectors.similar_papers(paper)
    return {
        "paper": paper,
        "similar": similar,
        "also_reviewed": list(selectors.also_reviewed(paper)),
        "helpers": selectors.who_can_help(paper, similar, asking=context["request"].user),
    }
