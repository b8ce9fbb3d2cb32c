"""A review as Marp slides: a title slide, sections on one or more slides, blocks kept whole."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from meetings.slides import review_slides
from tests.factories import PASSWORD, MemberFactory, make_review

pytestmark = pytest.mark.django_db

CODE = "```python\nfor t in range(T):\n\n    w = w - lr * g\n```"
TABLE = "| model | acc |\n| --- | --- |\n| SWA | $72.55 \\pm 0.10$ |"
FORMULA = "$$\n\\hat{w} \\leftarrow \\frac{1}{n}\n\n\\sum_i w_i\n$$"


def _slides(text: str) -> list[str]:
    return text.split("\n\n---\n\n")


def test_review_slides_front_matter_title_and_sections() -> None:
    review = make_review(tldr="Wider optima.", results=TABLE, core_algorithm=CODE)
    text = review_slides(review)
    assert text.startswith("---\nmarp: true\nmath: katex\n")
    slides = _slides(text)
    assert f"# {review.paper.title}" in slides[0] and "> Wider optima." in slides[0]
    titles = [s.split("\n", 1)[0] for s in slides[1:]]
    assert titles == ["## Introduction", "## Core algorithm", "## Results", "## My thoughts"]


def test_review_slides_keep_code_tables_and_math_whole() -> None:
    review = make_review(core_algorithm=f"Intro $x^2$.\n\n{CODE}\n\n{FORMULA}", results=TABLE)
    text = review_slides(review)
    assert CODE in text and TABLE in text and FORMULA in text
    assert "$x^2$" in text


def test_review_slides_long_section_continues_and_headings_start_slides() -> None:
    paragraphs = "\n\n".join(f"Paragraph {n} " + "word " * 60 for n in range(6))
    review = make_review(introduction=f"{paragraphs}\n\n### Setup\n\nDetails.")
    slides = _slides(review_slides(review))
    intro = [s for s in slides if s.startswith("## Introduction")]
    assert len(intro) >= 3
    assert any(s.startswith("## Introduction (continued)\n\n### Setup") for s in slides)


def test_review_slides_drop_thematic_breaks_that_would_split_slides() -> None:
    review = make_review(thoughts="Before.\n\n---\n\nAfter.")
    slides = _slides(review_slides(review))
    assert slides[-1] == "## My thoughts\n\nBefore.\n\nAfter.\n"


def test_review_slides_in_the_reviews_language() -> None:
    review = make_review(language="ko", thoughts="좋은 논문이다.")
    assert "## 소감" in review_slides(review)


def test_review_slides_download_of_draft_is_for_its_author() -> None:
    author = MemberFactory()
    draft = make_review(author=author, published=False)
    url = reverse("meetings:review_slides", args=[draft.pk])
    assert Client().get(url).status_code == 404
    client = Client()
    client.login(username=author.username, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert "attachment" in response["Content-Disposition"]
