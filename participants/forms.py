"""Forms for the participant registry."""

from django import forms
from django.utils.translation import gettext_lazy as _

from regions.models import Region

from .models import Agency, AgencyAlias, Participant
from .normalisation import collapse_whitespace
from .services import ParticipantMatch, participant_matches, participant_update


class AgencyChoiceMixin(forms.Form):
    """Choose an agency by typing its name, short name or an alias, or create one.

    ``clean()`` sets ``self.agency`` (an Agency or None) or, when the user ticked
    ``create_agency`` for a name no agency has, ``self.new_agency_name``; the
    caller creates that agency in the same transaction as the participant.
    """

    agency_name = forms.CharField(
        label=_("Agency"),
        max_length=200,
        required=False,
        help_text=_(
            "Type the name, the short name or a usual spelling, for example "
            "“Dinsos Maros”, and pick from the list."
        ),
        widget=forms.TextInput(attrs={"list": "agency-options", "autocomplete": "off"}),
    )
    create_agency = forms.BooleanField(
        label=_("This agency is not in the list: create it"),
        required=False,
    )
    agency_type = forms.ChoiceField(
        label=_("Type of the new agency"),
        choices=Agency.Type.choices,
        initial=Agency.Type.OTHER,
        required=False,
    )

    def __init__(self, *args, region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.agency = None
        self.new_agency_name = ""

    def clean(self):
        cleaned_data = super().clean()
        name = collapse_whitespace(cleaned_data.get("agency_name", ""))
        if not name:
            return cleaned_data
        candidates = list(Agency.objects.matching(name).select_related("region"))
        if len(candidates) > 1 and self.region is not None:
            nearby = [a for a in candidates if a.region_id == self.region.pk]
            candidates = nearby or candidates
        if len(candidates) == 1:
            self.agency = candidates[0]
        elif candidates:
            self.add_error(
                "agency_name",
                _("Several agencies are called “%(name)s”: %(list)s.")
                % {
                    "name": name,
                    "list": "; ".join(
                        f"{a.name} ({a.region or '—'})" for a in candidates
                    ),
                },
            )
        elif cleaned_data.get("create_agency"):
            self.new_agency_name = name
        else:
            self.add_error(
                "agency_name",
                _(
                    "No agency is called “%(name)s”. Pick one from the list, "
                    "or tick “This agency is not in the list: create it”."
                )
                % {"name": name},
            )
        return cleaned_data


class ParticipantForm(AgencyChoiceMixin, forms.ModelForm):
    """A person's details; the agency is typed (see AgencyChoiceMixin).

    Sex is required here, unlike in imports, because the person is at hand. On an
    existing person the NIK box starts empty so the full NIK is never shown; leaving
    it empty keeps the stored NIK.
    """

    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=[
            (Participant.Sex.MALE, Participant.Sex.MALE.label),
            (Participant.Sex.FEMALE, Participant.Sex.FEMALE.label),
        ],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Participant
        fields = [
            "full_name",
            "sex",
            "position",
            "village",
            "phone",
            "nik",
            "email",
            "birth_date",
            "disability",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "nik": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 16}
            ),
        }

    field_order = [
        "full_name",
        "sex",
        "agency_name",
        "create_agency",
        "agency_type",
        "position",
        "village",
        "phone",
        "nik",
        "email",
        "birth_date",
        "disability",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk:
            if instance.agency_id:
                self.initial.setdefault("agency_name", instance.agency.name)
                if self.region is None:
                    self.region = instance.agency.region
            if instance.nik:
                self.initial["nik"] = ""
                self.fields["nik"].help_text = _(
                    "Stored: %(nik)s. Leave empty to keep it."
                ) % {"nik": instance.nik_masked}

    def clean_nik(self):
        nik = "".join(self.cleaned_data.get("nik", "").split())
        if not nik and self.instance.pk:
            return self.instance.nik
        if nik and (len(nik) != 16 or not nik.isdigit()):
            raise forms.ValidationError(
                _("NIK must be exactly 16 digits; you typed %(count)d characters."),
                params={"count": len(nik)},
            )
        # The database's unique constraint would report this without naming the
        # field; checked here so the message sits next to the NIK box.
        taken = Participant.objects.filter(nik=nik).exclude(pk=self.instance.pk)
        if nik and taken.exists():
            raise forms.ValidationError(
                _("Another participant already has this NIK."), code="unique"
            )
        return nik

    def clean(self):
        cleaned_data = super().clean()
        if self.agency is not None or not self.new_agency_name:
            self.instance.agency = self.agency
        return cleaned_data

    def save(self, commit=True):
        """Save through ``participant_update``, creating a new agency if asked."""
        participant = super().save(commit=False)
        if commit:
            participant_update(
                participant=participant,
                new_agency_name=self.new_agency_name,
                new_agency_type=self.cleaned_data.get("agency_type")
                or Agency.Type.OTHER,
                region=self.region,
            )
        return participant

    def probable_matches(self) -> list[ParticipantMatch]:
        """Existing people who are probably this person, from what was typed (even
        when other fields have errors, so a NIK already taken shows its owner)."""
        if not self.is_bound:
            return []
        self.is_valid()
        return participant_matches(
            full_name=self.data.get(self.add_prefix("full_name"), ""),
            phone=self.data.get(self.add_prefix("phone"), ""),
            nik="".join(self.data.get(self.add_prefix("nik"), "").split()),
            agency=self.agency,
            exclude_pk=self.instance.pk,
        )


def agency_datalist() -> list[str]:
    """Every agency name, short name and alias, sorted, for the agency box's list
    of suggestions (two queries)."""
    names = set()
    for name, short_name in Agency.objects.values_list("name", "short_name"):
        names.add(name)
        if short_name:
            names.add(short_name)
    names.update(AgencyAlias.objects.values_list("name", flat=True))
    return sorted(names, key=str.casefold)


class ParticipantImportForm(forms.Form):
    """Upload a sign-in sheet or participant list (.xlsx or .csv, at most 10 MB)."""

    file = forms.FileField(
        label=_("Sign-in sheet or participant list"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )
    blank_sex_is_not_recorded = forms.BooleanField(
        label=_("Import an empty L/P cell as “not recorded”"),
        required=False,
        help_text=_("Otherwise a row without L/P is an error to fix in the file."),
    )

    def clean_file(self):
        from .importing import MAX_FILE_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB. Split it into smaller files."),
                params={"size": MAX_FILE_BYTES // (1024 * 1024)},
            )
        return upload


class ParticipantImportDecisionForm(forms.Form):
    """The choices of an import preview: what to do with each unknown agency
    (create it, treat it as another new agency of the file, or map it to an
    existing one), which proposed matches to reject, and whether an empty L/P
    cell means "not recorded".

    ``fingerprint`` carries the digest of the preview the user saw, so confirming
    a preview that has since changed shows the new one instead.
    """

    CREATE = "create"
    SAME_AS = "same:"

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
            if same_as:
                choices.append((_("Same as a new agency of this file"), same_as))
            if existing:
                choices.append((_("An existing agency"), existing))
            if unknown.same_as:
                initial = self.SAME_AS + unknown.same_as
            else:
                initial = str(unknown.choice) if unknown.choice else self.CREATE
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

    @staticmethod
    def agency_field_name(key: str) -> str:
        import hashlib

        return "agency_" + hashlib.sha256(key.encode()).hexdigest()[:12]

    def bound_agency_fields(self):
        return [(unknown, self[name]) for unknown, name in self.agency_fields]

    def bound_match_fields(self):
        return {row_plan.row.row: self[name] for row_plan, name in self.match_fields}

    def options(self):
        """The choices as ``importing.ImportOptions``."""
        from .importing import ImportOptions

        data = self.cleaned_data
        agency_choices = {}
        for unknown, name in self.agency_fields:
            value = data.get(name)
            if not value:  # not sent: keep the choice shown
                agency_choices[unknown.key] = unknown.same_as or unknown.choice
            elif value == self.CREATE:
                agency_choices[unknown.key] = None
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
        rejected = {
            row_plan.row.row for row_plan, name in self.match_fields if data.get(name)
        }
        return ImportOptions(
            blank_sex_is_not_recorded=data.get("blank_sex_is_not_recorded", False),
            agency_choices=agency_choices,
            rejected_rows=rejected,
        )
