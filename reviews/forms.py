"""Forms for the browser pages; writes go through services, never form.save()."""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import experiments
from .arxiv_ids import parse_arxiv_id, strip_version
from .enums import Language, ReadingStatus, Section
from .experiment_texts import translate_lazy
from .importers.base import MAX_IMPORT_BYTES, PaperData, import_too_big
from .mail import Mail, mail_send_later
from .models import Member, ReadingList
from .services import ReviewContent
from .validators import time_zone_names, validate_doi, validate_markdown_size

if TYPE_CHECKING:
    from .experiments import Experiment


def _section_field(section: Section) -> forms.CharField:
    return forms.CharField(
        label=section.label,
        required=False,
        strip=False,
        validators=[validate_markdown_size],
        help_text=section.help_text,
        widget=forms.Textarea(attrs={"rows": 14, "class": "editor-text", "spellcheck": "true"}),
    )


class ReviewForm(forms.Form):
    """The section editor; `version` is the version the editor was opened at."""

    tldr = forms.CharField(label=_("TL;DR"), max_length=300, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One field per section, from the sections' home, between the language and the version.
        version = self.fields.pop("version")
        self.fields.update({section.value: _section_field(section) for section in Section})
        self.fields["version"] = version

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


class CommentEditForm(forms.Form):
    """The author's new text for their comment."""

    body = forms.CharField(
        label=_("Comment"),
        strip=True,
        validators=[validate_markdown_size],
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write something first.")},
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


class PaperIndexForm(forms.Form):
    """Filters and order of the papers index; a value it cannot read is a field error."""

    YES_NO = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]
    SORTS = [("newest", _("Newest")), ("reviewed", _("Most reviewed")), ("title", _("Title"))]

    tag = forms.SlugField(label=_("Tag"), required=False, allow_unicode=True, max_length=60)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2100)
    venue = forms.CharField(label=_("Venue"), required=False, max_length=200)
    cohort = forms.SlugField(label=_("Cohort"), required=False, allow_unicode=True, max_length=50)
    listed = forms.ChoiceField(label=_("On a reading list"), required=False, choices=YES_NO)
    reviewed = forms.ChoiceField(label=_("Reviewed"), required=False, choices=YES_NO)
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=SORTS)


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=lambda: [(name, name) for name in sorted(time_zone_names())],
        help_text=_("Session times are shown in this time zone."),
    )

    class Meta:
        model = Member
        fields = ["display_name", "bio", "preferred_language", "time_zone"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def clean_time_zone(self) -> str:
        # A form without the field (an older page, a script) keeps the member's zone.
        return self.cleaned_data["time_zone"] or self.instance.time_zone


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form (only verified addresses are in `Member.email`), whose mail is
    queued for the worker, in the member's language, at most RESETS_PER_HOUR an account, so
    the form cannot be used to flood someone's inbox."""

    RESETS_PER_HOUR = 3

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        key = f"password-reset:{user.pk}"
        cache.add(key, 0, 3600)
        if cache.incr(key) > self.RESETS_PER_HOUR:
            return
        path = reverse("password_reset_confirm", args=[context["uid"], context["token"]])
        context = {
            **context,
            "link": f"{settings.SITE_URL}{path}",
            "site_name": settings.SITE_NAME,
            "username": user.get_username(),
        }
        with translation.override(user.preferred_language):
            mail = Mail(
                to=to_email,
                subject=render_to_string(subject_template_name, context).strip(),
                text=render_to_string(email_template_name, context),
                html=render_to_string("registration/password_reset_email.html", context),
            )
        mail_send_later(mail)


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("New e-mail address"), max_length=254)


class InviteAcceptForm(UserCreationForm):
    """Django's sign-up form, which refuses a username that differs from one only in case."""

    class Meta:
        model = Member
        fields = ["username", "display_name", "email"]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Say where it is used, e.g. “laptop script”."),
    )


def experiment_choices(arxiv_id: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Experiments grouped for a <select>: those reproducing this paper first."""
    paper = strip_version(arxiv_id) if arxiv_id else ""
    mine, others = [], []
    for experiment in experiments.all_experiments():
        target = mine if paper and strip_version(experiment.arxiv_id) == paper else others
        target.append((experiment.slug, experiment.title))
    groups = []
    if mine:
        groups.append((_("For this paper"), mine))
    if others:
        groups.append((_("Other papers") if mine else _("Experiments"), others))
    return groups


class RunForm(forms.Form):
    """Attach a demo to a review: the experiment, a preset, and (in subclasses) its settings.

    ``run_form_class()`` adds one form field per config field of an experiment, so a bad
    value comes back as an error on that field.
    """

    experiment = forms.ChoiceField(label=_("Experiment"))
    preset = forms.ChoiceField(label=_("Preset"))

    demo: ClassVar[Experiment | None] = None

    def __init__(self, *args: Any, arxiv_id: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["experiment"].choices = experiment_choices(arxiv_id)
        presets = list(self.demo.presets) if self.demo else []
        self.fields["preset"].choices = [(name, name) for name in presets]
        for name in ("experiment", "preset"):
            self.fields[name].widget.attrs["class"] = "run-" + name

    @property
    def config_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in ("experiment", "preset")]

    def overrides(self) -> dict[str, Any]:
        """The settings that differ from the chosen preset (what the member changed)."""
        assert self.demo is not None
        preset = dataclasses.asdict(self.demo.presets[self.cleaned_data["preset"]])
        values = {f.name: self.cleaned_data[f.name] for f in self.config_fields}
        return {
            name: value
            for name, value in values.items()
            if value is not None and value != preset.get(name)
        }

    def add_config_errors(self, errors: dict[str, list[str]]) -> None:
        """Put a service's per-field errors on their fields (others on the form)."""
        for name, messages in errors.items():
            for message in messages:
                if name in self.fields:
                    self.add_error(name, message)
                else:
                    self.add_error(None, f"{name}: {message}")


def _config_field(info: dict[str, Any]) -> forms.Field:
    # Not required: a blank field keeps the preset's value.
    common: dict[str, Any] = {
        "label": info["name"],
        "help_text": translate_lazy(info.get("description", "")),
        "required": False,
    }
    kind = info["type"]
    if info.get("enum") is not None:
        coerce = {"integer": int, "number": float, "boolean": bool}.get(kind, str)
        return forms.TypedChoiceField(
            choices=[(value, str(value)) for value in info["enum"]],
            coerce=coerce,
            empty_value=None,
            **common,
        )
    if kind == "boolean":
        return forms.BooleanField(**common)
    bounds = {"min_value": info.get("minimum"), "max_value": info.get("maximum")}
    if kind == "integer":
        return forms.IntegerField(**bounds, **common)
    if kind == "number":
        field = forms.FloatField(**bounds, **common)
        field.widget.attrs["step"] = "any"  # min and max stay, but any float is allowed
        return field
    return forms.CharField(max_length=200, **common)


@functools.cache
def run_form_class(slug: str) -> type[RunForm]:
    """The launch form of one experiment (``KeyError`` if there is none)."""
    demo = experiments.get(slug)
    fields = {info["name"]: _config_field(info) for info in demo.config_class.fields_info()}
    fields = {name: field for name, field in fields.items() if name not in RunForm.base_fields}
    name = "".join(part.title() for part in slug.replace("-", "_").split("_")) + "RunForm"
    return type(name, (RunForm,), {"demo": demo, **fields})


def run_form(data: Any = None, *, arxiv_id: str, experiment: str = "", preset: str = "") -> RunForm:
    """The form for the experiment named in ``data`` (or ``experiment``), with preset initials.

    An unknown experiment gives the bare form, which then fails on the experiment field.
    """
    if data is not None:
        experiment = data.get("experiment", "")
    if not experiment:
        groups = experiment_choices(arxiv_id)
        experiment = groups[0][1][0][0] if groups else ""
    try:
        form_class = run_form_class(experiment)
    except KeyError:
        return RunForm(data, arxiv_id=arxiv_id, initial={"experiment": experiment})
    demo = form_class.demo
    if preset not in demo.presets:
        preset = "tiny" if "tiny" in demo.presets else next(iter(demo.presets))
    initial = {"experiment": demo.slug, "preset": preset, **demo.presets[preset].to_dict()}
    return form_class(data, arxiv_id=arxiv_id, initial=initial)


# Imports: a paper from arXiv, citation lines or BibTeX, a blog feed.

DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")


class ArxivLookupForm(forms.Form):
    query = forms.CharField(
        label=_("arXiv id or link"),
        max_length=300,
        help_text=_("For example 1711.09846, arXiv:2201.02177v2 or an arxiv.org link."),
    )

    def clean_query(self) -> str:
        arxiv_id = parse_arxiv_id(self.cleaned_data["query"])
        if arxiv_id is None:
            raise ValidationError(
                gettext("That is not an arXiv id or arxiv.org link (like 1711.09846)."),
                code="invalid_arxiv_id",
            )
        return arxiv_id


class PaperForm(forms.Form):
    """The paper as it will be saved; every field can be corrected before saving."""

    title = forms.CharField(label=_("Title"), max_length=500)
    authors = forms.CharField(
        label=_("Authors"),
        required=False,
        max_length=20000,
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2100)
    venue = forms.CharField(label=_("Venue"), required=False, max_length=200)
    abstract = forms.CharField(
        label=_("Abstract"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    arxiv_id = forms.CharField(label=_("arXiv id"), required=False, max_length=300)
    doi = forms.CharField(label=_("DOI"), required=False, max_length=200)
    url = forms.URLField(label=_("Paper URL"), required=False, max_length=500)

    def clean_authors(self) -> list[str]:
        lines = self.cleaned_data["authors"].splitlines()
        return [" ".join(line.split()) for line in lines if line.strip()]

    def clean_arxiv_id(self) -> str:
        value = self.cleaned_data["arxiv_id"]
        if not value:
            return ""
        arxiv_id = parse_arxiv_id(value)
        if arxiv_id is None:
            raise ValidationError(
                gettext("“%(value)s” is not an arXiv id (like 1803.05407 or cs/0112017)."),
                params={"value": value},
                code="invalid_arxiv_id",
            )
        return arxiv_id

    def clean_doi(self) -> str:
        value = self.cleaned_data["doi"]
        # Members paste DOIs as links as often as bare; store the bare form.
        for prefix in DOI_PREFIXES:
            if value.lower().startswith(prefix):
                value = value[len(prefix) :].strip()
        validate_doi(value)
        return value

    @classmethod
    def initial_from(cls, data: PaperData) -> dict[str, object]:
        return {
            "title": data.title,
            "authors": "\n".join(data.authors),
            "year": data.year,
            "venue": data.venue,
            "abstract": data.abstract,
            "arxiv_id": data.arxiv_id,
            "doi": data.doi,
            "url": data.url,
        }


UPLOAD_SUFFIXES = (".bib", ".bibtex", ".txt")


def _upload_help() -> str:
    # Formatted when shown, in the reader's language; at import it would always be English.
    return gettext(".bib or .txt, UTF-8, up to %(size)d KB.") % {"size": MAX_IMPORT_BYTES // 1024}


class PaperImportForm(forms.Form):
    """Citation lines or BibTeX, pasted or uploaded, and the list to number them on."""

    text = forms.CharField(
        label=_("Citation lines or BibTeX"),
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 12, "spellcheck": "false", "maxlength": MAX_IMPORT_BYTES}
        ),
        help_text=_(
            "One citation per line, with your numbering (“16. Jaderberg, Max, et al. …”), "
            "or BibTeX entries."
        ),
    )
    upload = forms.FileField(
        label=_("…or a file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}),
        help_text=lazy(_upload_help, str)(),
    )
    reading_list = forms.ModelChoiceField(
        label=_("Reading list"),
        queryset=ReadingList.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label=_("None: only add the papers"),
    )

    def __init__(self, *args: Any, can_number: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if can_number:
            self.fields["reading_list"].queryset = ReadingList.objects.select_related(
                "cohort"
            ).order_by("cohort__name", "title")
        else:
            # Entries are the organizers' to write (as in the API); members add papers only.
            del self.fields["reading_list"]

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if len(text.encode("utf-8", errors="surrogatepass")) > MAX_IMPORT_BYTES:
            raise ValidationError(import_too_big())
        return text

    def clean_upload(self) -> str:
        upload = self.cleaned_data.get("upload")
        if not upload:
            return ""
        if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            raise ValidationError(gettext("Upload a .bib or .txt file."))
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(import_too_big())
        try:
            return upload.read(MAX_IMPORT_BYTES + 1).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(gettext("The file is not UTF-8 text.")) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        text, upload = data.get("text", ""), data.get("upload", "")
        if "text" in self.errors or "upload" in self.errors:
            return data
        if text.strip() and upload:
            raise ValidationError(gettext("Paste text or upload a file, not both."))
        data["source"] = upload or text
        if not data["source"].strip():
            raise ValidationError(gettext("Paste some citation lines or BibTeX, or upload a file."))
        return data


class FeedImportForm(forms.Form):
    """A feed file or a feed URL, one of the two."""

    feed = forms.FileField(label=_("Feed file (RSS or Atom)"), required=False)
    url = forms.URLField(
        label=_("or the feed's URL"),
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text=_("For example https://velog.io/rss/@name or https://name.tistory.com/rss"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("feed")) == bool(data.get("url")):
            raise forms.ValidationError(
                gettext("Choose a feed file or give a URL (one of the two).")
            )
        upload = data.get("feed")
        if upload is not None and upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                gettext("The file is larger than the %(limit)d KB limit.")
                % {"limit": MAX_IMPORT_BYTES // 1024}
            )
        return data
