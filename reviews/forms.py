"""Forms for the browser pages; writes go through services, never form.save()."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm
from django.utils.translation import gettext_lazy as _

from .enums import Language, ReadingStatus, Section
from .models import Member
from .services import ReviewContent
from .validators import validate_markdown_size


def _section_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        validators=[validate_markdown_size],
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 14, "class": "editor-text", "spellcheck": "true"}),
    )


class ReviewForm(forms.Form):
    """The four-section editor; `version` is the version the editor was opened at."""

    tldr = forms.CharField(label=_("TL;DR"), max_length=300, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    introduction = _section_field(_("Introduction"), _("The problem and the paper's idea."))
    core_algorithm = _section_field(
        _("Core algorithm"), _("The method: pseudo-code, equations ($…$, $$…$$).")
    )
    results = _section_field(_("Results"), _("Tables and numbers: what the paper shows."))
    thoughts = _section_field(_("My thoughts"), _("Your own opinion."))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)

    def content(self) -> ReviewContent:
        data = self.cleaned_data
        # Browsers submit textareas with CRLF; store one kind of line break.
        return ReviewContent(
            tldr=data["tldr"],
            language=data["language"],
            **{s.value: data[s.value].replace("\r\n", "\n") for s in Section},
        )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        strip=True,
        validators=[validate_markdown_size],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    section = forms.ChoiceField(
        label=_("About"),
        required=False,
        choices=[("", _("The whole review"))] + list(Section.choices),
    )
    parent = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )


class EntryStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("My status"), choices=ReadingStatus.choices)


class ReadingListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    tag = forms.SlugField(label=_("Tag"), required=False, allow_unicode=True, max_length=60)
    status = forms.ChoiceField(
        label=_("My status"),
        required=False,
        choices=[("", _("Any status"))] + list(ReadingStatus.choices),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["display_name", "bio", "preferred_language"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}


class InviteAcceptForm(BaseUserCreationForm):
    class Meta:
        model = Member
        fields = ["username", "display_name", "email"]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Say where it is used, e.g. “laptop script”."),
    )
