"""Constraints live in the database: these go around forms and services on purpose."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reviews.models import Bookmark, EntryStatus, Paper, ReadingListEntry, Review
from tests.factories import EntryFactory, MemberFactory, PaperFactory, make_review

pytestmark = pytest.mark.django_db


def test_member_is_the_user_model(member) -> None:
    from django.contrib.auth import get_user_model

    assert get_user_model() is type(member)


def test_member_avatar_initials_from_display_name() -> None:
    assert MemberFactory(display_name="Alex Kim").avatar_initials == "AK"
    assert MemberFactory(display_name="김민지").avatar_initials == "김민"


def test_paper_arxiv_id_unique_when_set() -> None:
    PaperFactory(arxiv_id="1803.05407")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperFactory(arxiv_id="1803.05407")


def test_paper_blank_arxiv_id_may_repeat() -> None:
    PaperFactory(arxiv_id="")
    PaperFactory(arxiv_id="")
    assert Paper.objects.filter(arxiv_id="").count() == 2


@pytest.mark.parametrize(
    "arxiv_id",
    [
        "1803.05407",
        "2201.02177v2",
        "1912.02292",
        "0704.0001",
        "1412.7062",
        "cs/0112017",
        "math.GT/0309136",
    ],
)
def test_paper_arxiv_id_valid_forms(arxiv_id: str) -> None:
    PaperFactory.build(arxiv_id=arxiv_id).full_clean()


@pytest.mark.parametrize(
    "arxiv_id",
    [
        "1803.5407",
        "1413.00001",
        "0704.00001",
        "arxiv:1803.05407",
        "1803.05407 ",
        "abc",
        "18030.5407",
        "<x>",
    ],
)
def test_paper_arxiv_id_invalid_forms(arxiv_id: str) -> None:
    with pytest.raises(ValidationError) as error:
        PaperFactory.build(arxiv_id=arxiv_id).full_clean()
    assert "arxiv_id" in error.value.message_dict


def test_paper_doi_validated() -> None:
    PaperFactory.build(doi="10.1145/3065386").full_clean()
    with pytest.raises(ValidationError):
        PaperFactory.build(doi="doi:nope").full_clean()


def test_paper_authors_must_be_list_of_names() -> None:
    with pytest.raises(ValidationError):
        PaperFactory.build(authors="Ada Lovelace").full_clean()
    with pytest.raises(ValidationError):
        PaperFactory.build(authors=["Ada", ""]).full_clean()


def test_paper_authors_keep_their_order() -> None:
    paper = PaperFactory(authors=["Izmailov", "Podoprikhin", "Garipov", "Vetrov", "Wilson"])
    paper.refresh_from_db()
    assert paper.authors == ["Izmailov", "Podoprikhin", "Garipov", "Vetrov", "Wilson"]
    assert paper.authors_short == "Izmailov et al."


def test_paper_year_range_checked() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperFactory(year=1200)


def test_entry_number_unique_per_list() -> None:
    entry = EntryFactory(number=16)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReadingListEntry.objects.create(
            reading_list=entry.reading_list, number=16, paper=PaperFactory()
        )


def test_entry_number_may_repeat_across_lists() -> None:
    EntryFactory(number=16)
    EntryFactory(number=16)
    assert ReadingListEntry.objects.filter(number=16).count() == 2


def test_entry_number_must_be_positive() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        EntryFactory(number=0)


def test_entry_paper_once_per_list() -> None:
    entry = EntryFactory(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReadingListEntry.objects.create(
            reading_list=entry.reading_list, number=2, paper=entry.paper
        )


def test_review_one_per_member_and_paper(author) -> None:
    review = make_review(author=author)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(paper=review.paper, author=author)


def test_review_status_checked_in_database(author) -> None:
    review = make_review(author=author)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(status="secret")


def test_review_published_needs_date(author) -> None:
    review = make_review(author=author)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(published_at=None)


def test_review_version_positive(author) -> None:
    review = make_review(author=author)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(version=0)


def test_entry_status_one_per_member(member) -> None:
    entry = EntryFactory()
    EntryStatus.objects.create(entry=entry, member=member, status="reading")
    with pytest.raises(IntegrityError), transaction.atomic():
        EntryStatus.objects.create(entry=entry, member=member, status="reviewed")


def test_entry_status_value_checked(member) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        EntryStatus.objects.create(entry=EntryFactory(), member=member, status="skimmed")


def test_bookmark_once_per_paper(member) -> None:
    paper = PaperFactory()
    Bookmark.objects.create(member=member, paper=paper)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bookmark.objects.create(member=member, paper=paper)


def test_comment_section_checked(author, member) -> None:
    from reviews.models import Comment

    review = make_review(author=author)
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(review=review, author=member, body="x", section="appendix")


def test_review_sections_in_order(author) -> None:
    review = make_review(author=author)
    assert [key for key, _label, _html in review.sections()] == [
        "introduction",
        "core_algorithm",
        "results",
        "thoughts",
    ]
