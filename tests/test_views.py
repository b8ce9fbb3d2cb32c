"""What the pages do: lists, search, statuses, the editor, history, comments, invites."""

from __future__ import annotations

import os
import re
import secrets
import string
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews.enums import ReadingStatus, ReviewStatus
from reviews.models import (
    Bookmark,
    CohortMembership,
    Comment,
    EntryStatus,
    Invite,
    Member,
    ReadingList,
    Review,
)
from tests.factories import (
    PASSWORD,
    EntryFactory,
    MemberFactory,
    PaperFactory,
    ReadingListFactory,
    TagFactory,
    make_comment,
    make_review,
)
from tests.test_permissions import MATRIX, ROLES, World, build_world, client_for, url_for

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def member_client(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def html(response: Any) -> str:
    return response.content.decode()


def entry_titles(response: Any) -> list[str]:
    found = re.findall(r'class="entry-title" href="[^"]*">([^<]*)<', html(response))
    return [unescape(title) for title in found]


def review_fields(**content: str) -> dict[str, str]:
    """Editor form data; every section present, as the browser sends it."""
    return {
        "tldr": "",
        "language": "en",
        "introduction": "",
        "core_algorithm": "",
        "results": "",
        "thoughts": "",
        "version": "0",
        **content,
    }


# --------------------------------------------------------------------------------------------
# Reading list: numbers, counts, filters, search
# --------------------------------------------------------------------------------------------


def test_reading_list_shows_entry_numbers_and_published_review_counts(client: Client) -> None:
    reading_list = ReadingListFactory(slug="classics")
    reviewed = EntryFactory(reading_list=reading_list, number=16).paper
    EntryFactory(reading_list=reading_list, number=3, paper=PaperFactory(title="Unreviewed"))
    make_review(paper=reviewed)
    make_review(paper=reviewed)
    make_review(paper=reviewed, published=False)
    single = EntryFactory(reading_list=reading_list, number=7).paper
    make_review(paper=single)

    page = html(client.get(reverse("reading_list", args=["classics"])))

    numbers = re.findall(r'<span class="entry-number">(\d+\.)</span>', page)
    counts = re.findall(r'<span class="review-count">([^<]*)</span>', page)
    assert numbers == ["3.", "7.", "16."]
    assert counts == ["0 reviews", "1 review", "2 reviews"]


def test_reading_list_filter_by_tag_keeps_tagged_papers_only(client: Client) -> None:
    reading_list = ReadingListFactory(slug="classics")
    vision = TagFactory(name="vision", slug="vision")
    nlp = TagFactory(name="nlp", slug="nlp")
    EntryFactory(reading_list=reading_list, paper=PaperFactory(title="ResNet", tags=[vision]))
    EntryFactory(reading_list=reading_list, paper=PaperFactory(title="BERT", tags=[nlp]))
    EntryFactory(reading_list=reading_list, paper=PaperFactory(title="ViT", tags=[vision, nlp]))

    response = client.get(reverse("reading_list", args=["classics"]), {"tag": "vision"})

    assert entry_titles(response) == ["ResNet", "ViT"]


def test_reading_list_filter_by_status_to_read_includes_entries_without_status(
    member: Member, member_client: Client
) -> None:
    reading_list = ReadingListFactory(slug="classics")
    titles = ["Reading it", "Reviewed it", "Never touched", "Marked to read"]
    entries = [
        EntryFactory(reading_list=reading_list, number=i + 1, paper=PaperFactory(title=title))
        for i, title in enumerate(titles)
    ]
    EntryStatus.objects.create(entry=entries[0], member=member, status=ReadingStatus.READING)
    EntryStatus.objects.create(entry=entries[1], member=member, status=ReadingStatus.REVIEWED)
    EntryStatus.objects.create(entry=entries[3], member=member, status=ReadingStatus.TO_READ)
    # Someone else's status is not mine.
    EntryStatus.objects.create(
        entry=entries[2], member=MemberFactory(), status=ReadingStatus.REVIEWED
    )
    url = reverse("reading_list", args=["classics"])

    assert entry_titles(member_client.get(url, {"status": "to_read"})) == [
        "Never touched",
        "Marked to read",
    ]
    assert entry_titles(member_client.get(url, {"status": "reading"})) == ["Reading it"]
    assert entry_titles(member_client.get(url, {"status": "reviewed"})) == ["Reviewed it"]


@pytest.fixture
def search_list(author: Member) -> ReadingList:
    reading_list = ReadingListFactory(slug="search")
    swa = PaperFactory(
        title="Averaging Weights Leads to Wider Optima",
        authors=["Pavel Izmailov", "Andrew Gordon Wilson"],
        abstract="Stochastic weight averaging of SGD iterates.",
    )
    grokking = PaperFactory(
        title="Grokking",
        authors=["Alethea Power"],
        abstract="Generalization on small algorithmic datasets.",
    )
    attention = PaperFactory(
        title="Attention Is All You Need",
        authors=["Ashish Vaswani"],
        abstract="The Transformer.",
    )
    secret = PaperFactory(title="Deep Sets", authors=["Manzil Zaheer"], abstract="Sets.")
    for number, paper in enumerate([swa, grokking, attention, secret], start=1):
        EntryFactory(reading_list=reading_list, number=number, paper=paper)
    neutral = {"tldr": "", "introduction": "", "core_algorithm": "", "results": ""}
    make_review(paper=attention, author=author, **neutral, thoughts="핵심 알고리즘을 잘 설명한다.")
    make_review(
        paper=secret,
        author=author,
        published=False,
        **neutral,
        thoughts="zebracorn 비밀단어를 적었다.",
    )
    return reading_list


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("averaging", ["Averaging Weights Leads to Wider Optima"]),
        ("WIDER optima", ["Averaging Weights Leads to Wider Optima"]),
        ("Izmailov", ["Averaging Weights Leads to Wider Optima"]),
        ("alethea power", ["Grokking"]),
        ("algorithmic", ["Grokking"]),
        ("transformer", ["Attention Is All You Need"]),
        ("알고리즘", ["Attention Is All You Need"]),
        ("알고리즘을", ["Attention Is All You Need"]),
        (unicodedata.normalize("NFD", "알고리즘"), ["Attention Is All You Need"]),
        ("no-such-word", []),
    ],
)
def test_reading_list_search_matches_title_author_abstract_and_published_text(
    client: Client, search_list: ReadingList, query: str, titles: list[str]
) -> None:
    response = client.get(reverse("reading_list", args=["search"]), {"q": query})
    assert entry_titles(response) == titles


@pytest.mark.parametrize("query", ["zebracorn", "비밀단어", "비밀"])
def test_reading_list_search_never_finds_draft_text(
    member_client: Client, search_list: ReadingList, query: str
) -> None:
    response = member_client.get(reverse("reading_list", args=["search"]), {"q": query})
    assert entry_titles(response) == []


def test_reading_list_search_forgets_text_of_unpublished_review(
    client: Client, author: Member, search_list: ReadingList
) -> None:
    review = Review.objects.get(paper__title="Attention Is All You Need")
    url = reverse("reading_list", args=["search"])
    author_client = Client()
    author_client.force_login(author)

    author_client.post(reverse("review_unpublish", args=[review.pk]))

    assert entry_titles(client.get(url, {"q": "알고리즘"})) == []


def test_reading_list_search_with_nul_byte_is_400_not_500(client: Client) -> None:
    ReadingListFactory(slug="classics")
    response = client.get(reverse("reading_list", args=["classics"]), {"q": "a\x00b"})
    assert response.status_code == 400
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


# --------------------------------------------------------------------------------------------
# Reading status and bookmarks
# --------------------------------------------------------------------------------------------


def test_entry_status_post_without_htmx_redirects_to_list(
    member: Member, member_client: Client
) -> None:
    entry = EntryFactory(reading_list=ReadingListFactory(slug="classics"))

    response = member_client.post(reverse("entry_status", args=[entry.pk]), {"status": "reading"})

    # Back to the entry, on whichever page of the list holds it.
    assert (response.status_code, response.url) == (302, f"/lists/classics/?entry={entry.number}")
    assert EntryStatus.objects.get(entry=entry, member=member).status == ReadingStatus.READING


def test_entry_status_post_with_htmx_returns_partial(member: Member, member_client: Client) -> None:
    entry = EntryFactory()
    EntryStatus.objects.create(entry=entry, member=member, status=ReadingStatus.READING)

    response = member_client.post(
        reverse("entry_status", args=[entry.pk]),
        {"status": "reviewed"},
        headers={"HX-Request": "true"},
    )

    page = html(response)
    assert response.status_code == 200
    assert page.startswith('<form method="post" action="/entries/')
    assert "<html" not in page
    assert '<option value="reviewed" selected>' in page
    assert 'class="saved"' in page
    assert EntryStatus.objects.get(entry=entry, member=member).status == ReadingStatus.REVIEWED


@pytest.mark.parametrize("status", ["bogus", "", "READING"])
def test_entry_status_invalid_is_400_and_unchanged(
    member: Member, member_client: Client, status: str
) -> None:
    entry = EntryFactory()
    EntryStatus.objects.create(entry=entry, member=member, status=ReadingStatus.READING)

    response = member_client.post(reverse("entry_status", args=[entry.pk]), {"status": status})

    assert response.status_code == 400
    assert EntryStatus.objects.get(entry=entry, member=member).status == ReadingStatus.READING
    assert EntryStatus.objects.count() == 1


def test_bookmark_toggle_adds_then_removes(member: Member, member_client: Client) -> None:
    paper = PaperFactory()
    url = reverse("bookmark", args=[paper.pk])

    first = member_client.post(url)
    saved = Bookmark.objects.filter(member=member, paper=paper).count()
    second = member_client.post(url, headers={"HX-Request": "true"})

    assert (first.status_code, first.url, saved) == (302, f"/papers/{paper.pk}/", 1)
    assert second.status_code == 200
    assert 'aria-pressed="false"' in html(second)
    assert Bookmark.objects.filter(member=member, paper=paper).count() == 0


def test_bookmark_htmx_partial_shows_saved_state(member_client: Client) -> None:
    paper = PaperFactory()
    response = member_client.post(
        reverse("bookmark", args=[paper.pk]), headers={"HX-Request": "true"}
    )
    assert 'aria-pressed="true"' in html(response)
    assert "<html" not in html(response)


# --------------------------------------------------------------------------------------------
# Paper page and compare view
# --------------------------------------------------------------------------------------------


def test_paper_page_lists_only_published_reviews(client: Client) -> None:
    paper = PaperFactory()
    make_review(paper=paper, author=MemberFactory(display_name="Visible Writer"))
    make_review(
        paper=paper,
        author=MemberFactory(display_name="Hidden Writer"),
        published=False,
        tldr="draft summary xyz",
    )

    page = html(client.get(reverse("paper_detail", args=[paper.pk])))

    assert "Review by Visible Writer" in page
    assert "Hidden Writer" not in page
    assert "draft summary xyz" not in page
    assert '<span class="count">1</span>' in page


def test_paper_page_tells_author_their_review_is_a_draft(author: Member) -> None:
    paper = PaperFactory()
    make_review(paper=paper, author=author, published=False)
    client = Client()
    client.force_login(author)

    page = html(client.get(reverse("paper_detail", args=[paper.pk])))

    assert "Your review is a draft" in page
    assert "Edit my review" in page
    assert "No published review yet." in page


def test_paper_compare_shows_section_of_every_published_review(client: Client) -> None:
    paper = PaperFactory()
    for name in ["Alpha", "Beta", "Gamma"]:
        make_review(
            paper=paper, author=MemberFactory(display_name=name), thoughts=f"Thoughts of {name}."
        )
    make_review(paper=paper, published=False, thoughts="Thoughts of the draft.")

    response = client.get(reverse("paper_compare", args=[paper.pk]), {"section": "thoughts"})

    page = html(response)
    assert response.status_code == 200
    found = re.findall(r"<p>(Thoughts of [^<]*)</p>", page)
    assert sorted(found) == ["Thoughts of Alpha.", "Thoughts of Beta.", "Thoughts of Gamma."]
    assert page.count('class="compare-column"') == 3


def test_paper_compare_default_section_is_results(client: Client) -> None:
    paper = PaperFactory()
    make_review(paper=paper, results="Results say **42**.", thoughts="Not this.")

    page = html(client.get(reverse("paper_compare", args=[paper.pk])))

    assert "Results say <strong>42</strong>." in page
    assert "Not this." not in page


@pytest.mark.parametrize("section", ["bogus", "thoughts_html", "", "tldr"])
def test_paper_compare_unknown_section_is_400(client: Client, section: str) -> None:
    paper = PaperFactory()
    make_review(paper=paper)
    response = client.get(reverse("paper_compare", args=[paper.pk]), {"section": section})
    assert response.status_code == 400
    assert "Unknown section." in html(response)


# --------------------------------------------------------------------------------------------
# Review editor
# --------------------------------------------------------------------------------------------


def test_review_editor_creates_draft(member: Member, member_client: Client) -> None:
    paper = PaperFactory()
    url = reverse("review_edit", args=[paper.pk])

    response = member_client.post(url, review_fields(introduction="First words.", save="1"))

    review = Review.objects.get(paper=paper, author=member)
    assert (response.status_code, response.url) == (302, url)
    assert (review.status, review.version, review.introduction) == (
        ReviewStatus.DRAFT,
        1,
        "First words.",
    )
    assert review.revisions.count() == 0


def test_review_editor_publish_then_publish_revision_numbers_revisions(
    member: Member, member_client: Client
) -> None:
    paper = PaperFactory()
    url = reverse("review_edit", args=[paper.pk])
    member_client.post(url, review_fields(introduction="Draft."))

    first = member_client.post(url, review_fields(introduction="One.", version="1", publish="1"))
    review = Review.objects.get(paper=paper, author=member)
    assert (first.status_code, first.url) == (302, f"/reviews/{review.pk}/")
    assert (review.status, review.version) == (ReviewStatus.PUBLISHED, 2)
    assert list(review.revisions.values_list("number", "introduction")) == [(1, "One.")]

    second = member_client.post(url, review_fields(introduction="Two.", version="2", publish="1"))
    review.refresh_from_db()
    assert (second.status_code, review.version, review.introduction) == (302, 3, "Two.")
    assert list(review.revisions.order_by("number").values_list("number", "introduction")) == [
        (1, "One."),
        (2, "Two."),
    ]
    assert review.revisions.get(number=2).published_by == member


def test_review_editor_first_post_with_publish_creates_published_review(
    member: Member, member_client: Client
) -> None:
    paper = PaperFactory()
    response = member_client.post(
        reverse("review_edit", args=[paper.pk]), review_fields(thoughts="바로 게시.", publish="1")
    )
    review = Review.objects.get(paper=paper, author=member)
    assert response.status_code == 302
    assert review.status == ReviewStatus.PUBLISHED
    assert list(review.revisions.values_list("number", flat=True)) == [1]


def test_review_editor_old_version_is_409_and_keeps_submitted_text(author: Member) -> None:
    review = make_review(author=author, introduction="Saved text.")
    client = Client()
    client.force_login(author)
    url = reverse("review_edit", args=[review.paper_id])

    response = client.post(
        url,
        review_fields(
            introduction="My <b>unsaved</b> edit.", version=str(review.version - 1), publish="1"
        ),
    )

    page = html(response)
    assert response.status_code == 409
    assert "My &lt;b&gt;unsaved&lt;/b&gt; edit.</textarea>" in page
    assert f'name="version" value="{review.version}"' in page
    assert "Saved text." in page
    fresh = Review.objects.get(pk=review.pk)
    assert (fresh.version, fresh.introduction, fresh.revisions.count()) == (
        review.version,
        "Saved text.",
        1,
    )

    # The form now carries the current version, so saving again replaces the text.
    again = client.post(
        url, review_fields(introduction="My edit.", version=str(review.version), publish="1")
    )
    assert again.status_code == 302
    assert Review.objects.get(pk=review.pk).introduction == "My edit."


def test_review_editor_section_over_100_kb_is_400_and_not_saved(
    member: Member, member_client: Client
) -> None:
    paper = PaperFactory()
    big = "가" * 40000  # 120 KB in UTF-8, though only 40,000 characters

    response = member_client.post(
        reverse("review_edit", args=[paper.pk]), review_fields(results=big, publish="1")
    )

    assert response.status_code == 400
    assert "This section is 118 KB; the limit is 100 KB." in html(response)
    assert Review.objects.filter(paper=paper).count() == 0


def test_review_editor_section_over_100_kb_leaves_existing_review(author: Member) -> None:
    review = make_review(author=author)
    client = Client()
    client.force_login(author)

    response = client.post(
        reverse("review_edit", args=[review.paper_id]),
        review_fields(introduction="가" * 40000, version=str(review.version), publish="1"),
    )

    fresh = Review.objects.get(pk=review.pk)
    assert response.status_code == 400
    assert (fresh.version, fresh.introduction) == (review.version, review.introduction)


@pytest.mark.parametrize("field", ["tldr", "introduction", "thoughts"])
def test_review_editor_nul_byte_is_400_not_500(member_client: Client, field: str) -> None:
    paper = PaperFactory()
    response = member_client.post(
        reverse("review_edit", args=[paper.pk]), review_fields(**{field: "a\x00b"}, publish="1")
    )
    assert response.status_code == 400
    assert "Null characters are not allowed." in html(response)
    assert Review.objects.filter(paper=paper).count() == 0


@pytest.mark.parametrize(
    ("route", "data"),
    [
        ("comment_create", {"body": "a\x00b"}),
        ("profile_edit", {"display_name": "a\x00b", "bio": "", "preferred_language": "en"}),
        ("entry_status", {"status": "reading\x00"}),
    ],
)
def test_forms_with_nul_byte_are_400_not_500(
    member_client: Client, route: str, data: dict[str, str]
) -> None:
    review = make_review()
    entry = EntryFactory()
    args = {"comment_create": [review.pk], "entry_status": [entry.pk]}.get(route, [])
    response = member_client.post(reverse(route, args=args), data)
    assert response.status_code == 400


def test_invite_accept_nul_byte_is_400_not_500(client: Client, organizer: Member) -> None:
    invite = Invite.objects.create(created_by=organizer)
    response = client.post(
        reverse("invite_accept", args=[invite.code]),
        {"username": "a\x00b", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 400
    assert Invite.objects.get(pk=invite.pk).used_at is None


def test_review_preview_renders_mathml(member_client: Client) -> None:
    response = member_client.post(reverse("review_preview"), {"core_algorithm": "Loss $x^2$."})
    page = html(response)
    assert response.status_code == 200
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in page
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in page


def test_review_preview_escapes_script(member_client: Client) -> None:
    text = "Inline `<script>` code.\n\n<script>alert(1)</script>\n\nafter <script>x()</script>"
    page = html(member_client.post(reverse("review_preview"), {"introduction": text}))
    assert "<code>&lt;script&gt;</code>" in page
    assert "<script" not in page
    assert "alert(1)" not in page


def test_review_preview_without_section_is_400(member_client: Client) -> None:
    assert member_client.post(reverse("review_preview"), {"tldr": "x"}).status_code == 400


def test_review_preview_over_100_kb_is_400(member_client: Client) -> None:
    response = member_client.post(reverse("review_preview"), {"results": "가" * 40000})
    assert response.status_code == 400


# --------------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------------


@pytest.fixture
def two_revisions(author: Member) -> Review:
    review = make_review(author=author, introduction="line one\nline two\nline four")
    client = Client()
    client.force_login(author)
    client.post(
        reverse("review_edit", args=[review.paper_id]),
        review_fields(
            introduction="line one\nline three\nline four",
            thoughts=review.thoughts,
            core_algorithm=review.core_algorithm,
            results=review.results,
            tldr=review.tldr,
            version=str(review.version),
            publish="1",
        ),
    )
    assert review.revisions.count() == 2
    return review


def test_review_history_diff_shows_added_and_removed_lines(
    client: Client, two_revisions: Review
) -> None:
    page = html(client.get(reverse("review_history", args=[two_revisions.pk])))

    revisions = f"/reviews/{two_revisions.pk}/revisions"
    assert f'<h2><a href="{revisions}/1/">r1</a> → <a href="{revisions}/2/">r2</a></h2>' in page
    assert '<span class="diff-del">-line two</span>' in page
    assert '<span class="diff-add">+line three</span>' in page
    assert '<span class="diff-same"> line one</span>' in page
    assert re.findall(r"<h3>([^<]*)</h3>", page) == ["Introduction"]


def test_review_history_explicit_pair(client: Client, two_revisions: Review) -> None:
    url = reverse("review_history", args=[two_revisions.pk])
    page = html(client.get(url, {"a": "2", "b": "1"}))
    assert '<span class="diff-add">+line two</span>' in page
    assert '<span class="diff-del">-line three</span>' in page


@pytest.mark.parametrize(
    "query", [{"a": "999", "b": "1"}, {"a": "1", "b": "999"}, {"a": "x", "b": "1"}]
)
def test_review_history_unknown_revision_is_404(
    client: Client, two_revisions: Review, query: dict[str, str]
) -> None:
    response = client.get(reverse("review_history", args=[two_revisions.pk]), query)
    assert response.status_code == 404
    assert "No such revision." in html(response)


def test_review_history_unknown_revision_alone_is_404(
    client: Client, two_revisions: Review
) -> None:
    """A revision number given alone is still checked, not silently replaced by the default."""
    response = client.get(reverse("review_history", args=[two_revisions.pk]), {"a": "999"})
    assert response.status_code == 404


# --------------------------------------------------------------------------------------------
# Comments
# --------------------------------------------------------------------------------------------


def test_comment_post_creates_comment_and_redirects_to_thread(
    member: Member, member_client: Client
) -> None:
    review = make_review()

    response = member_client.post(
        reverse("comment_create", args=[review.pk]), {"body": "Great **point**."}
    )

    comment = Comment.objects.get(review=review)
    assert (response.status_code, response.url) == (
        302,
        f"/reviews/{review.pk}/#comment-{Comment.objects.get(review=review).pk}",
    )
    assert (comment.author, comment.parent, comment.section) == (member, None, "")
    assert comment.body_html == "<p>Great <strong>point</strong>.</p>"
    assert "Great <strong>point</strong>." in html(member_client.get(review.get_absolute_url()))


def test_comment_reply_is_threaded_under_parent(member: Member, member_client: Client) -> None:
    review = make_review()
    root = make_comment(review=review, author=review.author, body="Root comment.")

    response = member_client.post(
        reverse("comment_create", args=[review.pk]), {"body": "A reply.", "parent": root.pk}
    )

    reply = Comment.objects.get(review=review, author=member)
    assert response.status_code == 302
    assert reply.parent == root
    page = html(member_client.get(review.get_absolute_url()))
    replies = page.split('<div class="replies">', 1)[1]
    assert f'id="comment-{reply.pk}"' in replies
    assert f'id="comment-{root.pk}"' not in replies


def test_comment_with_section_links_to_section_anchor(member_client: Client) -> None:
    review = make_review()

    member_client.post(
        reverse("comment_create", args=[review.pk]), {"body": "On results.", "section": "results"}
    )

    page = html(member_client.get(review.get_absolute_url()))
    comment = Comment.objects.get(review=review)
    assert comment.section == "results"
    at_results = page.split('<section class="review-section" id="results">', 1)[1]
    at_results = at_results.split("</section>", 1)[0]
    assert f'id="comment-{comment.pk}"' in at_results


def test_comment_reply_with_parent_from_other_review_is_400(member_client: Client) -> None:
    review = make_review()
    elsewhere = make_comment(review=make_review(), author=MemberFactory())

    response = member_client.post(
        reverse("comment_create", args=[review.pk]), {"body": "Sneaky.", "parent": elsewhere.pk}
    )

    assert response.status_code == 400
    assert "That comment is not on this review." in html(response)
    assert Comment.objects.filter(review=review).count() == 0


@pytest.mark.parametrize(
    "data", [{"body": "   "}, {"body": "x", "section": "bogus"}, {"body": "x", "parent": "0"}]
)
def test_comment_invalid_is_400(member_client: Client, data: dict[str, str]) -> None:
    review = make_review()
    response = member_client.post(reverse("comment_create", args=[review.pk]), data)
    assert response.status_code == 400
    assert Comment.objects.count() == 0


# --------------------------------------------------------------------------------------------
# Profile and invites
# --------------------------------------------------------------------------------------------


def test_profile_edit_saves_preferred_language(member: Member, member_client: Client) -> None:
    response = member_client.post(
        reverse("profile_edit"),
        {"display_name": "김멤버", "bio": "Hello.", "preferred_language": "ko"},
    )

    member.refresh_from_db()
    assert (response.status_code, response.url) == (302, "/members/member/")
    assert (member.display_name, member.bio, member.preferred_language) == (
        "김멤버",
        "Hello.",
        "ko",
    )
    assert '<html lang="ko">' in html(member_client.get(response.url))


def test_profile_edit_unknown_language_is_400(member: Member, member_client: Client) -> None:
    response = member_client.post(
        reverse("profile_edit"), {"display_name": "X", "bio": "", "preferred_language": "fr"}
    )
    member.refresh_from_db()
    assert response.status_code == 400
    assert (member.display_name, member.preferred_language) == ("Member Kim", "en")


def test_invite_accept_creates_member_logs_in_and_marks_invite_used(
    client: Client, organizer: Member
) -> None:
    reading_list = ReadingListFactory()
    invite = Invite.objects.create(cohort=reading_list.cohort, created_by=organizer)

    response = client.post(
        reverse("invite_accept", args=[invite.code]),
        {
            "username": "newbie",
            "display_name": "새 멤버",
            "email": "newbie@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    newbie = Member.objects.get(username="newbie")
    invite.refresh_from_db()
    assert (response.status_code, response.url) == (302, "/members/newbie/")
    assert int(client.session["_auth_user_id"]) == newbie.pk
    assert (newbie.display_name, newbie.check_password(PASSWORD)) == ("새 멤버", True)
    assert invite.used_by == newbie
    assert invite.used_at is not None
    assert CohortMembership.objects.filter(cohort=reading_list.cohort, member=newbie).count() == 1


def test_invite_accept_password_mismatch_is_400_and_invite_unused(
    client: Client, organizer: Member
) -> None:
    invite = Invite.objects.create(created_by=organizer)
    response = client.post(
        reverse("invite_accept", args=[invite.code]),
        {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    invite.refresh_from_db()
    assert response.status_code == 400
    assert (invite.used_at, Member.objects.filter(username="newbie").count()) == (None, 0)


def test_invite_used_shows_404_page(client: Client, organizer: Member) -> None:
    invite = Invite.objects.create(created_by=organizer)
    client.post(
        reverse("invite_accept", args=[invite.code]),
        {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD},
    )

    for method in (Client().get, Client().post):
        response = method(reverse("invite_accept", args=[invite.code]))
        assert response.status_code == 404
        assert "This invite link does not work" in html(response)
    assert Member.objects.filter(username="newbie").count() == 1


def test_invite_expired_shows_404_page(client: Client, organizer: Member) -> None:
    invite = Invite.objects.create(
        created_by=organizer, expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(reverse("invite_accept", args=[invite.code]))
    assert response.status_code == 404
    assert "This invite link does not work" in html(response)


def test_invite_unknown_code_shows_404_page(client: Client) -> None:
    response = client.get(reverse("invite_accept", args=["no-such-code"]))
    assert response.status_code == 404
    assert "This invite link does not work" in html(response)


# --------------------------------------------------------------------------------------------
# Headers and markup of every page
# --------------------------------------------------------------------------------------------


@pytest.fixture
def world(member: Member, author: Member, organizer: Member) -> World:
    return build_world(member, author, organizer)


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP (no 'unsafe-inline') would block."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        names = {name for name, _value in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        handlers = [name for name in names if name.startswith(("on", "hx-on"))]
        self.problems += [f"{name}= on <{tag}>" for name in handlers]
        if any((value or "").strip().lower().startswith("javascript:") for _n, value in attrs):
            self.problems.append(f"javascript: URL on <{tag}>")


def inline_code(page: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(page)
    finder.close()
    assert finder.tags > 0
    return finder.problems


def world_pages(world: World) -> list[tuple[str, str, Client]]:
    """(role, url, client) for every GET page of the permission matrix that answers 200.

    Feeds and downloads (BibTeX, Markdown) are not HTML pages."""
    pages = []
    for role in ("anonymous", "member", "author", "organizer"):
        client = client_for(role, world)
        for (route, method, target), row in MATRIX.items():
            download = route.endswith(("_rss", "_atom", "_bibtex", "_export"))
            if method == "GET" and row[ROLES.index(role)] == 200 and not download:
                pages.append((role, url_for(route, target, world), client))
    return pages


def test_every_page_has_no_inline_script_or_style(world: World) -> None:
    pages = world_pages(world)
    problems = {(role, url): inline_code(html(client.get(url))) for role, url, client in pages}
    assert {page: found for page, found in problems.items() if found} == {}
    assert len(pages) == 104


def test_error_and_partial_pages_have_no_inline_script_or_style(
    world: World, member_client: Client
) -> None:
    responses = [
        Client().get("/no-such-page/"),
        member_client.get(reverse("review_detail", args=[world.draft.pk])),
        member_client.get(reverse("paper_compare", args=[world.paper.pk]), {"section": "x"}),
        member_client.post(reverse("review_preview"), {"results": "$x^2$ and `<b>`"}),
        member_client.post(reverse("comment_create", args=[world.published.pk]), {"body": ""}),
        member_client.post(
            reverse("review_edit", args=[world.paper.pk]), review_fields(results="가" * 40000)
        ),
        member_client.post(
            reverse("entry_status", args=[world.entry.pk]),
            {"status": "reading"},
            headers={"HX-Request": "true"},
        ),
    ]
    assert [r.status_code for r in responses] == [404, 404, 400, 200, 400, 400, 200]
    assert {i: inline_code(html(r)) for i, r in enumerate(responses) if inline_code(html(r))} == {}


def test_csp_header_on_every_response_without_unsafe_inline(world: World) -> None:
    seen = 0
    for role in ROLES:
        client = client_for(role, world)
        for route, method, target in MATRIX:
            url = url_for(route, target, world)
            response = client.post(url, {}) if method == "POST" else client.get(url)
            policy = response.headers.get("Content-Security-Policy", "")
            assert (url, method, "script-src 'self'" in policy) == (url, method, True)
            assert "unsafe-inline" not in policy
            assert "unsafe-eval" not in policy
            seen += 1
    response = Client().get("/no-such-page/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert seen == len(MATRIX) * len(ROLES)


def test_manage_check_deploy_reports_no_issues(tmp_path: Path) -> None:
    alphabet = string.ascii_letters + string.digits
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


# --------------------------------------------------------------------------------------------
# Query counts do not grow with the data
# --------------------------------------------------------------------------------------------


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def assert_constant_queries(
    clients: dict[str, Client],
    url: str,
    grow_to: Callable[[int], None],
    pinned: dict[str, int],
    assert_num: Any,
) -> None:
    """For each client: the same count with 3 items as with 30, and exactly the pinned one."""
    grow_to(3)
    small = {role: count_queries(client, url) for role, client in clients.items()}
    grow_to(30)
    large = {role: count_queries(client, url) for role, client in clients.items()}
    assert small == large
    assert small == pinned
    for role, client in clients.items():
        with assert_num(pinned[role]):
            client.get(url)


# A signed-in page's counts include the header bell's unread count: one query; the reading
# list, paper and review pages also record the visit (reviews.services.visit_record, one
# statement that reads and writes), to mark what is new on the next one. To stay within one
# more query than before these, the reading list reads its switcher's lists with the list,
# the paper page the member's own review and bookmark with the paper, and the review page
# counts its revisions in its own query.
def anonymous_and_signed_in(member: Member) -> dict[str, Client]:
    signed_in = Client()
    signed_in.force_login(member)
    return {"anonymous": Client(), "member": signed_in}


def test_reading_list_query_count_is_constant(
    member: Member, django_assert_num_queries: Any
) -> None:
    reading_list = ReadingListFactory(slug="classics")
    ReadingListFactory()  # another cohort's list for the switcher
    tags = [TagFactory(), TagFactory()]

    def grow_to(n: int) -> None:
        while reading_list.entries.count() < n:
            entry = EntryFactory(reading_list=reading_list, paper=PaperFactory(tags=tags))
            EntryStatus.objects.create(entry=entry, member=member, status=ReadingStatus.READING)
            make_review(paper=entry.paper)

    url = reverse("reading_list", args=["classics"])
    # The entries are a page of a count; an anonymous page first reads its version (ETag).
    pinned = {"anonymous": 6, "member": 9}
    clients = anonymous_and_signed_in(member)
    assert_constant_queries(clients, url, grow_to, pinned, django_assert_num_queries)


def test_paper_page_query_count_is_constant(member: Member, django_assert_num_queries: Any) -> None:
    paper = PaperFactory(tags=[TagFactory()])
    EntryFactory(paper=paper)
    make_review(paper=paper, author=member, published=False)

    def grow_to(n: int) -> None:
        while Review.objects.filter(paper=paper).count() < n + 1:
            make_review(paper=paper)

    url = reverse("paper_detail", args=[paper.pk])
    # Three of them are what to read next: similar papers, also reviewed, who can help.
    pinned = {"anonymous": 8, "member": 11}
    clients = anonymous_and_signed_in(member)
    assert_constant_queries(clients, url, grow_to, pinned, django_assert_num_queries)


def test_review_page_query_count_is_constant(
    member: Member, django_assert_num_queries: Any
) -> None:
    review = make_review(paper=PaperFactory(tags=[TagFactory()]))
    root = make_comment(review=review, author=review.author)
    commenters = [MemberFactory() for _ in range(3)]

    def grow_to(n: int) -> None:
        while (count := Comment.objects.filter(review=review).count()) < n:
            make_comment(
                review=review,
                author=commenters[count % 3] if count % 5 else MemberFactory(),
                parent=root if count % 2 else None,
                section="results" if count % 3 else "",
            )

    url = reverse("review_detail", args=[review.pk])
    pinned = {"anonymous": 5, "member": 8}
    clients = anonymous_and_signed_in(member)
    assert_constant_queries(clients, url, grow_to, pinned, django_assert_num_queries)


def test_member_page_query_count_is_constant(
    author: Member, django_assert_num_queries: Any
) -> None:
    """The review list prints each review's author, so member_reviews() must join it."""

    def grow_to(n: int) -> None:
        while Review.objects.filter(author=author).count() < n:
            paper = PaperFactory()
            make_review(paper=paper, author=author)
            Bookmark.objects.create(member=author, paper=paper)
            EntryFactory(paper=paper)

    url = reverse("member_detail", args=[author.username])
    # "member" is the author on their own page, with the read-later list and their calendar
    # address shown; the reviews are a page of a count.
    pinned = {"anonymous": 5, "member": 9}
    clients = anonymous_and_signed_in(author)
    assert_constant_queries(clients, url, grow_to, pinned, django_assert_num_queries)


def test_reading_list_review_counts_right_when_filtered_by_tag_and_query(
    client: Client,
) -> None:
    reading_list = ReadingListFactory(slug="classics")
    tags = [TagFactory(name="vision", slug="vision"), TagFactory(name="nlp", slug="nlp")]
    paper = PaperFactory(title="Multimodal transformers", tags=tags)
    EntryFactory(reading_list=reading_list, paper=paper)
    for _ in range(3):
        make_review(paper=paper)

    page = html(
        client.get(reverse("reading_list", args=["classics"]), {"tag": "nlp", "q": "multimodal"})
    )

    assert re.findall(r'<span class="review-count">([^<]*)</span>', page) == ["3 reviews"]
