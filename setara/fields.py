"""Model fields that clean their text on every write, whatever the door.

``SingleLineCharField`` (names, titles, venues) and ``MultiLineTextField``
(objectives, notes, addresses) run ``setara.text.clean_text`` /
``clean_multiline_text`` in three places, so no door can store dirty text:

- ``to_python``: ``full_clean()`` and every query parameter (``CharField``'s
  ``get_prep_value`` calls it), so ``filter(name="Dinas\\u00a0Sosial")`` finds the
  clean row;
- ``pre_save``: ``Model.save()`` and ``bulk_create`` (the insert compiler calls it
  for every row), which also sets the clean value on the instance;
- ``formfield()``: a form field that cleans in ``to_python``, before "required"
  and length are checked, so a name of only zero-width spaces is "required" in
  every form (app pages, admin) instead of an invisible record.

``QuerySet.update()`` and ``bulk_update()`` skip ``pre_save`` but still pass their
values through ``get_prep_value``. The database columns are the same as
``CharField``/``TextField``: switching a field is a migration without SQL.

``NormalisedKeyField`` is a column derived from another field of the row, such as
``Agency.normalised_name``, written on every save and ``bulk_create``.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.db import models

from .text import clean_multiline_text, clean_text


class _NoSilentCutMixin:
    """Leaves out the ``maxlength`` attribute ``forms.CharField`` puts on its
    input: a browser cuts pasted text at ``maxlength`` without a word, so a long
    title would be saved cut. The field's own length check still refuses it, with
    a message that says the limit and the length ("at most 300 characters (it
    has 312)")."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


class SingleLineFormField(_NoSilentCutMixin, forms.CharField):
    """A ``forms.CharField`` whose value is ``clean_text``-ed before validation: a
    value that is empty once cleaned is empty (and "required" when required). No
    ``maxlength`` on the input (``_NoSilentCutMixin``)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return clean_text(value) or self.empty_value


class MultiLineFormField(_NoSilentCutMixin, forms.CharField):
    """A ``forms.CharField`` (a textarea) whose value is ``clean_multiline_text``-ed
    before validation. No ``maxlength`` on the textarea."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return clean_multiline_text(value) or self.empty_value


class _CleanedTextMixin:
    """``to_python``, ``pre_save`` and ``formfield`` of the cleaned text fields;
    ``clean_value`` is the cleaning function, ``form_class`` the form field."""

    clean_value: Callable[[Any], str]
    form_class: type[forms.CharField]

    def to_python(self, value):
        value = super().to_python(value)
        return value if value is None else self.clean_value(value)

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if not isinstance(value, str):
            return value  # None, or an expression such as F() or Concat()
        cleaned = self.clean_value(value)
        if cleaned != value:
            setattr(model_instance, self.attname, cleaned)
        return cleaned

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": self.form_class, **kwargs})


class SingleLineCharField(_CleanedTextMixin, models.CharField):
    """A ``CharField`` for one line of text (a name, a title, a venue), always
    stored through ``setara.text.clean_text``."""

    description = "Single-line text, cleaned (NFKC, no control characters)"
    clean_value = staticmethod(clean_text)
    form_class = SingleLineFormField


class MultiLineTextField(_CleanedTextMixin, models.TextField):
    """A ``TextField`` whose line breaks matter (objectives, notes, an address),
    always stored through ``setara.text.clean_multiline_text``."""

    description = "Multi-line text, cleaned (no control characters but newline, tab)"
    clean_value = staticmethod(clean_multiline_text)
    form_class = MultiLineFormField


class NormalisedKeyField(models.CharField):
    """A read-only column holding ``normalise(<the row's source field>)``, for
    comparing and constraining (``Agency.normalised_name`` is
    ``normalise_key(name)``). It is set on every ``save()`` and ``bulk_create``
    (``pre_save``), so it is never stale after a write that goes through the
    model; ``normalise`` must be a module-level function (migrations name it).

    A ``save(update_fields=[...])`` that names the source but not this field does
    not write it: the model's ``save()`` adds it (see ``Agency.save``).
    """

    def __init__(self, *args, source: str, normalise: Callable[[Any], str], **kwargs):
        self.source = source
        self.normalise = normalise
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        kwargs["source"] = self.source
        kwargs["normalise"] = self.normalise
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = self.normalise(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def clean_stored_text(model, *, batch_size: int = 500) -> int:
    """Clean the stored values of ``model``'s ``SingleLineCharField`` and
    ``MultiLineTextField`` columns, for data migrations (``model`` from
    ``apps.get_model``, after the migration switched the fields); returns the
    number of rows changed.

    Rows are read in primary-key order, ``batch_size`` at a time, and only changed
    rows are written (``bulk_update``, which does not call ``pre_save``, so the
    values written are exactly those computed here). A required value that is
    empty once cleaned becomes ``"#<id>"`` so the record stays visible and can be
    fixed; a value made longer by NFKC is cut to the column's length.
    """
    fields = [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, SingleLineCharField | MultiLineTextField)
    ]
    if not fields:
        return 0
    names = [field.attname for field in fields]
    changed_count, last_pk = 0, None
    rows = model._base_manager.order_by("pk")
    while True:
        page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
        batch = list(page[:batch_size])
        if not batch:
            return changed_count
        last_pk = batch[-1].pk
        changed = [row for row in batch if _clean_row_text(row, fields)]
        if changed:
            model._base_manager.bulk_update(changed, names)
            changed_count += len(changed)


def _clean_row_text(row, fields) -> bool:
    """Clean ``row``'s values of ``fields`` in place; True when any changed."""
    dirty = False
    for field in fields:
        value = getattr(row, field.attname)
        if not isinstance(value, str):
            continue
        cleaned = field.clean_value(value)
        if not cleaned and not field.blank:
            cleaned = f"#{getattr(row, 'id', None) or row.pk}"
        if field.max_length:
            cleaned = cleaned[: field.max_length]
        if cleaned != value:
            setattr(row, field.attname, cleaned)
            dirty = True
    return dirty
