"""django-import-export resources and widgets for participant lists.

The widgets wrap the value parsers of ``participants.importing`` so that one
definition of "a valid sex, phone, NIK or date" serves both the sign-in sheet
import and any ``ModelResource`` import in the admin. ``ParticipantRowResource``
cleans one row of a sheet; the import itself does not go through
``Resource.import_data`` because that path saves one row at a time and has no place
for the user's match and agency choices (see ``participants.importing``).
"""

from typing import Any

from import_export import fields, resources, widgets

from . import importing


class ParsingWidget(widgets.Widget):
    """A widget whose ``clean`` is one of the ``importing`` parsers; ``render``
    gives the stored value as text."""

    parser = staticmethod(importing.parse_text)

    def clean(self, value, row=None, **kwargs):
        return self.parser(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class TextWidget(ParsingWidget):
    """Free text, trimmed, of at most ``max_length`` characters (the model field's
    length, so a long cell is a row error rather than a failed save)."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs):
        return importing.parse_text(value, max_length=self.max_length)


class NameWidget(ParsingWidget):
    """A full name, trimmed and collapsed, otherwise as written."""

    parser = staticmethod(importing.parse_name)


class PhoneWidget(ParsingWidget):
    """An Indonesian phone number, stored as ``+62...``."""

    parser = staticmethod(importing.parse_phone)


class NikWidget(ParsingWidget):
    """A NIK of exactly 16 digits, refused when it arrives as a number."""

    parser = staticmethod(importing.parse_nik)


class EmailWidget(ParsingWidget):
    """An email address, lower-cased."""

    parser = staticmethod(importing.parse_email)


class DayFirstDateWidget(ParsingWidget):
    """A date from a date cell, an Excel serial number or day-first text."""

    parser = staticmethod(importing.parse_date)

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%d/%m/%Y") if value else ""


class SexWidget(ParsingWidget):
    """``L`` or ``P`` from the ways sheets write sex; an empty cell is accepted
    as "not recorded" only when ``blank_sex_is_not_recorded=True`` is passed."""

    def clean(self, value, row=None, **kwargs):
        return importing.parse_sex(
            value,
            blank_is_not_recorded=kwargs.get("blank_sex_is_not_recorded", False),
        )


class ParticipantRowResource(resources.Resource):
    """The columns of a sign-in sheet row, each with the widget that cleans it.

    Column names are the field names of ``importing.HEADER_SYNONYMS``; the header
    detection maps whatever the sheet calls them to these names.
    """

    full_name = fields.Field(column_name="full_name", widget=NameWidget())
    sex = fields.Field(column_name="sex", widget=SexWidget())
    agency = fields.Field(column_name="agency", widget=TextWidget(max_length=200))
    position = fields.Field(column_name="position", widget=TextWidget(max_length=200))
    phone = fields.Field(column_name="phone", widget=PhoneWidget())
    nik = fields.Field(column_name="nik", widget=NikWidget())
    village = fields.Field(column_name="village", widget=TextWidget(max_length=120))
    birth_date = fields.Field(column_name="birth_date", widget=DayFirstDateWidget())
    email = fields.Field(column_name="email", widget=EmailWidget())

    def clean_row(self, row: dict[str, Any], **kwargs) -> tuple[dict, dict]:
        """Clean the cells of one row, given as ``{field name: raw value}``.

        Returns ``(values, errors)``: clean values for every resource field present
        in ``row`` (absent fields get their empty value), and ``{field name:
        message}`` for the cells that are not acceptable. ``kwargs`` reach the
        widgets (``blank_sex_is_not_recorded``).
        """
        values, errors = {}, {}
        for name, resource_field in self.fields.items():
            if name not in row:
                values[name] = None if name == "birth_date" else ""
                continue
            try:
                values[name] = resource_field.clean(row, **kwargs)
            except ValueError as error:
                errors[name] = error.args[0] if error.args else str(error)
        return values, errors
