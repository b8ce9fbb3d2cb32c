"""Strict JSON fields and the base serializer every representation uses."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers

from reviews.markdown import MAX_SOURCE_BYTES
from reviews.validators import validate_markdown_size

MAX_ID = 2**63 - 1


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField would quietly store 5 or true as "5" and "True"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugField(serializers.SlugField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    """Model text fields accept only JSON strings."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
    }


def markdown_field(*, allow_blank: bool = True, **kwargs: Any) -> StrictCharField:
    return StrictCharField(
        allow_blank=allow_blank,
        trim_whitespace=False,
        validators=[validate_markdown_size],
        # The limit is 100 KB of UTF-8, which no JSON Schema keyword can say; no longer string
        # can fit, so this is the documented maxLength, and the validator has the last word.
        max_length=MAX_SOURCE_BYTES,
        **kwargs,
    )


# A list view's tags, prefetched into a plain list, or their slugs annotated (PostgreSQL):
# a page of 100 papers then builds no related manager and queryset per paper (about 10 ms
# of the page).
PREFETCHED_TAGS = "prefetched_tags"


class TagListField(serializers.ListField):
    """Tag names in, tag slugs out."""

    child = StrictCharField(max_length=60)
    context_free = True  # the same slugs for every request (see fast._context_free)

    def get_attribute(self, instance: Any) -> Any:
        prefetched = getattr(instance, PREFETCHED_TAGS, None)
        return prefetched if prefetched is not None else super().get_attribute(instance)

    def to_representation(self, data: Any) -> list[str]:
        tags = data.all() if isinstance(data, models.Manager) else data
        return [tag if isinstance(tag, str) else tag.slug for tag in tags]
