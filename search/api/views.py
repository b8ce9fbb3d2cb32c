"""`/api/search/`: the search page's answer as JSON."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews.api.permissions import ReadOnlyOrMember
from reviews.models import Cohort, Tag

from .. import selectors
from ..filters import MAX_SEARCH_LENGTH
from ..forms import KINDS
from ..text import query_terms
from ..views import HITS_PER_KIND, hit_row, paper_for_identifier

KIND_VALUES = [value for value, _label in KINDS[1:]]


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_SEARCH_LENGTH, allow_blank=True, trim_whitespace=True)
    kind = serializers.ChoiceField(choices=KIND_VALUES, required=False)
    # Blank is no filter; an unknown slug a field error (one query each, when given).
    cohort = serializers.SlugRelatedField(
        slug_field="slug", queryset=Cohort.objects.only("slug"), required=False, allow_null=True
    )
    tag = serializers.SlugRelatedField(
        slug_field="slug", queryset=Tag.objects.only("slug"), required=False, allow_null=True
    )


_HIT = inline_serializer(
    "SearchHit",
    {
        "title": serializers.CharField(),
        "url": serializers.CharField(),
        "meta": serializers.CharField(),
        "snippet": serializers.CharField(help_text="HTML: the matched words in <mark>."),
    },
)
_ANSWER = inline_serializer(
    "SearchAnswer",
    {
        "query": serializers.CharField(),
        "paper": serializers.CharField(allow_null=True, help_text="The paper an id names."),
        "arxiv_id": serializers.CharField(help_text="An arXiv id the group has no paper for."),
        "results": serializers.DictField(child=serializers.ListField(child=_HIT)),
    },
)


class SearchView(APIView):
    """Papers, reviews by section, comments and members holding every word, ranked, with
    snippets; an arXiv id or DOI of a group paper answers with that paper."""

    permission_classes = [ReadOnlyOrMember]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="Words, an arXiv id or a DOI."),
            OpenApiParameter("kind", str, enum=KIND_VALUES, description="Only this kind."),
            OpenApiParameter(
                "cohort",
                str,
                description="A cohort's slug: only its papers (on its reading lists), their "
                "reviews and comments, and its members.",
            ),
            OpenApiParameter(
                "tag",
                str,
                description="A tag's slug: only its papers, their reviews and comments, and "
                "the members with a published review of one.",
            ),
        ],
        responses=_ANSWER,
    )
    def get(self, request: Request) -> Response:
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        text = query.validated_data["q"]
        answer: dict[str, object] = {"query": text, "paper": None, "arxiv_id": "", "results": {}}
        if not query_terms(text):
            return Response(answer)
        paper, arxiv_id = paper_for_identifier(text)
        if paper is not None:
            answer["paper"] = request.build_absolute_uri(paper.get_absolute_url())
            return Response(answer)
        answer["arxiv_id"] = arxiv_id
        kind = query.validated_data.get("kind")
        kinds = [kind] if kind else KIND_VALUES
        scope = selectors.Scope(
            cohort=query.validated_data.get("cohort"), tag=query.validated_data.get("tag")
        )
        found = selectors.search(text, kinds=kinds, limit=HITS_PER_KIND, scope=scope)
        answer["results"] = {
            value: [
                {
                    **asdict(row),
                    "url": request.build_absolute_uri(row.url),
                    "snippet": str(row.snippet),
                }
                for row in (hit_row(value, hit) for hit in found.get(value, []))
            ]
            for value in kinds
        }
        return Response(answer)
