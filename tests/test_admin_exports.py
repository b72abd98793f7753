"""Exports from the Django admin (django-import-export) are formula-safe, as the
app's own files are (tests/setara/test_spreadsheets.py): every admin export goes
through setara.spreadsheets' SafeXLSX / SafeCSV, and the library's own formula
escaping is on for any format that does not."""

import csv
import io
import zipfile
from http import HTTPStatus

import openpyxl
import pytest
import tablib
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from import_export.admin import ExportMixin
from import_export.formats import base_formats

from setara.spreadsheets import SafeCSV, SafeXLSX
from tests.factories import ReferralInstitutionFactory

pytestmark = pytest.mark.django_db

#: Institution names a spreadsheet would run as formulas if written as they are.
FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
]


def _export(admin_client, fmt: str) -> bytes:
    """The directory exported from the admin: ``fmt`` "0" is .xlsx, "1" .csv."""
    for name in FORMULAS:
        ReferralInstitutionFactory(name=name)
    url = reverse("admin:referrals_referralinstitution_export")
    form = admin_client.get(url).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data = {key: value for key, value in data.items() if value is not None}
    data.update({"format": fmt, "resource": "0"})
    response = admin_client.post(url, data)
    assert response.status_code == HTTPStatus.OK
    return response.content


def test_xlsx_keeps_formula_like_names_as_text(admin_client):
    content = _export(admin_client, "0")
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml  # no formula anywhere
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value}
    for name in FORMULAS:
        cell = cells[name]
        assert (cell.data_type, cell.quotePrefix) == ("s", True), name


def test_csv_prefixes_formula_like_names(admin_client):
    text = _export(admin_client, "1").decode("utf-8-sig")
    values = {value for row in csv.reader(io.StringIO(text)) for value in row}
    for name in FORMULAS:
        assert "'" + name in values, name
        assert name not in values, name


def test_every_admin_export_uses_the_safe_formats():
    """An admin added later with django-import-export's default formats would
    write formulas through the library's writers: name SafeXLSX / SafeCSV."""
    exporting = {
        model.__name__: model_admin
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ExportMixin)
    }
    assert "ReferralInstitution" in exporting
    for name, model_admin in exporting.items():
        for fmt in model_admin.get_export_formats():
            assert issubclass(fmt, (SafeXLSX, SafeCSV)), (name, fmt)


def test_the_librarys_own_formats_escape_formulae_too():
    """The fallback: IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT makes the library
    drop the leading "=" of a cell in its own formats."""
    assert settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is True
    dataset = tablib.Dataset(['=HYPERLINK("http://x","y")'], headers=["name"])
    exported = base_formats.CSV().export_data(dataset)
    assert "=HYPERLINK" not in exported
    assert 'HYPERLINK(""http://x"",""y"")' in exported
