"""Imports and their answers: pasted papers, an arXiv id, a blog feed; previews and reports."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from reviews.arxiv_ids import parse_arxiv_id
from reviews.importers.base import MAX_IMPORT_BYTES, import_too_big
from reviews.models import ReadingList

from .fields import StrictCharField


class StrictBooleanField(serializers.BooleanField):
    """JSON true/false only: DRF's BooleanField would also take "yes", 1 and "off"."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def _check_size(text: str) -> str:
    if len(text.encode("utf-8", errors="surrogatepass")) > MAX_IMPORT_BYTES:
        raise serializers.ValidationError(import_too_big())
    return text


class PaperImportRequestSerializer(serializers.Serializer):
    """Citation lines or BibTeX (detected), optionally numbered on a reading list."""

    text = StrictCharField(
        trim_whitespace=False,
        help_text="One citation per line with your numbering, or BibTeX entries (up to 2 MiB).",
    )
    reading_list = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=ReadingList.objects.all(),
        required=False,
        allow_null=True,
        help_text="Slug of the list to number the papers on; organizers only.",
    )
    dry_run = StrictBooleanField(
        default=True, help_text="true (default): only show what would happen."
    )

    def validate(self, attrs: dict) -> dict:
        # DRF reads "" as "no list" for relations; the schema says a slug or nothing.
        if self.initial_data.get("reading_list") == "":
            raise serializers.ValidationError(
                {"reading_list": _("Give a reading list's slug, or leave the field out.")}
            )
        return attrs

    def validate_text(self, value: str) -> str:
        _check_size(value)
        if not value.strip():
            raise serializers.ValidationError(
                _("Paste some citation lines or BibTeX, or upload a file.")
            )
        return value


class PlannedItemSerializer(serializers.Serializer):
    """One item of a dry run: what was understood and what the import would do with it."""

    label = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["new", "existing", "duplicate", "skip"],
        help_text="new paper; matches an existing paper; same as an earlier item; or skipped.",
    )
    title = serializers.CharField(source="item.title")
    authors = serializers.ListField(child=serializers.CharField(), source="item.authors")
    authors_incomplete = serializers.BooleanField(
        source="item.authors_incomplete",
        help_text="The source named only the first authors (et al.); arXiv did not complete them.",
    )
    year = serializers.IntegerField(source="item.year", allow_null=True)
    venue = serializers.CharField(source="item.venue")
    arxiv_id = serializers.CharField(source="item.arxiv_id")
    doi = serializers.CharField(source="item.doi")
    url = serializers.CharField(source="item.url")
    number = serializers.IntegerField(source="item.number", allow_null=True)
    problems = serializers.ListField(child=serializers.CharField(), source="item.problems")
    errors = serializers.ListField(child=serializers.CharField())
    skip_reason = serializers.CharField()
    matches_paper = serializers.IntegerField(
        source="match.pk", allow_null=True, default=None, help_text="The existing paper's id."
    )
    matched_by = serializers.CharField(help_text="arxiv, doi or title.")
    same_as = serializers.CharField(source="same_as_label")
    entry_number = serializers.IntegerField(allow_null=True)
    entry_note = serializers.CharField()


class PaperImportPreviewSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=["bibtex", "citations"])
    items = PlannedItemSerializer(many=True)


class PaperImportReportSerializer(serializers.Serializer):
    """What an import saved (ids) and, as messages, what it skipped or renumbered."""

    dry_run = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=["bibtex", "citations"])
    created = serializers.ListField(child=serializers.IntegerField(), help_text="New paper ids.")
    merged = serializers.ListField(
        child=serializers.IntegerField(), help_text="Existing papers whose empty fields it filled."
    )
    entries = serializers.ListField(
        child=serializers.IntegerField(), help_text="New reading-list entry ids."
    )
    skipped = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())


class ArxivImportRequestSerializer(serializers.Serializer):
    id = StrictCharField(
        max_length=300, help_text="1711.09846, arXiv:2201.02177v2 or an arxiv.org link."
    )

    def validate_id(self, value: str) -> str:
        arxiv_id = parse_arxiv_id(value)
        if arxiv_id is None:
            raise serializers.ValidationError(
                _("That is not an arXiv id or arxiv.org link (like 1711.09846).")
            )
        return arxiv_id


class FeedImportRequestSerializer(serializers.Serializer):
    """A feed's URL or the feed document itself (RSS 2.0 or Atom), one of the two."""

    url = serializers.URLField(required=False, max_length=500, help_text="Public http(s) URL.")
    feed = StrictCharField(
        required=False, trim_whitespace=False, help_text="The feed document (up to 2 MiB)."
    )
    dry_run = StrictBooleanField(
        default=True, help_text="true (default): only show what each post would become."
    )

    def validate_feed(self, value: str) -> str:
        return _check_size(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("url")) == bool(attrs.get("feed", "").strip()):
            raise serializers.ValidationError(
                {"url": [_("Give a feed URL or the feed's text (one of the two).")]}
            )
        return attrs


class FeedItemOutcomeSerializer(serializers.Serializer):
    """One post: the review it becomes (or became), or why it is skipped."""

    guid = serializers.CharField(source="draft.item.guid")
    link = serializers.CharField(source="draft.item.link")
    title = serializers.CharField(source="draft.item.title")
    published = serializers.DateTimeField(source="draft.item.published", allow_null=True)
    status = serializers.ChoiceField(
        choices=["imported", "inbox", "skipped"],
        help_text="inbox: the post's paper is unknown; it waits in the member's import inbox.",
    )
    reason = serializers.CharField()
    paper = serializers.IntegerField(
        source="paper.pk", allow_null=True, default=None, help_text="Null in a dry run's new paper."
    )
    paper_title = serializers.CharField(source="draft.paper_title")
    new_paper = serializers.BooleanField()
    review = serializers.IntegerField(
        source="review.pk", allow_null=True, default=None, help_text="Null in a dry run."
    )
    language = serializers.CharField(source="draft.language")
    tags = serializers.ListField(child=serializers.CharField(), source="draft.tags")
    sections = serializers.DictField(
        child=serializers.CharField(), source="draft.sections", help_text="Markdown per section."
    )
    recognised = serializers.ListField(child=serializers.CharField(), source="draft.recognised")
    images_stored = serializers.IntegerField(help_text="The post's images stored with it.")
    image_problems = serializers.ListField(
        child=serializers.CharField(),
        help_text="Images left as links to where they were, each with the reason.",
    )


class FeedImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    items = FeedItemOutcomeSerializer(many=True, source="outcomes")
