"""Forms for recording a training: its details, enrolments and attendance, and
the upload and preview of a sign-in sheet import."""

import datetime
import hashlib
import re

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from participants.forms import ParticipantForm
from participants.models import Participant
from participants.sheets import MAX_FILE_MB, ImportFileError, check_file_size
from regions.forms import RegionField
from regions.models import REGENCY_LEVELS, VILLAGE_LEVELS, Region
from setara.submission import SubmissionTokenFormMixin

from .imports.plan import CREATE_AGENCY, ImportOptions
from .models import Enrolment, Topic, Training
from .scores import ScoreField, score_settings_errors
from .services import training_save
from .signin import MAX_BLANK_SHEET

_DATE_WIDGET = {"type": "date"}
#: Where a training can be held (``Region.Level`` values): not a province.
VENUE_LEVELS = (*REGENCY_LEVELS, Region.Level.DISTRICT.value, *VILLAGE_LEVELS)


class TrainingForm(SubmissionTokenFormMixin, forms.ModelForm):
    """A training's details. Dates use the browser's date picker (ISO values).

    A new training carries a one-time submission token (``setara.submission``),
    stored on the training it creates."""

    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    # Where it was held: a regency or city, or a district or village in one;
    # not a province (reports count each training in its regency/city).
    region = RegionField(
        levels=VENUE_LEVELS,
        label=_("Region"),
        help_text=_(
            "The regency or city, district or village where the training is held; "
            "type part of its name."
        ),
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
            "test_max_score",
            "test_pass_mark",
            "certificate_min_days",
            "certificate_requires_pass",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs=_DATE_WIDGET, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs=_DATE_WIDGET, format="%Y-%m-%d"),
            "partners": forms.Textarea(attrs={"rows": 3}),
            "objectives": forms.Textarea(attrs={"rows": 5}),
        }
        # Scores typed as people write them: "75,5" or "75.5".
        field_classes = {"test_max_score": ScoreField, "test_pass_mark": ScoreField}

    def clean(self):
        cleaned_data = super().clean()
        if "test_max_score" in cleaned_data:  # else its own error is shown
            errors = score_settings_errors(
                self.instance,
                maximum=cleaned_data["test_max_score"],
                pass_mark=cleaned_data.get("test_pass_mark"),
                maximum_changed="test_max_score" in self.changed_data,
            )
            for name, message in errors.items():
                self.add_error(name, message)
        return cleaned_data

    def save(self, commit=True):
        """Save through ``training_save``, which raises ValidationError when new dates
        would leave recorded attendance outside the training."""
        training = super().save(commit=False)
        if training._state.adding:
            training.submission_token = self.submitted_token()
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


class ParticipantEnrolForm(SubmissionTokenFormMixin, ParticipantForm):
    """A new person, enrolled in the training as soon as they are saved; with a
    one-time submission token (``setara.submission``), stored on the person."""

    role = forms.ChoiceField(
        label=_("Role"),
        choices=Enrolment.Role.choices,
        initial=Enrolment.Role.PARTICIPANT,
    )

    field_order = ["role", *ParticipantForm.field_order]


class AttendanceGridForm(forms.Form):
    """The attendance grid: one checkbox per enrolment and training day, for
    ``enrolments``, the rows of one page of the grid (the view pages the grid;
    a POST names its rows in ``shown``). Ids of any other enrolment, such as
    another training's, make the form invalid.

    A cell's value is ``"<enrolment id>:<YYYY-MM-DD>"``. ``all_present`` holds a day
    whose column the user asked to tick entirely. ``cleaned_data["present"]`` becomes a
    set of ``(enrolment_id, date)`` pairs.

    ``loaded`` carries the grid as the page showed it, one ``"<enrolment id>:<marks>"``
    per row with a mark per day (``1`` present, ``0`` absent, ``-`` not recorded);
    ``cleaned_data["loaded"]`` becomes ``{(enrolment_id, date): True/False/None}``,
    or None when the form did not send it. A row whose marks do not match the
    training's days makes the form invalid (the page is out of date).
    """

    present = forms.MultipleChoiceField(required=False)
    all_present = forms.ChoiceField(required=False)
    shown = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)
    loaded = forms.Field(required=False, widget=forms.MultipleHiddenInput)

    _MARKS = {True: "1", False: "0", None: "-"}
    _MARK_VALUES = {char: mark for mark, char in _MARKS.items()}

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

    def loaded_values(self) -> list[str]:
        """The ``loaded`` values of the grid as the database holds it now."""
        return [
            f"{e.pk}:"
            + "".join(self._MARKS[mark] for mark in e.attendance_marks(self.days))
            for e in self.enrolments
        ]

    def clean_loaded(self) -> dict | None:
        values = self.cleaned_data.get("loaded") or []
        if not values:
            return None
        ids = {e.pk for e in self.enrolments}
        loaded = {}
        for value in values:
            enrolment_id, _sep, marks = value.partition(":")
            if (
                not re.fullmatch(r"[0-9]{1,18}", enrolment_id)
                or int(enrolment_id) not in ids
                or len(marks) != len(self.days)
                or any(char not in self._MARK_VALUES for char in marks)
            ):
                raise forms.ValidationError(_("The grid is out of date."))
            for day, char in zip(self.days, marks, strict=True):
                loaded[(int(enrolment_id), day)] = self._MARK_VALUES[char]
        return loaded

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


class ParticipantImportForm(forms.Form):
    """Upload a sign-in sheet or participant list (.xlsx or .csv, at most
    ``participants.sheets.MAX_FILE_BYTES``)."""

    file = forms.FileField(
        label=_("Sign-in sheet or participant list"),
        help_text=format_lazy(
            _("An Excel workbook (.xlsx) or a CSV file, at most {size} MB."),
            size=MAX_FILE_MB,
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )
    blank_sex_is_not_recorded = forms.BooleanField(
        label=_("Import an empty L/P cell as “not recorded”"),
        required=False,
        help_text=_("Otherwise a row without L/P is an error to fix in the file."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_file_size(upload.size)
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from None
        return upload


class ParticipantImportDecisionForm(forms.Form):
    """The choices of an import preview: what to do with each unknown agency
    (create it, treat it as another new agency of the file, or map it to an
    existing one; a name several agencies have starts with no choice), which
    proposed matches to reject, whether each match on the name alone or
    suggestion is the same person (a name-only match starts undecided, a
    suggestion as a different person), which village a village name several
    villages have means (the text only by default), and whether an empty L/P
    cell means "not recorded".

    ``fingerprint`` carries the digest of the preview the user saw, so confirming
    a preview that has since changed shows the new one instead.
    """

    CREATE = "create"
    SAME_AS = "same:"
    TEXT_ONLY = ""
    SAME_PERSON = "same"
    NEW_PERSON = "new"

    blank_sex_is_not_recorded = forms.BooleanField(
        label=_("Import an empty L/P cell as “not recorded”"),
        required=False,
    )
    fingerprint = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, plan, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        existing = [(str(agency.pk), agency.name) for agency in agencies]
        self.initial.setdefault(
            "blank_sex_is_not_recorded", plan.options.blank_sex_is_not_recorded
        )
        self.initial.setdefault("fingerprint", plan.fingerprint())
        self.agency_fields = []
        for unknown in plan.unknown_agencies:
            name = self.agency_field_name(unknown.key)
            same_as = [
                (self.SAME_AS + other.key, other.name)
                for other in plan.unknown_agencies
                if other.key != unknown.key
            ]
            choices = [(self.CREATE, _("Create this agency"))]
            if unknown.candidates:
                choices = [
                    ("", _("— Choose the agency it means —")),
                    (
                        _("Agencies with this name"),
                        [
                            (str(a.pk), f"{a.name} ({a.region or '—'})")
                            for a in unknown.candidates
                        ],
                    ),
                    (self.CREATE, _("Create a new agency with this name")),
                ]
            if same_as:
                choices.append((_("Same as a new agency of this file"), same_as))
            if existing:
                choices.append((_("An existing agency"), existing))
            if unknown.same_as:
                initial = self.SAME_AS + unknown.same_as
            elif unknown.choice:
                initial = str(unknown.choice)
            else:
                initial = "" if unknown.needs_choice else self.CREATE
            self.fields[name] = forms.ChoiceField(
                label=unknown.name,
                choices=choices,
                initial=initial,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.agency_fields.append((unknown, name))
        self.match_fields = []
        for row_plan in plan.rows:
            if row_plan.can_reject:
                name = f"reject_{row_plan.row.row}"
                self.fields[name] = forms.BooleanField(
                    label=_("Not the same person: create a new one"),
                    required=False,
                    initial=row_plan.rejected,
                )
                self.match_fields.append((row_plan, name))
            elif row_plan.needs_decision:
                name = f"person_{row_plan.row.row}"
                self.fields[name] = self._decision_field(row_plan)
                self.match_fields.append((row_plan, name))
        self.village_fields = self._village_fields(plan)

    def _village_fields(self, plan) -> list:
        """A choice for each village of the file that matches several villages
        (or villages of another district): one of them, or the text only (the
        default; a village never holds up the import). Returns ``(VillageMatch,
        field name)`` pairs."""
        pairs = []
        for village in plan.villages:
            if not village.ambiguous:
                continue
            name = "village_" + hashlib.sha256(village.key.encode()).hexdigest()[:12]
            self.fields[name] = forms.ChoiceField(
                label=village.village,
                choices=[
                    (self.TEXT_ONLY, _("Keep as text only")),
                    *((v.code, f"{v.label} ({v.code})") for v in village.candidates),
                ],
                initial=village.code,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            pairs.append((village, name))
        return pairs

    def _decision_field(self, row_plan) -> forms.ChoiceField:
        """The "same person" or "different person" choice for a match on the name
        alone (no choice at first: the import waits for one) or a suggestion (a
        different person unless the user says otherwise)."""
        choices = [
            (self.SAME_PERSON, _("Same person: enrol the one in the registry")),
            (self.NEW_PERSON, _("Different person: create a new one")),
        ]
        if row_plan.confirmed:
            initial = self.SAME_PERSON
        elif row_plan.rejected or not row_plan.undecided:
            initial = self.NEW_PERSON
        else:
            choices.insert(0, ("", _("— Same person? Choose —")))
            initial = ""
        return forms.ChoiceField(
            label=_("Is this the same person?"),
            choices=choices,
            initial=initial,
            required=False,
            widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        )

    @staticmethod
    def agency_field_name(key: str) -> str:
        """The form field of the unknown agency with this key."""
        return "agency_" + hashlib.sha256(key.encode()).hexdigest()[:12]

    def bound_agency_fields(self):
        """``(UnknownAgency, bound field)`` pairs, in the plan's order."""
        return [(unknown, self[name]) for unknown, name in self.agency_fields]

    def bound_village_fields(self):
        """``(VillageMatch, bound field)`` pairs, in the plan's order."""
        return [(village, self[name]) for village, name in self.village_fields]

    def bound_match_fields(self):
        """Row number -> the bound "not the same person" box, or "same person?"
        choice, of that row."""
        return {row_plan.row.row: self[name] for row_plan, name in self.match_fields}

    def options(self):
        """The choices as ``ImportOptions`` (call after ``is_valid``)."""
        data = self.cleaned_data
        agency_choices = {}
        for unknown, name in self.agency_fields:
            value = data.get(name)
            if not value:  # not sent: keep the choice shown
                agency_choices[unknown.key] = (
                    unknown.same_as
                    or unknown.choice
                    or (CREATE_AGENCY if unknown.create_chosen else None)
                )
            elif value == self.CREATE:
                # Created by default, unless existing agencies have this name.
                agency_choices[unknown.key] = (
                    CREATE_AGENCY if unknown.candidates else None
                )
            elif value.startswith(self.SAME_AS):
                agency_choices[unknown.key] = value.removeprefix(self.SAME_AS)
            else:
                agency_choices[unknown.key] = int(value)
        # Choices for agencies no longer in the file are kept: harmless. "Create"
        # is the default, so it is not stored (an unchanged form, equal options).
        agency_choices = {
            key: choice
            for key, choice in {
                **self.plan.options.agency_choices,
                **agency_choices,
            }.items()
            if choice is not None
        }
        rejected, confirmed = set(), set()
        for row_plan, name in self.match_fields:
            value = data.get(name)
            if value is True or value == self.NEW_PERSON:
                rejected.add(row_plan.row.row)
            elif value == self.SAME_PERSON:
                confirmed.add(row_plan.row.row)
        # Choices for villages no longer in the file are dropped.
        village_choices = {
            village.key: data.get(name)
            for village, name in self.village_fields
            if data.get(name)
        }
        return ImportOptions(
            blank_sex_is_not_recorded=data.get("blank_sex_is_not_recorded", False),
            agency_choices=agency_choices,
            rejected_rows=rejected,
            confirmed_rows=confirmed,
            village_choices=village_choices,
        )


class SignInSheetForm(forms.Form):
    """The sign-in sheet's options, from the query string: a blank sheet for a
    number of people (1 to ``MAX_BLANK_SHEET``) instead of the enrolled people,
    and a "No. HP" column that people fill in."""

    blank_for = forms.IntegerField(
        label=_("Blank sheet for how many people"),
        min_value=1,
        max_value=MAX_BLANK_SHEET,
        required=False,
        help_text=_(
            "Leave empty for the enrolled people, with blank rows for walk-ins "
            "to the end of the last page."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    phone = forms.BooleanField(
        label=_("Add a “No. HP” column (phone number, written by each person)"),
        required=False,
    )
