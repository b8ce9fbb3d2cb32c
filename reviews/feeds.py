"""RSS and Atom feeds of published reviews: all, per tag and per member.

Each feed also answers at a member's private URL, /feeds/private/<key>/…, which a feed
reader can fetch without a session when MEMBERS_ONLY is on. Feeds hold published reviews
only, so a key shows what its member may read and never a draft, not even their own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, SyndicationFeed
from django.utils.html import escape
from django.utils.http import urlencode

from . import selectors
from .enums import Section
from .images import URL_PREFIX as IMAGE_URL_PREFIX
from .models import FeedKey, Member, Review, Tag
from .services import api_token_hash
from .views.conditional import conditional_page

FEED_SIZE = 30


class ReviewFeed(Feed):
    """The shared item format: the TL;DR and the rendered sections."""

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # An unchanged feed is a 304 after one small query, not a megabyte of XML.
        return conditional_page(self.version)(super().__call__)(request, *args, **kwargs)

    def version(self, request: HttpRequest, **kwargs: str) -> object:
        return selectors.feed_version(self.scope(**kwargs), FEED_SIZE)

    def scope(self, **kwargs: str) -> QuerySet[Review]:
        """The feed's reviews, found from the URL alone (before get_object)."""
        return selectors.published_reviews()

    def items(self, obj: object = None) -> QuerySet[Review]:
        return self.reviews(obj)[:FEED_SIZE]

    def reviews(self, obj: object) -> QuerySet[Review]:
        return selectors.feed_reviews()

    def get_feed(self, obj: object, request: HttpRequest) -> SyndicationFeed:
        feed = super().get_feed(obj, request)
        # Django makes item links absolute but not author links, and an Atom URI must be.
        domain = get_current_site(request).domain
        # The review images this site stores are same-origin paths; a reader needs them whole.
        images = add_domain(domain, IMAGE_URL_PREFIX, request.is_secure())
        for entry in feed.items:
            if entry.get("author_link"):
                entry["author_link"] = add_domain(domain, entry["author_link"], request.is_secure())
            entry["description"] = entry["description"].replace(
                f'src="{IMAGE_URL_PREFIX}', f'src="{images}'
            )
        return feed

    def item_title(self, item: Review) -> str:
        return f"{item.paper.title} — {item.author.name}"

    def item_description(self, item: Review) -> str:
        parts = [f"<p><strong>TL;DR</strong> {escape(item.tldr)}</p>"] if item.tldr else []
        for section in Section:
            html = getattr(item, section.html_field)
            if html:
                # The heading is in the review's language, like its text, not the reader's.
                parts.append(f"<h2>{escape(section.heading(item.language))}</h2>{html}")
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
        return selectors.feed_reviews()


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
        return selectors.feed_reviews().filter(paper__tags=obj)

    def scope(self, *, slug: str, **kwargs: str) -> QuerySet[Review]:
        return selectors.published_reviews().filter(paper__tags__slug=slug)


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
        return selectors.feed_reviews().filter(author=obj)

    def scope(self, *, username: str, **kwargs: str) -> QuerySet[Review]:
        return selectors.published_reviews().filter(
            author__username=username, author__is_active=True
        )


class MemberReviewsAtom(MemberReviewsRss):
    feed_type = Atom1Feed

    def subtitle(self, obj: Member) -> str:
        return self.description(obj)


def feed_key_member(key: str) -> Member | None:
    """The active member whose private feed key this is, if any."""
    found = (
        FeedKey.objects.select_related("member")
        .filter(key_hash=api_token_hash(key), member__is_active=True)
        .first()
    )
    return found.member if found else None


class PrivateFeedMixin:
    """The same feed at /feeds/private/<key>/…: an unknown, revoked or deactivated key is 404."""

    def __call__(self, request: HttpRequest, key: str, **kwargs: object) -> HttpResponse:
        if feed_key_member(key) is None:
            raise Http404
        response = super().__call__(request, **kwargs)
        # The URL is a secret: no shared cache may keep the answer.
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


class PrivateLatestReviewsRss(PrivateFeedMixin, LatestReviewsRss):
    pass


class PrivateLatestReviewsAtom(PrivateFeedMixin, LatestReviewsAtom):
    pass


class PrivateTagReviewsRss(PrivateFeedMixin, TagReviewsRss):
    pass


class PrivateTagReviewsAtom(PrivateFeedMixin, TagReviewsAtom):
    pass


class PrivateMemberReviewsRss(PrivateFeedMixin, MemberReviewsRss):
    pass


class PrivateMemberReviewsAtom(PrivateFeedMixin, MemberReviewsAtom):
    pass
