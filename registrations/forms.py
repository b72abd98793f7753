"""The public registration form, and the desk's settings form.

The form asks what the sign-in sheet asks (``Registration``'s fields), the six
WG-SS questions (optional), the consent statement's checkbox and a honeypot field
that people never see. It needs no JavaScript: the village is a plain ``<select>``
of the desa/kelurahan of the training's regency, grouped by kecamatan, with a
text box for a village not in the list.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from participants.functioning import WG_FIELDS, WG_QUESTIONS, Difficulty
from participants.normalisation import CellError, parse_nik, parse_phone
from regions.models import REGENCY_LEVELS, VILLAGE_LEVELS, Region
from setara.fields import SingleLineFormField
from setara.submission import SubmissionTokenFormMixin
from trainings.imports.villages import village_scope

from .models import Registration, RegistrationDesk

#: The honeypot's name: a field bots fill in and people never see.
HONEYPOT = "website"

#: The fields of the sign-in sheet, in the order the form shows them.
PERSON_FIELDS = (
    "full_name",
    "sex",
    "agency_name",
    "position",
    "phone",
    "village_region",
    "village",
    "nik",
)


def phone_clean(value, message=None) -> str:
    """A phone number typed in a form, as ``+62...``
    (``participants.normalisation.parse_phone``).

    Raises forms.ValidationError for a number that cannot be Indonesian (with
    ``message``, else parse_phone's own text; code "invalid") and for a
    placeholder such as "-" or "belum ada", which parse_phone reads as no number
    (with ``message``, else the field's "required" text; code "required")."""
    try:
        phone = parse_phone(value)
    except CellError as error:
        raise forms.ValidationError(message or error.args[0], code="invalid") from None
    if not phone:
        if message:
            raise forms.ValidationError(message, code="invalid")
        raise forms.ValidationError(
            forms.Field.default_error_messages["required"], code="required"
        )
    return phone


def village_choices(training) -> tuple[list, dict[int, Region]]:
    """The ``<select>`` choices of the villages of the training's regency or city,
    grouped by district (``[(district, [(pk, village), ...]), ...]``, by name),
    and the villages by pk. One query (two for a training recorded for a
    district or village); none listed for a training of a whole province (too
    many villages for a phone: the text box is used)."""
    scope = village_scope(training)
    if scope is None or scope.level not in REGENCY_LEVELS:
        return [], {}
    villages = (
        Region.objects.filter(
            level__in=VILLAGE_LEVELS, code__startswith=scope.code + ".", is_active=True
        )
        .select_related("parent")
        .order_by("parent__name", "parent__code", "name", "code")
    )
    groups: dict[int, tuple[str, list]] = {}
    by_pk = {}
    for village in villages:
        district = village.parent
        groups.setdefault(district.pk, (f"Kec. {district.name}", []))
        groups[district.pk][1].append((village.pk, village.name))
        by_pk[village.pk] = village
    return list(groups.values()), by_pk


def _difficulty_field(question) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=question,
        choices=[("", _("No answer")), *Difficulty.choices],
        coerce=int,
        empty_value=None,
        required=False,
        initial="",
        widget=forms.RadioSelect,
    )


class RegistrationForm(SubmissionTokenFormMixin, forms.Form):
    """One person's registration for ``training`` (the desk's). ``cleaned_data``
    holds the values ``registrations.services.registration_submit`` takes: the
    phone as ``+62...``, the NIK as 16 digits or "", ``village_region`` a Region
    or None, WG-SS answers 1-4 or None. ``is_bot()`` after ``is_valid()``: the
    honeypot was filled in."""

    full_name = SingleLineFormField(
        label=_("Full name"),
        max_length=200,
        help_text=_("As written on your KTP (identity card)."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    sex = forms.ChoiceField(
        label=_("Sex"), choices=Registration.Sex.choices, widget=forms.RadioSelect
    )
    agency_name = SingleLineFormField(
        label=_("Agency"),
        max_length=200,
        help_text=_("The office or organisation you work for, e.g. Dinas Sosial."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    position = SingleLineFormField(
        label=_("Position"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    phone = forms.CharField(
        label=_("Phone number (WhatsApp)"),
        max_length=30,
        help_text=_("For example 0812 3456 7890."),
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}
        ),
    )
    village_region = forms.TypedChoiceField(
        label=_("Village (desa/kelurahan)"),
        coerce=int,
        empty_value=None,
        required=False,
    )
    village = SingleLineFormField(
        label=_("Village not in the list"),
        max_length=120,
        required=False,
        help_text=_("Write your desa/kelurahan here if it is not in the list."),
    )
    nik = forms.CharField(
        label=_("NIK (optional)"),
        max_length=30,
        required=False,
        help_text=_("The 16-digit number on your KTP."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label=_("I have read the statement above and agree to it."),
        error_messages={
            "required": _("Registration needs your agreement to the statement.")
        },
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, training, **kwargs):
        super().__init__(*args, **kwargs)
        groups, self.villages = village_choices(training)
        village = self.fields["village_region"]
        if groups:
            village.choices = [("", _("— choose —")), *groups]
        else:
            del self.fields["village_region"]
            self.fields["village"].label = _("Village (desa/kelurahan)")
            self.fields["village"].help_text = ""
        for name, question in WG_QUESTIONS:
            self.fields[name] = _difficulty_field(question)

    @property
    def person_fields(self):
        """The fields of the sign-in sheet (bound), in the form's order."""
        return [self[name] for name in PERSON_FIELDS if name in self.fields]

    @property
    def wg_fields(self):
        """The six WG-SS fields (bound), in the survey's order."""
        return [self[name] for name in WG_FIELDS]

    def clean_phone(self):
        return phone_clean(
            self.cleaned_data["phone"],
            _(
                "Write an Indonesian mobile number: 08…, +62… or 62…, with 8 to "
                "13 digits after the 0."
            ),
        )

    def clean_nik(self):
        try:
            return parse_nik(self.cleaned_data["nik"])
        except CellError:
            raise forms.ValidationError(
                _("A NIK has exactly 16 digits; leave it empty if you do not know it."),
                code="invalid",
            ) from None

    def clean_village_region(self):
        pk = self.cleaned_data.get("village_region")
        return self.villages.get(pk) if pk is not None else None

    def is_bot(self) -> bool:
        """Whether the honeypot field was filled in (people never see it)."""
        return bool((self.data.get(self.add_prefix(HONEYPOT)) or "").strip())

    def submission_data(self) -> dict:
        """The cleaned values ``registration_submit`` stores (it reads a missing
        ``village_region`` as None)."""
        return dict(self.cleaned_data)


class DeskSettingsForm(forms.ModelForm):
    """Whether the desk's registrations are accepted without review."""

    class Meta:
        model = RegistrationDesk
        fields = ["auto_accept"]
