"""RSS and Atom feeds of published reviews: all, per tag and per member."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import urlencode

from . import selectors
from .models import Member, Review, Tag

FEED_SIZE = 30


class ReviewFeed(Feed):
    """The shared item format: the TL;DR and the four rendered sections."""

    def items(self, obj: object = None) -> QuerySet[Review]:
        return self.reviews(obj)[:FEED_SIZE]

    def reviews(self, obj: object) -> QuerySet[Review]:
        return selectors.published_reviews()

    def item_title(self, item: Review) -> str:
        return f"{item.paper.title} — {item.author.name}"

    def item_description(self, item: Review) -> str:
        parts = [f"<p><strong>TL;DR</strong> {escape(item.tldr)}</p>"] if item.tldr else []
        for _key, label, html in item.sections():
            if html:
                parts.append(f"<h2>{escape(str(label))}</h2>{html}")
        return "\n".join(parts)

    def item_link(self, item: Review) -> str:
        return item.get_absolute_url()

    def item_author_name(self, item: Review) -> str:
        return item.author.name

    def item_author_link(self, item: Review) -> str:
        return item.author.get_absolute_url()

    def item_pubdate(self, item: Review) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Review) -> datetime:
        return item.updated_at

    def item_categories(self, item: Review) -> list[str]:
        return [tag.name for tag in item.paper.tags.all()]


class LatestReviewsRss(ReviewFeed):
    title = "StudyGroup — reviews"
    description = "Published paper reviews"

    def link(self) -> str:
        return reverse("home")

    def reviews(self, obj: object) -> QuerySet[Review]:
        return selectors.published_reviews().prefetch_related("paper__tags")


class LatestReviewsAtom(LatestReviewsRss):
    feed_type = Atom1Feed
    subtitle = LatestReviewsRss.description


class TagReviewsRss(ReviewFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Tag:
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj: Tag) -> str:
        return f"StudyGroup — {obj.name}"

    def description(self, obj: Tag) -> str:
        return f"Published reviews of papers tagged {obj.name}"

    def link(self, obj: Tag) -> str:
        return f"{reverse('home')}?{urlencode({'tag': obj.slug})}"

    def reviews(self, obj: Tag) -> QuerySet[Review]:
        return selectors.published_reviews().filter(paper__tags=obj).prefetch_related("paper__tags")


class TagReviewsAtom(TagReviewsRss):
    feed_type = Atom1Feed

    def subtitle(self, obj: Tag) -> str:
        return self.description(obj)


class MemberReviewsRss(ReviewFeed):
    def get_object(self, request: HttpRequest, username: str) -> Member:
        return get_object_or_404(Member, username=username, is_active=True)

    def title(self, obj: Member) -> str:
        return f"StudyGroup — {obj.name}"

    def description(self, obj: Member) -> str:
        return f"Published reviews by {obj.name}"

    def link(self, obj: Member) -> str:
        return obj.get_absolute_url()

    def reviews(self, obj: Member) -> QuerySet[Review]:
        return selectors.published_reviews().filter(author=obj).prefetch_related("paper__tags")


class MemberReviewsAtom(MemberReviewsRss):
    feed_type = Atom1Feed

    def subtitle(self, obj: Member) -> str:
        return self.description(obj)
