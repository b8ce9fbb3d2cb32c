from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .filters import MAX_SEARCH_LENGTH

KINDS = [
    ("", _("Everything")),
    ("paper", _("Papers")),
    ("section", _("Reviews")),
    ("comment", _("Comments")),
    ("member", _("Members")),
]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=MAX_SEARCH_LENGTH, required=False)
    kind = forms.ChoiceField(label=_("Only"), choices=KINDS, required=False)
