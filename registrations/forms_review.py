"""The staff review's forms: one registration's decision, and the bulk accept."""

from django import forms
from django.utils.translation import gettext_lazy as _

from participants.forms import AgencyChoiceMixin

#: The decisions on a registration with a probable match.
LINK, NEW = "link", "new"


class RegistrationAcceptForm(AgencyChoiceMixin, forms.Form):
    """Accept one registration: ``decision`` says whether it is the probable match
    (``LINK``) or a new person (``NEW``, the default); for an agency typed that
    matched none, the agency box resolves a known agency or creates one, as on the
    enrol page (``AgencyChoiceMixin``, preferring agencies of ``region``)."""

    decision = forms.ChoiceField(
        label=_("Who is this?"),
        choices=[(LINK, _("Same person (link)")), (NEW, _("New person"))],
        initial=NEW,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["create_agency"].widget.attrs["class"] = "form-check-input"


class RegistrationBulkForm(forms.Form):
    """The registrations ticked for "accept selected": ids, checked against the
    training's registrations by the view."""

    selected = forms.TypedMultipleChoiceField(
        coerce=int,
        required=True,
        error_messages={"required": _("Tick registrations to accept.")},
    )

    def __init__(self, *args, ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["selected"].choices = [(pk, pk) for pk in ids]
