"""Blog feeds to draft reviews: parsing, section mapping, the service, the command, the page."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from reviews.arxiv_ids import most_cited_arxiv_id
from reviews.enums import ReviewStatus
from reviews.importers import fetch as fetch_module
from reviews.importers.base import MAX_IMPORT_BYTES, ImportRefused
from reviews.importers.blog import (
    clean_post_title,
    heading_section,
    item_to_review,
    parse_feed,
)
from reviews.models import Paper, Review
from reviews.services import ReviewContent, review_create
from reviews.services.blog_import import feed_import, feed_preview
from tests.factories import PASSWORD, PaperFactory

FEEDS = Path(__file__).parent / "data" / "feeds"
ARXIV = Path(__file__).parent / "data" / "arxiv"


def feed(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def drafts(name: str) -> dict[str, object]:
    return {item.guid: item_to_review(item) for item in parse_feed(feed(name))}


# --- parsing -------------------------------------------------------------------------------


def test_parse_feed_hugo_rss_reads_items_from_description() -> None:
    items = parse_feed(feed("hugo.xml"))
    assert [i.guid for i in items] == [
        "https://kim.example.com/posts/pbt/",
        "https://kim.example.com/posts/fast-autoaugment/",
    ]
    assert items[0].title == "[논문 리뷰] Population Based Training of Neural Networks"
    assert items[0].published == datetime(2024, 3, 5, 1, 0, tzinfo=UTC)
    assert "exploit" in items[0].content_html


def test_parse_feed_tistory_reads_categories() -> None:
    (item,) = parse_feed(feed("tistory.xml"))
    assert item.tags == ["논문 리뷰", "Optimization", "딥러닝"]
    assert item.link == "https://park.tistory.com/12"


def test_parse_feed_atom_reads_content_not_summary() -> None:
    (item,) = parse_feed(feed("atom.xml"))
    assert item.guid == "tag:choi.example.org,2024-02-20:/2024/lottery/"
    assert item.link == "https://choi.example.org/2024/lottery/"
    assert item.published == datetime(2024, 2, 20, 3, 0, tzinfo=UTC)
    assert item.tags == ["Pruning", "sparsity"]
    assert "winning tickets" in item.content_html


@pytest.mark.parametrize(
    "data",
    [b"", b"   ", b"<html><body>not a feed</body></html>", b"/etc/passwd", b"not xml at all"],
)
def test_parse_feed_refuses_what_is_not_a_feed(data: bytes) -> None:
    with pytest.raises(ImportRefused):
        parse_feed(data)


def test_parse_feed_refuses_oversized_input() -> None:
    with pytest.raises(ImportRefused, match="limit"):
        parse_feed(b" " * (MAX_IMPORT_BYTES + 1))


# --- one item to a draft -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("1. 소개", "introduction"),
        ("Introduction", "introduction"),
        ("Summary", "introduction"),
        ("개요", "introduction"),
        ("2. 핵심 알고리즘", "core_algorithm"),
        ("Proposed Method", "core_algorithm"),
        ("APPROACH", "core_algorithm"),
        ("방법", "core_algorithm"),
        ("**3.** Results", "results"),
        ("실험 결과", "results"),
        ("II. Experiments", "results"),
        ("4. 소감", "thoughts"),
        ("결론 및 소감", "thoughts"),
        ("Discussion", "thoughts"),
        ("My Thoughts", "thoughts"),
        ("Related Work", None),
        ("References", None),
        ("Methodical madness in a long heading nobody would use", None),
    ],
)
def test_heading_section_maps_names_to_sections(heading: str, section: str | None) -> None:
    found = heading_section(heading)
    assert (found.value if found else None) == section


@pytest.mark.parametrize(
    ("title", "paper_title"),
    [
        ("[논문 리뷰] Attention Is All You Need", "Attention Is All You Need"),
        (
            "Paper review: Adam: A Method for Stochastic Optimization",
            "Adam: A Method for Stochastic Optimization",
        ),
        ("Fast AutoAugment 논문 리뷰", "Fast AutoAugment"),
        ("[NeurIPS 2019] Fast AutoAugment - Paper Review", "Fast AutoAugment"),
        ('(논문정리) "Population Based Training"', "Population Based Training"),
        ("Lottery tickets, revisited", "Lottery tickets, revisited"),
    ],
)
def test_clean_post_title_strips_review_labels(title: str, paper_title: str) -> None:
    assert clean_post_title(title) == paper_title


def test_find_arxiv_id_prefers_the_most_cited_and_drops_versions() -> None:
    text = (
        "https://arxiv.org/abs/1711.09846v2 arXiv:1905.00397 "
        "https://arxiv.org/pdf/1905.00397.pdf arXiv: 9999.99999"
    )
    assert most_cited_arxiv_id(text) == "1905.00397"
    assert most_cited_arxiv_id("no links here") == ""


def test_item_to_review_hugo_fills_four_sections_with_math_code_table_image() -> None:
    draft = drafts("hugo.xml")["https://kim.example.com/posts/pbt/"]
    assert draft.arxiv_id == "1711.09846"
    assert draft.paper_title == "Population Based Training of Neural Networks"
    assert draft.language == "ko"
    assert draft.recognised == ["introduction", "core_algorithm", "results", "thoughts"]
    assert draft.sections["introduction"] == (
        "논문: [arXiv:1711.09846](https://arxiv.org/abs/1711.09846v2)\n\n"
        "하이퍼파라미터를 학습 중에 바꾸는 방법입니다. "
        "손실은 $L(\\theta) = \\sum_i \\ell(x_i; \\theta)$ 입니다."
    )
    assert draft.sections["core_algorithm"].endswith(
        "```python\ndef exploit(worker_a, worker_b):\n"
        "    return worker_b.weights * 1.0  # copy\n```"
    )
    assert draft.sections["results"] == (
        "| Model | BLEU |\n| --- | --- |\n| Transformer | 28.8 |\n| PBT Transformer | 29.0 |\n\n"
        "![PBT 학습 곡선](https://kim.example.com/images/pbt-curve.png)"
    )
    assert draft.sections["thoughts"] == (
        "간단하지만 강력합니다. $$\\mathbb{E}[R] = \\int p(x) r(x)\\, dx$$"
    )


def test_item_to_review_unrecognised_heading_follows_the_introduction_without_a_note() -> None:
    draft = drafts("hugo.xml")["https://kim.example.com/posts/fast-autoaugment/"]
    assert draft.recognised == ["introduction", "core_algorithm"]
    assert draft.unrecognised == ["Related Work"]
    assert [(p.heading, p.guess.value) for p in draft.parts] == [
        ("Overview", "introduction"),
        ("Related Work", "core_algorithm"),
        ("Method", "core_algorithm"),
    ]
    intro = draft.sections["introduction"]
    assert "Imported from" not in intro
    assert "$p_{\\mathcal{D}}(x)$" in intro
    assert draft.sections["core_algorithm"] == (
        "### Related Work\n\nAutoAugment used 5000 GPU hours.\n\n"
        "Bayesian optimisation over policies with $$\\mathcal{T}^* = \\arg\\min_{\\mathcal{T}} L$$"
    )


def test_item_to_review_velog_katex_becomes_dollar_math() -> None:
    draft = drafts("velog.xml")["https://velog.io/@lee/attention-is-all-you-need"]
    assert draft.paper_title == "Attention Is All You Need"
    assert draft.language == "ko"
    assert draft.sections["introduction"].endswith("$\\mathrm{softmax}(QK^T/\\sqrt{d_k})V$")
    assert draft.sections["core_algorithm"].startswith(
        "$$PE_{(pos, 2i)} = \\sin(pos / 10000^{2i/d})$$\n\n```python\n"
    )
    assert draft.sections["results"].startswith(
        "![](https://velog.velcdn.com/images/lee/post/abc/image.png)"
    )
    assert draft.sections["thoughts"] == "지금 봐도 **놀라운** 논문."


def test_item_to_review_without_sections_keeps_all_in_introduction_without_a_note() -> None:
    draft = drafts("velog.xml")["https://velog.io/@lee/retro"]
    assert draft.recognised == []
    assert draft.sections["introduction"] == (
        "이번 주에는 `torch.compile` 을 써 봤다. 비용은 $5 정도였고 $10 은 넘지 않았다."
    )
    assert draft.sections["results"] == ""


@pytest.mark.django_db
def test_item_to_review_tistory_drops_generic_review_category() -> None:
    (draft,) = drafts("tistory.xml").values()
    assert draft.tags == ["Optimization", "딥러닝"]
    assert draft.recognised == ["introduction", "core_algorithm", "results", "thoughts"]
    assert "$m_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t$" in draft.sections["introduction"]
    assert draft.sections["core_algorithm"].startswith("```python\nm = beta1 * m")


def test_item_to_review_atom_drops_script_and_finds_arxiv_from_pdf_link() -> None:
    (draft,) = drafts("atom.xml").values()
    assert draft.arxiv_id == "1803.03635"
    assert draft.language == "en"
    assert "alert" not in "".join(draft.sections.values())
    assert draft.sections["core_algorithm"] == (
        "1. Train, prune the smallest weights.\n2. Reset the rest to $\\theta_0$."
    )


# --- the service ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _arxiv_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """arXiv answers from tests/data/arxiv; no test reaches the network."""

    def handler(request: httpx.Request) -> httpx.Response:
        name = {"1711.09846": "1711.09846.xml"}.get(
            request.url.params.get("id_list", ""), "no_results.xml"
        )
        return httpx.Response(200, content=(ARXIV / name).read_bytes())

    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(handler))
    monkeypatch.setattr(fetch_module, "resolve_host", lambda host, port: ["151.101.3.42"])


def import_feed(name: str, member, **kwargs):
    plans = feed_preview(items=parse_feed(feed(name)), member=member)
    return feed_import(plans=plans, member=member, **kwargs)


@pytest.mark.django_db
def test_feed_import_creates_drafts_with_source_and_papers(member) -> None:
    pbt = PaperFactory(title="Population Based Training of Neural Networks", arxiv_id="1711.09846")
    faa = PaperFactory(title="Fast AutoAugment", arxiv_id="")
    report = import_feed("hugo.xml", member)
    assert [o.action for o in report.outcomes] == ["paper", "paper"]
    assert [o.paper for o in report.outcomes] == [pbt, faa]
    review = Review.objects.get(paper=pbt, author=member)
    assert review.status == ReviewStatus.DRAFT
    assert review.source_url == "https://kim.example.com/posts/pbt/"
    assert review.source_guid == "https://kim.example.com/posts/pbt/"
    assert review.source_date == datetime(2024, 3, 5, 1, 0, tzinfo=UTC)
    assert review.language == "ko"
    assert review.results.startswith("| Model | BLEU |")
    assert "<math" in review.thoughts_html
    assert "<table>" in review.results_html


@pytest.mark.django_db
def test_feed_import_unknown_paper_waits_in_the_inbox_not_as_a_made_up_paper(member) -> None:
    report = import_feed("atom.xml", member)
    (outcome,) = report.outcomes
    assert outcome.action == "inbox"
    assert "arXiv does not know the paper 1803.03635" in outcome.reason
    assert not Paper.objects.exists()
    assert outcome.inbox.arxiv_id == "1803.03635"


@pytest.mark.django_db
def test_feed_import_creates_the_paper_of_an_agreeing_arxiv_link_with_tags(member) -> None:
    report = import_feed("hugo.xml", member)
    assert [o.action for o in report.outcomes] == ["arxiv", "inbox"]
    paper = Paper.objects.get(arxiv_id="1711.09846")
    assert paper.title == "Population Based Training of Neural Networks"
    assert paper.authors[0] == "Max Jaderberg" and paper.added_by == member
    assert Paper.objects.count() == 1


@pytest.mark.django_db
def test_feed_import_again_skips_items_with_the_same_guid(member) -> None:
    PaperFactory(title="Attention Is All You Need", arxiv_id="")
    import_feed("velog.xml", member)
    again = import_feed("velog.xml", member)
    assert [o.action for o in again.outcomes] == ["skip", "skip"]
    assert again.outcomes[0].reason == "Already imported."
    assert again.outcomes[1].reason.startswith("Not a paper review")


@pytest.mark.django_db
def test_feed_import_same_feed_for_another_member_is_their_own(member, other) -> None:
    PaperFactory(title="Adam: A Method for Stochastic Optimization", arxiv_id="")
    import_feed("tistory.xml", member)
    report = import_feed("tistory.xml", other)
    assert [o.action for o in report.outcomes] == ["paper"]
    assert Paper.objects.filter(title="Adam: A Method for Stochastic Optimization").count() == 1


@pytest.mark.django_db
def test_feed_import_skips_a_paper_the_member_already_reviewed(member) -> None:
    paper = PaperFactory(title="Adam: A Method for Stochastic Optimization", arxiv_id="")
    review_create(paper=paper, author=member, content=ReviewContent(introduction="mine"))
    (outcome,) = import_feed("tistory.xml", member).outcomes
    assert outcome.action == "skip"
    assert "already have a review" in outcome.reason
    assert Review.objects.get(paper=paper, author=member).introduction == "mine"


@pytest.mark.django_db
def test_feed_import_oversized_section_is_skipped_with_a_message(member) -> None:
    paper = PaperFactory(title="Lottery tickets, revisited", arxiv_id="")
    (item,) = parse_feed(feed("atom.xml"))
    item.content_html = "<p>" + "가" * 60_000 + "</p>"
    report = feed_import(plans=feed_preview(items=[item], member=member), member=member)
    (outcome,) = report.outcomes
    assert outcome.action == "skip"
    assert "limit is 100 KB" in outcome.reason
    assert not Review.objects.filter(paper=paper).exists()


# --- the command ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_feed_command_prints_outcomes_and_fails_when_nothing_new(member) -> None:
    out = StringIO()
    call_command("import_feed", str(FEEDS / "hugo.xml"), "--member", "member", stdout=out)
    text = out.getvalue()
    assert "review: [논문 리뷰] Population Based Training of Neural Networks -> " in text
    assert "(new paper from arXiv:1711.09846)" in text or "(new paper)" in text
    assert "sections: 1. 소개 -> introduction, 2. 핵심 알고리즘 -> core_algorithm" in text
    assert "reviews 1, inbox 1, left out 0" in text
    again = StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_feed", str(FEEDS / "hugo.xml"), "--member", "member", stdout=again)
    assert "left out: Paper review: Fast AutoAugment: Already imported." in again.getvalue()


@pytest.mark.django_db
def test_import_feed_command_dry_run_saves_nothing(member) -> None:
    out = StringIO()
    call_command(
        "import_feed", str(FEEDS / "hugo.xml"), "--member", "member", "--dry-run", stdout=out
    )
    assert "reviews 1, inbox 1, left out 0 (dry run: nothing saved)" in out.getvalue()
    assert Review.objects.count() == 0 and Paper.objects.count() == 0


@pytest.mark.django_db
def test_import_feed_command_refuses_unknown_member_and_bad_files(member, tmp_path) -> None:
    with pytest.raises(CommandError, match="No member"):
        call_command("import_feed", str(FEEDS / "atom.xml"), "--member", "nobody")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_feed", str(tmp_path / "missing.xml"), "--member", "member")
    broken = tmp_path / "broken.xml"
    broken.write_text("<html>hello</html>")
    with pytest.raises(CommandError, match="not an RSS or Atom feed"):
        call_command("import_feed", str(broken), "--member", "member")


@pytest.fixture
def recorded_feed_server(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """The network edge: a public-looking host that serves tests/data/feeds/tistory.xml."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers["host"] == "park.tistory.com" and request.url.path == "/rss":
            return httpx.Response(200, content=feed("tistory.xml"))
        return httpx.Response(404)

    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(handler))
    monkeypatch.setattr(fetch_module, "resolve_host", lambda host, port: ["93.184.215.14"])
    return seen


@pytest.mark.django_db
def test_import_feed_command_fetches_a_url(member, recorded_feed_server) -> None:
    PaperFactory(title="Adam: A Method for Stochastic Optimization", arxiv_id="")
    out = StringIO()
    call_command("import_feed", "https://park.tistory.com/rss", "--member", "member", stdout=out)
    assert "reviews 1, inbox 0, left out 0" in out.getvalue()
    # The feed, then the post's image (which the recording does not hold: it stays a link).
    assert [r.url.path for r in recorded_feed_server] == ["/rss", "/dn/xyz/img.png"]
    assert "img.png is left as a link: blog.kakaocdn.net answered HTTP 404" in out.getvalue()
    with pytest.raises(CommandError, match="HTTP 404"):
        call_command("import_feed", "https://park.tistory.com/missing", "--member", "member")


@pytest.mark.django_db
def test_import_feed_command_refuses_private_addresses(member) -> None:
    with pytest.raises(CommandError, match="private or local"):
        call_command("import_feed", "http://127.0.0.1/feed.xml", "--member", "member")


# --- the page ------------------------------------------------------------------------------


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, feed(name), content_type="application/rss+xml")


@pytest.mark.django_db
def test_feed_import_page_requires_sign_in(client: Client) -> None:
    response = client.get(reverse("feed_import"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.post(reverse("feed_import"), {"preview": "1"}).status_code == 302
    assert Review.objects.count() == 0


@pytest.mark.django_db
def test_feed_import_page_preview_shows_items_and_saves_nothing(member) -> None:
    PaperFactory(title="Population Based Training of Neural Networks", arxiv_id="1711.09846")
    client = signed_in("member")
    response = client.post(reverse("feed_import"), {"preview": "1", "feed": upload("hugo.xml")})
    assert response.status_code == 200
    page = response.content.decode()
    assert "[논문 리뷰] Population Based Training of Neural Networks" in page
    assert "2024-03-05" in page
    assert "Paper unknown: keep it in my import inbox" in page
    assert "<math" in page and "<table>" in page  # the Markdown, rendered
    assert Review.objects.count() == 0
    assert Paper.objects.count() == 1


@pytest.mark.django_db
def test_feed_import_page_import_saves_chosen_drafts_of_that_member(member, other) -> None:
    PaperFactory(title="Attention Is All You Need", arxiv_id="")
    client = signed_in("member")
    client.post(reverse("feed_import"), {"preview": "1", "feed": upload("velog.xml")})
    response = client.post(reverse("feed_import"), {"import": "1", "choice-1": "skip"})
    assert response.status_code == 200
    assert "1 draft review imported." in response.content.decode()
    (review,) = Review.objects.all()
    assert (review.author, review.status) == (member, ReviewStatus.DRAFT)
    assert review.paper.title == "Attention Is All You Need"
    assert not Review.objects.filter(author=other).exists()
    # The pending feed is gone once imported: a second press imports nothing.
    again = client.post(reverse("feed_import"), {"import": "1"})
    assert again.status_code == 400
    assert "preview a feed first" in again.content.decode()


@pytest.mark.django_db
def test_feed_import_page_pending_feed_is_per_session(member, other) -> None:
    signed_in("member").post(reverse("feed_import"), {"preview": "1", "feed": upload("atom.xml")})
    response = signed_in("other").post(
        reverse("feed_import"),
        {"import": "1", "guid": ["tag:choi.example.org,2024-02-20:/2024/lottery/"]},
    )
    assert response.status_code == 400
    assert Review.objects.count() == 0


@pytest.mark.django_db
def test_feed_import_page_bad_input_is_a_message_not_a_500(member) -> None:
    client = signed_in("member")
    bad = SimpleUploadedFile("notes.txt", b"just some text", content_type="text/plain")
    response = client.post(reverse("feed_import"), {"preview": "1", "feed": bad})
    assert response.status_code == 400
    assert "not an RSS or Atom feed" in response.content.decode()
    response = client.post(reverse("feed_import"), {"preview": "1"})
    assert response.status_code == 400
    assert "one of the two" in response.content.decode()
    response = client.post(reverse("feed_import"), {"preview": "1", "url": "http://10.0.0.1/rss"})
    assert response.status_code == 400
    assert "private or local" in response.content.decode()


@pytest.mark.django_db
def test_feed_import_page_previews_a_url(member, recorded_feed_server) -> None:
    PaperFactory(title="Adam: A Method for Stochastic Optimization", arxiv_id="")
    client = signed_in("member")
    response = client.post(
        reverse("feed_import"), {"preview": "1", "url": "https://park.tistory.com/rss"}
    )
    assert response.status_code == 200
    assert "Adam: A Method for Stochastic Optimization" in response.content.decode()
    client.post(reverse("feed_import"), {"import": "1"})
    assert Review.objects.get().source_url == "https://park.tistory.com/12"
    # Imported what was previewed, not fetched again; then the post's image.
    assert [r.url.path for r in recorded_feed_server] == ["/rss", "/dn/xyz/img.png"]


# --- pasted rich text ----------------------------------------------------------------------


@pytest.mark.django_db
def test_markdown_from_html_converts_for_a_signed_in_member(member) -> None:
    client = Client(enforce_csrf_checks=True)
    client.login(username="member", password=PASSWORD)
    client.get(reverse("feed_import"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("markdown_from_html"),
        {"html": "<h2>소개</h2><p><b>굵게</b> $x_1$</p>"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "## 소개\n\n**굵게** $x_1$\n"


@pytest.mark.django_db
def test_markdown_from_html_refuses_anonymous_missing_csrf_and_huge_input(member) -> None:
    url = reverse("markdown_from_html")
    assert Client().post(url, {"html": "<p>x</p>"}).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.login(username="member", password=PASSWORD)
    assert strict.post(url, {"html": "<p>x</p>"}).status_code == 403
    client = signed_in("member")
    assert client.get(url).status_code == 405
    huge = client.post(url, {"html": "<p>" + "a" * (1024 * 1024) + "</p>"})
    assert huge.status_code in (400, 413)
