"""Bounds on an uploaded .xlsx, checked before openpyxl opens it (the limits and
their errors: ``setara.upload_limits``).

An .xlsx is a zip of XML parts. ``check_workbook`` first looks at the zip's
directory (nothing is extracted): how many members, their total size unpacked,
each member's compression ratio, the size of each worksheet, of the shared
strings (the workbook's table of texts) and of every other XML part (the ones
openpyxl parses whole: styles, workbook, relationships). Sizes are those the zip
declares, and they are a real bound: Python's ``zipfile`` never returns more
bytes than a member declares (and checks its CRC), so a zip bomb is refused before
a byte of it is inflated. openpyxl parses a part that is not a worksheet or the
shared strings whole (a styles part of 5 MB took 137 MB and 7 s), so those parts
have the smallest limit; media (images) are never parsed and are held only to the
total and the ratio.

Then it streams the shared strings (counting and measuring each) and every
worksheet, once, with lxml and a parser target (no tree is built, so memory stays
flat): the ``<dimension>``, the rows, columns and cells used, each cell's text and
the merged ranges, stopping at the first limit. This happens before openpyxl
opens the file because openpyxl itself parses a whole sheet that has no
``<dimension>`` when it opens the workbook. ``sheet_rows`` then has openpyxl
(read-only mode) read the rows only inside the bounds found, stopping after the
last row with a value, so a sheet that claims A1:XFD1048576, or has one cell far
below the data, costs nothing more. openpyxl's read-only mode does not read
merged ranges; the scan returns them.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from itertools import islice
from typing import IO

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from lxml import etree
from openpyxl.packaging.manifest import Manifest
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.reader.excel import _find_workbook_part
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
    range_boundaries,
)
from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring

from .upload_limits import (
    MB,
    UploadLimitError,
    UploadLimits,
    cell_chars_error,
    cells_error,
    columns_error,
    megabytes,
    refuse,
    row_number_error,
)

#: Members smaller than this unpacked are not held to the compression ratio.
RATIO_FLOOR_BYTES = MB
#: Excel's largest sheet: 1,048,576 rows of 16,384 columns (XFD).
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384

_ROW, _CELL = f"{{{SHEET_MAIN_NS}}}row", f"{{{SHEET_MAIN_NS}}}c"
_VALUE = f"{{{SHEET_MAIN_NS}}}v"
_FORMULA, _TEXT = f"{{{SHEET_MAIN_NS}}}f", f"{{{SHEET_MAIN_NS}}}t"
_DIMENSION = f"{{{SHEET_MAIN_NS}}}dimension"
_MERGE = f"{{{SHEET_MAIN_NS}}}mergeCell"
_STRING_ITEM = f"{{{SHEET_MAIN_NS}}}si"
_WORKSHEET_REL = "/worksheet"


# The zip -----------------------------------------------------------------------


def check_workbook(
    data: bytes, limits: UploadLimits | None = None
) -> dict[str, SheetScan]:
    """Check an .xlsx (``data``) before openpyxl opens it: members, sizes
    unpacked, compression ratios, then the shared strings and every worksheet,
    streamed (openpyxl itself parses a sheet without a ``<dimension>`` whole when
    it opens the workbook). Returns each worksheet's ``SheetScan`` by part name,
    for ``sheet_rows``.

    Raises UploadLimitError at the first limit passed; any other exception
    (``zipfile.BadZipFile``, ``KeyError``, ``ValueError``, lxml's
    ``XMLSyntaxError``...) means the file is not a readable workbook.
    """
    limits = limits or UploadLimits.from_settings()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > limits.zip_members:
            raise refuse(
                _(
                    "The workbook holds %(count)s parts; an Excel workbook holds far "
                    "fewer (at most %(max)s are read). Save the sheet again from "
                    "Excel as a new .xlsx file."
                ),
                count=len(members),
                max=limits.zip_members,
            )
        total = sum(member.file_size for member in members)
        if total > limits.uncompressed_bytes:
            raise refuse(
                _(
                    "The workbook unpacks to %(size)s MB; a sign-in sheet unpacks to "
                    "at most %(max)s MB. Save only the sheet of participants in a "
                    "new workbook."
                ),
                size=megabytes(total),
                max=limits.uncompressed_bytes // MB,
            )
        for member in members:
            _check_ratio(member, limits)
            if member.file_size > limits.sheet_bytes:
                raise _part_too_big(member, limits.sheet_bytes)
        sheets, shared = _streamed_parts(archive, limits)
        for member in members:
            if member.filename == shared:
                cap = limits.shared_strings_bytes
            elif member.filename in sheets:
                cap = limits.sheet_bytes
            else:
                cap = limits.part_bytes
            if member.file_size > cap and (
                member.filename in sheets
                or member.filename == shared
                or _looks_like_xml(archive, member)
            ):
                raise _part_too_big(member, cap)
        if shared:
            with archive.open(shared) as stream:
                _scan_shared_strings(stream, limits)
        scans = {}
        for name in sorted(sheets & set(archive.namelist())):
            with archive.open(name) as stream:
                scans[name] = scan_sheet(stream, limits)
        return scans


def _check_ratio(member: zipfile.ZipInfo, limits: UploadLimits) -> None:
    if member.file_size <= RATIO_FLOOR_BYTES:
        return
    ratio = member.file_size // max(member.compress_size, 1)
    if ratio > limits.compression_ratio:
        raise refuse(
            _(
                "Part “%(part)s” of the workbook is packed %(ratio)s to 1; the parts "
                "of a spreadsheet are packed at most %(max)s to 1. The file may be "
                "damaged or made to harm: save the sheet again from Excel."
            ),
            part=member.filename,
            ratio=ratio,
            max=limits.compression_ratio,
        )


def _part_too_big(member: zipfile.ZipInfo, cap: int) -> UploadLimitError:
    return refuse(
        _(
            "Part “%(part)s” of the workbook unpacks to %(size)s MB; at most "
            "%(max)s MB are read. (A workbook that has collected many cell styles "
            "has a big styles part: copy the cells into a new workbook.)"
        ),
        part=member.filename,
        size=megabytes(member.file_size),
        max=number_format(cap / MB, decimal_pos=0),
    )


def _read_small(archive: zipfile.ZipFile, name: str, limits: UploadLimits) -> bytes:
    """Member ``name``, refused over ``limits.part_bytes`` before it is read."""
    member = archive.getinfo(name)
    if member.file_size > limits.part_bytes:
        raise _part_too_big(member, limits.part_bytes)
    return archive.read(member)


def _streamed_parts(archive, limits) -> tuple[set[str], str]:
    """The worksheets openpyxl will stream (targets of the workbook's worksheet
    relationships that no other relationship points to) and the shared strings
    part (``""`` if none), found as openpyxl finds them."""
    package = Manifest.from_tree(
        fromstring(_read_small(archive, ARC_CONTENT_TYPES, limits))
    )
    part = package.find(SHARED_STRINGS)
    shared = part.PartName[1:] if part is not None else ""
    # openpyxl's own lookup of the workbook part, so both read the same one.
    workbook = _find_workbook_part(package).PartName[1:]
    rels_path = get_rels_path(workbook)
    _read_small(archive, rels_path, limits)
    relationships = list(get_dependents(archive, rels_path))
    sheets = {r.target for r in relationships if r.Type.endswith(_WORKSHEET_REL)}
    others = {r.target for r in relationships if not r.Type.endswith(_WORKSHEET_REL)}
    return sheets - others - {shared}, shared


def _looks_like_xml(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether ``member`` starts as XML does (after a byte-order mark, NULs of
    UTF-16 and white space): only such a part can be parsed as XML."""
    with archive.open(member) as stream:
        start = stream.read(256)
    for mark in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        start = start.removeprefix(mark)
    return start.replace(b"\0", b"").lstrip().startswith(b"<")


def _dtd_refused(*_args) -> None:
    """A parser target's ``doctype``: Excel never writes a document type
    declaration, and a DTD's entities can multiply a small part into a huge one."""
    raise UploadLimitError(
        _(
            "The workbook contains a document type declaration, which Excel never "
            "writes: the file may be made to harm. Save the sheet again from Excel."
        )
    )


def _parse(stream: IO[bytes], target):
    """Feed ``stream`` to lxml in 64 KB pieces with ``target`` receiving the
    events (no tree is built, so memory stays flat); no entity expansion, DTD or
    network. Returns ``target.close()``; raises what the target raises, lxml's
    ``XMLSyntaxError`` for XML that is not well formed."""
    parser = etree.XMLParser(
        target=target, resolve_entities=False, load_dtd=False, no_network=True
    )
    while chunk := stream.read(64 * 1024):
        parser.feed(chunk)
    return parser.close()


class _SharedStrings:
    """Parser target counting the shared strings and measuring each."""

    doctype = staticmethod(_dtd_refused)

    def __init__(self, limits: UploadLimits):
        self.limits = limits
        self.count = self.length = 0
        self.in_text = False

    def start(self, tag, attrib) -> None:
        if tag == _STRING_ITEM:
            self.count += 1
            self.length = 0
            if self.count > self.limits.shared_strings:
                raise refuse(
                    _(
                        "The workbook holds more than %(max)s different texts; a "
                        "sign-in sheet holds far fewer. Split it into smaller files."
                    ),
                    max=self.limits.shared_strings,
                )
        self.in_text = tag == _TEXT

    def data(self, text: str) -> None:
        if not self.in_text:
            return
        self.length += len(text)
        if self.length > self.limits.cell_chars:
            raise refuse(
                _(
                    "A text in the workbook has more than %(max)s characters; a "
                    "cell of a sign-in sheet holds at most %(max)s."
                ),
                max=self.limits.cell_chars,
            )

    def end(self, tag) -> None:
        self.in_text = False

    def close(self) -> int:
        return self.count


def _scan_shared_strings(stream: IO[bytes], limits: UploadLimits) -> int:
    """Count the shared strings and measure each, streamed; returns the count."""
    return _parse(stream, _SharedStrings(limits))


# A worksheet --------------------------------------------------------------------


@dataclass
class SheetScan:
    """What one pass over a worksheet found: the last row and column holding a
    value (0 when none) and the merged ranges as ``(min_col, min_row, max_col,
    max_row)``, 1-based."""

    last_row: int = 0
    last_column: int = 0
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


class _Sheet:
    """Parser target for one pass over a worksheet (see ``scan_sheet``)."""

    doctype = staticmethod(_dtd_refused)

    def __init__(self, limits: UploadLimits):
        self.limits = limits
        self.scan = SheetScan()
        self.row = self.column = self.row_width = self.cells = self.covered = 0
        # The widest column of a row past the column limit: the row is read to
        # its end (at most Excel's 16,384 cells) so the message has the count.
        self.wide = 0
        # The text being measured (a cell's value, formula or inline string).
        self.text: str | None = None
        self.lengths = {_VALUE: 0, _FORMULA: 0, _TEXT: 0}

    def start(self, tag, attrib) -> None:
        if tag == _CELL:
            self.start_cell(attrib.get("r"))
        elif tag in self.lengths:
            self.text = tag
            if tag != _TEXT:  # an inline string's runs add up
                self.lengths[tag] = 0
        elif tag == _ROW:
            self.start_row(attrib.get("r"))
        elif tag == _DIMENSION:
            self.dimension(attrib.get("ref", ""))
        elif tag == _MERGE:
            self.merge(attrib.get("ref", ""))

    def data(self, text: str) -> None:
        if self.text is None:
            return
        length = self.lengths[self.text] + len(text)
        self.lengths[self.text] = length
        if length > self.limits.cell_chars:
            where = f"{get_column_letter(self.column)}{self.row}"
            raise cell_chars_error(where, self.limits)

    def end(self, tag) -> None:
        self.text = None
        if tag == _ROW and self.wide:
            raise columns_error(self.wide, self.limits)
        if tag == _CELL and (self.lengths[_VALUE] or self.lengths[_TEXT]):
            self.cells += 1
            if self.cells > self.limits.cells:
                raise cells_error(self.limits)
            self.scan.last_row = max(self.scan.last_row, self.row)
            self.scan.last_column = max(self.scan.last_column, self.column)

    def close(self) -> SheetScan:
        return self.scan

    def start_row(self, number: str | None) -> None:
        self.row = int(number) if number else self.row + 1
        if self.row > self.limits.row_number:
            raise row_number_error(self.row, self.limits)
        self.column = self.row_width = 0

    def start_cell(self, ref: str | None) -> None:
        if ref:
            self.column = column_index_from_string(coordinate_from_string(ref)[0])
        else:
            self.column += 1
        self.row_width += 1
        if self.column > self.limits.columns or self.row_width > self.limits.columns:
            self.wide = max(self.wide, self.column, self.row_width)
            if self.row_width > EXCEL_COLUMNS or self.column > EXCEL_COLUMNS:
                raise columns_error(self.wide, self.limits)
        self.lengths = dict.fromkeys(self.lengths, 0)

    def dimension(self, ref: str) -> None:
        min_col, _min_row, max_col, max_row = _boundaries(ref)
        columns = max_col - min_col + 1
        if columns > self.limits.columns:
            raise refuse(
                _(
                    "The sheet's used range is %(range)s: %(count)s columns; a "
                    "sign-in sheet has at most %(max)s. Delete the columns after "
                    "the data and save it again."
                ),
                range=ref,
                count=columns,
                max=self.limits.columns,
            )
        if max_row > self.limits.row_number:
            raise row_number_error(max_row, self.limits)

    def merge(self, ref: str) -> None:
        bounds = _boundaries(ref)
        min_col, min_row, max_col, max_row = bounds
        self.scan.merged.append(bounds)
        if len(self.scan.merged) > self.limits.merged_ranges:
            raise refuse(
                _(
                    "The sheet has more than %(max)s merged ranges; a sign-in sheet "
                    "has far fewer. Unmerge the cells (Home > Merge & Center) and "
                    "save it again."
                ),
                max=self.limits.merged_ranges,
            )
        covered = (max_col - min_col + 1) * (max_row - min_row + 1)
        self.covered += covered
        if self.covered > self.limits.merged_cells:
            raise refuse(
                _(
                    "The merged ranges cover more than %(max)s cells (%(range)s "
                    "alone covers %(count)s); a sign-in sheet's cover far fewer. "
                    "Unmerge them (Home > Merge & Center) and save it again."
                ),
                max=self.limits.merged_cells,
                range=ref,
                count=covered,
            )
        if max_col > self.limits.columns:
            raise columns_error(max_col, self.limits)
        if max_row > self.limits.row_number:
            raise row_number_error(max_row, self.limits)


def _boundaries(ref: str) -> tuple[int, int, int, int]:
    """``(min_col, min_row, max_col, max_row)`` of a range (``"A1:C9"``, ``"A:C"``,
    ``"2:5"``); a side left open reaches Excel's edge. ValueError when it is not a
    range."""
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return (
        min_col or 1,
        min_row or 1,
        max_col or min_col or EXCEL_COLUMNS,
        max_row or min_row or EXCEL_ROWS,
    )


def scan_sheet(stream: IO[bytes], limits: UploadLimits | None = None) -> SheetScan:
    """One streamed pass over a worksheet's XML: its ``<dimension>``, every row
    number, column, cell text and merged range, stopping at the first limit.

    Raises UploadLimitError; lxml's ``XMLSyntaxError`` or ValueError for XML that
    is not a worksheet.
    """
    return _parse(stream, _Sheet(limits or UploadLimits.from_settings()))


def sheet_rows(worksheet, scans: dict[str, SheetScan]):
    """The rows of an openpyxl read-only worksheet as tuples of values, read
    inside the bounds its scan (from ``check_workbook``'s ``scans``) found:
    ``(rows, scan)``, where ``rows`` yields one tuple per row from row 1 to the
    last row with a value, each as wide as the last column with a value, and
    stops there (openpyxl does not parse the rest of the part). A sheet missing
    from ``scans`` is scanned first: raises what ``scan_sheet`` raises.
    """
    # openpyxl's read-only sheet reads its part (_worksheet_path) through
    # _get_source().
    scan = scans.get(worksheet._worksheet_path)
    if scan is None:
        with worksheet._get_source() as stream:
            scan = scan_sheet(stream)
    if not scan.last_row:
        return iter(()), scan
    rows = worksheet.iter_rows(
        min_row=1,
        max_row=scan.last_row,
        min_col=1,
        max_col=scan.last_column,
        values_only=True,
    )
    return islice(rows, scan.last_row), scan
