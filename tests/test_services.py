"""Writes: the review lifecycle, the lost-update guard, comments, statuses, invites."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from reviews import services
from reviews.enums import ReviewStatus
from reviews.models import Bookmark, EntryStatus, Invite, Paper, Review, ReviewRevision
from tests.conftest import services_required
from tests.factories import (
    CohortFactory,
    EntryFactory,
    MemberFactory,
    PaperFactory,
    make_comment,
    make_review,
    paper_found_by,
)

pytestmark = pytest.mark.django_db

CONTENT = services.ReviewContent(
    tldr="SWA 요약",
    language="ko",
    introduction="이 논문은 **SWA**를 제안한다.",
    core_algorithm="$w_{\\text{SWA}} \\leftarrow \\frac{w_{\\text{SWA}} \\cdot n + w}{n + 1}$",
    results="| 모델 | 정확도 |\n| --- | --- |\n| SWA | $72.55 \\pm 0.10$ |",
    thoughts="- 좋다\n    - 아주 좋다",
)


def test_review_create_starts_as_rendered_draft(author) -> None:
    review = services.review_create(paper=PaperFactory(), author=author, content=CONTENT)
    assert review.status == ReviewStatus.DRAFT
    assert review.version == 1
    assert "<strong>SWA</strong>" in review.introduction_html
    assert "<mfrac>" in review.core_algorithm_html
    assert "<table>" in review.results_html
    assert review.revisions.count() == 0


def test_review_create_twice_for_same_paper_refused(author) -> None:
    paper = PaperFactory()
    services.review_create(paper=paper, author=author, content=CONTENT)
    with pytest.raises(ValidationError) as error:
        services.review_create(paper=paper, author=author, content=CONTENT)
    assert error.value.code == "duplicate_review"
    assert Review.objects.filter(paper=paper).count() == 1


def test_review_save_draft_bumps_version_without_revision(author) -> None:
    review = services.review_create(paper=PaperFactory(), author=author, content=CONTENT)
    saved = services.review_save(
        review=review, by=author, content=CONTENT, expected_version=1, publish=False
    )
    assert (saved.version, saved.status, saved.revisions.count()) == (2, "draft", 0)


def test_review_publish_keeps_a_revision_each_time(author) -> None:
    review = services.review_create(paper=PaperFactory(), author=author, content=CONTENT)
    review = services.review_save(
        review=review, by=author, content=CONTENT, expected_version=1, publish=True
    )
    first_published_at = review.published_at
    edited = services.ReviewContent(**{**vars(CONTENT), "thoughts": "생각이 바뀌었다."})
    review = services.review_save(review=review, by=author, content=edited, expected_version=2)
    assert review.status == ReviewStatus.PUBLISHED
    assert review.published_at == first_published_at
    assert list(review.revisions.values_list("number", "thoughts")) == [
        (2, "생각이 바뀌었다."),
        (1, "- 좋다\n    - 아주 좋다"),
    ]


def test_review_save_with_stale_version_conflicts_and_changes_nothing(author) -> None:
    review = services.review_create(paper=PaperFactory(), author=author, content=CONTENT)
    services.review_save(review=review, by=author, content=CONTENT, expected_version=1)
    stale = services.ReviewContent(**{**vars(CONTENT), "introduction": "lost?"})
    with pytest.raises(services.ReviewConflict) as error:
        services.review_save(review=review, by=author, content=stale, expected_version=1)
    assert error.value.current.version == 2
    review.refresh_from_db()
    assert (review.introduction, review.version) == (CONTENT.introduction, 2)


def test_review_save_by_someone_else_refused(author, other) -> None:
    review = services.review_create(paper=PaperFactory(), author=author, content=CONTENT)
    with pytest.raises(PermissionDenied):
        services.review_save(review=review, by=other, content=CONTENT, expected_version=1)


def test_review_save_oversized_section_refused(author) -> None:
    review = services.review_create(paper=PaperFactory(), author=author, content=CONTENT)
    huge = services.ReviewContent(**{**vars(CONTENT), "results": "가" * 40_000})
    with pytest.raises(ValidationError) as error:
        services.review_save(review=review, by=author, content=huge, expected_version=1)
    assert "results" in error.value.message_dict
    review.refresh_from_db()
    assert review.version == 1


def test_review_unpublish_by_organizer_keeps_revisions(author, organizer) -> None:
    review = make_review(author=author)
    review = services.review_unpublish(review=review, by=organizer)
    assert (review.status, review.published_at) == ("draft", None)
    assert review.revisions.count() == 1


def test_review_unpublish_by_other_member_refused(author, other) -> None:
    with pytest.raises(PermissionDenied):
        services.review_unpublish(review=make_review(author=author), by=other)


def test_publish_adds_review_text_to_search(author) -> None:
    paper = PaperFactory(title="Averaging Weights")
    review = services.review_create(paper=paper, author=author, content=CONTENT)
    assert not paper_found_by(paper, "제안한다")
    services.review_save(
        review=review, by=author, content=CONTENT, expected_version=1, publish=True
    )
    assert paper_found_by(paper, "제안한다")
    assert paper_found_by(paper, "averaging weights")


def test_search_text_composes_decomposed_hangul() -> None:
    decomposed = "\u1112\u1161\u11ab\u1100\u1173\u11af"  # 한글 as macOS writes it
    assert services.normalize_search_text(decomposed) == "한글"


def test_comment_create_renders_and_threads(author, member) -> None:
    review = make_review(author=author)
    root = make_comment(review=review, author=member, body="질문: $x$?", section="results")
    reply = make_comment(review=review, author=author, body="답변", parent=root)
    assert "<math" in root.body_html
    assert (reply.parent, reply.review) == (root, review)


def test_comment_on_others_draft_refused(author, member) -> None:
    draft = make_review(author=author, published=False)
    with pytest.raises(PermissionDenied):
        make_comment(review=draft, author=member)


def test_comment_reply_across_reviews_refused(author, member) -> None:
    first = make_comment(review=make_review(author=author), author=member)
    with pytest.raises(ValidationError):
        make_comment(review=make_review(author=member), author=author, parent=first)


def test_comment_blank_refused(author, member) -> None:
    with pytest.raises(ValidationError):
        make_comment(review=make_review(author=author), author=member, body="   ")


def test_entry_status_set_then_change(member) -> None:
    entry = EntryFactory()
    services.entry_status_set(entry=entry, member=member, status="reading")
    services.entry_status_set(entry=entry, member=member, status="reviewed")
    assert list(EntryStatus.objects.values_list("status", flat=True)) == ["reviewed"]


def test_entry_status_unknown_refused(member) -> None:
    with pytest.raises(ValidationError):
        services.entry_status_set(entry=EntryFactory(), member=member, status="skimmed")
    assert EntryStatus.objects.count() == 0


def test_bookmark_toggle_on_and_off(member) -> None:
    paper = PaperFactory()
    assert services.bookmark_toggle(member=member, paper=paper) is True
    assert services.bookmark_toggle(member=member, paper=paper) is False
    assert Bookmark.objects.count() == 0


def test_paper_save_sets_tags_and_search_text(organizer) -> None:
    paper = Paper(title="mixup: Beyond Empirical Risk Minimization", authors=["Hongyi Zhang"])
    paper = services.paper_save(paper=paper, tag_names=["Data Augmentation", "vision"])
    assert sorted(paper.tags.values_list("slug", flat=True)) == ["data-augmentation", "vision"]
    assert paper_found_by(paper, "hongyi zhang")


def test_invite_accept_creates_member_in_cohort(organizer) -> None:
    cohort = CohortFactory()
    invite = Invite.objects.create(created_by=organizer, cohort=cohort)
    member = services.invite_accept(invite=invite, username="newbie", password="s3cret-pass-xyz")
    invite.refresh_from_db()
    assert (invite.used_by, invite.is_usable) == (member, False)
    assert list(cohort.members.all()) == [member]
    assert member.check_password("s3cret-pass-xyz")


def test_invite_used_twice_refused(organizer) -> None:
    invite = Invite.objects.create(created_by=organizer)
    services.invite_accept(invite=invite, username="first", password="s3cret-pass-xyz")
    with pytest.raises(ValidationError):
        services.invite_accept(invite=invite, username="second", password="s3cret-pass-xyz")
    assert not type(organizer).objects.filter(username="second").exists()


def test_invite_expired_refused(organizer) -> None:
    invite = Invite.objects.create(
        created_by=organizer, expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError):
        services.invite_accept(invite=invite, username="late", password="s3cret-pass-xyz")


def test_member_update_profile(member) -> None:
    services.member_update_profile(
        member=member, display_name="김멤버", bio="Hi", preferred_language="ko"
    )
    member.refresh_from_db()
    assert (member.display_name, member.preferred_language) == ("김멤버", "ko")


def test_member_update_profile_bad_language_refused(member) -> None:
    with pytest.raises(ValidationError):
        services.member_update_profile(
            member=member, display_name="x", bio="", preferred_language="fr"
        )


@pytest.mark.django_db(transaction=True)
def test_review_save_concurrent_same_version_exactly_one_wins() -> None:
    """Twenty writers holding version 1: one saves, nineteen conflict, nothing is lost."""
    if connection.vendor != "postgresql":
        if services_required():
            pytest.fail("concurrency is tested on PostgreSQL in CI")
        pytest.skip("row locking is tested on PostgreSQL")
    author = MemberFactory()
    review = services.review_create(paper=PaperFactory(), author=author, content=CONTENT)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def write(i: int) -> None:
        content = services.ReviewContent(**{**vars(CONTENT), "thoughts": f"writer {i}"})
        barrier.wait()
        try:
            services.review_save(
                review=Review.objects.get(pk=review.pk),
                by=author,
                content=content,
                expected_version=1,
                publish=True,
            )
            result = f"ok {i}"
        except services.ReviewConflict:
            result = "conflict"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if o.startswith("ok")]
    assert (len(winners), outcomes.count("conflict")) == (1, 19)
    review.refresh_from_db()
    assert review.version == 2
    assert review.thoughts == f"writer {winners[0].split()[1]}"
    assert ReviewRevision.objects.filter(review=review).count() == 1
