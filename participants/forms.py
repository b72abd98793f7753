"""Forms for the participant registry."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from regions.forms import RegionField
from regions.models import VILLAGE_LEVELS, Region
from setara.fields import SingleLineFormField

from .matching import ParticipantMatch
from .models import Agency, AgencyAlias, Participant
from .nik_access import nik_for_matching
from .normalisation import (
    InvalidPhoneNumber,
    collapse_whitespace,
    display_phone,
    is_placeholder,
    normalise_phone,
)
from .services import participant_matches, participant_update


class AgencyChoiceMixin(forms.Form):
    """Choose an agency by typing its name, short name or an alias, or create one.

    ``clean()`` sets ``self.agency`` (an Agency or None) or, when the user ticked
    ``create_agency`` for a name no agency has, ``self.new_agency_name``; the
    caller creates that agency in the same transaction as the participant.
    """

    # No maxlength on the input (SingleLineFormField): a longer name pasted is
    # refused with a message, never cut by the browser.
    agency_name = SingleLineFormField(
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
        """Resolve the typed agency (``AgencyQuerySet.resolve``, preferring the
        agency in ``region``), or ask the user to choose or to create it."""
        cleaned_data = super().clean()
        name = collapse_whitespace(cleaned_data.get("agency_name", ""))
        if not name:
            return cleaned_data
        self.agency, candidates = Agency.objects.resolve(name, self.region)
        if self.agency is not None:
            return cleaned_data
        if candidates:
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
    # Longer than 16 so that a NIK typed in groups ("7309 0155 0190 0099") or
    # in full-width digits reaches clean_nik, which says what is wrong with it.
    nik = forms.CharField(
        label=_("NIK"),
        max_length=40,
        required=False,
        help_text=Participant._meta.get_field("nik").help_text,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 40}
        ),
    )

    # Longer than the 16 characters stored, so a number typed with spaces or
    # dashes ("+62 812-4231-7710") reaches clean_phone, which stores +62...;
    # a stored number is shown as people write it (0812-4231-7710).
    phone = SingleLineFormField(
        label=capfirst(Participant._meta.get_field("phone").verbose_name),
        max_length=40,
        required=False,
        help_text=Participant._meta.get_field("phone").help_text,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    village_region = RegionField(
        levels=VILLAGE_LEVELS,
        required=False,
        label=_("Village (desa/kelurahan)"),
        help_text=_("Type the village's name and pick it from the list."),
    )

    class Meta:
        model = Participant
        fields = [
            "full_name",
            "sex",
            "position",
            "village_region",
            "village",
            "phone",
            "nik",
            "email",
            "birth_date",
            "disability",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    field_order = [
        "full_name",
        "sex",
        "agency_name",
        "create_agency",
        "agency_type",
        "position",
        "village_region",
        "village",
        "phone",
        "nik",
        "email",
        "birth_date",
        "disability",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].label = _("Village as written (if not found)")
        self.fields["village"].help_text = _(
            "Only for a village not in the list above: write it as the person does."
        )
        instance = self.instance
        if instance.pk:
            if instance.agency_id:
                self.initial.setdefault("agency_name", instance.agency.name)
                if self.region is None:
                    self.region = instance.agency.region
            if instance.phone:
                self.initial["phone"] = display_phone(instance.phone)
            if instance.nik:
                self.initial["nik"] = ""
                self.fields["nik"].help_text = _(
                    "Stored: %(nik)s. Leave empty to keep it."
                ) % {"nik": instance.nik_masked}
        # The training's (or agency's) regency first in the village picker.
        self.fields["village_region"].widget.near_to(self.region)

    def clean_phone(self):
        """The number as stored (``+62...``, see ``normalise_phone``), however it
        was typed; "" for none."""
        try:
            return normalise_phone(self.cleaned_data.get("phone", ""))
        except InvalidPhoneNumber:
            raise forms.ValidationError(
                _(
                    "Enter an Indonesian phone number, for example 0812-3456-7890 "
                    "or +62 812 3456 7890."
                ),
                code="invalid",
            ) from None

    def clean_nik(self):
        typed = self.cleaned_data.get("nik", "")
        # "belum ada", "-", "0...": no NIK; full-width digits read as digits.
        nik = "" if is_placeholder(typed) else collapse_whitespace(typed)
        nik = nik.replace(" ", "")
        if not nik and self.instance.pk:
            return self.instance.nik
        if nik and (len(nik) != 16 or not (nik.isascii() and nik.isdigit())):
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

    def probable_matches(self, *, nik_visible: bool = True) -> list[ParticipantMatch]:
        """Existing people who are probably this person, from what was typed (even
        when other fields have errors, so a NIK already taken shows its owner to
        who may see it). ``nik_visible`` False (``participants.nik_access``): the
        NIK typed is left out, so the matches do not depend on it; the NIK's own
        error still says when it is taken, naming no one."""
        if not self.is_bound:
            return []
        self.is_valid()
        nik = collapse_whitespace(self.data.get(self.add_prefix("nik"), ""))
        return participant_matches(
            full_name=self.data.get(self.add_prefix("full_name"), ""),
            phone=self.data.get(self.add_prefix("phone"), ""),
            nik=nik_for_matching(nik.replace(" ", ""), nik_visible=nik_visible),
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
