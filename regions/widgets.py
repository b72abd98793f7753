"""The region picker: a search-as-you-type select (django-autocomplete-light's
Select2 widget) over ``regions:autocomplete``.

Select2 and jQuery are the copies Django's admin ships (served by whitenoise
from /static/admin/, no CDN); django-autocomplete-light's scripts start the
picker on every ``select[data-autocomplete-light-function]``, so a page needs no
script of its own, only ``{{ form.media }}``. Nothing is inline: the page's
Content-Security-Policy (``script-src 'self'``) holds.
"""

import re
from collections.abc import Iterable
from urllib.parse import urlencode

from dal_select2.widgets import I18N_PATH, ModelSelect2
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import ANY_CODE_RE, Level, Region, regency_code

#: Characters typed before the picker asks the server.
MINIMUM_INPUT_LENGTH = 2


class RegionSelect(ModelSelect2):
    """A ``<select>`` picking one region by typing part of its name.

    ``levels`` (``Region.Level`` values) restricts what the picker offers, for
    example ``VILLAGE_LEVELS``; ``None`` offers every level. ``near`` (a region
    code, e.g. the training's regency "53.71"; settable after construction) lists
    the regions within it, then within its province, first. ``by_code`` makes
    the option values region codes ("73.09") instead of primary keys: give the
    field ``to_field_name="code"`` too (the report filters, so a shared link
    names the region, not a database row). The chosen region is rendered with
    its ``label`` ("Tompobulu, Kec. Tompobulu, Kab. Maros"), read in one query
    whatever the field's queryset. Usable with any ``ModelChoiceField`` over
    ``Region`` (forms, django-filter's
    ``ModelChoiceFilter(queryset=Region.objects.all(), widget=RegionSelect())``).
    The page must render ``{{ form.media }}``.
    """

    def __init__(
        self,
        levels: Iterable[str] | None = None,
        attrs=None,
        *,
        near: str | None = None,
        by_code: bool = False,
    ):
        self.levels = tuple(Level(level).value for level in levels or ())
        self.near = near
        self.by_code = by_code
        attrs = {
            "data-minimum-input-length": MINIMUM_INPUT_LENGTH,
            "data-placeholder": _("Type a region name"),
            "data-width": "100%",
            **(attrs or {}),
        }
        super().__init__(url="regions:autocomplete", attrs=attrs)

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        params = {}
        if self.levels:
            params["levels"] = ",".join(self.levels)
        if self.near:
            params["near"] = self.near
        if self.by_code:
            params["ids"] = "code"
        url = reverse("regions:autocomplete")
        attrs["data-autocomplete-light-url"] = (
            f"{url}?{urlencode(params, safe=',')}" if params else url
        )
        return attrs

    def near_to(self, region: Region | None) -> None:
        """List first the regions within ``region``'s regency or city (its
        province for a province; nothing changes for ``None``): the training's
        place for a participant's village. No query (the code gives the
        regency)."""
        if region is not None:
            self.near = regency_code(region.code)

    def _key(self, region: Region) -> str:
        return region.code if self.by_code else str(region.pk)

    def remember(self, region: Region) -> None:
        """Render ``region`` when it is the chosen value without reading it again:
        its field has just checked it (``regions.forms.RemembersChosenRegion``).
        ``region`` must have its parents loaded (``Region.objects.with_parents()``)
        or its label reads them."""
        self.remembered = {self._key(region): region}

    def filter_choices_to_render(self, selected_choices):
        """An empty choice (Select2 shows the placeholder on it) and the chosen
        region, labelled with its parents (one query, none when its field handed
        it over with ``remember``, none for a value that cannot be a region: a
        submitted "²" or "abc" is shown as no choice, never looked up)."""
        remembered = getattr(self, "remembered", {})
        shape = ANY_CODE_RE if self.by_code else r"[0-9]{1,18}"
        keys = [
            str(key)
            for key in selected_choices
            if key and re.fullmatch(shape, str(key))
        ]
        regions = [remembered[key] for key in keys if key in remembered]
        if missing := [key for key in keys if key not in remembered]:
            lookup = "code__in" if self.by_code else "pk__in"
            regions += Region.objects.with_parents().filter(**{lookup: missing})
        self.choices = [
            ("", ""),
            *((self._key(region), region.label) for region in regions),
        ]

    @property
    def media(self):
        """jQuery and Select2 from Django's admin, in the admin's order (Select2
        attaches to the global jQuery before ``jquery.init.js`` moves it to
        ``django.jQuery``), then django-autocomplete-light's start-up scripts."""
        language = self._get_language_code()
        i18n = (f"{I18N_PATH}{language}.js",) if language else ()
        return forms.Media(
            js=(
                "admin/js/vendor/jquery/jquery.js",
                "admin/js/vendor/select2/select2.full.js",
                "admin/js/jquery.init.js",
                "autocomplete_light/autocomplete_light.js",
                "autocomplete_light/select2.js",
                *i18n,
            ),
            css={
                "screen": (
                    "admin/css/vendor/select2/select2.css",
                    "autocomplete_light/select2.css",
                    "css/region-select.css",
                )
            },
        )
