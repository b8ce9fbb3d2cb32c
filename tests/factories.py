"""factory_boy factories; reviews are written through services so HTML is rendered."""

from __future__ import annotations

from typing import Any

import factory

from reviews import services
from reviews.models import (
    Cohort,
    CohortMembership,
    Comment,
    Member,
    Paper,
    ReadingList,
    ReadingListEntry,
    Review,
    Tag,
)

PASSWORD = "correct-horse-battery-staple"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    display_name = factory.Sequence(lambda n: f"Member {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj: Member, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"topic-{n}")
    slug = factory.LazyAttribute(lambda o: o.name)


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Paper number {n}")
    authors = factory.LazyFunction(lambda: ["Ada Lovelace", "Alan Turing"])
    year = 2019
    venue = "ICLR"
    arxiv_id = factory.Sequence(lambda n: f"2001.{n + 10000:05d}")
    abstract = "We study things."

    @factory.post_generation
    def tags(obj: Paper, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            obj.tags.set(extracted)
        if create:
            services.paper_changed(paper=obj)


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    name = factory.Sequence(lambda n: f"Cohort {n}")
    slug = factory.Sequence(lambda n: f"cohort-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortMembership

    cohort = factory.SubFactory(CohortFactory)
    member = factory.SubFactory(MemberFactory)


class ReadingListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReadingList

    cohort = factory.SubFactory(CohortFactory)
    title = factory.Sequence(lambda n: f"Reading list {n}")
    slug = factory.Sequence(lambda n: f"list-{n}")


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReadingListEntry

    reading_list = factory.SubFactory(ReadingListFactory)
    number = factory.Sequence(lambda n: n + 1)
    paper = factory.SubFactory(PaperFactory)


def make_review(
    *,
    paper: Paper | None = None,
    author: Member | None = None,
    published: bool = True,
    **content: str,
) -> Review:
    """A review written and (by default) published the way a member does it."""
    paper = paper or PaperFactory()
    author = author or MemberFactory()
    data = services.ReviewContent(
        **{
            "tldr": "Averaging weights finds wider optima.",
            "introduction": "Intro with $x^2$.",
            "core_algorithm": "```text\nfor t in 1..T: update\n```",
            "results": "| model | acc |\n| --- | --- |\n| SWA | $72.55 \\pm 0.10$ |",
            "thoughts": "좋은 논문이다.",
            **content,
        }
    )
    return services.review_create(paper=paper, author=author, content=data, publish=published)


def paper_found_by(paper: Paper, query: str) -> bool:
    """Whether searching the archive for `query` finds the paper (through the search index)."""
    from search.selectors import filter_papers

    return filter_papers(Paper.objects.filter(pk=paper.pk), query).exists()


def make_comment(*, review: Review, author: Member, **kwargs: Any) -> Comment:
    return services.comment_create(
        review=review, author=author, body=kwargs.pop("body", "Nice **review**."), **kwargs
    )
