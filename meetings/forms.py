"""Forms of the planning and session pages; writes go through meetings.services."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews.models import Cohort, Member, ReadingList, ReadingListEntry
from reviews.validators import time_zone_names

from . import rules
from .enums import RsvpAnswer, SessionStatus
from .models import Session
from .services import Schedule, SessionFields


def _zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(time_zone_names())]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's field errors on the form's fields (the rest on the form itself)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def parse_days(text: str) -> list[date]:
    """Dates like 2026-09-24 separated by spaces or commas; a clear error for anything else."""
    days = []
    for word in re.split(r"[\s,]+", text.strip()):
        if not word:
            continue
        try:
            days.append(date.fromisoformat(word))
        except ValueError:
            raise ValidationError(
                _("“%(word)s” is not a date like 2026-09-24."), params={"word": word[:40]}
            ) from None
    return days


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class ScheduleForm(forms.Form):
    """ "Every Thursday 19:30–21:30 for 12 weeks, skipping these dates"."""

    first_day = forms.DateField(label=_("First session"), widget=DateInput)
    starts = forms.TimeField(label=_("Starts at"), initial=time(19, 30), widget=TimeInput)
    ends = forms.TimeField(label=_("Ends at"), initial=time(21, 30), widget=TimeInput)
    count = forms.IntegerField(
        label=_("Sessions"),
        min_value=1,
        max_value=52,
        initial=12,
        help_text=_("One a week on the first session's weekday; skipped dates don't count."),
    )
    skip = forms.CharField(
        label=_("Skip these dates"),
        required=False,
        help_text=_("Dates like 2026-09-24, separated by spaces or commas."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_zone_choices)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_url = forms.URLField(label=_("Video link"), max_length=500, required=False)

    def clean_skip(self) -> frozenset[date]:
        return frozenset(parse_days(self.cleaned_data["skip"]))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "starts" in data and "ends" in data and data["ends"] <= data["starts"]:
            self.add_error("ends", _("A session must end after it starts."))
        return data

    def schedule(self) -> Schedule:
        data = self.cleaned_data
        return Schedule(
            first_day=data["first_day"],
            at=data["starts"],
            duration=datetime.combine(date.min, data["ends"])
            - datetime.combine(date.min, data["starts"]),
            count=data["count"],
            time_zone=data["time_zone"],
            skip=data["skip"],
            place=data["place"],
            video_url=data["video_url"],
        )


class MemberChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.name


class EntryChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ReadingListEntry) -> str:
        return f"{obj.number}. {obj.paper.title}"


class SessionForm(forms.Form):
    """One session, edited inline on the planning page; times are in its own zone."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    day = forms.DateField(label=_("Date"), widget=DateInput)
    starts = forms.TimeField(label=_("Starts at"), widget=TimeInput)
    ends = forms.TimeField(label=_("Ends at"), widget=TimeInput)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_zone_choices)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_url = forms.URLField(label=_("Video link"), max_length=500, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=SessionStatus.choices)
    presenters = MemberChoice(label=_("Presenters"), queryset=Member.objects.none(), required=False)
    entries = EntryChoice(
        label=_("Papers"), queryset=ReadingListEntry.objects.none(), required=False
    )
    agenda = forms.CharField(
        label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    notes = forms.CharField(
        label=_("Notes and decisions"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, cohort: Cohort, session: Session | None = None, **kwargs: Any):
        if session is not None and "initial" not in kwargs:
            zone = zoneinfo.ZoneInfo(session.time_zone)
            start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
            kwargs["initial"] = {
                "title": session.title,
                "day": start.date(),
                "starts": start.time(),
                "ends": end.time(),
                "time_zone": session.time_zone,
                "place": session.place,
                "video_url": session.video_url,
                "status": session.status,
                "presenters": [p.pk for p in session.presenters.all()],
                "entries": [e.pk for e in session.entries.all()],
                "agenda": session.agenda,
                "notes": session.notes,
            }
        super().__init__(*args, **kwargs)
        self.fields["presenters"].queryset = Member.objects.filter(
            pk__in=rules.cohort_member_ids(cohort)
        ).order_by("username")
        self.fields["entries"].queryset = (
            ReadingListEntry.objects.filter(reading_list__cohort=cohort)
            .select_related("paper")
            .order_by("reading_list_id", "number")
        )

    def fields_value(self) -> SessionFields:
        data = self.cleaned_data
        zone = zoneinfo.ZoneInfo(data["time_zone"])
        starts_at = datetime.combine(data["day"], data["starts"], tzinfo=zone)
        ends_at = datetime.combine(data["day"], data["ends"], tzinfo=zone)
        if ends_at <= starts_at:
            # A session past midnight ends the next day.
            ends_at += timedelta(days=1)
        return SessionFields(
            starts_at=starts_at,
            ends_at=ends_at,
            time_zone=data["time_zone"],
            title=data["title"],
            place=data["place"],
            video_url=data["video_url"],
            agenda=data["agenda"],
            notes=data["notes"],
            status=data["status"],
        )


class AssignmentForm(forms.Form):
    """ "Each member reviews N papers of this list by date D"."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    reading_list = forms.ModelChoiceField(
        label=_("Reading list"), queryset=ReadingList.objects.none()
    )
    papers_required = forms.IntegerField(
        label=_("Papers each member reviews"), min_value=1, max_value=1000
    )
    due = forms.DateField(label=_("Due by the end of"), widget=DateInput)
    length_guideline = forms.CharField(
        label=_("Length guideline"),
        max_length=200,
        required=False,
        help_text=_("Optional, like “half a page per paper”."),
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reading_list"].queryset = ReadingList.objects.filter(cohort=cohort)

    def due_at(self) -> datetime:
        day = self.cleaned_data["due"]
        return datetime.combine(day, time(23, 59), tzinfo=timezone.get_current_timezone())


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(label=_("Will you come?"), choices=RsvpAnswer.choices)


class SwapForm(forms.Form):
    """Ask another member to take my turn (optionally giving me theirs)."""

    counterpart = forms.ModelChoiceField(label=_("Ask"), queryset=Member.objects.none())
    counterpart_session = forms.ModelChoiceField(
        label=_("In exchange for their session"),
        queryset=Session.objects.none(),
        required=False,
        help_text=_("Leave empty to hand your turn over."),
    )

    def __init__(self, *args: Any, session: Session, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [m for m in rules.cohort_member_ids(session.cohort) if m != member.pk]
        self.fields["counterpart"].queryset = Member.objects.filter(pk__in=ids).order_by("username")
        self.fields["counterpart"].label_from_instance = lambda m: m.name
        self.fields["counterpart_session"].queryset = Session.objects.filter(
            cohort=session.cohort, status=SessionStatus.PLANNED, starts_at__gt=timezone.now()
        ).exclude(pk=session.pk)


class AttendanceForm(forms.Form):
    present = MemberChoice(
        label=_("Who came"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = Member.objects.filter(
            pk__in=rules.cohort_member_ids(session.cohort)
        ).order_by("username")


class UnavailabilityForm(forms.Form):
    days = forms.CharField(
        label=_("Days I cannot present"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Dates like 2026-09-24, separated by spaces or commas."),
    )

    def clean_days(self) -> list[date]:
        return parse_days(self.cleaned_data["days"])
