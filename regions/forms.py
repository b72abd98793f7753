"""Form fields for choosing a region."""

from collections.abc import Iterable

from django import forms

from .models import Region
from .widgets import RegionSelect


class RegionField(forms.ModelChoiceField):
    """A region chosen with the search-as-you-type picker (``RegionSelect``).

    ``levels`` (``Region.Level`` values, e.g. ``VILLAGE_LEVELS``) restricts the
    regions offered and accepted; ``None`` accepts every level. The picker
    offers active regions only; a submitted primary key is accepted for any
    region at those levels (one query), so a record naming a region a newer
    decree dropped can still be edited. Other arguments as ``ModelChoiceField``
    (``required``, ``label``, ``help_text``; ``queryset`` to narrow further).
    """

    def __init__(self, levels: Iterable[str] | None = None, **kwargs):
        levels = tuple(levels or ())
        kwargs.setdefault("queryset", Region.objects.at_levels(*levels))
        kwargs.setdefault("widget", RegionSelect(levels=levels))
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return obj.label


class RemembersChosenRegion:
    """A mixin for a ``ModelChoiceField`` over ``Region`` shown with
    ``RegionSelect``: the region a submitted value names, once checked (one query),
    is handed to the widget (``RegionSelect.remember``), so showing the form again
    does not read it a second time. Give the field a queryset with the parents
    loaded (``Region.objects.with_parents()``) so the label needs no query.
    """

    def to_python(self, value):
        region = super().to_python(value)
        if isinstance(region, Region) and isinstance(self.widget, RegionSelect):
            self.widget.remember(region)
        return region
