from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .enums import MAX_REMIND_DAYS, Delivery, Kind
from .models import NotificationSettings
from .services import delivery_of


class NotificationSettingsForm(forms.Form):
    """A choice of delivery for each kind, and how far ahead reminders come."""

    remind_days = forms.IntegerField(
        label=_("Remind me of presenting and of deadlines this many days ahead"),
        min_value=1,
        max_value=MAX_REMIND_DAYS,
    )

    def __init__(self, *args: Any, current: NotificationSettings, **kwargs: Any) -> None:
        initial = {"remind_days": current.remind_days}
        initial.update({kind: delivery_of(current, kind) for kind in Kind.values})
        super().__init__(*args, initial=initial, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(label=kind.label, choices=Delivery.choices)

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[kind] for kind in Kind.values]

    def deliveries(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in Kind.values}
