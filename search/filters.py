"""`?search=` for the API's lists, answered by the index where the list is indexed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

from reviews.models import Comment, Paper, ReadingListEntry, Review

from . import selectors
from .text import query_terms

if TYPE_CHECKING:
    from rest_framework.views import APIView

MAX_SEARCH_LENGTH = 200


class IndexSearchFilter(BaseFilterBackend):
    """Every word must occur; Korean words match with their particles, English ones with
    their inflections. Views that accept `search` name their fields in `search_fields`;
    papers, reading-list entries, reviews and comments are looked up in the index, other
    lists match those fields by substring.

    Runs after OrderingFilter: a paper search without `ordering` lists the best matches first.
    """

    search_param = "search"

    def filter_queryset(self, request: Request, queryset: QuerySet, view: APIView) -> QuerySet:
        query = request.query_params.get(self.search_param, "")
        fields = getattr(view, "search_fields", None)
        if not query or not fields:
            return queryset
        if len(query) > MAX_SEARCH_LENGTH:
            message = _("At most %(max)d characters.") % {"max": MAX_SEARCH_LENGTH}
            raise ValidationError({self.search_param: [message]})
        model = queryset.model
        if model is Paper:
            rank = "ordering" not in request.query_params
            return selectors.filter_papers(queryset, query, rank=rank)
        if model is ReadingListEntry:
            return selectors.filter_papers(queryset, query, path="paper__")
        if model is Review:
            return selectors.filter_reviews(queryset, query, own_drafts_of=request.user)
        if model is Comment:
            return selectors.filter_comments(queryset, query, own_drafts_of=request.user)
        for term in query_terms(query):
            condition = Q()
            for field in fields:
                condition |= Q(**{f"{field}__icontains": term})
            queryset = queryset.filter(condition)
        return queryset

    def get_schema_operation_parameters(self, view: APIView) -> list[dict]:
        if not getattr(view, "search_fields", None):
            return []
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": str(_("Words that must all occur (Korean or English).")),
                "schema": {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
            }
        ]
