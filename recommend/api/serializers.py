"""API representations of recommendations, similar papers and who can help."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from reviews.api.serializers import MAX_ID
from reviews.models import Paper


class PaperBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(source="get_absolute_url")


class RecommendationSerializer(serializers.Serializer):
    paper = PaperBriefSerializer()
    score = serializers.FloatField()
    terms = serializers.ListField(child=serializers.CharField(), help_text="Why: shared words.")
    on_list = serializers.BooleanField(help_text="On one of my cohorts' reading lists.")


class PopularSerializer(PaperBriefSerializer):
    readers = serializers.IntegerField(help_text="Cohort members reading or done with it.")


class ForYouSerializer(serializers.Serializer):
    from_lists = RecommendationSerializer(many=True)
    from_group = RecommendationSerializer(many=True)
    popular = PopularSerializer(
        many=True, help_text="Before I review or bookmark anything: what my cohorts read most."
    )
    not_for_me = serializers.SerializerMethodField()

    def get_not_for_me(self, found: Any) -> list[int]:
        return [dismissal.paper_id for dismissal in found.dismissed]


class NotForMeSerializer(serializers.Serializer):
    paper = serializers.IntegerField(min_value=1, max_value=MAX_ID)

    def validate_paper(self, value: int) -> Paper:
        paper = Paper.objects.filter(pk=value).only("title").first()
        if paper is None:
            raise serializers.ValidationError(_("No paper has this id."))
        return paper


class SimilarSerializer(PaperBriefSerializer):
    similarity = serializers.FloatField()


class AlsoReviewedSerializer(PaperBriefSerializer):
    shared_reviewers = serializers.IntegerField()


class HelperSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    reviewed_this = serializers.BooleanField()
    similar_reviewed = serializers.IntegerField()


class RelatedSerializer(serializers.Serializer):
    similar = SimilarSerializer(many=True)
    also_reviewed = AlsoReviewedSerializer(many=True)
    who_can_help = HelperSerializer(many=True)
