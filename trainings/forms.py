"""Forms for recording a training: its details, enrolments and attendance."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from participants.forms import ParticipantForm
from participants.models import Participant

from .models import Enrolment, Topic, Training
from .services import training_save

_DATE_WIDGET = {"type": "date"}


class TrainingForm(forms.ModelForm):
    """A training's details. Dates use the browser's date picker (ISO values)."""

    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Training
        fields = [
            "title",
            "topics",
            "start_date",
            "end_date",
            "region",
            "venue",
            "organiser",
            "partners",
            "objectives",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs=_DATE_WIDGET, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs=_DATE_WIDGET, format="%Y-%m-%d"),
            "partners": forms.Textarea(attrs={"rows": 3}),
            "objectives": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = self.fields["region"].queryset.order_by("code")
        self.fields["region"].label_from_instance = lambda r: f"{r.code} {r.name}"

    def save(self, commit=True):
        """Save through ``training_save``, which raises ValidationError when new dates
        would leave recorded attendance outside the training."""
        training = super().save(commit=False)
        if commit:
            training_save(training=training, topics=self.cleaned_data["topics"])
        return training


class EnrolmentForm(forms.Form):
    """Enrol a person already in the registry."""

    participant = forms.ModelChoiceField(
        label=_("Participant"), queryset=Participant.objects.all()
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Enrolment.Role.choices,
        initial=Enrolment.Role.PARTICIPANT,
    )


class ParticipantEnrolForm(ParticipantForm):
    """A new person, enrolled in the training as soon as they are saved."""

    role = forms.ChoiceField(
        label=_("Role"),
        choices=Enrolment.Role.choices,
        initial=Enrolment.Role.PARTICIPANT,
    )

    field_order = ["role", *ParticipantForm.field_order]


class AttendanceGridForm(forms.Form):
    """The attendance grid: one checkbox per enrolment and training day.

    A cell's value is ``"<enrolment id>:<YYYY-MM-DD>"``. ``all_present`` holds a day
    whose column the user asked to tick entirely. ``cleaned_data["present"]`` becomes a
    set of ``(enrolment_id, date)`` pairs.
    """

    present = forms.MultipleChoiceField(required=False)
    all_present = forms.ChoiceField(required=False)
    shown = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, training: Training, enrolments: list[Enrolment], **kw):
        super().__init__(*args, **kw)
        self.training = training
        self.enrolments = enrolments
        self.days = training.days
        self.fields["present"].choices = [
            (self.cell_value(enrolment.pk, day), "")
            for enrolment in enrolments
            for day in self.days
        ]
        self.fields["all_present"].choices = [("", "")] + [
            (day.isoformat(), "") for day in self.days
        ]
        self.fields["shown"].choices = [(str(e.pk), "") for e in enrolments]
        self.initial["shown"] = [str(e.pk) for e in enrolments]

    @staticmethod
    def cell_value(enrolment_id: int, day: datetime.date) -> str:
        return f"{enrolment_id}:{day.isoformat()}"

    def clean(self):
        cleaned_data = super().clean()
        cells = set()
        for value in cleaned_data.get("present", []):
            enrolment_id, day = value.split(":")
            cells.add((int(enrolment_id), datetime.date.fromisoformat(day)))
        if cleaned_data.get("all_present"):
            day = datetime.date.fromisoformat(cleaned_data["all_present"])
            cells |= {(enrolment.pk, day) for enrolment in self.enrolments}
        cleaned_data["present"] = cells
        # Only the rows the user saw get absences; someone enrolled meanwhile keeps
        # "not recorded". A form posted without the list covers every row.
        shown = set(cleaned_data.get("shown") or [str(e.pk) for e in self.enrolments])
        cleaned_data["shown"] = [e for e in self.enrolments if str(e.pk) in shown]
        return cleaned_data

    def rows(self) -> list[dict]:
        """One row per enrolment: ``enrolment`` and ``cells`` (``value``, ``day``,
        ``checked``), checked from the submitted data or else from the database."""
        if self.is_bound:
            submitted = set(self.data.getlist(self.add_prefix("present")))
        rows = []
        for enrolment in self.enrolments:
            marks = enrolment.attendance_marks(self.days)
            cells = []
            for day, mark in zip(self.days, marks, strict=True):
                value = self.cell_value(enrolment.pk, day)
                checked = value in submitted if self.is_bound else bool(mark)
                cells.append({"value": value, "day": day, "checked": checked})
            rows.append({"enrolment": enrolment, "cells": cells})
        return rows
