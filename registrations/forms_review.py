"""The staff review's forms: one registration's decision, and the bulk accept."""

from django import forms
from django.utils.translation import gettext_lazy as _

from participants.forms import AgencyChoiceMixin

#: The decisions on a registration with a probable match.
LINK, NEW = "link", "new"


class RegistrationAcceptForm(AgencyChoiceMixin, forms.Form):
    """Accept one registration: ``decision`` says whether it is the probable match
    (``LINK``) or a new person (``NEW``); for an agency typed that matched none,
    the agency box resolves a known agency or creates one, as on the enrol page
    (``AgencyChoiceMixin``, preferring agencies of ``region``).

    With ``decide=True`` (a probable match by phone or name) the decision is
    required and nothing is chosen beforehand, so one click on Accept cannot
    create a duplicate; otherwise a missing decision means a new person (no
    match) and a NIK match is sent as ``LINK`` by the page.
    """

    decision = forms.ChoiceField(
        label=_("Who is this?"),
        choices=[(LINK, _("Same person (link)")), (NEW, _("New person"))],
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _(
                "Choose “Same person (link)” or “New person” before accepting."
            )
        },
    )

    def __init__(self, *args, decide: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].required = decide
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
