"""The form of a revocation: its reason."""

from django import forms
from django.utils.translation import gettext_lazy as _

from setara.fields import MultiLineFormField


class RevokeForm(forms.Form):
    """Why a certificate is withdrawn (required; kept in its history)."""

    reason = MultiLineFormField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: issued to the wrong person, or attendance was corrected. "
            "The public verification page does not show it."
        ),
    )
