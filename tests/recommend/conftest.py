"""The fixed corpus and a member who reads one of its topics, for the recommender's tests."""

from __future__ import annotations

import pytest

from recommend import compute
from reviews.models import Member

from .corpus import Corpus, make_corpus, reader_of


@pytest.fixture
def corpus(db: None) -> Corpus:
    return make_corpus()


@pytest.fixture
def reader(corpus: Corpus) -> Member:
    """Reads reinforcement learning; every model fitted."""
    member = reader_of(corpus, "rl", "reader")
    compute.vectors_rebuild()
    return member
