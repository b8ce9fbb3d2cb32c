"""Reviews and comments through the API: ETag/If-Match, publishing, filters, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from reviews.enums import ReviewStatus
from reviews.models import Comment, Member, Review, ReviewRevision
from tests.factories import (
    CohortFactory,
    EntryFactory,
    MemberFactory,
    PaperFactory,
    ReadingListFactory,
    TagFactory,
    make_comment,
    make_review,
)

pytestmark = pytest.mark.django_db

TokenClient = Callable[..., APIClient]

SECTIONS = {
    "introduction": "Stochastic weight averaging.",
    "core_algorithm": "Average the weights along the SGD trajectory.",
    "results": "Better test accuracy.",
    "thoughts": "좋은 논문이다.",
}


def etag(review: Review) -> str:
    return f'"review-{review.pk}-v{review.version}"'


def url(review: Review | int, action: str = "") -> str:
    pk = review if isinstance(review, int) else review.pk
    return f"/api/reviews/{pk}/{action + '/' if action else ''}"


def snapshot(review: Review) -> dict[str, Any]:
    return Review.objects.values().get(pk=review.pk)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Factories set a password for every member; PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def draft(author: Member) -> Review:
    return make_review(author=author, published=False, tldr="A draft TL;DR.")


@pytest.fixture
def author_client(author: Member, token_client: TokenClient) -> APIClient:
    return token_client(author)


# --- create and read ----------------------------------------------------------------------


def test_create_review_draft_with_etag_and_requester_as_author(
    author_client: APIClient, author: Member, other: Member
) -> None:
    paper = PaperFactory()
    body = {
        "paper": paper.pk,
        "tldr": "SWA finds flat minima.",
        "language": "ko",
        **SECTIONS,
        "author": other.pk,
        "id": 424242,
        "status": "published",
        "version": 99,
    }
    response = author_client.post("/api/reviews/", body, format="json")
    assert response.status_code == 201
    data = response.json()
    review = Review.objects.get(pk=data["id"])
    assert data["id"] != 424242
    assert response["ETag"] == f'"review-{review.pk}-v1"'
    assert (data["status"], data["version"], data["published_at"]) == ("draft", 1, None)
    assert data["author"] == {"id": author.pk, "username": "author", "name": "작가 이"}
    assert (review.author_id, review.status, review.language) == (author.pk, "draft", "ko")
    assert data["thoughts"] == "좋은 논문이다."
    assert "<p>" in data["introduction_html"]


def test_create_review_anonymous_401(api: APIClient) -> None:
    paper = PaperFactory()
    response = api.post("/api/reviews/", {"paper": paper.pk, **SECTIONS}, format="json")
    assert response.status_code == 401
    assert Review.objects.count() == 0


def test_create_review_twice_same_paper_400(author_client: APIClient, author: Member) -> None:
    review = make_review(author=author)
    response = author_client.post("/api/reviews/", {"paper": review.paper_id}, format="json")
    assert response.status_code == 400
    assert Review.objects.filter(author=author).count() == 1


def test_get_review_returns_etag(api: APIClient, author: Member) -> None:
    review = make_review(author=author)
    response = api.get(url(review))
    assert response.status_code == 200
    assert response["ETag"] == f'"review-{review.pk}-v1"'
    assert response.json()["version"] == 1


def test_get_draft_only_for_its_author(
    api: APIClient,
    author_client: APIClient,
    draft: Review,
    other: Member,
    token_client: TokenClient,
) -> None:
    assert api.get(url(draft)).status_code == 404
    assert token_client(other).get(url(draft)).status_code == 404
    assert author_client.get(url(draft)).status_code == 200


# --- If-Match ---------------------------------------------------------------------------------


def test_patch_review_without_if_match_428(author_client: APIClient, draft: Review) -> None:
    before = snapshot(draft)
    response = author_client.patch(url(draft), {"tldr": "changed"}, format="json")
    assert response.status_code == 428
    assert snapshot(draft) == before


def test_patch_review_if_match_star_428(author_client: APIClient, draft: Review) -> None:
    before = snapshot(draft)
    response = author_client.patch(url(draft), {"tldr": "x"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 428
    assert snapshot(draft) == before


def test_patch_review_stale_etag_412_with_current_etag(
    author_client: APIClient, draft: Review, author: Member
) -> None:
    stale = etag(draft)
    first = author_client.patch(url(draft), {"tldr": "first"}, format="json", HTTP_IF_MATCH=stale)
    assert first.status_code == 200
    draft.refresh_from_db()
    before = snapshot(draft)
    response = author_client.patch(
        url(draft), {"tldr": "second"}, format="json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    assert response["ETag"] == f'"review-{draft.pk}-v2"'
    assert response["ETag"] == first["ETag"]
    assert snapshot(draft) == before
    assert draft.tldr == "first"


@pytest.mark.parametrize("path", ["", "working-copy"])
def test_put_review_bad_body_with_stale_etag_is_400(
    author_client: APIClient, author: Member, path: str
) -> None:
    """Bad input is a 400 with field errors whatever the If-Match says."""
    review = make_review(author=author, published=True)
    before = snapshot(review)
    response = author_client.put(
        url(review, path),
        {
            "tldr": "",
            "language": "klingon",
            "introduction": 1.5,
            "core_algorithm": "",
            "results": "",
            "thoughts": "",
        },
        format="json",
        HTTP_IF_MATCH='"stale"',
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"language"}
    assert snapshot(review) == before


def test_patch_review_matching_etag_200_new_etag(author_client: APIClient, draft: Review) -> None:
    response = author_client.patch(
        url(draft), {"results": "Accuracy $72.5$."}, format="json", HTTP_IF_MATCH=etag(draft)
    )
    assert response.status_code == 200
    assert response["ETag"] == f'"review-{draft.pk}-v2"'
    data = response.json()
    assert (data["version"], data["results"], data["tldr"]) == (
        2,
        "Accuracy $72.5$.",
        "A draft TL;DR.",
    )
    assert "<math" in data["results_html"]
    draft.refresh_from_db()
    assert (draft.version, draft.results, draft.status) == (2, "Accuracy $72.5$.", "draft")


def test_patch_review_weak_etag_accepted(author_client: APIClient, draft: Review) -> None:
    response = author_client.patch(
        url(draft), {"tldr": "weak"}, format="json", HTTP_IF_MATCH=f"W/{etag(draft)}"
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.tldr == "weak"


def test_patch_review_if_match_list_with_current_etag_200(
    author_client: APIClient, draft: Review
) -> None:
    header = f'"review-{draft.pk}-v0", {etag(draft)}'
    response = author_client.patch(
        url(draft), {"tldr": "listed"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.tldr == "listed"


@pytest.mark.parametrize(
    "header",
    ['"review-{other}-v1"', "review", '"review-{pk}-v0"', '"review-{pk}-v2"', "review-{pk}-v1"],
)
def test_patch_review_wrong_etag_412(author_client: APIClient, draft: Review, header: str) -> None:
    before = snapshot(draft)
    response = author_client.patch(
        url(draft),
        {"tldr": "x"},
        format="json",
        HTTP_IF_MATCH=header.format(pk=draft.pk, other=draft.pk + 1000),
    )
    assert response.status_code == 412
    assert response["ETag"] == etag(draft)
    assert snapshot(draft) == before


def test_patch_review_by_other_member_403(
    token_client: TokenClient, other: Member, author: Member
) -> None:
    review = make_review(author=author)
    before = snapshot(review)
    response = token_client(other).patch(
        url(review), {"tldr": "hijack"}, format="json", HTTP_IF_MATCH=etag(review)
    )
    assert response.status_code == 403
    assert snapshot(review) == before


def test_patch_review_paper_is_read_only(author_client: APIClient, draft: Review) -> None:
    other_paper = PaperFactory()
    response = author_client.patch(
        url(draft), {"paper": other_paper.pk}, format="json", HTTP_IF_MATCH=etag(draft)
    )
    assert response.status_code == 200
    assert Review.objects.get(pk=draft.pk).paper_id == draft.paper_id


def test_put_review_full_update(author_client: APIClient, draft: Review) -> None:
    body = {
        "tldr": "전체 수정",
        "language": "ko",
        "introduction": "소개",
        "core_algorithm": "알고리즘",
        "results": "결과",
        "thoughts": "생각",
    }
    response = author_client.put(url(draft), body, format="json", HTTP_IF_MATCH=etag(draft))
    assert response.status_code == 200
    assert response["ETag"] == f'"review-{draft.pk}-v2"'
    draft.refresh_from_db()
    assert {k: getattr(draft, k) for k in body} == body
    assert (draft.version, draft.status) == (2, "draft")


def test_put_review_without_if_match_428(author_client: APIClient, draft: Review) -> None:
    response = author_client.put(url(draft), {"tldr": "x", **SECTIONS}, format="json")
    assert response.status_code == 428


# --- publish, revisions, unpublish, delete ----------------------------------------------------


def test_publish_review_creates_revision_and_sets_published_at(
    author_client: APIClient, draft: Review
) -> None:
    response = author_client.post(url(draft, "publish"), HTTP_IF_MATCH=etag(draft))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "published"
    assert data["published_at"] is not None
    assert response["ETag"] == f'"review-{draft.pk}-v2"'
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("published", 2)
    assert draft.published_at is not None
    revision = ReviewRevision.objects.get(review=draft)
    assert (revision.number, revision.tldr, revision.introduction) == (
        1,
        "A draft TL;DR.",
        draft.introduction,
    )


def test_publish_review_without_if_match_428(author_client: APIClient, draft: Review) -> None:
    assert author_client.post(url(draft, "publish")).status_code == 428
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert ReviewRevision.objects.count() == 0


def test_publish_review_stale_412(author_client: APIClient, draft: Review) -> None:
    response = author_client.post(url(draft, "publish"), HTTP_IF_MATCH=f'"review-{draft.pk}-v9"')
    assert response.status_code == 412
    assert response["ETag"] == etag(draft)
    assert ReviewRevision.objects.count() == 0


def test_publish_review_by_other_member_403(token_client: TokenClient, other: Member) -> None:
    review = make_review()
    response = token_client(other).post(url(review, "publish"), HTTP_IF_MATCH=etag(review))
    assert response.status_code == 403
    assert ReviewRevision.objects.filter(review=review).count() == 1


def test_revisions_endpoint_newest_first(
    api: APIClient, author_client: APIClient, author: Member
) -> None:
    review = make_review(author=author, tldr="first")
    response = author_client.patch(
        url(review), {"tldr": "second"}, format="json", HTTP_IF_MATCH=etag(review)
    )
    assert response.status_code == 200
    revisions = api.get(url(review, "revisions"))
    assert revisions.status_code == 200
    data = revisions.json()
    assert [(r["number"], r["tldr"], r["published_by"]) for r in data] == [
        (2, "second", "author"),
        (1, "first", "author"),
    ]


def test_unpublish_review_back_to_draft(
    api: APIClient, author_client: APIClient, author: Member
) -> None:
    review = make_review(author=author)
    response = author_client.post(url(review, "unpublish"), headers={"If-Match": etag(review)})
    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["published_at"], data["version"]) == ("draft", None, 2)
    assert response["ETag"] == f'"review-{review.pk}-v2"'
    assert api.get(url(review)).status_code == 404
    assert ReviewRevision.objects.filter(review=review).count() == 1


def test_unpublish_review_by_organizer_and_not_by_other(
    token_client: TokenClient, organizer: Member, other: Member
) -> None:
    review = make_review()
    if_match = {"If-Match": etag(review)}
    assert token_client(other).post(url(review, "unpublish"), headers=if_match).status_code == 403
    assert (
        token_client(organizer).post(url(review, "unpublish"), headers=if_match).status_code == 200
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT


def test_unpublish_review_anonymous_401(api: APIClient) -> None:
    review = make_review()
    assert api.post(url(review, "unpublish")).status_code == 401


def test_delete_review_by_author_204(author_client: APIClient, draft: Review) -> None:
    response = author_client.delete(url(draft), headers={"If-Match": etag(draft)})
    assert response.status_code == 204
    assert not Review.objects.filter(pk=draft.pk).exists()


def test_delete_review_other_403_organizer_204(
    token_client: TokenClient, other: Member, organizer: Member
) -> None:
    review = make_review()
    if_match = {"If-Match": etag(review)}
    assert token_client(other).delete(url(review), headers=if_match).status_code == 403
    assert Review.objects.filter(pk=review.pk).exists()
    assert token_client(organizer).delete(url(review), headers=if_match).status_code == 204
    assert not Review.objects.filter(pk=review.pk).exists()


def test_delete_published_review_without_if_match_428_keeps_it(
    token_client: TokenClient, organizer: Member
) -> None:
    review = make_review()

    response = token_client(organizer).delete(url(review))

    assert response.status_code == 428
    assert response.json()["detail"] == "Send If-Match with the review's ETag to change it."
    assert Review.objects.filter(pk=review.pk).exists()


def test_delete_review_with_stale_if_match_412_keeps_it(
    author_client: APIClient, author: Member
) -> None:
    review = make_review(author=author)
    stale = etag(review)
    edited = author_client.patch(
        url(review), {"tldr": "Edited."}, format="json", HTTP_IF_MATCH=stale
    )
    assert edited.status_code == 200

    response = author_client.delete(url(review), headers={"If-Match": stale})

    assert (response.status_code, response["ETag"]) == (412, edited["ETag"])
    assert Review.objects.filter(pk=review.pk).exists()


def test_unpublish_review_without_if_match_428_keeps_it_published(
    token_client: TokenClient, organizer: Member
) -> None:
    review = make_review()

    response = token_client(organizer).post(url(review, "unpublish"))

    assert response.status_code == 428
    review.refresh_from_db()
    assert review.status == ReviewStatus.PUBLISHED


# --- list filters, search and ordering --------------------------------------------------------


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["results"]]


def test_review_list_hides_others_drafts(
    api: APIClient, author_client: APIClient, author: Member, draft: Review
) -> None:
    published = make_review()
    assert ids(api.get("/api/reviews/")) == [published.pk]
    assert sorted(ids(author_client.get("/api/reviews/"))) == sorted([published.pk, draft.pk])


def test_review_list_filter_paper_author_tag(api: APIClient, author: Member) -> None:
    tag = TagFactory(name="optimization", slug="optimization")
    tagged_paper = PaperFactory(tags=[tag])
    r1 = make_review(author=author, paper=tagged_paper)
    r2 = make_review(paper=tagged_paper)
    r3 = make_review(author=author)
    assert sorted(ids(api.get("/api/reviews/", {"paper": tagged_paper.pk}))) == [r1.pk, r2.pk]
    assert sorted(ids(api.get("/api/reviews/", {"author": "author"}))) == [r1.pk, r3.pk]
    assert sorted(ids(api.get("/api/reviews/", {"tag": "optimization"}))) == [r1.pk, r2.pk]
    assert ids(api.get("/api/reviews/", {"tag": "nothing"})) == []


def test_review_list_filter_status_and_language(
    author_client: APIClient, author: Member, draft: Review
) -> None:
    korean = make_review(author=MemberFactory(), language="ko")
    english = make_review(author=MemberFactory())
    assert ids(author_client.get("/api/reviews/", {"status": "draft"})) == [draft.pk]
    assert sorted(ids(author_client.get("/api/reviews/", {"status": "published"}))) == sorted(
        [korean.pk, english.pk]
    )
    assert ids(author_client.get("/api/reviews/", {"language": "ko"})) == [korean.pk]


def test_review_list_filter_cohort_each_review_once(api: APIClient) -> None:
    cohort = CohortFactory(slug="season-1")
    paper = PaperFactory()
    # The paper sits on two lists of the cohort: the join must not duplicate the review.
    EntryFactory(reading_list=ReadingListFactory(cohort=cohort), paper=paper)
    EntryFactory(reading_list=ReadingListFactory(cohort=cohort), paper=paper)
    inside = make_review(paper=paper)
    make_review()
    assert ids(api.get("/api/reviews/", {"cohort": "season-1"})) == [inside.pk]
    assert api.get("/api/reviews/", {"cohort": "season-1"}).json()["count"] == 1


def test_review_list_filter_published_after_before(api: APIClient) -> None:
    old, new = make_review(), make_review()
    Review.objects.filter(pk=old.pk).update(published_at=datetime(2023, 3, 1, tzinfo=UTC))
    Review.objects.filter(pk=new.pk).update(published_at=datetime(2024, 6, 1, tzinfo=UTC))
    assert ids(api.get("/api/reviews/", {"published_after": "2024-01-01T00:00:00Z"})) == [new.pk]
    assert ids(api.get("/api/reviews/", {"published_before": "2024-01-01T00:00:00+09:00"})) == [
        old.pk
    ]
    both = {"published_after": "2023-01-01T00:00:00Z", "published_before": "2025-01-01T00:00"}
    assert ids(api.get("/api/reviews/", both)) == [new.pk, old.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"language": "xx"}, "language"),
        ({"paper": "abc"}, "paper"),
        ({"paper": "0"}, "paper"),
        ({"paper": "99999999999999999999999"}, "paper"),
        ({"published_after": "notadate"}, "published_after"),
        ({"published_before": "2024-13-45T99:00:00Z"}, "published_before"),
        ({"author": "a" * 151}, "author"),
    ],
)
def test_review_list_bad_filter_value_400(
    api: APIClient, params: dict[str, str], field: str
) -> None:
    make_review()
    response = api.get("/api/reviews/", params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_review_list_unknown_filter_name_ignored(api: APIClient) -> None:
    review = make_review()
    assert ids(api.get("/api/reviews/", {"colour": "blue"})) == [review.pk]


def test_review_list_search_korean_word_with_particle(api: APIClient) -> None:
    hit = make_review(core_algorithm="이 논문의 알고리즘을 단계별로 설명한다.", language="ko")
    make_review(core_algorithm="다른 방법을 설명한다.", language="ko")
    assert ids(api.get("/api/reviews/", {"search": "알고리즘"})) == [hit.pk]
    assert ids(api.get("/api/reviews/", {"search": "알고리즘 단계별로"})) == [hit.pk]
    assert ids(api.get("/api/reviews/", {"search": "알고리즘 없는말"})) == []


def test_review_list_search_english_case_insensitive(api: APIClient) -> None:
    hit = make_review(results="Stochastic Weight Averaging improves CIFAR accuracy.")
    by_title = make_review(paper=PaperFactory(title="Grokking beyond overfitting"))
    assert ids(api.get("/api/reviews/", {"search": "STOCHASTIC cifar"})) == [hit.pk]
    assert ids(api.get("/api/reviews/", {"search": "grokking"})) == [by_title.pk]


def test_review_list_search_does_not_show_drafts(api: APIClient, author: Member) -> None:
    make_review(author=author, published=False, thoughts="비밀 알고리즘을 숨긴다.")
    assert ids(api.get("/api/reviews/", {"search": "알고리즘"})) == []


def test_review_list_ordering_published_at(api: APIClient) -> None:
    old, mid, new = make_review(), make_review(), make_review()
    for review, month in ((old, 1), (mid, 2), (new, 3)):
        Review.objects.filter(pk=review.pk).update(
            published_at=datetime(2024, month, 1, tzinfo=UTC)
        )
    assert ids(api.get("/api/reviews/")) == [new.pk, mid.pk, old.pk]
    assert ids(api.get("/api/reviews/", {"ordering": "published_at"})) == [old.pk, mid.pk, new.pk]
    assert ids(api.get("/api/reviews/", {"ordering": "-published_at"})) == [new.pk, mid.pk, old.pk]


@pytest.mark.parametrize("ordering", ["bogus", "-author__password", "paper__title", "", "tldr"])
def test_review_list_bad_ordering_ignored_default_order(api: APIClient, ordering: str) -> None:
    """DRF's OrderingFilter drops fields outside `ordering_fields`: the default order stays."""
    old, new = make_review(), make_review()
    Review.objects.filter(pk=old.pk).update(published_at=datetime(2024, 1, 1, tzinfo=UTC))
    Review.objects.filter(pk=new.pk).update(published_at=datetime(2024, 2, 1, tzinfo=UTC))
    assert ids(api.get("/api/reviews/", {"ordering": ordering})) == [new.pk, old.pk]


def test_review_list_ordering_mixed_keeps_known_field(api: APIClient) -> None:
    old, new = make_review(), make_review()
    Review.objects.filter(pk=old.pk).update(published_at=datetime(2024, 1, 1, tzinfo=UTC))
    Review.objects.filter(pk=new.pk).update(published_at=datetime(2024, 2, 1, tzinfo=UTC))
    assert ids(api.get("/api/reviews/", {"ordering": "bogus,published_at"})) == [old.pk, new.pk]


# --- bad input: 400, never 500 ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tldr": "a\x00b"}, "tldr"),
        ({"results": "x\x00y"}, "results"),
        ({"thoughts": "가" * 40_000}, "thoughts"),
        ({"introduction": ["a"]}, "introduction"),
        ({"introduction": {"text": "a"}}, "introduction"),
        ({"introduction": True}, "introduction"),
        ({"tldr": None}, "tldr"),
        ({"tldr": "t" * 301}, "tldr"),
        ({"language": "xx"}, "language"),
        ({"language": None}, "language"),
        ({"paper": 99999999999999999999999}, "paper"),
        ({"paper": 2**63}, "paper"),
        ({"paper": -1}, "paper"),
        ({"paper": "abc"}, "paper"),
        ({"paper": None}, "paper"),
        ({"paper": [1]}, "paper"),
    ],
)
def test_create_review_bad_field_400(
    author_client: APIClient, change: dict[str, Any], field: str
) -> None:
    paper = PaperFactory()
    body = {"paper": paper.pk, "tldr": "ok", **SECTIONS, **change}
    response = author_client.post("/api/reviews/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Review.objects.count() == 0


def test_create_review_missing_paper_400(author_client: APIClient) -> None:
    response = author_client.post("/api/reviews/", SECTIONS, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["paper"]


@pytest.mark.parametrize("value", [5, 2.5, True])
def test_create_review_non_string_section_400(author_client: APIClient, value: object) -> None:
    """The schema says string: a number is refused, not quietly stored as its text."""
    paper = PaperFactory()
    response = author_client.post(
        "/api/reviews/", {"paper": paper.pk, "introduction": value}, format="json"
    )
    assert response.status_code == 400
    assert "introduction" in response.json()
    assert not Review.objects.filter(paper=paper).exists()


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b'{"tldr": "\xff\xfe"}', "application/json", 400),
        (b"\xc3\x28", "application/json", 400),
        (b"not json at all", "application/json", 400),
        (b'{"tldr": "unterminated', "application/json", 400),
        (b"[]", "application/json", 400),
        (b'[{"tldr": "x"}]', "application/json", 400),
        (b'"just a string"', "application/json", 400),
        (b"42", "application/json", 400),
        (b"null", "application/json", 400),
        (b"tldr=x", "application/x-www-form-urlencoded", 415),
        (b"tldr=x", "text/plain", 415),
    ],
)
def test_create_review_malformed_body_4xx(
    author_client: APIClient, body: bytes, content_type: str, code: int
) -> None:
    response = author_client.generic("POST", "/api/reviews/", body, content_type=content_type)
    assert response.status_code == code
    assert Review.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [b"[]", b"not json", b'{"tldr": "\xff"}', b'{"tldr": "a\\u0000b"}', b'{"tldr": null}'],
)
def test_patch_review_malformed_body_400_nothing_changed(
    author_client: APIClient, draft: Review, body: bytes
) -> None:
    before = snapshot(draft)
    response = author_client.generic(
        "PATCH", url(draft), body, content_type="application/json", HTTP_IF_MATCH=etag(draft)
    )
    assert response.status_code == 400
    assert snapshot(draft) == before


def test_patch_review_section_over_100kb_400(author_client: APIClient, draft: Review) -> None:
    before = snapshot(draft)
    response = author_client.patch(
        url(draft), {"introduction": "가" * 40_000}, format="json", HTTP_IF_MATCH=etag(draft)
    )
    assert response.status_code == 400
    assert list(response.json()) == ["introduction"]
    assert snapshot(draft) == before


@pytest.mark.parametrize("pk", ["99999999999999999999999", "9223372036854775808", "abc"])
def test_get_review_bad_id_404(api: APIClient, pk: str) -> None:
    assert api.get(f"/api/reviews/{pk}/").status_code == 404


def test_review_list_nul_in_query_400(api: APIClient) -> None:
    assert api.get("/api/reviews/?search=a%00b").status_code == 400


# --- comments ---------------------------------------------------------------------------------


def test_comment_create_renders_markdown_math(token_client: TokenClient, member: Member) -> None:
    review = make_review()
    response = token_client(member).post(
        "/api/comments/",
        {"review": review.pk, "body": "Why is $x$ **bold**?", "section": "results"},
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    assert "<math" in data["body_html"]
    assert "<strong>bold</strong>" in data["body_html"]
    assert (data["section"], data["author"]["username"], data["parent"]) == (
        "results",
        "member",
        None,
    )
    comment = Comment.objects.get(pk=data["id"])
    assert (comment.author_id, comment.review_id) == (member.pk, review.pk)


def test_comment_create_reply_on_other_review_400(
    token_client: TokenClient, member: Member
) -> None:
    review, elsewhere = make_review(), make_review()
    parent = make_comment(review=elsewhere, author=member)
    response = token_client(member).post(
        "/api/comments/", {"review": review.pk, "parent": parent.pk, "body": "hi"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["parent"]


def test_comment_create_on_others_draft_400(
    token_client: TokenClient, member: Member, draft: Review
) -> None:
    response = token_client(member).post(
        "/api/comments/", {"review": draft.pk, "body": "peek"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["review"]
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"body": "   "}, "body"),
        ({"body": "a\x00b"}, "body"),
        ({"body": "가" * 40_000}, "body"),
        ({"section": "nope"}, "section"),
        ({"review": 99999999999999999999999}, "review"),
    ],
)
def test_comment_create_bad_input_400(
    token_client: TokenClient, member: Member, change: dict[str, Any], field: str
) -> None:
    review = make_review()
    body = {"review": review.pk, "body": "fine", **change}
    response = token_client(member).post("/api/comments/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Comment.objects.count() == 0


def test_comment_edit_by_author_rerenders(token_client: TokenClient, member: Member) -> None:
    comment = make_comment(review=make_review(), author=member, body="old")
    response = token_client(member).patch(
        f"/api/comments/{comment.pk}/", {"body": "new $y^2$"}, format="json"
    )
    assert response.status_code == 200
    assert "<math" in response.json()["body_html"]
    comment.refresh_from_db()
    assert comment.body == "new $y^2$"
    assert "<math" in comment.body_html


def test_comment_edit_by_other_403(
    token_client: TokenClient, member: Member, other: Member
) -> None:
    comment = make_comment(review=make_review(), author=member, body="mine")
    response = token_client(other).patch(
        f"/api/comments/{comment.pk}/", {"body": "yours"}, format="json"
    )
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "mine"


def test_comment_delete_by_author_and_organizer(
    token_client: TokenClient, member: Member, other: Member, organizer: Member
) -> None:
    review = make_review()
    mine = make_comment(review=review, author=member)
    theirs = make_comment(review=review, author=other)
    assert token_client(other).delete(f"/api/comments/{mine.pk}/").status_code == 403
    assert token_client(member).delete(f"/api/comments/{mine.pk}/").status_code == 204
    assert token_client(organizer).delete(f"/api/comments/{theirs.pk}/").status_code == 204
    assert Comment.objects.count() == 0


def test_comment_list_filter_by_review(api: APIClient, member: Member) -> None:
    review, elsewhere = make_review(), make_review()
    mine = make_comment(review=review, author=member)
    make_comment(review=elsewhere, author=member)
    assert ids(api.get("/api/comments/", {"review": review.pk})) == [mine.pk]
    assert api.get("/api/comments/", {"review": "abc"}).status_code == 400


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("published_after=2024-01-01T00:00:00%2B16:00", 200),
        ("published_before=0001-01-01T00:00:00%2B01:00", 400),
        ("published_after=9999-12-31T23:59:59-01:00", 400),
    ],
)
def test_review_list_extreme_utc_offsets_are_not_500(
    api: APIClient, query: str, status: int
) -> None:
    response = api.get(f"/api/reviews/?{query}")
    assert response.status_code == status
    if status == 400:
        assert list(response.json()) == [query.split("=")[0]]
