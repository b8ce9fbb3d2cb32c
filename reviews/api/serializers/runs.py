"""Demo experiments (the registry) and their runs."""

from __future__ import annotations

import math
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reviews import experiments
from reviews.enums import RunStatus, RunVerdict
from reviews.experiment_texts import (
    config_schema,
    run_message,
    run_verdict_reason,
    translate,
)
from reviews.models import ExperimentRun, Review
from reviews.services.runs import run_can_cancel

from .fast import FastListSerializer
from .fields import MAX_ID, ModelSerializer

MAX_INT = MAX_ID + 1


def finite(value: Any) -> Any:
    """JSON as stored, with NaN and infinities (which JSON cannot carry) as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [finite(item) for item in value]
    return value


NUMBER_OR_NULL = {"type": "number", "nullable": True}
SERIES_SCHEMA = {
    "type": "object",
    "description": "Metric name -> its curve: `y[i]` holds one value per seed at `x[i]`.",
    "additionalProperties": {
        "type": "object",
        "properties": {
            "x": {"type": "array", "items": {"type": "number"}},
            "y": {"type": "array", "items": {"type": "array", "items": NUMBER_OR_NULL}},
        },
        "required": ["x", "y"],
    },
}


@extend_schema_field(SERIES_SCHEMA)
class SeriesField(serializers.Field):
    def to_representation(self, value: Any) -> Any:
        return finite(value)


@extend_schema_field({"type": "object", "additionalProperties": NUMBER_OR_NULL})
class SummaryField(serializers.Field):
    """The numbers behind the verdict; non-finite ones are null."""

    def to_representation(self, value: Any) -> Any:
        return finite(value)


@extend_schema_field(OpenApiTypes.OBJECT)
class ObjectField(serializers.Field):
    def to_representation(self, value: Any) -> Any:
        return finite(value)


class TranslatedCharField(serializers.CharField):
    """A demo's message id (``reviews.experiments`` has no Django), in the request's language."""

    def to_representation(self, value: Any) -> str:
        return translate(str(value))


class ExperimentSerializer(serializers.Serializer):
    """One demo of the registry (`reviews.experiments`), read-only."""

    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    arxiv_id = serializers.CharField(read_only=True)
    paper = serializers.SerializerMethodField(
        help_text="The id of the paper with this arXiv id, if the group has it."
    )
    claim = TranslatedCharField(read_only=True, help_text="In the request's language.")
    criterion = TranslatedCharField(
        read_only=True, help_text="The verdict rule, fixed before any run."
    )
    time_limit_s = serializers.IntegerField(read_only=True)
    config_schema = serializers.SerializerMethodField(
        help_text="JSON Schema of the config: each setting's type, bounds, default and help."
    )
    presets = serializers.SerializerMethodField(help_text="Preset name -> its full config.")

    def get_paper(self, experiment: experiments.Experiment) -> int | None:
        return self.context.get("papers", {}).get(experiment.arxiv_id)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_config_schema(self, experiment: experiments.Experiment) -> dict[str, Any]:
        return config_schema(experiment.config_class)

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "object"}})
    def get_presets(self, experiment: experiments.Experiment) -> dict[str, dict[str, Any]]:
        return {name: config.to_dict() for name, config in experiment.presets.items()}


class RunSerializer(ModelSerializer):
    """A run as lists show it: everything but the metric series."""

    paper = serializers.IntegerField(source="review.paper_id", read_only=True)
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Who launched it."
    )
    status = serializers.ChoiceField(choices=RunStatus.choices, read_only=True)
    verdict = serializers.ChoiceField(choices=RunVerdict.choices, read_only=True, allow_blank=True)
    config = ObjectField(read_only=True)
    summary = SummaryField(read_only=True)
    versions = serializers.DictField(child=serializers.CharField(), read_only=True)
    seeds = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    duration_s = serializers.SerializerMethodField()
    figure_url = serializers.SerializerMethodField(
        help_text="The SVG figure, once the run has one."
    )
    can_cancel = serializers.SerializerMethodField(
        help_text="Whether you may cancel it now: it is active and you started it or organize."
    )
    message_display = serializers.SerializerMethodField(
        help_text="`message` (English) in the request's language."
    )
    verdict_reason_display = serializers.SerializerMethodField(
        help_text="`verdict_reason` (English) in the request's language."
    )

    class Meta:
        model = ExperimentRun
        list_serializer_class = FastListSerializer
        fields = [
            "id",
            "review",
            "paper",
            "experiment",
            "preset",
            "config",
            "seeds",
            "status",
            "progress",
            "message",
            "summary",
            "verdict",
            "verdict_reason",
            "device",
            "versions",
            "steps",
            "error",
            "attempts",
            "time_limit_s",
            "cancel_requested",
            "requested_by",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "duration_s",
            "figure_url",
            "can_cancel",
            "message_display",
            "verdict_reason_display",
        ]
        read_only_fields = fields

    def get_duration_s(self, run: ExperimentRun) -> float | None:
        duration = run.duration
        return duration.total_seconds() if duration is not None else None

    def get_figure_url(self, run: ExperimentRun) -> str | None:
        if not run.figure:
            return None
        url = reverse("run_figure", args=[run.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_message_display(self, run: ExperimentRun) -> str:
        return run_message(run)

    def get_verdict_reason_display(self, run: ExperimentRun) -> str:
        return run_verdict_reason(run)

    def get_can_cancel(self, run: ExperimentRun) -> bool:
        request = self.context.get("request")
        return bool(request and run.is_active and run_can_cancel(run, request.user))


class RunDetailSerializer(RunSerializer):
    """A run with its metric series (the curves so far, while it runs)."""

    series = SeriesField(read_only=True)

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields[:11], "series", *RunSerializer.Meta.fields[11:]]
        read_only_fields = fields


class RunCreateSerializer(serializers.Serializer):
    """What a launch names; the experiment validates the config."""

    review = serializers.PrimaryKeyRelatedField(queryset=Review.objects.none())
    experiment = serializers.ChoiceField(choices=[], help_text="A slug from /api/experiments/.")
    preset = serializers.ChoiceField(
        choices=[],
        required=False,
        allow_blank=True,
        default="tiny",
        help_text="A preset of the experiment (every one has `tiny` and `full`); blank for "
        "the config's defaults.",
    )
    config = serializers.DictField(
        required=False,
        help_text="Settings that override the preset, as in the experiment's `config_schema`. "
        "A bad or unknown setting is a 400 keyed by its name under `config`.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        visible = self.context.get("visible_reviews")
        if visible is not None:
            fields["review"].queryset = visible
        # The registry is read here, not at import, so a demo being edited cannot break the
        # import of the whole API.
        demos = experiments.all_experiments()
        fields["experiment"].choices = [demo.slug for demo in demos]
        presets = {name: None for demo in demos for name in demo.presets}
        fields["preset"].choices = list(presets)
        return fields

    def validate_config(self, value: dict[str, Any]) -> dict[str, Any]:
        # What the experiment's own validation cannot be trusted with: it stores the config
        # as JSON in PostgreSQL and converts numbers to float.
        errors = {}
        for key, item in value.items():
            if isinstance(item, dict | list):
                errors[key] = [_("A setting is one value: a number, true or false, or text.")]
            elif isinstance(item, int) and not -MAX_INT <= item < MAX_INT:
                errors[key] = [_("That number is out of range.")]
            elif isinstance(item, str) and "\x00" in item:
                errors[key] = [_("NUL characters are not allowed.")]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class RunRefusedSerializer(serializers.Serializer):
    """A launch the member's limits refuse for now (429)."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(
        choices=[("run_limit", "run_limit"), ("run_throttled", "run_throttled")],
        help_text="run_limit: too many queued or running runs; run_throttled: too many "
        "launches this hour (see Retry-After).",
    )
