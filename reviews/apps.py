from __future__ import annotations

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """The study group's reviews, reading lists and members."""

    name = "reviews"
    verbose_name = "Reviews"
