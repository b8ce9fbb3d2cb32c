"""`/api/recommendations/` (mine, and "not for me") and `/api/papers/{id}/related/`."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews.api.permissions import MemberOnly, ReadOnlyOrMember
from reviews.models import Paper

from .. import selectors, services
from . import serializers


class RecommendationsView(APIView):
    """What to read next, for me: from my cohorts' lists and from the rest of the group,
    each with the words it shares with what I reviewed or bookmarked."""

    permission_classes = [MemberOnly]

    @extend_schema(responses=serializers.ForYouSerializer)
    def get(self, request: Request) -> Response:
        found = selectors.for_you(request.user)
        return Response(serializers.ForYouSerializer(found).data)


class NotForMeView(APIView):
    """Mark a paper "not for me": never recommended again, and my model learns from it."""

    permission_classes = [MemberOnly]

    @extend_schema(request=serializers.NotForMeSerializer, responses={201: None})
    def post(self, request: Request) -> Response:
        body = serializers.NotForMeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.dismissal_create(member=request.user, paper=body.validated_data["paper"])
        return Response({"paper": body.validated_data["paper"].pk}, status=status.HTTP_201_CREATED)


class NotForMeDetailView(APIView):
    """Undo "not for me"."""

    permission_classes = [MemberOnly]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, paper: int) -> Response:
        found = get_object_or_404(Paper.objects.only("pk"), pk=paper)
        if not services.dismissal_delete(member=request.user, paper=found):
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RelatedView(APIView):
    """A paper's similar papers, what its reviewers also reviewed, and who can help."""

    permission_classes = [ReadOnlyOrMember]

    @extend_schema(responses=serializers.RelatedSerializer)
    def get(self, request: Request, pk: int) -> Response:
        paper = get_object_or_404(Paper.objects.only("pk"), pk=pk)
        similar = selectors.similar_papers(paper)
        data = {
            "similar": similar,
            "also_reviewed": list(selectors.also_reviewed(paper)),
            "who_can_help": selectors.who_can_help(paper, similar, asking=request.user),
        }
        return Response(serializers.RelatedSerializer(data).data)
