"""The crafted files of ``bench/upload_bombs.py`` (issue 17, requirement 2), built
here from nothing: .xlsx parts are written as XML into a zip (streamed, so a
gigabyte of XML never sits in memory), .csv files as bytes. ``FILES`` lists them.
"""

import io
import random
import string
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _content_types(extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        f'package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="png" ContentType="image/png"/>'
        f'<Override PartName="/xl/workbook.xml" '
        f'ContentType="{CT_SHEET}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" '
        f'ContentType="{CT_SHEET}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" '
        f'ContentType="{CT_SHEET}.sharedStrings+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{CT_SHEET}.styles+xml"/>'
        f"{extra}</Types>"
    )


def _workbook_parts() -> dict[str, str]:
    return {
        "_rels/.rels": (
            f'<Relationships xmlns="{REL_NS}"><Relationship Id="rId1" '
            f'Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN_NS}" xmlns:r="{DOC_REL}"><sheets>'
            '<sheet name="Daftar Hadir" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{REL_NS}">'
            f'<Relationship Id="rId1" Type="{DOC_REL}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{DOC_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{DOC_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
    }


XF = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
STYLES = (
    f'<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
    f'borderId="0"/></cellStyleXfs><cellXfs count="1">{XF}</cellXfs></styleSheet>'
)


def inline(ref: str, text: str) -> str:
    """An inline-string cell."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


HEADER_ROW = (
    f'<row r="1">{inline("A1", "Nama")}{inline("B1", "L/P")}'
    f"{inline('C1', 'Instansi')}</row>"
)


def xlsx(
    sheet,
    *,
    shared=None,
    styles=STYLES,
    extra: dict | None = None,
    content_types_extra: str = "",
) -> bytes:
    """An .xlsx of one sheet: ``sheet`` (and ``shared``, the shared strings part)
    is a string or an iterable of strings, written to the zip as it comes, so a
    gigabyte of XML never sits in memory; ``extra`` adds members as they are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _content_types(content_types_extra))
        for name, text in _workbook_parts().items():
            zf.writestr(name, text)
        zf.writestr("xl/styles.xml", styles)
        parts = {"xl/worksheets/sheet1.xml": sheet}
        parts["xl/sharedStrings.xml"] = (
            shared if shared is not None else f'<sst xmlns="{MAIN_NS}"/>'
        )
        for name, content in parts.items():
            with zf.open(name, "w", force_zip64=True) as member:
                chunks = [content] if isinstance(content, str) else content
                for chunk in chunks:
                    member.write(chunk.encode())
        for name, content in (extra or {}).items():
            zf.writestr(name, content)
    return buffer.getvalue()


def worksheet(rows, *, dimension: str = "", merges=()) -> "list[str] | object":
    """The parts of a worksheet: an optional ``<dimension>``, ``rows`` (an
    iterable of ``<row>`` strings) and merged ranges."""

    def parts():
        yield f'<worksheet xmlns="{MAIN_NS}">'
        if dimension:
            yield f'<dimension ref="{dimension}"/>'
        yield "<sheetData>"
        yield from rows
        yield "</sheetData>"
        merges_list = list(merges)
        if merges_list:
            yield f'<mergeCells count="{len(merges_list)}">'
            yield "".join(f'<mergeCell ref="{ref}"/>' for ref in merges_list)
            yield "</mergeCells>"
        yield "</worksheet>"

    return parts()


def batched(items, size: int = 5000):
    """``items`` joined into strings of ``size`` items each."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def merged_long_name() -> bytes:
    """About 106 KB: one random 150,000-letter name in A2, merged down to the
    last row Excel has (A2:A1048576), as the issue's file."""
    name = "".join(random.Random(17).choices(string.ascii_letters, k=150_000))
    rows = [
        HEADER_ROW,
        f'<row r="2">{inline("A2", name)}{inline("B2", "P")}</row>',
    ]
    return xlsx(worksheet(rows, merges=["A2:A1048576"]))


def empty_rows(*, dimension: bool) -> bytes:
    """About 1.5 MB: a header, one person and a million formatted empty rows;
    ``dimension`` also claims the whole sheet (A1:XFD1048576)."""
    empty = (f'<row r="{n}" s="0" customFormat="1"/>' for n in range(3, 1_000_003))
    rows = [
        HEADER_ROW,
        f'<row r="2">{inline("A2", "Ani")}{inline("B2", "P")}</row>',
        *batched(empty),
    ]
    return xlsx(worksheet(rows, dimension="A1:XFD1048576" if dimension else ""))


def far_last_row() -> bytes:
    """Two people, then one cell in the last row Excel has: read row by row,
    the gap is a million empty rows."""
    rows = [
        HEADER_ROW,
        f'<row r="2">{inline("A2", "Ani")}{inline("B2", "P")}</row>',
        f'<row r="1048576">{inline("A1048576", "x")}</row>',
    ]
    return xlsx(worksheet(rows))


def huge_shared_string() -> bytes:
    """About 300 KB: one shared string of 300 million letters in B2."""

    def shared():
        yield f'<sst xmlns="{MAIN_NS}" count="3" uniqueCount="3">'
        yield "<si><t>Nama</t></si><si><t>L/P</t></si><si><t>"
        chunk = "A" * 1_000_000
        for _ in range(300):
            yield chunk
        yield "</t></si></sst>"

    rows = [
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
        f'<row r="2">{inline("A2", "Ani")}<c r="B2" t="s"><v>2</v></c></row>',
    ]
    return xlsx(worksheet(rows), shared=shared())


def long_shared_string() -> bytes:
    """A shared string of 1 million random letters (the file is small, the
    parts are under every size limit): only the text length refuses it."""
    text = "".join(random.Random(3).choices(string.ascii_letters, k=1_000_000))
    shared = (
        f'<sst xmlns="{MAIN_NS}" count="3" uniqueCount="3"><si><t>Nama</t></si>'
        f"<si><t>L/P</t></si><si><t>{text}</t></si></sst>"
    )
    rows = [
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>1</v></c></row>',
    ]
    return xlsx(worksheet(rows), shared=shared)


def _column(index: int) -> str:
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def columns_16384() -> bytes:
    """A header of 16,384 columns (Excel's last is XFD) and 40 rows that fill
    every one of them with a number."""
    letters = [_column(i) for i in range(1, 16_385)]
    header = ["Nama", "L/P"] + [f"Kolom {i}" for i in range(3, 16_385)]

    def rows():
        yield (
            '<row r="1">'
            + "".join(inline(f"{c}1", t) for c, t in zip(letters, header, strict=True))
            + "</row>"
        )
        for n in range(2, 42):
            cells = "".join(f'<c r="{c}{n}"><v>{n}</v></c>' for c in letters)
            yield f'<row r="{n}">{cells}</row>'

    return xlsx(worksheet(rows(), dimension="A1:XFD41"))


def zip_bomb() -> bytes:
    """A worksheet of 1 GB (blank space between two rows) in about 1 MB."""

    def rows():
        yield HEADER_ROW
        chunk = " " * 4_000_000
        for _ in range(256):
            yield chunk
        yield f'<row r="2">{inline("A2", "Ani")}{inline("B2", "P")}</row>'

    return xlsx(worksheet(rows()))


def zip_bomb_image() -> bytes:
    """A normal sheet with a 4 MB "image" of zeros (ratio about 1,000 to 1)."""
    rows = [HEADER_ROW, f'<row r="2">{inline("A2", "Ani")}{inline("B2", "P")}</row>']
    return xlsx(worksheet(rows), extra={"xl/media/image1.png": b"\0" * 4_000_000})


def many_members() -> bytes:
    """A normal sheet in a zip of 30,000 more (empty) members."""
    rows = [HEADER_ROW, f'<row r="2">{inline("A2", "Ani")}{inline("B2", "P")}</row>']
    extra = {f"xl/media/image{i}.png": b"" for i in range(30_000)}
    return xlsx(worksheet(rows), extra=extra)


def merged_many() -> bytes:
    """100,000 small merged ranges (two cells each) under a short list."""
    rows = [HEADER_ROW, f'<row r="2">{inline("A2", "Ani")}{inline("B2", "P")}</row>']
    merges = (f"D{n}:E{n}" for n in range(2, 100_002))
    return xlsx(worksheet(rows, merges=merges))


def styles_bomb() -> bytes:
    """A styles part of 60 MB: 600,000 cell formats."""
    styles = STYLES.replace(
        f'<cellXfs count="1">{XF}</cellXfs>',
        f'<cellXfs count="600001">{XF * 600_001}</cellXfs>',
    )
    rows = [HEADER_ROW, f'<row r="2">{inline("A2", "Ani")}{inline("B2", "P")}</row>']
    return xlsx(worksheet(rows), styles=styles)


def old_xls() -> bytes:
    """An OLE2 compound file, as an old .xls starts."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096


def csv_long_field() -> bytes:
    """A CSV whose second row has one field of 200,000 characters."""
    return ("Nama,L/P\nAni," + "x" * 200_000 + "\nBudi,L\n").encode()


def csv_nul_after_4k() -> bytes:
    """A CSV of people with a NUL byte after the first 4 KB."""
    lines = ["Nama,L/P"] + [f"Peserta {i:04d},P" for i in range(400)]
    text = "\n".join(lines).encode()
    return text[:5000] + b"\x00" + text[5000:]


def control_xlsx() -> bytes:
    """The sign-in sheet of the seed training (19 people, 3 days)."""
    path = (
        ROOT / "tests" / "participants" / "data" / "maros-ocsea-2023-daftar-hadir.xlsx"
    )
    return path.read_bytes()


def control_csv() -> bytes:
    """A small CSV list of people."""
    rows = ["Nama,L/P,Instansi"] + [f"Peserta {i},P,Dinas Sosial" for i in range(20)]
    return ("\n".join(rows) + "\n").encode()


def control_20000_rows() -> bytes:
    """The largest sign-in sheet accepted: 20,000 people in 12 columns, with a
    title block (the import benchmark's file)."""
    from import_bench import build_workbook

    return build_workbook(20_000)


def styles_at_limit() -> bytes:
    """A short list whose styles part is just under UPLOAD_MAX_PART_BYTES: 30,000
    different cell formats (a workbook that has collected styles for years)."""
    pick = random.Random(5).randrange
    xfs = "".join(
        f'<xf numFmtId="{pick(50)}" fontId="0" fillId="0" borderId="0" xfId="0" '
        f'applyAlignment="1"><alignment indent="{pick(250)}" '
        f'textRotation="{pick(180)}"/></xf>'
        for _ in range(30_000)
    )
    styles = STYLES.replace(
        f'<cellXfs count="1">{XF}</cellXfs>',
        f'<cellXfs count="30001">{XF}{xfs}</cellXfs>',
    )
    rows = [HEADER_ROW, f'<row r="2">{inline("A2", "Ani")}{inline("B2", "P")}</row>']
    return xlsx(worksheet(rows), styles=styles)


def admin_control_xlsx() -> bytes:
    """The directory's columns with one institution, as an .xlsx."""
    rows = [
        HEADER_ROW.replace("Nama", "name").replace("L/P", "level"),
        f'<row r="2">{inline("A2", "UPTD PPA Uji")}{inline("B2", "nasional")}</row>',
    ]
    return xlsx(worksheet(rows))


def admin_control_csv() -> bytes:
    """The directory's columns with one institution, as a .csv."""
    return b"name,level\nUPTD PPA Uji,nasional\n"


#: name -> (file name, builder, whether it must be accepted, where it is uploaded:
#: "import" the sign-in sheet import, "admin" the admin's import, "both").
FILES = {
    "merged_long_name": ("merged.xlsx", merged_long_name, False, "both"),
    "million_empty_rows": (
        "rows.xlsx",
        lambda: empty_rows(dimension=True),
        False,
        "both",
    ),
    "million_empty_rows_no_dimension": (
        "rows.xlsx",
        lambda: empty_rows(dimension=False),
        False,
        "both",
    ),
    "far_last_row": ("far.xlsx", far_last_row, False, "both"),
    "huge_shared_string": ("shared.xlsx", huge_shared_string, False, "both"),
    "long_shared_string": ("shared.xlsx", long_shared_string, False, "both"),
    "columns_16384": ("wide.xlsx", columns_16384, False, "both"),
    "zip_bomb": ("bomb.xlsx", zip_bomb, False, "both"),
    "zip_bomb_image": ("image.xlsx", zip_bomb_image, False, "both"),
    "many_members": ("members.xlsx", many_members, False, "both"),
    "merged_many": ("merges.xlsx", merged_many, False, "both"),
    "styles_bomb": ("styles.xlsx", styles_bomb, False, "both"),
    "old_xls": ("old.xls", old_xls, False, "import"),
    "csv_long_field": ("long.csv", csv_long_field, False, "both"),
    "csv_nul_after_4k": ("nul.csv", csv_nul_after_4k, False, "both"),
    "control_xlsx": ("daftar-hadir.xlsx", control_xlsx, True, "import"),
    "control_csv": ("daftar-hadir.csv", control_csv, True, "import"),
    "control_20000_rows": ("peserta.xlsx", control_20000_rows, True, "import"),
    "control_styles_at_limit": ("styles.xlsx", styles_at_limit, True, "import"),
    "control_directory_xlsx": ("lembaga.xlsx", admin_control_xlsx, True, "admin"),
    "control_directory_csv": ("lembaga.csv", admin_control_csv, True, "admin"),
}
