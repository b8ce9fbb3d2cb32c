"""Tag chips filter the list they stand in; the tag's feed is a separate, small link."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import Member
from tests.factories import EntryFactory, PaperFactory, ReadingListFactory, TagFactory, make_review

pytestmark = pytest.mark.django_db


def _links(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<a class="{css_class}" href="([^"]+)"', html)


def test_paper_tag_chip_filters_reviews_and_feed_is_separate(author: Member) -> None:
    tag = TagFactory(name="최적화", slug="optimization")
    paper = PaperFactory(tags=[tag])
    html = Client().get(paper.get_absolute_url()).content.decode()
    assert _links(html, "tag") == [f"{reverse('home')}?tag=optimization"]
    assert _links(html, "tag-feed") == [reverse("feed_tag_atom", args=["optimization"])]


def test_tag_filter_of_reviews_lists_the_tags_reviews_and_its_feed(author: Member) -> None:
    tag = TagFactory(name="vision", slug="vision")
    tagged = make_review(author=author, paper=PaperFactory(title="ViT", tags=[tag]))
    make_review(author=author, paper=PaperFactory(title="Grokking"))
    html = Client().get(f"{reverse('home')}?tag=vision").content.decode()
    assert tagged.get_absolute_url() in html
    assert "Grokking" not in html
    assert _links(html, "tag-feed") == [reverse("feed_tag_atom", args=["vision"])]


def test_reading_list_tag_chip_filters_that_list() -> None:
    tag = TagFactory(name="meta-learning", slug="meta")
    reading_list = ReadingListFactory(slug="season-5")
    EntryFactory(reading_list=reading_list, paper=PaperFactory(title="MAML", tags=[tag]))
    EntryFactory(reading_list=reading_list, paper=PaperFactory(title="ResNet"))
    client = Client()
    html = client.get(reading_list.get_absolute_url()).content.decode()
    assert _links(html, "tag") == ["?tag=meta"]
    filtered = client.get(f"{reading_list.get_absolute_url()}?tag=meta").content.decode()
    assert "MAML" in filtered
    assert "ResNet" not in filtered
