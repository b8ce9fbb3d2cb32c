"""RSS and Atom feeds of published reviews: all, per tag and per member."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import feedparser
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import services
from reviews.models import Member, Review, Tag
from tests.factories import PaperFactory, TagFactory, make_review

pytestmark = pytest.mark.django_db

SWA = "확률적 가중치 평균 (SWA)"
VIT = "An Image is Worth 16x16 Words"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Reviews:
    author: Member
    other: Member
    optimization: Tag
    swa: Review
    vit: Review


@pytest.fixture
def reviews(author: Member, other: Member) -> Reviews:
    optimization = TagFactory(name="최적화", slug="optimization")
    vision = TagFactory(name="vision", slug="vision")
    swa_paper = PaperFactory(title=SWA, tags=[optimization])
    swa = make_review(
        paper=swa_paper,
        author=author,
        thoughts="핵심 알고리즘을 잘 설명한 좋은 논문이다.",
        introduction="손실 $x^2$ 를 줄인다.",
    )
    make_review(paper=swa_paper, author=other, published=False, tldr="DRAFT-ONLY by other")
    vit = make_review(paper=PaperFactory(title=VIT, tags=[vision]), author=other)
    make_review(
        paper=PaperFactory(title="Grokking", tags=[optimization]),
        author=author,
        published=False,
        tldr="DRAFT-ONLY by author",
    )
    return Reviews(author=author, other=other, optimization=optimization, swa=swa, vit=vit)


def fetch(url: str) -> tuple[Any, Any]:
    response = Client().get(url)
    assert response.status_code == 200
    return response, feedparser.parse(response.content)


FEEDS = [
    pytest.param("feed_rss", "", {f"{SWA} — 작가 이", f"{VIT} — Other Park"}, id="all-rss"),
    pytest.param("feed_atom", "", {f"{SWA} — 작가 이", f"{VIT} — Other Park"}, id="all-atom"),
    pytest.param("feed_tag_rss", "optimization", {f"{SWA} — 작가 이"}, id="tag-rss"),
    pytest.param("feed_tag_atom", "optimization", {f"{SWA} — 작가 이"}, id="tag-atom"),
    pytest.param("feed_tag_atom", "vision", {f"{VIT} — Other Park"}, id="tag-atom-vision"),
    pytest.param("feed_member_rss", "author", {f"{SWA} — 작가 이"}, id="member-rss"),
    pytest.param("feed_member_atom", "author", {f"{SWA} — 작가 이"}, id="member-atom"),
    pytest.param("feed_member_atom", "other", {f"{VIT} — Other Park"}, id="member-atom-other"),
]


def feed_url(route: str, arg: str) -> str:
    return reverse(route, args=[arg] if arg else [])


@pytest.mark.parametrize(("route", "arg", "titles"), FEEDS)
def test_feed_valid_with_published_reviews_only(
    reviews: Reviews, route: str, arg: str, titles: set[str]
) -> None:
    response, feed = fetch(feed_url(route, arg))

    assert feed.bozo == 0
    assert {entry.title for entry in feed.entries} == titles
    assert len(feed.entries) == len(titles)
    assert "DRAFT-ONLY" not in response.content.decode()
    assert "Grokking" not in response.content.decode()


@pytest.mark.parametrize(
    ("route", "content_type"),
    [
        ("feed_rss", "application/rss+xml; charset=utf-8"),
        ("feed_atom", "application/atom+xml; charset=utf-8"),
    ],
)
def test_feed_content_type(reviews: Reviews, route: str, content_type: str) -> None:
    response, feed = fetch(reverse(route))
    assert response.headers["Content-Type"] == content_type
    assert feed.version == ("rss20" if route == "feed_rss" else "atom10")


@pytest.mark.parametrize("route", ["feed_rss", "feed_atom"])
def test_feed_entry_has_link_author_korean_text_and_mathml(reviews: Reviews, route: str) -> None:
    _response, feed = fetch(reverse(route))
    entry = next(e for e in feed.entries if e.title.startswith(SWA))

    assert entry.link == f"http://testserver/reviews/{reviews.swa.pk}/"
    assert entry.author == "작가 이"
    assert [tag.term for tag in entry.tags] == ["최적화"]
    assert "<p>핵심 알고리즘을 잘 설명한 좋은 논문이다.</p>" in entry.summary
    assert "<strong>TL;DR</strong> Averaging weights finds wider optima." in entry.summary
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in entry.summary
    assert entry.summary.count("<math ") == 2
    assert "<h2>My thoughts</h2>" in entry.summary


@pytest.mark.parametrize("route", ["feed_rss", "feed_atom"])
def test_feed_channel_title_and_link(reviews: Reviews, route: str) -> None:
    _response, feed = fetch(reverse(route))
    assert feed.feed.title == "StudyGroup — reviews"
    assert feed.feed.link == "http://testserver/"


@pytest.mark.parametrize("route", ["feed_tag_rss", "feed_tag_atom"])
def test_tag_feed_title_names_tag(reviews: Reviews, route: str) -> None:
    _response, feed = fetch(reverse(route, args=["optimization"]))
    assert feed.feed.title == "StudyGroup — 최적화"


@pytest.mark.parametrize("route", ["feed_member_rss", "feed_member_atom"])
def test_member_feed_title_and_link(reviews: Reviews, route: str) -> None:
    _response, feed = fetch(reverse(route, args=["author"]))
    assert feed.feed.title == "StudyGroup — 작가 이"
    assert feed.feed.link == "http://testserver/members/author/"


def test_feed_with_korean_tag_slug(author: Member) -> None:
    tag = TagFactory(name="강화학습", slug="강화학습")
    make_review(paper=PaperFactory(title="PPO", tags=[tag]), author=author)

    _response, feed = fetch(reverse("feed_tag_atom", args=["강화학습"]))

    assert feed.bozo == 0
    assert [entry.title for entry in feed.entries] == ["PPO — 작가 이"]


def test_feed_drops_review_once_unpublished(reviews: Reviews) -> None:
    services.review_unpublish(review=reviews.swa, by=reviews.author)

    for route, args in [
        ("feed_atom", []),
        ("feed_tag_atom", ["optimization"]),
        ("feed_member_rss", ["author"]),
    ]:
        _response, feed = fetch(reverse(route, args=args))
        assert [e.title for e in feed.entries if e.title.startswith(SWA)] == []


@pytest.mark.parametrize(
    ("route", "arg"),
    [
        ("feed_tag_rss", "no-such-tag"),
        ("feed_tag_atom", "no-such-tag"),
        ("feed_member_rss", "nobody"),
        ("feed_member_atom", "nobody"),
        ("feed_member_atom", "inactive"),
    ],
)
def test_feed_unknown_tag_or_member_is_404(
    reviews: Reviews, inactive: Member, route: str, arg: str
) -> None:
    assert Client().get(reverse(route, args=[arg])).status_code == 404


def test_feed_of_tag_without_reviews_is_empty_and_valid(reviews: Reviews) -> None:
    TagFactory(name="empty", slug="empty")
    _response, feed = fetch(reverse("feed_tag_rss", args=["empty"]))
    assert (feed.bozo, feed.entries) == (0, [])


@pytest.fixture
def many_reviews(author: Member) -> list[Review]:
    tag = TagFactory(name="bulk", slug="bulk")
    return [
        make_review(paper=PaperFactory(title=f"Bulk {i:02d}", tags=[tag]), author=author)
        for i in range(31)
    ]


BULK_FEEDS = [
    ("feed_rss", ""),
    ("feed_atom", ""),
    ("feed_tag_rss", "bulk"),
    ("feed_tag_atom", "bulk"),
    ("feed_member_rss", "author"),
    ("feed_member_atom", "author"),
]


def test_feed_has_at_most_30_newest_items(many_reviews: list[Review]) -> None:
    for route, arg in BULK_FEEDS:
        _response, feed = fetch(feed_url(route, arg))
        titles = [entry.title for entry in feed.entries]
        assert (route, len(titles), titles[0]) == (route, 30, "Bulk 30 — 작가 이")
        assert "Bulk 00 — 작가 이" not in titles


def test_feed_query_count_does_not_grow_with_items(author: Member) -> None:
    """The feed's version (ETag), one query for the reviews and one for their tags (plus the
    tag or member lookup)."""
    tag = TagFactory(name="bulk", slug="bulk")
    pinned = {"feed_rss": 3, "feed_atom": 3, "feed_tag_rss": 4, "feed_tag_atom": 4}
    pinned |= {"feed_member_rss": 4, "feed_member_atom": 4}
    counts = []
    for total in (3, 30):
        while Review.objects.count() < total:
            paper = PaperFactory(tags=[tag, TagFactory()])
            make_review(paper=paper, author=author)
        found = {}
        for route, arg in BULK_FEEDS:
            with CaptureQueriesContext(connection) as context:
                fetch(feed_url(route, arg))
            found[route] = len(context.captured_queries)
        counts.append(found)
    assert counts == [pinned, pinned]


@pytest.mark.parametrize("route", ["feed_rss", "feed_atom"])
def test_feed_item_ids_are_absolute(reviews: Reviews, route: str) -> None:
    """Atom ids must be absolute IRIs; the item link is one and is unique per review."""
    _response, feed = fetch(reverse(route))
    assert {entry.id for entry in feed.entries} == {entry.link for entry in feed.entries}


def test_atom_author_uri_is_absolute(reviews: Reviews) -> None:
    _response, feed = fetch(reverse("feed_atom"))
    uris = {entry.author_detail.href for entry in feed.entries}
    members = (reviews.author, reviews.other)
    assert uris == {f"http://testserver{member.get_absolute_url()}" for member in members}
