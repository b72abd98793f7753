"""The admin's export of the referral directory reads like the directory: headers
in the interface language, labels and names instead of codes, a file named after
the directory; and the same file imported again changes nothing
(referrals/resources.py, referrals/admin.py)."""

import csv
import datetime
import io
import re
from http import HTTPStatus

import openpyxl
import pytest
import tablib
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from referrals.models import ReferralInstitution, ServiceType
from referrals.resources import ReferralInstitutionResource
from regions.models import Region
from tests.factories import (
    AgencyFactory,
    NationalInstitutionFactory,
    ProvincialInstitutionFactory,
    ReferralInstitutionFactory,
    TargetGroupFactory,
    UserFactory,
)
from tests.referrals.test_resources import snapshot

pytestmark = pytest.mark.django_db

EXPORT = "admin:referrals_referralinstitution_export"
IMPORT = "admin:referrals_referralinstitution_import"
PROCESS = "admin:referrals_referralinstitution_process_import"
XLSX, CSV = "0", "1"  # the admin's format choices


@pytest.fixture
def directory():
    maros = Region.objects.get(code="73.09")
    institution = ReferralInstitutionFactory(
        name="UPTD PPA Kabupaten Maros",
        region=maros,
        phone="+62411371234",
        phone_alt="129",
        whatsapp="+6281234567890",
        agency=AgencyFactory(name="UPTD PPA Maros", region=maros),
        last_verified_on=datetime.date(2025, 1, 15),
        verified_by=UserFactory(username="verifier"),
        notes="-2+3 kasus per bulan",  # formula-like: guarded in the file
    )
    institution.services.add(*ServiceType.objects.filter(code__in=["legal-aid"]))
    institution.target_groups.add(TargetGroupFactory(code="children", name="Anak"))
    ProvincialInstitutionFactory(name="UPTD PPA Provinsi", is_active=False)
    NationalInstitutionFactory(name="SAPA 129", phone="129")
    return institution


def export(client, file_format: str):
    """The directory exported through the admin's export page."""
    form = client.get(reverse(EXPORT)).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data = {key: value for key, value in data.items() if value is not None}
    data.update({"format": file_format, "resource": "0"})
    response = client.post(reverse(EXPORT), data)
    assert response.status_code == HTTPStatus.OK
    return response


def rows_of(response, file_format: str) -> list[list]:
    if file_format == XLSX:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def by_header(rows: list[list], name: str) -> dict:
    """The row of institution ``name`` as {header: value}."""
    header, *body = rows
    return next(dict(zip(header, row, strict=True)) for row in body if row[0] == name)


class TestExport:
    @pytest.mark.parametrize(
        ("file_format", "extension"), [(XLSX, "xlsx"), (CSV, "csv")]
    )
    def test_the_file_is_named_after_the_directory(
        self, admin_client, directory, file_format, extension
    ):
        response = export(admin_client, file_format)
        today = timezone.localdate().isoformat()
        assert response["Content-Disposition"] == (
            f'attachment; filename="direktori-rujukan-{today}.{extension}"'
        )

    def test_in_english_the_name_is_english(self, admin_client, directory):
        admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = export(admin_client, XLSX)
        assert 'filename="referral-directory-' in response["Content-Disposition"]

    def test_indonesian_headers_labels_and_names(self, admin_client, directory):
        rows = rows_of(export(admin_client, XLSX), XLSX)
        assert rows[0][:4] == ["Nama", "Tingkat", "Wilayah", "Alamat"]
        row = by_header(rows, "UPTD PPA Kabupaten Maros")
        assert row["Tingkat"] == "Kabupaten/Kota"
        assert row["Wilayah"] == "Kabupaten Maros"
        assert row["Layanan"] == "Bantuan hukum"
        assert row["Kelompok sasaran"] == "Anak"
        assert row["Aktif"] == "ya"
        assert row["Telepon"] == "0411-371234"
        assert row["WhatsApp"] == "0812-3456-7890"
        assert row["Instansi"] == "UPTD PPA Maros"
        assert row["Diverifikasi oleh"] == "verifier"
        # A date cell, not text.
        assert row["Terakhir diverifikasi pada"] == datetime.datetime(2025, 1, 15)
        assert by_header(rows, "UPTD PPA Provinsi")["Aktif"] == "tidak"
        assert by_header(rows, "SAPA 129")["Wilayah"] in ("", None)

    def test_english_headers_and_labels(self, admin_client, directory):
        admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        rows = rows_of(export(admin_client, CSV), CSV)
        assert rows[0][:4] == ["Name", "Level", "Region", "Address"]
        row = by_header(rows, "UPTD PPA Kabupaten Maros")
        assert row["Level"] == "Regency/City"
        assert row["Active"] == "yes"
        assert row["Last verified on"] == "15/01/2025"

    def test_no_header_is_a_field_name_or_a_code(self, admin_client, directory):
        rows = rows_of(export(admin_client, CSV), CSV)
        header = rows[0]
        assert not [h for h in header if re.fullmatch(r"[a-z_]+", h)], header
        cells = {cell for row in rows[1:] for cell in row}
        assert not cells & {"kabupaten", "provinsi", "73.09", "legal-aid", "True"}

    def test_the_export_form_lists_the_columns_by_their_headers(self, admin_client):
        form = admin_client.get(reverse(EXPORT)).context["form"]
        labels = [field.label for field in form.fields.values() if field.label]
        assert "Wilayah" in labels
        assert not [label for label in labels if "(" in label or "_" in label]


def upload(client, content: bytes, file_format: str):
    """The first import step (the preview) with ``content``."""
    data = io.BytesIO(content)
    data.name = "direktori." + ("xlsx" if file_format == XLSX else "csv")
    return client.post(
        reverse(IMPORT),
        {"import_file": data, "format": file_format, "resource": "0"},
    )


def confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data.update(form.initial)
    return client.post(reverse(PROCESS), data)


class TestRoundTrip:
    @pytest.mark.parametrize("language", ["id", "en"])
    @pytest.mark.parametrize("file_format", [XLSX, CSV])
    def test_importing_an_export_changes_nothing(
        self, admin_client, directory, file_format, language
    ):
        admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        before = snapshot()
        history = ReferralInstitution.history.count()
        content = export(admin_client, file_format).content

        preview = upload(admin_client, content, file_format)

        assert preview.status_code == HTTPStatus.OK
        result = preview.context["result"]
        assert not result.has_errors(), [e.error for e in result.base_errors]
        assert not result.has_validation_errors(), [
            row.error_dict for row in result.invalid_rows
        ]
        assert result.totals["skip"] == 3
        assert confirm(admin_client, preview).status_code == HTTPStatus.FOUND
        assert snapshot() == before
        assert ReferralInstitution.history.count() == history

    def test_a_file_in_the_other_language_imports_too(self, admin_client, directory):
        """Headers and labels of either interface language are read."""
        with translation.override("en"):
            dataset = ReferralInstitutionResource().export()
        dataset.append_col(["x"] * len(dataset), header="A column of our own")
        row = list(dataset[0])
        row[0] = "Lembaga Baru"
        dataset.append(row)
        result = ReferralInstitutionResource().import_data(dataset, dry_run=False)
        assert not result.has_errors() and not result.has_validation_errors()
        assert (result.totals["skip"], result.totals["new"]) == (3, 1)
        new = ReferralInstitution.objects.get(name="Lembaga Baru")
        assert new.region.code == "73.09"
        assert new.level == ReferralInstitution.Level.REGENCY
        assert [s.code for s in new.services.all()] == ["legal-aid"]

    def test_an_older_file_with_field_names_and_codes_imports(self, directory):
        dataset = tablib.Dataset(
            ["Lembaga Lama", "kabupaten", "73.09", "legal-aid", "children", "1"],
            headers=[
                "name",
                "level",
                "region",
                "services",
                "target_groups",
                "is_active",
            ],
        )
        result = ReferralInstitutionResource().import_data(dataset)
        assert not result.has_errors() and not result.has_validation_errors()
        old = ReferralInstitution.objects.get(name="Lembaga Lama")
        assert (old.region.code, old.is_active) == ("73.09", True)
        assert [t.code for t in old.target_groups.all()] == ["children"]

    @pytest.mark.parametrize(
        ("column", "value", "hint"),
        [
            ("Wilayah", "Kabupaten Atlantis", "Kabupaten Maros"),
            ("Aktif", "mungkin", "ya"),
            ("Terakhir diverifikasi pada", "31/02/2025", "17/05/1990"),
            ("Layanan", "Bantuan hukum; Astrologi", "Bantuan hukum"),
        ],
    )
    def test_a_bad_value_names_what_to_write(self, directory, column, value, hint):
        dataset = ReferralInstitutionResource().export()
        dataset.append(["Lembaga Baru", *[""] * (len(dataset.headers) - 1)])
        row = dict(zip(dataset.headers, dataset[-1], strict=True))
        row.update({"Tingkat": "Kabupaten/Kota", "Wilayah": "Kabupaten Maros"})
        row[column] = value
        del dataset[-1]
        dataset.append(list(row.values()))
        result = ReferralInstitutionResource().import_data(dataset)
        assert result.has_validation_errors()
        (invalid,) = result.invalid_rows
        assert list(invalid.field_specific_errors) == [column]  # by its header
        messages = " ".join(
            str(m) for errors in invalid.error_dict.values() for m in errors
        )
        assert hint in messages, messages
        assert not ReferralInstitution.objects.filter(name="Lembaga Baru").exists()


def test_no_two_columns_share_a_header_in_any_language():
    """``before_import`` maps every header to one column: no header of one
    column may be another's in either language."""
    seen = {}
    for name, field in ReferralInstitutionResource().fields.items():
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                key = str(field.column_name).casefold()
            assert seen.setdefault(key, name) == name, key
