"""A study blog's feed: each post's paper proposed, never made up from a title; the inbox.

arXiv is answered by the recordings in tests/data/arxiv through the fetch guard's TRANSPORT.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews.importers import fetch as fetch_module
from reviews.importers.blog import parse_feed
from reviews.models import ImportedPost, Paper, Review
from reviews.services.blog_import import (
    Action,
    PostChoice,
    feed_import,
    feed_preview,
    imported_post_discard,
    imported_post_resolve,
)
from tests.factories import PASSWORD, PaperFactory
from tests.test_import_arxiv import arxiv_api

FEED = Path(__file__).parent / "data" / "feeds" / "hugo_study.xml"
BASE = "https://study.example.com/posts/"
VIT = "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale"
CLIP = "Learning Transferable Visual Models From Natural Language Supervision (CLIP)"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def arxiv(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """arXiv as recorded; the ids asked for."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["host"] != "export.arxiv.org":
            return httpx.Response(404)  # the posts' images: not recorded, they stay links
        asked.append(request.url.params["id_list"])
        return arxiv_api(request)

    monkeypatch.setattr(fetch_module, "resolve_host", lambda host, port: ["151.101.3.42"])
    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(handler))
    return asked


@pytest.fixture
def group() -> dict[str, Paper]:
    return {
        "vit": PaperFactory(
            title=VIT,
            arxiv_id="2010.11929",
            abstract="We show that a pure Vision Transformer (ViT) applied to patches works.",
        ),
        "clip": PaperFactory(title=CLIP, arxiv_id="2103.00020"),
        "attention": PaperFactory(title="Attention Is All You Need", arxiv_id="1706.03762"),
        "adam": PaperFactory(title="Adam: A Method for Stochastic Optimization", arxiv_id=""),
        "fast": PaperFactory(
            title="Learning Augmentation Policies by Density Matching", arxiv_id="1905.00397"
        ),
    }


def plans_by_slug(member) -> dict[str, object]:
    plans = feed_preview(items=parse_feed(FEED.read_bytes()), member=member)
    return {plan.guid.removeprefix(BASE).strip("/"): plan for plan in plans}


def test_feed_preview_proposes_existing_papers_by_short_name_and_subtitle(member, group) -> None:
    plans = plans_by_slug(member)
    assert (plans["vit"].action, plans["vit"].paper) == (Action.PAPER, group["vit"])
    assert "Vision Transformer" in plans["vit"].reason
    assert (plans["clip"].action, plans["clip"].paper) == (Action.PAPER, group["clip"])
    assert (plans["attention"].action, plans["attention"].paper) == (
        Action.PAPER,
        group["attention"],
    )
    assert (plans["adam"].action, plans["adam"].paper) == (Action.PAPER, group["adam"])


def test_feed_preview_takes_an_arxiv_link_only_when_its_title_agrees(member, group) -> None:
    plans = plans_by_slug(member)
    pbt = plans["pbt"]
    assert pbt.action == Action.ARXIV
    assert pbt.arxiv.title == "Population Based Training of Neural Networks"
    assert pbt.arxiv.authors[:2] == ["Max Jaderberg", "Valentin Dalibard"]
    grokking = plans["grokking"]
    assert (grokking.action, grokking.arxiv.arxiv_id) == (Action.ARXIV, "2201.02177")
    # The Fast AutoAugment post links PBT's arXiv id: that is another paper, not this post's.
    fast = plans["fast-autoaugment"]
    assert (fast.action, fast.paper, fast.arxiv) == (Action.INBOX, None, None)
    assert "arXiv:1711.09846, “Population Based Training of Neural Networks”" in fast.reason
    assert "another paper" in fast.reason


def test_feed_preview_leaves_out_posts_that_are_not_paper_reviews(member, group) -> None:
    plans = plans_by_slug(member)
    for slug in ("rust-ecosystem", "retro"):
        assert plans[slug].action == Action.SKIP
        assert plans[slug].reason.startswith("Not a paper review")
    assert plans["unknown"].action == Action.INBOX


def test_feed_preview_guesses_sections_for_topic_headings(member, group) -> None:
    parts = plans_by_slug(member)["grokking"].draft.parts
    assert [(p.heading, p.guess.value) for p in parts] == [
        ("Background", "introduction"),
        ("Modular arithmetic", "core_algorithm"),
        ("Weight decay", "core_algorithm"),
        ("Phase change", "core_algorithm"),
    ]


def test_feed_preview_writes_nothing(member, group) -> None:
    before = Paper.objects.count()
    plans_by_slug(member)
    assert (Paper.objects.count(), Review.objects.count()) == (before, 0)
    assert not ImportedPost.objects.exists()


def test_feed_import_defaults_make_no_paper_from_a_title(member, group) -> None:
    before = set(Paper.objects.values_list("title", flat=True))
    plans = feed_preview(items=parse_feed(FEED.read_bytes()), member=member)
    report = feed_import(plans=plans, member=member)
    new_titles = set(Paper.objects.values_list("title", flat=True)) - before
    # Only arXiv records that agree with their posts became papers, with their authors.
    assert new_titles == {
        "Population Based Training of Neural Networks",
        "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
    }
    assert all(Paper.objects.get(title=t).authors for t in new_titles)
    assert len(report.reviews) == 6
    assert sorted(o.plan.draft.paper_title for o in report.inbox) == [
        "Fast AutoAugment",
        "Sparse Mixtures of Tiny Experts",
    ]
    assert sorted(o.plan.draft.item.title for o in report.left_out) == [
        "3월 스터디 회고",
        "Rust 생태계 둘러보기",
    ]
    inbox = ImportedPost.objects.get(source_guid=f"{BASE}fast-autoaugment/")
    assert inbox.member == member and inbox.arxiv_id == "1711.09846"
    assert "Density matching." in inbox.sections["core_algorithm"]
    assert not Paper.objects.filter(arxiv_id="1711.09846", title__icontains="autoaugment")


def test_feed_import_keeps_provenance_in_fields_not_in_the_text(member, group) -> None:
    plans = feed_preview(items=parse_feed(FEED.read_bytes()), member=member)
    feed_import(plans=plans, member=member)
    review = Review.objects.get(paper=group["vit"])
    assert review.source_url == f"{BASE}vit/"
    assert review.imported_at is not None
    assert "Imported from" not in review.introduction
    assert review.introduction == "이미지를 16x16 패치로 나눕니다."
    assert review.thoughts == "단순함의 힘."


def test_feed_import_follows_the_members_choices(member, group) -> None:
    plans = feed_preview(items=parse_feed(FEED.read_bytes()), member=member)
    by_slug = {p.guid.removeprefix(BASE).strip("/"): p for p in plans}
    fast = by_slug["fast-autoaugment"]
    choices = {
        fast.guid: PostChoice(
            action=Action.PAPER,
            paper=group["fast"],
            sections=["introduction", "results", "results"],
        ),
        by_slug["vit"].guid: PostChoice(action=Action.SKIP),
        by_slug["retro"].guid: PostChoice(action=Action.INBOX),
    }
    report = feed_import(plans=plans, member=member, choices=choices)
    review = Review.objects.get(paper=group["fast"])
    assert review.results == "### Method\n\nDensity matching.\n\nSame accuracy, 100x faster."
    assert not Review.objects.filter(paper=group["vit"]).exists()
    assert ImportedPost.objects.filter(title="3월 스터디 회고").exists()
    assert "Left out by you." in [o.reason for o in report.left_out]


def test_feed_import_again_skips_posts_already_imported_or_waiting(member, group) -> None:
    items = parse_feed(FEED.read_bytes())
    feed_import(plans=feed_preview(items=items, member=member), member=member)
    again = feed_import(plans=feed_preview(items=items, member=member), member=member)
    assert again.reviews == [] and again.inbox == []
    assert {o.reason for o in again.left_out} >= {"Already imported."}


def test_feed_preview_offline_arxiv_sends_the_post_to_the_inbox(member, monkeypatch) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(handler))
    plans = plans_by_slug(member)
    assert plans["pbt"].action == Action.INBOX
    assert "arXiv could not be asked about arXiv:1711.09846" in plans["pbt"].reason


def test_imported_post_resolve_makes_the_review_and_empties_the_inbox(member, other, group):
    plans = feed_preview(items=parse_feed(FEED.read_bytes()), member=member)
    feed_import(plans=plans, member=member)
    post = ImportedPost.objects.get(title="[논문 리뷰] Fast AutoAugment")
    with pytest.raises(Exception, match="not in your inbox"):
        imported_post_resolve(post=post, paper=group["fast"], by=other)
    review = imported_post_resolve(post=post, paper=group["fast"], by=member)
    assert (review.paper, review.author, review.source_url) == (
        group["fast"],
        member,
        f"{BASE}fast-autoaugment/",
    )
    assert not ImportedPost.objects.filter(pk=post.pk).exists()
    waiting = ImportedPost.objects.get(title__contains="Sparse")
    imported_post_discard(post=waiting, by=member)
    assert not ImportedPost.objects.exists()


# --- the command ---------------------------------------------------------------------------


def test_import_feed_command_says_what_it_decided_and_why(member, group) -> None:
    out = StringIO()
    call_command("import_feed", str(FEED), "--member", member.username, stdout=out)
    text = out.getvalue()
    assert f"review: [논문 리뷰] Vision Transformer -> {VIT}: " in text
    assert "short name “Vision Transformer”" in text
    assert "inbox: [논문 리뷰] Fast AutoAugment: No paper of the group matches the title." in text
    assert "left out: Rust 생태계 둘러보기: Not a paper review" in text
    assert "reviews 6, inbox 2, left out 2" in text
    assert ImportedPost.objects.count() == 2


# --- the pages -----------------------------------------------------------------------------


@pytest.fixture
def browser(member) -> Client:
    client = Client()
    client.login(username=member.username, password=PASSWORD)
    return client


def _preview(browser: Client):
    upload = SimpleUploadedFile("feed.xml", FEED.read_bytes(), content_type="application/rss+xml")
    return browser.post(reverse("feed_import"), {"feed": upload, "preview": "1"})


def test_feed_import_page_preview_offers_paper_and_section_choices(browser, group) -> None:
    response = _preview(browser)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="paper:{group["vit"].pk}" selected>{VIT}</option>' in html
    assert 'value="arxiv:1711.09846" selected' in html
    assert 'name="section-5-1"' in html
    assert not Review.objects.exists()


def test_feed_import_page_import_uses_choices_and_search(browser, member, group) -> None:
    _preview(browser)
    response = browser.post(
        reverse("feed_import"),
        {"import": "1", "choice-2": "inbox", "search-2": "1905.00397", "choice-0": "skip"},
    )
    assert response.status_code == 200
    assert Review.objects.filter(author=member, paper=group["fast"]).exists()
    assert not Review.objects.filter(paper=group["vit"]).exists()
    assert "left out" in response.content.decode()


def test_feed_import_page_unknown_search_is_a_row_error_saving_nothing(browser, group) -> None:
    _preview(browser)
    response = browser.post(reverse("feed_import"), {"import": "1", "search-2": "No such paper"})
    assert response.status_code == 400
    assert "No paper of the group matches “No such paper”." in response.content.decode()
    assert not Review.objects.exists() and not ImportedPost.objects.exists()


def test_import_inbox_page_lists_and_resolves_posts(browser, member, other, group) -> None:
    call_command("import_feed", str(FEED), "--member", member.username, stdout=StringIO())
    page = browser.get(reverse("import_inbox"))
    assert "[논문 리뷰] Fast AutoAugment" in page.content.decode()
    post = ImportedPost.objects.get(title="[논문 리뷰] Fast AutoAugment")
    missing = browser.post(reverse("import_inbox"), {"post": post.pk, "paper": "nothing like it"})
    assert missing.status_code == 400
    done = browser.post(reverse("import_inbox"), {"post": post.pk, "paper": "arXiv:1905.00397"})
    assert done.status_code == 302
    assert Review.objects.filter(author=member, paper=group["fast"]).exists()
    # Another member cannot touch it.
    waiting = ImportedPost.objects.get(title__contains="Sparse")
    outsider = Client()
    outsider.login(username=other.username, password=PASSWORD)
    response = outsider.post(reverse("import_inbox"), {"post": waiting.pk, "discard": "1"})
    assert response.status_code == 404


def test_review_page_shows_provenance_as_a_small_note(browser, member, group) -> None:
    call_command("import_feed", str(FEED), "--member", member.username, stdout=StringIO())
    review = Review.objects.get(paper=group["vit"])
    html = browser.get(review.get_absolute_url()).content.decode()
    assert f'Imported from <a href="{BASE}vit/" rel="nofollow noopener">' in html
    # The page shows the date where the group is (TIME_ZONE), not UTC's.
    assert timezone.localtime(review.imported_at).strftime("%Y-%m-%d") in html
