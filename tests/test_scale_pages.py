"""Pages at scale: they read only what they show, page long lists, and answer conditional
GETs (304) while an anonymous visitor's page or a feed is unchanged."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import services
from reviews.enums import ReadingStatus
from reviews.models import Comment, EntryStatus, Member, Review
from reviews.views import conditional
from reviews.views.lists import ENTRIES_PER_PAGE
from reviews.views.members import MEMBER_REVIEWS_PER_PAGE
from tests.factories import (
    EntryFactory,
    MemberFactory,
    PaperFactory,
    ReadingListFactory,
    TagFactory,
    make_comment,
    make_review,
)

pytestmark = pytest.mark.django_db

SECTION_SOURCES = ("introduction", "core_algorithm", "results", "thoughts")


@pytest.fixture(autouse=True)
def _one_etag_period(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conditional, "etag_period", lambda: 1)


def page(response: Any) -> str:
    assert response.status_code == 200
    return response.content.decode()


def review_links(html: str) -> list[str]:
    return re.findall(r'<a href="/reviews/\d+/" class="review-link">([^<]*)</a>', html)


def entry_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<span class="entry-number">(\d+)\.</span>', html)]


def selected_columns(client: Client, url: str) -> str:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return "\n".join(query["sql"] for query in context.captured_queries)


# --------------------------------------------------------------------------------------------
# Member page: reviews in pages, progress counted per list
# --------------------------------------------------------------------------------------------


def test_member_page_shows_reviews_a_page_at_a_time(author: Member, client: Client) -> None:
    for n in range(MEMBER_REVIEWS_PER_PAGE + 1):
        make_review(paper=PaperFactory(title=f"Paper {n:02d}"), author=author)
    url = reverse("member_detail", args=[author.username])

    first = page(client.get(url))
    second = page(client.get(url, {"page": 2}))

    assert len(review_links(first)) == MEMBER_REVIEWS_PER_PAGE
    assert review_links(second) == ["Paper 00"]  # the oldest, alone on the last page
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert "Page 2 of 2" in second


@pytest.mark.parametrize("number", ["0", "-1", "99", "x", "1e9", "99999999999999999999"])
def test_member_page_out_of_range_page_shows_nearest_page(
    author: Member, client: Client, number: str
) -> None:
    make_review(author=author)
    response = client.get(reverse("member_detail", args=[author.username]), {"page": number})
    assert len(review_links(page(response))) == 1


def test_member_progress_counts_only_the_members_reviewed_entries(
    member: Member, other: Member, client: Client
) -> None:
    lists = [ReadingListFactory(title="First"), ReadingListFactory(title="Second")]
    for reading_list in lists:
        for _ in range(4):
            entry = EntryFactory(reading_list=reading_list)
            EntryStatus.objects.create(entry=entry, member=other, status=ReadingStatus.REVIEWED)
    first_entries = list(lists[0].entries.order_by("number"))
    for entry, status in zip(first_entries, ["reviewed", "reviewed", "reading"], strict=False):
        EntryStatus.objects.create(entry=entry, member=member, status=status)

    html = page(client.get(reverse("member_detail", args=[member.username])))

    assert re.findall(r'<progress max="(\d+)" value="(\d+)">', html) == [("4", "2")]


def test_member_page_reads_no_review_bodies(author: Member, client: Client) -> None:
    make_review(author=author)
    sql = selected_columns(client, reverse("member_detail", args=[author.username]))
    assert not [s for s in SECTION_SOURCES if f'"reviews_review"."{s}' in sql]


# --------------------------------------------------------------------------------------------
# Reading list: pages of entries, a jump to an entry number
# --------------------------------------------------------------------------------------------


@pytest.fixture
def long_list() -> Any:
    reading_list = ReadingListFactory(slug="long")
    tag = TagFactory(name="odd", slug="odd")
    for number in range(1, 2 * ENTRIES_PER_PAGE + 11):
        paper = PaperFactory(tags=[tag] if number % 2 else [])
        EntryFactory(reading_list=reading_list, number=number, paper=paper)
    return reading_list


def test_reading_list_shows_entries_a_page_at_a_time(long_list: Any, client: Client) -> None:
    first = page(client.get(reverse("reading_list", args=["long"])))
    last = page(client.get(reverse("reading_list", args=["long"]), {"page": 3}))

    assert entry_numbers(first) == list(range(1, ENTRIES_PER_PAGE + 1))
    assert entry_numbers(last) == list(range(2 * ENTRIES_PER_PAGE + 1, 2 * ENTRIES_PER_PAGE + 11))
    assert f"Entries 1–{ENTRIES_PER_PAGE} of {2 * ENTRIES_PER_PAGE + 10}" in first


def test_reading_list_jump_to_entry_opens_its_page(long_list: Any, client: Client) -> None:
    number = ENTRIES_PER_PAGE + 5
    response = client.get(reverse("reading_list", args=["long"]), {"entry": number})
    assert (response.status_code, response.url) == (302, f"/lists/long/?page=2#entry-{number}")


def test_reading_list_jump_keeps_filters(long_list: Any, client: Client) -> None:
    # Odd entries only: 2 * ENTRIES_PER_PAGE + 1 is the first odd one past a page.
    url = reverse("reading_list", args=["long"])
    response = client.get(url, {"tag": "odd", "entry": 2 * ENTRIES_PER_PAGE + 1})
    assert response.url == f"/lists/long/?tag=odd&page=2#entry-{2 * ENTRIES_PER_PAGE + 1}"
    assert entry_numbers(page(client.get(response.url)))[0] == 2 * ENTRIES_PER_PAGE + 1


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "zz"}, {"entry": "x"}, {"entry": "-3"}])
def test_reading_list_bad_page_or_entry_shows_a_page(
    long_list: Any, client: Client, params: dict[str, str]
) -> None:
    response = client.get(reverse("reading_list", args=["long"]), params)
    assert entry_numbers(page(response))


def test_reading_list_reads_only_the_columns_it_shows(long_list: Any, client: Client) -> None:
    sql = selected_columns(client, reverse("reading_list", args=["long"]))
    assert '"reviews_paper"."abstract"' not in sql
    assert "DISTINCT" not in sql.split("reviews_readinglistentry", 1)[1].split("FROM", 1)[0]


def test_paper_and_review_pages_read_no_markdown_sources(client: Client) -> None:
    review = make_review()
    make_comment(review=review, author=review.author)
    for url in (
        reverse("paper_detail", args=[review.paper_id]),
        reverse("review_detail", args=[review.pk]),
        reverse("feed_atom"),
    ):
        sql = selected_columns(client, url)
        assert not [s for s in SECTION_SOURCES if f'"reviews_review"."{s}",' in sql], url
        assert '"reviews_comment"."body",' not in sql, url


# --------------------------------------------------------------------------------------------
# Conditional GETs
# --------------------------------------------------------------------------------------------


def etag(client: Client, url: str, **headers: str) -> str:
    """The page's ETag once the client holds its cookies (the first answer sets csrftoken)."""
    client.get(url, headers=headers)
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response["ETag"]


@pytest.fixture
def review() -> Review:
    return make_review(paper=PaperFactory(tags=[TagFactory(name="ml", slug="ml")]))


def anonymous_urls(review: Review) -> list[str]:
    list_entry = EntryFactory(paper=review.paper)
    return [
        reverse("home"),
        reverse("reading_list", args=[list_entry.reading_list.slug]),
        reverse("paper_detail", args=[review.paper_id]),
        reverse("paper_compare", args=[review.paper_id]) + "?section=results",
        reverse("review_detail", args=[review.pk]),
        reverse("member_detail", args=[review.author.username]),
        reverse("feed_rss"),
        reverse("feed_atom"),
        reverse("feed_tag_atom", args=["ml"]),
        reverse("feed_member_rss", args=[review.author.username]),
    ]


def test_unchanged_anonymous_page_is_304(review: Review) -> None:
    for url in anonymous_urls(review):
        client = Client()
        tag = etag(client, url)
        with CaptureQueriesContext(connection) as context:
            response = client.get(url, headers={"If-None-Match": tag})
        assert (url, response.status_code, response["ETag"]) == (url, 304, tag)
        # The version, nothing else (the home page's lists and cohorts are a second query).
        assert len(context.captured_queries) == (2 if url == "/" else 1), url
        assert response.content == b""


def test_anonymous_page_is_200_again_after_a_change(review: Review) -> None:
    urls = anonymous_urls(review)
    clients = {url: Client() for url in urls}
    tags = {url: etag(clients[url], url) for url in urls}

    services.review_save(
        review=review,
        by=review.author,
        content=services.ReviewContent(tldr="Changed.", results="New results."),
        expected_version=review.version,
        publish=True,
    )

    for url in urls:
        response = clients[url].get(url, headers={"If-None-Match": tags[url]})
        assert (url, response.status_code) == (url, 200)
        assert response["ETag"] != tags[url]


def test_new_comment_turns_review_page_over(review: Review) -> None:
    client, url = Client(), reverse("review_detail", args=[review.pk])
    tag = etag(client, url)
    make_comment(review=review, author=MemberFactory(), body="A new point.")
    response = client.get(url, headers={"If-None-Match": tag})
    assert "A new point." in page(response)


def test_unpublished_review_turns_pages_over(review: Review) -> None:
    client, url = Client(), reverse("paper_detail", args=[review.paper_id])
    tag = etag(client, url)
    services.review_unpublish(review=review, by=review.author)
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 200


def test_signed_in_page_is_never_304(review: Review, member: Member) -> None:
    url = reverse("review_detail", args=[review.pk])
    anonymous_tag = etag(Client(), url)
    signed_in = Client()
    signed_in.force_login(member)
    response = signed_in.get(url, headers={"If-None-Match": anonymous_tag})
    assert response.status_code == 200
    assert not response.has_header("ETag")


def test_etag_differs_by_language_and_cookie(review: Review) -> None:
    url = reverse("review_detail", args=[review.pk])
    client = Client()
    english = etag(client, url)
    korean = etag(client, url, **{"Accept-Language": "ko"})
    other_client = etag(Client(), url)
    assert len({english, korean, other_client}) == 3
    response = client.get(url, headers={"If-None-Match": english, "Accept-Language": "ko"})
    assert response.status_code == 200


def test_etag_turns_over_each_period(review: Review, monkeypatch: pytest.MonkeyPatch) -> None:
    client, url = Client(), reverse("paper_detail", args=[review.paper_id])
    tag = etag(client, url)
    monkeypatch.setattr(conditional, "etag_period", lambda: 2)
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 200


def test_conditional_page_revalidates_privately(review: Review) -> None:
    response = Client().get(reverse("paper_detail", args=[review.paper_id]))
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}


def test_review_page_with_a_running_demo_is_never_304(review: Review) -> None:
    from reviews.models import ExperimentRun

    ExperimentRun.objects.create(
        review=review, requested_by=review.author, experiment="x", config={}, time_limit_s=60
    )
    response = Client().get(reverse("review_detail", args=[review.pk]))
    assert not response.has_header("ETag")


def test_private_feed_304_needs_a_valid_key(review: Review, member: Member) -> None:
    from reviews.services import accounts

    key = accounts.feed_key_create(member=member)
    url = reverse("feed_private_atom", args=[key])
    tag = etag(Client(), url)
    response = Client().get(url, headers={"If-None-Match": tag})
    assert (response.status_code, response["Cache-Control"]) == (304, "private, no-store")
    accounts.feed_key_revoke(member=member)
    assert Client().get(url, headers={"If-None-Match": tag}).status_code == 404


def test_comment_actions_follow_the_viewer(
    review: Review, member: Member, organizer: Member
) -> None:
    comment = make_comment(review=review, author=member)
    url = reverse("review_detail", args=[review.pk])
    reply_form = f'action="{reverse("comment_create", args=[review.pk])}"'
    delete_form = f'action="{reverse("comment_delete", args=[comment.pk])}"'
    seen = {}
    for name, viewer in (("anonymous", None), ("author", member), ("other", MemberFactory())):
        client = Client()
        if viewer is not None:
            client.force_login(viewer)
        html = page(client.get(url))
        seen[name] = (reply_form in html and 'name="parent"' in html, delete_form in html)
    staff = Client()
    staff.force_login(organizer)
    seen["organizer"] = (True, delete_form in page(staff.get(url)))
    assert seen == {
        "anonymous": (False, False),
        "author": (True, True),
        "other": (True, False),
        "organizer": (True, True),
    }


def test_reading_list_is_conditional_page_by_page_unfiltered_only(long_list: Any) -> None:
    url = reverse("reading_list", args=["long"])
    conditional = {
        query: Client().get(url + query).has_header("ETag")
        for query in ("", "?page=2", "?page=3", "?page=4", "?page=x", "?tag=odd", "?q=paper")
    }
    assert conditional == {
        "": True,
        "?page=2": True,
        "?page=3": True,
        "?page=4": False,  # past the end: shows page 3, which its version does not cover
        "?page=x": False,
        "?tag=odd": False,
        "?q=paper": False,
    }


def test_new_review_turns_over_only_the_list_page_of_its_paper(long_list: Any) -> None:
    url = reverse("reading_list", args=["long"])
    clients = {page: Client() for page in (1, 2)}
    tags = {page: etag(clients[page], f"{url}?page={page}") for page in (1, 2)}
    make_review(paper=long_list.entries.get(number=ENTRIES_PER_PAGE + 1).paper)
    statuses = {
        page: clients[page].get(f"{url}?page={page}", headers={"If-None-Match": tags[page]})
        for page in (1, 2)
    }
    assert {page: r.status_code for page, r in statuses.items()} == {1: 304, 2: 200}
    assert "1 review" in statuses[2].content.decode()


def test_comment_time_shows_in_the_site_time_zone(review: Review, settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Seoul"
    comment = make_comment(review=review, author=review.author)
    when = datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=UTC)
    Comment.objects.filter(pk=comment.pk).update(created_at=when)
    html = page(Client().get(reverse("review_detail", args=[review.pk])))
    assert f'id="comment-{comment.pk}"' in html
    assert '<time datetime="2026-03-02T08:30:15+09:00">2026-03-02 08:30</time>' in html
