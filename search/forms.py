from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.models import Cohort, Tag

from .filters import MAX_SEARCH_LENGTH
from .selectors import Scope

KINDS = [
    ("", _("Everything")),
    ("paper", _("Papers")),
    ("section", _("Reviews")),
    ("comment", _("Comments")),
    ("member", _("Members")),
]


class SearchForm(forms.Form):
    """The query, a kind, and a cohort and a tag by slug; an unknown slug is a field error.

    Each filter's choices are read once (one query each), for the <select> and to check it.
    """

    q = forms.CharField(label=_("Search"), max_length=MAX_SEARCH_LENGTH, required=False)
    kind = forms.ChoiceField(label=_("Only"), choices=KINDS, required=False)
    cohort = forms.ChoiceField(label=_("Cohort"), required=False)
    tag = forms.ChoiceField(label=_("Tag"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohorts = {c.slug: c for c in Cohort.objects.only("slug", "name").order_by("name")}
        self.tags = {t.slug: t for t in Tag.objects.only("slug", "name").order_by("name")}
        self.fields["cohort"].choices = [
            ("", _("Any cohort")),
            *((slug, cohort.name) for slug, cohort in self.cohorts.items()),
        ]
        self.fields["tag"].choices = [
            ("", _("Any tag")),
            *((slug, tag.name) for slug, tag in self.tags.items()),
        ]

    def scope(self) -> Scope:
        """The cohort and tag a valid form names."""
        return Scope(
            cohort=self.cohorts.get(self.cleaned_data["cohort"]),
            tag=self.tags.get(self.cleaned_data["tag"]),
        )
