"""A review's sections have one home (reviews/sections.py); every other place agrees with it."""

from __future__ import annotations

import dataclasses

import feedparser
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from reviews import sections
from reviews.api.serializers.reviews import ReviewRevisionSerializer, ReviewSerializer
from reviews.enums import Language, Section
from reviews.exports.markdown import review_markdown
from reviews.forms import CommentForm, ReviewForm
from reviews.models import Comment, Member, Review, ReviewRevision
from reviews.services import ReviewContent
from reviews.validators import validate_markdown_size
from tests.factories import make_review

KO_HEADINGS = ["소개", "핵심 알고리즘", "결과", "소감"]
EN_HEADINGS = ["Introduction", "Core algorithm", "Results", "My thoughts"]


def _texts() -> dict[str, str]:
    return {key: f"Text of {key}." for key in sections.KEYS}


def test_section_keys_and_html_fields_in_order() -> None:
    assert sections.KEYS == tuple(Section.values)
    assert sections.HTML_FIELDS == tuple(f"{key}_html" for key in sections.KEYS)
    assert set(sections.HELP_TEXTS) == set(Section)
    assert sections.MAX_BYTES == 100 * 1024


def test_section_headings_follow_the_language_asked() -> None:
    assert [s.heading(Language.KOREAN) for s in Section] == KO_HEADINGS
    assert [s.heading(Language.ENGLISH) for s in Section] == EN_HEADINGS


def test_model_columns_follow_the_sections() -> None:
    review_fields = {f.name for f in Review._meta.get_fields()}
    revision_fields = {f.name for f in ReviewRevision._meta.get_fields()}
    for section in Section:
        assert section.value in review_fields
        assert section.html_field in review_fields
        assert section.value in revision_fields
        assert Review._meta.get_field(section.value).verbose_name == section.label
    assert dict(Comment._meta.get_field("section").choices) == dict(Section.choices)


def test_review_content_fields_follow_the_sections() -> None:
    names = [f.name for f in dataclasses.fields(ReviewContent)]
    assert [n for n in names if n not in ("tldr", "language")] == list(sections.KEYS)


def test_review_form_fields_follow_the_sections() -> None:
    form = ReviewForm()
    assert list(form.fields) == ["tldr", "language", *sections.KEYS, "version"]
    for section in Section:
        field = form.fields[section.value]
        assert (field.label, field.help_text) == (section.label, section.help_text)
        assert validate_markdown_size in field.validators
    assert [key for key, _label in CommentForm().fields["section"].choices][1:] == list(
        sections.KEYS
    )


def test_review_form_refuses_a_section_over_the_limit() -> None:
    data = {"tldr": "", "language": "en", "version": "0", **_texts()}
    data[Section.RESULTS] = "a" * (sections.MAX_BYTES + 1)
    form = ReviewForm(data)
    assert not form.is_valid()
    assert list(form.errors) == [Section.RESULTS.value]


def test_review_serializer_fields_follow_the_sections() -> None:
    fields = ReviewSerializer().fields
    for section in Section:
        assert not fields[section.value].read_only
        assert fields[section.value].max_length == sections.MAX_BYTES
        assert fields[section.html_field].read_only
    keys = [name for name in fields if name in sections.KEYS]
    assert keys == list(sections.KEYS)
    revision = [n for n in ReviewRevisionSerializer().fields if n in sections.KEYS]
    assert revision == list(sections.KEYS)


def test_every_section_at_its_limit_fits_one_request() -> None:
    # JSON writes a character as at most six (\uXXXX), so the API can take every section full.
    assert len(Section) * sections.MAX_BYTES * 6 < settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "headings"), [(Language.KOREAN, KO_HEADINGS), (Language.ENGLISH, EN_HEADINGS)]
)
def test_export_headings_follow_the_sections(
    author: Member, language: str, headings: list[str]
) -> None:
    review = make_review(author=author, language=language, **_texts())
    text = review_markdown(review)
    positions = [
        text.index(f"## {heading}\n\nText of {key}.")
        for heading, key in zip(headings, sections.KEYS, strict=True)
    ]
    assert positions == sorted(positions)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "headings"), [(Language.KOREAN, KO_HEADINGS), (Language.ENGLISH, EN_HEADINGS)]
)
@pytest.mark.parametrize("reader", ["en", "ko"])
def test_feed_headings_follow_the_review_language(
    author: Member, language: str, headings: list[str], reader: str
) -> None:
    make_review(author=author, language=language, **_texts())
    response = Client(headers={"accept-language": reader}).get(reverse("feed_atom"))
    summary = feedparser.parse(response.content).entries[0].summary
    expected = [
        f"<h2>{heading}</h2><p>Text of {key}.</p>"
        for heading, key in zip(headings, sections.KEYS, strict=True)
    ]
    assert [summary.index(part) for part in expected] == sorted(
        summary.index(part) for part in expected
    )


@pytest.mark.django_db
def test_editor_has_a_textarea_and_preview_per_section(author: Member, client: Client) -> None:
    review = make_review(author=author, **_texts())
    client.force_login(author)
    page = client.get(reverse("review_edit", args=[review.paper_id])).content.decode()
    for section in Section:
        assert f'name="{section.value}"' in page
        assert f'id="preview-{section.value}"' in page
        assert f"Text of {section.value}." in page
