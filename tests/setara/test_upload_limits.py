"""Upload limits (issue 17, requirement 2): each limit refuses a small crafted file
with a message naming it, through the reader, the import page and the admin's
import; a normal sheet still passes. The limits are lowered with
``override_settings`` so the files stay a few kilobytes."""

import csv
import io
import sys
import zipfile
from http import HTTPStatus
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from participants.sheets import ImportFileError, Problem, read_table
from setara.admin_imports import csv_dataset, xlsx_dataset
from setara.upload_limits import UploadLimitError, UploadLimits, csv_rows, decode_csv
from setara.xlsx_limits import check_workbook, scan_sheet
from tests.factories import TrainingFactory

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
MAROS = (
    Path(__file__).parent.parent
    / "participants"
    / "data"
    / "maros-ocsea-2023-daftar-hadir.xlsx"
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


HEADER = f'<row r="1">{cell("A1", "Nama")}{cell("B1", "L/P")}</row>'
PERSON = f'<row r="2">{cell("A2", "Ani")}{cell("B2", "P")}</row>'


def sheet(*rows: str, dimension: str = "", merges=(), before: str = "") -> str:
    """A worksheet part: ``before`` goes ahead of the data (``<cols>``...)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    merged = "".join(f'<mergeCell ref="{ref}"/>' for ref in merges)
    merged = f"<mergeCells>{merged}</mergeCells>" if merges else ""
    return (
        f'<worksheet xmlns="{MAIN}">{dim}{before}<sheetData>{"".join(rows)}'
        f"</sheetData>{merged}</worksheet>"
    )


def workbook(
    worksheet: str | None = None,
    *,
    shared: str = "",
    styles: str = "",
    extra: dict | None = None,
    prolog: str = "",
) -> bytes:
    """A minimal .xlsx: one sheet (``worksheet``, by default a header and one
    person), optional shared strings and styles parts, ``extra`` members as
    they are; ``prolog`` goes before the worksheet's root element."""
    overrides = {
        "/xl/workbook.xml": f"{CT}.sheet.main+xml",
        "/xl/worksheets/sheet1.xml": f"{CT}.worksheet+xml",
    }
    rels = [("worksheet", "worksheets/sheet1.xml")]
    if shared:
        overrides["/xl/sharedStrings.xml"] = f"{CT}.sharedStrings+xml"
        rels.append(("sharedStrings", "sharedStrings.xml"))
    if styles:
        overrides["/xl/styles.xml"] = f"{CT}.styles+xml"
        rels.append(("styles", "styles.xml"))
    types = "".join(
        f'<Override PartName="{name}" ContentType="{kind}"/>'
        for name, kind in overrides.items()
    )
    relationships = "".join(
        f'<Relationship Id="rId{i}" Type="{DOC}/{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(rels, 1)
    )
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default '
            f'Extension="xml" ContentType="application/xml"/>{types}</Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{REL}"><Relationship Id="rId1" '
            f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets><sheet name="Daftar" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{REL}">{relationships}</Relationships>'
        ),
        "xl/worksheets/sheet1.xml": prolog + (worksheet or sheet(HEADER, PERSON)),
    }
    if shared:
        parts["xl/sharedStrings.xml"] = shared
    if styles:
        parts["xl/styles.xml"] = styles
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in {**parts, **(extra or {})}.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def refusal(data: bytes, name: str = "daftar.xlsx") -> str:
    """The message ``read_table`` refuses ``data`` with."""
    with pytest.raises(ImportFileError) as error:
        read_table(data, name)
    return str(error.value)


class TestWorkbookZip:
    def test_a_small_workbook_is_read(self):
        (found,) = read_table(workbook(), "daftar.xlsx")
        assert found.rows == [(1, ("Nama", "L/P")), (2, ("Ani", "P"))]

    @override_settings(UPLOAD_MAX_ZIP_MEMBERS=10)
    def test_too_many_members(self):
        extra = {f"xl/media/image{i}.png": b"" for i in range(10)}
        message = refusal(workbook(extra=extra))
        assert message.startswith("The workbook holds 15 parts;")
        assert "at most 10 are read" in message

    @override_settings(UPLOAD_MAX_UNCOMPRESSED_BYTES=1024 * 1024)
    def test_total_size_unpacked(self):
        extra = {"xl/media/image1.png": b"x" * (1024 * 1024)}
        message = refusal(workbook(extra=extra))
        assert "The workbook unpacks to 1.0 MB" in message
        assert "at most 1 MB" in message

    def test_compression_ratio_of_a_big_part(self):
        extra = {"xl/media/image1.png": b"\0" * (2 * 1024 * 1024)}
        message = refusal(workbook(extra=extra))
        assert "Part “xl/media/image1.png” of the workbook is packed" in message
        assert "at most 100 to 1" in message

    @override_settings(UPLOAD_MAX_SHEET_BYTES=10_000)
    def test_size_of_a_sheet(self):
        rows = [
            f'<row r="{n}">{cell(f"A{n}", f"Orang {n}")}</row>' for n in range(2, 300)
        ]
        message = refusal(workbook(sheet(HEADER, *rows)))
        assert "Part “xl/worksheets/sheet1.xml” of the workbook unpacks to" in message

    @override_settings(UPLOAD_MAX_SHARED_STRINGS_BYTES=1000)
    def test_size_of_the_shared_strings(self):
        items = "".join(f"<si><t>Teks {i}</t></si>" for i in range(100))
        message = refusal(workbook(shared=f'<sst xmlns="{MAIN}">{items}</sst>'))
        assert "Part “xl/sharedStrings.xml” of the workbook unpacks to" in message

    @override_settings(UPLOAD_MAX_PART_BYTES=2000)
    def test_size_of_another_xml_part(self):
        xfs = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * 100
        styles = f'<styleSheet xmlns="{MAIN}"><cellXfs>{xfs}</cellXfs></styleSheet>'
        message = refusal(workbook(styles=styles))
        assert "Part “xl/styles.xml” of the workbook unpacks to" in message
        assert "many cell styles" in message

    @override_settings(UPLOAD_MAX_PART_BYTES=2000)
    def test_a_big_image_is_not_an_xml_part(self):
        image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
        (found,) = read_table(workbook(extra={"xl/media/a.png": image}), "a.xlsx")
        assert found.rows[1] == (2, ("Ani", "P"))

    @override_settings(UPLOAD_MAX_SHARED_STRINGS=3)
    def test_number_of_shared_strings(self):
        items = "".join(f"<si><t>Teks {i}</t></si>" for i in range(4))
        message = refusal(workbook(shared=f'<sst xmlns="{MAIN}">{items}</sst>'))
        assert message.startswith("The workbook holds more than 3 different texts")

    def test_length_of_a_shared_string(self):
        long = "x" * 10_001
        shared = f'<sst xmlns="{MAIN}"><si><r><t>{long}</t></r></si></sst>'
        message = refusal(workbook(shared=shared))
        assert message == (
            "A text in the workbook has more than 10,000 characters; a cell of a "
            "sign-in sheet holds at most 10,000."
        )

    def test_a_document_type_declaration_is_refused(self):
        prolog = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>'
        message = refusal(workbook(prolog=prolog))
        assert "document type declaration" in message

    def test_a_broken_zip_is_not_a_spreadsheet(self):
        data = workbook()[:-200]
        assert "not a spreadsheet" in refusal(data)


class TestWorksheet:
    def test_dimension_columns(self):
        message = refusal(workbook(sheet(HEADER, PERSON, dimension="A1:XFD3")))
        assert message.startswith(
            "The sheet's used range is A1:XFD3: 16,384 columns; a sign-in sheet has "
            "at most 200."
        )

    def test_dimension_rows(self):
        message = refusal(workbook(sheet(HEADER, PERSON, dimension="A1:B1048576")))
        assert message.startswith("The file uses rows past row 100,000 (row 1,048,576)")

    def test_a_row_far_below_the_data(self):
        far = f'<row r="200000">{cell("A200000", "x")}</row>'
        message = refusal(workbook(sheet(HEADER, PERSON, far)))
        assert "rows past row 100,000 (row 200,000)" in message

    @override_settings(UPLOAD_MAX_ROW_NUMBER=50)
    def test_many_empty_rows_without_numbers(self):
        message = refusal(workbook(sheet(HEADER, PERSON, *["<row/>"] * 60)))
        assert "rows past row 50 (row 51)" in message

    def test_columns_named_by_the_message(self):
        header = "".join(cell(f"{openpyxl.utils.get_column_letter(i)}1", f"K{i}")
                         for i in range(1, 16_385))  # fmt: skip
        message = refusal(workbook(sheet(f'<row r="1">{header}</row>', PERSON)))
        assert message == (
            "The file has 16,384 columns; a sign-in sheet has at most 200."
        )

    def test_a_cell_in_the_last_column(self):
        row = f'<row r="2">{cell("A2", "Ani")}{cell("XFD2", "x")}</row>'
        assert refusal(workbook(sheet(HEADER, row))).startswith(
            "The file has 16,384 columns"
        )

    def test_cells_without_references_count_too(self):
        cells = "<c><v>1</v></c>" * 201
        message = refusal(workbook(sheet(HEADER, f"<row>{cells}</row>")))
        assert message.startswith("The file has 201 columns")

    @override_settings(UPLOAD_MAX_CELLS=5)
    def test_filled_cells(self):
        rows = [f'<row r="{n}">{cell(f"A{n}", "Ani")}</row>' for n in range(2, 6)]
        message = refusal(workbook(sheet(HEADER, *rows)))
        assert message.startswith("The file has more than 5 filled cells")

    @pytest.mark.parametrize(
        "content",
        [
            cell("B2", "x" * 10_001),
            '<c r="B2" t="str"><v>' + "x" * 10_001 + "</v></c>",
            '<c r="B2"><f>' + "A" * 10_001 + "</f><v>1</v></c>",
        ],
        ids=["inline", "value", "formula"],
    )
    def test_length_of_a_cell(self, content):
        message = refusal(workbook(sheet(HEADER, f'<row r="2">{content}</row>')))
        assert message == (
            "Cell B2 holds more than 10,000 characters; a cell of a sign-in sheet "
            "holds at most 10,000."
        )

    def test_the_long_merged_name_of_the_issue(self):
        name = cell("A2", "Andi " * 30_000)
        data = workbook(
            sheet(HEADER, f'<row r="2">{name}</row>', merges=["A2:A1048576"])
        )
        assert refusal(data).startswith("Cell A2 holds more than 10,000 characters")

    def test_a_merged_range_over_the_whole_column(self):
        data = workbook(sheet(HEADER, PERSON, merges=["A2:A1048576"]))
        assert refusal(data).startswith(
            "The merged ranges cover more than 200,000 cells (A2:A1048576 alone "
            "covers 1,048,575)"
        )

    @override_settings(UPLOAD_MAX_MERGED_RANGES=3)
    def test_number_of_merged_ranges(self):
        merges = [f"D{n}:E{n}" for n in range(2, 6)]
        message = refusal(workbook(sheet(HEADER, PERSON, merges=merges)))
        assert message.startswith("The sheet has more than 3 merged ranges")

    def test_a_merged_range_past_the_columns(self):
        data = workbook(sheet(HEADER, PERSON, merges=["A1:XFD1"]))
        assert refusal(data).startswith("The file has 16,384 columns")

    def test_merged_ranges_are_kept_for_the_import(self):
        data = workbook(sheet(HEADER, PERSON, merges=["C2:C3", "A1:B1"]))
        (found,) = read_table(data, "daftar.xlsx")
        assert found.merged == [(3, 2, 3, 3), (1, 1, 2, 1)]

    def test_rows_stop_at_the_last_value_and_width(self):
        """A sheet claiming A1:Z20 and a styled empty cell is read 2 x 2."""
        styled = '<row r="20"><c r="Z20" s="1"/></row>'
        data = workbook(sheet(HEADER, PERSON, styled, dimension="A1:Z20"))
        (scan,) = check_workbook(data).values()
        assert (scan.last_row, scan.last_column) == (2, 2)
        (found,) = read_table(data, "daftar.xlsx")
        assert found.rows == [(1, ("Nama", "L/P")), (2, ("Ani", "P"))]

    def test_a_long_sheet_is_scanned_to_its_last_row(self):
        rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'
                       for n in range(2, 20_002))  # fmt: skip
        scan = scan_sheet(io.BytesIO(sheet(HEADER, rows).encode()))
        assert (scan.last_row, scan.last_column) == (20_001, 2)


class TestCsv:
    def test_the_field_of_the_issue(self):
        data = ("Nama,L/P\nAni," + "x" * 200_000 + "\n").encode()
        assert refusal(data, "daftar.csv") == (
            "Row 2 is longer than 100,000 characters; a row of a sign-in sheet is "
            "far shorter. (A quote that is never closed makes the rest of the file "
            "one cell.)"
        )

    def test_the_limit_does_not_rely_on_the_csv_module_setting(self):
        old = csv.field_size_limit(sys.maxsize)
        try:
            data = ("Nama,L/P\nAni," + "x" * 200_000 + "\n").encode()
            assert "Row 2 is longer than 100,000" in refusal(data, "daftar.csv")
        finally:
            csv.field_size_limit(old)

    def test_a_long_cell(self):
        data = ("Nama,L/P\nAni," + "x" * 10_001 + "\n").encode()
        assert refusal(data, "daftar.csv") == (
            "Cell B2 holds more than 10,000 characters; a cell of a sign-in sheet "
            "holds at most 10,000."
        )

    def test_a_nul_after_the_first_4_kb(self):
        text = "Nama,L/P\n" + "".join(f"Orang {i},P\n" for i in range(600))
        data = text.encode()[:5000] + b"\0" + text.encode()[5000:]
        assert refusal(data, "daftar.csv").startswith(
            "The file contains a NUL character (character 5,001)"
        )

    def test_columns(self):
        data = ("Nama,L/P\n" + "Ani,P" + ",x" * 16_382 + "\n").encode()
        assert refusal(data, "daftar.csv") == (
            "The file has 16,384 columns; a sign-in sheet has at most 200."
        )

    @override_settings(UPLOAD_MAX_ROW_NUMBER=100)
    def test_lines(self):
        data = ("Nama,L/P\nAni,P\n" + "\n" * 200).encode()
        assert "rows past row 100 (row 101)" in refusal(data, "daftar.csv")

    @override_settings(UPLOAD_MAX_CELLS=5)
    def test_filled_cells(self):
        data = b"Nama,L/P\nAni,P\nBudi,L\n"
        assert refusal(data, "daftar.csv").startswith(
            "The file has more than 5 filled cells"
        )

    def test_utf16_with_a_byte_order_mark(self):
        """Excel's "Unicode Text": UTF-16 and tabs, NULs in every character."""
        data = "Nama\tL/P\r\nAni\tP\r\n".encode("utf-16")
        (found,) = read_table(data, "daftar.txt")
        assert found.rows == [(1, ["Nama", "L/P"]), (2, ["Ani", "P"])]

    def test_old_mac_line_ends(self):
        (found,) = read_table(b"Nama,L/P\rAni,P\r", "daftar.csv")
        assert found.rows == [(1, ["Nama", "L/P"]), (2, ["Ani", "P"])]

    def test_records_spanning_lines_are_counted_together(self):
        limits = UploadLimits.from_settings()
        cell_text = "a\n" * 60_000  # short lines, one long record
        with pytest.raises(UploadLimitError, match="Row 1 is longer"):
            list(csv_rows(f'"{cell_text}",x\n', ",", limits))

    def test_decode_refuses_nul_anywhere(self):
        with pytest.raises(UploadLimitError):
            decode_csv(b"a" * 10_000 + b"\0")


def test_a_problem_keeps_the_start_of_a_long_value():
    problem = Problem(message="Too long.", row=2, column="A", value="x" * 5000)
    assert len(problem.value) == 200
    assert problem.value.endswith("…")
    assert Problem(**{**problem.__dict__}).value == problem.value


class TestAdminReaders:
    def test_xlsx_control(self):
        dataset = xlsx_dataset(workbook())
        assert dataset.headers == ["Nama", "L/P"]
        assert list(dataset) == [("Ani", "P")]

    def test_csv_control_and_blank_rows(self):
        dataset = csv_dataset("\ufeffname,level\nA,nasional\n,\nB\n")
        assert list(dataset) == [("A", "nasional"), ("B", "")]

    def test_xlsx_limits(self):
        with pytest.raises(UploadLimitError, match="16,384 columns"):
            xlsx_dataset(workbook(sheet(HEADER, PERSON, dimension="A1:XFD2")))

    def test_csv_limits(self):
        with pytest.raises(UploadLimitError, match="NUL"):
            csv_dataset("name,level\nA\0,nasional\n")
        with pytest.raises(UploadLimitError, match="Row 2 is longer"):
            csv_dataset(b"name,level\n" + b"x" * 200_000)

    @override_settings(UPLOAD_MAX_ROWS=2)
    def test_rows(self):
        with pytest.raises(UploadLimitError, match="more than 2 rows"):
            csv_dataset("name,level\nA,x\nB,x\nC,x\n")


# Through the pages ----------------------------------------------------------------

#: name -> (file name, bytes, a part of the message); each is refused.
CRAFTED = {
    "merged": (
        "merged.xlsx",
        workbook(
            sheet(
                HEADER,
                f'<row r="2">{cell("A2", "A" * 20_000)}</row>',
                merges=["A2:A1048576"],
            )
        ),  # fmt: skip
        "Cell A2 holds more than 10,000 characters",
    ),
    "columns": (
        "wide.xlsx",
        workbook(sheet(HEADER, PERSON, dimension="A1:XFD2")),
        "16,384 columns",
    ),
    "shared": (
        "shared.xlsx",
        workbook(shared=f'<sst xmlns="{MAIN}"><si><t>{"B" * 20_000}</t></si></sst>'),
        "A text in the workbook has more than 10,000 characters",
    ),
    "bomb": (
        "bomb.xlsx",
        workbook(extra={"xl/media/a.png": b"\0" * (2 * 1024 * 1024)}),
        "packed",
    ),
    "long_field": (
        "long.csv",
        ("Nama,L/P\nAni," + "x" * 200_000 + "\n").encode(),
        "Row 2 is longer than 100,000 characters",
    ),
    "nul": (
        "nul.csv",
        b"Nama,L/P\n" + b"Ani,P\n" * 1000 + b"\0Budi,L\n",
        "NUL character",
    ),
}


@pytest.fixture
def training(db):
    return TrainingFactory()


@pytest.mark.django_db
class TestImportPage:
    def post(self, client, training, name, data):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client.post(
            reverse("trainings:import", args=[training.pk]),
            {"file": SimpleUploadedFile(name, data)},
        )

    @pytest.mark.parametrize("key", CRAFTED)
    def test_refused_with_the_message_not_a_server_error(
        self, staff_client, training, key
    ):
        name, data, message = CRAFTED[key]
        response = self.post(staff_client, training, name, data)
        assert response.status_code == HTTPStatus.OK
        errors = response.context["form"].errors["file"]
        assert any(message in error for error in errors), errors
        assert message in response.content.decode()

    def test_the_control_sheet_goes_on_to_the_preview(self, staff_client, training):
        response = self.post(staff_client, training, "daftar.xlsx", MAROS.read_bytes())
        assert response.status_code == HTTPStatus.FOUND
        preview = staff_client.get(response.url)
        assert preview.status_code == HTTPStatus.OK
        assert len(preview.context["plan"].rows) == 19


@pytest.mark.django_db
class TestAdminImport:
    url = "admin:referrals_referralinstitution_import"

    def post(self, client, name, data):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client.post(
            reverse(self.url),
            {
                "import_file": SimpleUploadedFile(name, data),
                "format": "1" if name.endswith(".csv") else "0",
                "resource": "0",
            },
        )

    @pytest.mark.parametrize("key", CRAFTED)
    def test_refused_with_the_message(self, admin_client, key):
        name, data, message = CRAFTED[key]
        response = self.post(admin_client, name, data)
        assert response.status_code == HTTPStatus.OK
        errors = response.context["form"].errors["import_file"]
        assert any(message in error for error in errors), errors
        assert "confirm_form" not in response.context

    def test_the_directory_sample_is_read(self, admin_client):
        data = b"name,level,region\nUPTD PPA Uji,nasional,\n"
        response = self.post(admin_client, "lembaga.csv", data)
        assert response.status_code == HTTPStatus.OK
        assert not response.context["form"].errors
        assert "confirm_form" in response.context

    def test_an_xlsx_is_read(self, admin_client):
        book = openpyxl.Workbook()
        book.active.append(["name", "level", "region"])
        book.active.append(["UPTD PPA Uji", "nasional", None])
        buffer = io.BytesIO()
        book.save(buffer)
        response = self.post(admin_client, "lembaga.xlsx", buffer.getvalue())
        assert not response.context["form"].errors
        assert "confirm_form" in response.context

    @override_settings(UPLOAD_MAX_FILE_BYTES=1024 * 1024)
    def test_the_file_size(self, admin_client):
        data = b"name,level\n" + b"x,y\n" * (300 * 1024)
        response = self.post(admin_client, "big.csv", data)
        assert response.context["form"].errors["import_file"] == [
            "The file is larger than 1 MB. Split it into smaller files."
        ]
