"""The printed sign-in sheet (daftar hadir) of a training: its columns, and how
many blank rows fill the last A4 page for people who walk in.

The sheet prints on A4 landscape with 10 mm margins (``PAGE_WIDTH_MM`` by
``PAGE_HEIGHT_MM`` to print on). Every height on it is set in millimetres: the
title block on the first page, the table's header (repeated on every page) and
each row. A row holds two lines of text at least (``ROW_MM``); a longer name,
agency, position or village gets the lines it needs, estimated word by word with
character widths rounded up from the PDF's font (``char_mm``), so the estimate
is never short and the row is given exactly that height. The blank rows can then
be counted: as many as fit under the last person on the last page, and at least
``MIN_BLANK_ROWS`` (a page of them when the last page has less room). The
template (``trainings/includes/_signin_sheet_style.html``) sets the same
heights; tests/trainings/test_signin_sheet.py draws PDFs to check they agree.

Because the pages are known from the heights (``page_starts``), a long sheet can
be drawn in parts of whole pages (``sheet_parts``): each part's layout
(``SheetLayout.part``) continues the numbering, only the first has the title
block and only the last the blank rows, so the parts' pages joined are the
sheet's pages.
"""

import math
from dataclasses import dataclass, field, replace

#: A4 landscape (297 x 210 mm) less 10 mm margins on every side.
PAGE_WIDTH_MM = 277
PAGE_HEIGHT_MM = 190
#: The table's two header rows (6.8 mm of labels, 7.4 mm of days and dates, in
#: 7 pt), repeated on every page, and the table's top border.
HEAD_MM = 14.2
#: A row: room to sign and for two lines of 8 pt text.
ROW_MM = 10
#: One line of 8 pt text in a row (line height 1.25: 3.53 mm), and the cell's
#: padding and border above and below; the padding and borders on either side.
LINE_MM = 3.6
ROW_PADDING_MM = 2.4
CELL_PADDING_MM = 2.2
#: The title block above the table on the first page: at least the height of the
#: registration QR code beside it (96 px, 25.4 mm) and a gap; else the heading
#: (13 pt), the title's lines (11 pt bold) and the place-and-dates lines (9 pt),
#: at line height 1.2, with their gaps. Characters per line are rounded down
#: for the width beside the QR code.
TITLE_MM = 28
HEADING_MM = 6.6
TITLE_LINE_MM = 4.7
PLACE_LINE_MM = 3.9
TITLE_GAPS_MM = 2.2
TITLE_CHARS_PER_LINE = 78
PLACE_CHARS_PER_LINE = 100
#: The fewest blank rows a sheet of enrolled people gets; less room on the last
#: page adds a page of blank rows.
MIN_BLANK_ROWS = 3
#: Most people a blank sheet is printed for.
MAX_BLANK_SHEET = 500

#: Column widths in mm before the signature columns (the phone column only when
#: asked for); the text columns are narrowed when the training has many days.
NUMBER_MM, NAME_MM, SEX_MM = 9, 52, 9
AGENCY_MM, POSITION_MM, VILLAGE_MM, PHONE_MM = 46, 30, 30, 30
#: The narrowest signature column.
MIN_SIGN_MM = 16


@dataclass
class SheetLayout:
    """What the sign-in sheet template needs: ``widths`` (column -> width in mm,
    as text with a dot: ``"52.0"``, for CSS), ``title_mm`` (the title block's
    height), ``row_heights`` (one per enrolled person, in mm, as text), the
    number of ``blank_rows``, ``first_blank`` (the number of the first blank row,
    after the people) and ``phone`` (whether the "No. HP" column is shown).
    A part of a long sheet (``part``) also has ``first_number`` (the number of
    its first person) and ``head`` (whether it starts with the title block)."""

    widths: dict[str, str]
    title_mm: str
    row_heights: list[str] = field(default_factory=list)
    blank_rows: range = range(0)
    first_blank: int = 1
    phone: bool = False
    first_number: int = 1
    head: bool = True

    def part(self, rows: range, *, last: bool) -> "SheetLayout":
        """The layout of the part of the sheet holding the people ``rows``
        (indexes into ``row_heights``, starting a page): their heights, the
        title block only when ``rows`` starts at the first person, the blank
        rows only when ``last``."""
        return replace(
            self,
            row_heights=self.row_heights[rows.start : rows.stop],
            blank_rows=self.blank_rows if last else range(0),
            first_number=rows.start + 1,
            head=rows.start == 0,
        )


def column_widths(days: int, *, phone: bool) -> dict[str, float]:
    """Column -> width in mm for a training of ``days`` days, the whole table
    ``PAGE_WIDTH_MM`` wide: number, name, sex, agency, position, village, phone
    (when ``phone``) and ``day`` (each signature column). The text columns are
    narrowed in proportion (to 40 % at most) when the days would get less than
    ``MIN_SIGN_MM`` each; a training of more days than fit makes a wider table."""
    fixed = {
        "number": NUMBER_MM,
        "name": NAME_MM,
        "sex": SEX_MM,
        "agency": AGENCY_MM,
        "position": POSITION_MM,
        "village": VILLAGE_MM,
    }
    if phone:
        fixed["phone"] = PHONE_MM
    days = max(days, 1)
    room = PAGE_WIDTH_MM - sum(fixed.values())
    if room / days < MIN_SIGN_MM:
        # The text columns give up width; the number and L/P keep theirs.
        text = {k: w for k, w in fixed.items() if k not in ("number", "sex")}
        spare = PAGE_WIDTH_MM - MIN_SIGN_MM * days - NUMBER_MM - SEX_MM
        scale = max(spare / sum(text.values()), 0.4)
        fixed.update({key: width * scale for key, width in text.items()})
        room = PAGE_WIDTH_MM - sum(fixed.values())
    return {**fixed, "day": room / days}


def char_mm(char: str) -> float:
    """The width in mm of ``char`` in 8 pt text, rounded up from DejaVu Sans (the
    PDF's font; the browsers' sans-serif fonts are narrower): capitals 0.74 em,
    lower case 0.62 em, digits 0.66 em, a space 0.32 em, punctuation 0.42 em."""
    if char.isupper():
        return 2.1
    if char.islower():
        return 1.75
    if char.isdigit():
        return 1.85
    if char.isspace():
        return 0.9
    return 1.2


def lines_needed(text: str, width_mm: float) -> int:
    """Lines ``text`` takes in a cell ``width_mm`` wide (at least 1), wrapped
    word by word as the browser does (``char_mm`` per character); a word wider
    than the cell breaks over several lines."""
    room = max(width_mm - CELL_PADDING_MM, 1.0)
    space = char_mm(" ")
    lines, used = 1, 0.0
    for word in text.split():
        size = sum(char_mm(c) for c in word)
        if used and used + space + size <= room:
            used += space + size
            continue
        if used:
            lines += 1
        extra = math.ceil(size / room) - 1 if size > room else 0
        lines += extra
        used = size - extra * room
    return lines


def row_height(texts: dict[str, str], widths: dict[str, float]) -> float:
    """The height in mm of a person's row: ``ROW_MM``, or more when a text of
    ``texts`` (column -> text) needs more than two lines in its column."""
    lines = max((lines_needed(t, widths[c]) for c, t in texts.items()), default=1)
    return max(ROW_MM, lines * LINE_MM + ROW_PADDING_MM)


def title_height(title: str, place: str) -> float:
    """The height in mm of the title block above the table: ``TITLE_MM``, or
    more when the title and the place-and-dates line take more lines than fit
    beside the QR code."""
    title_lines = math.ceil(max(len(title), 1) / TITLE_CHARS_PER_LINE)
    place_lines = math.ceil(max(len(place), 1) / PLACE_CHARS_PER_LINE)
    text = (
        HEADING_MM
        + title_lines * TITLE_LINE_MM
        + place_lines * PLACE_LINE_MM
        + TITLE_GAPS_MM
    )
    return max(TITLE_MM, text)


def _paginate(heights: list[float], *, title_mm: float) -> tuple[list[int], float]:
    """Rows of ``heights`` (mm) laid on pages under the first page's title
    block: the index of the first row of each page (``[0]`` when there are
    none) and the height used on the last page."""
    page = PAGE_HEIGHT_MM - HEAD_MM
    starts = [0]
    used = title_mm  # the first page's title block
    for index, height in enumerate(heights):
        if used + height > page:
            used = 0  # the row moves to a new page, under the repeated header
            starts.append(index)
        used += height
    return starts, used


def page_starts(heights: list[float], *, title_mm: float) -> list[int]:
    """The index of the first of the rows of ``heights`` (mm) on each page,
    the first page under the title block: ``[0, 14, 31, ...]``; ``[0]`` when
    there are no rows."""
    return _paginate(heights, title_mm=title_mm)[0]


def sheet_parts(
    heights: list[float], *, title_mm: float, pages_per_part: int
) -> list[range]:
    """The rows of ``heights`` (mm) split into parts of ``pages_per_part``
    whole pages (at least one page each): ranges of row indexes, in order,
    together all of them; one empty range when there are no rows."""
    starts = page_starts(heights, title_mm=title_mm)[:: max(pages_per_part, 1)]
    ends = [*starts[1:], len(heights)]
    return [range(start, end) for start, end in zip(starts, ends, strict=True)]


def blank_row_count(heights: list[float], *, title_mm: float) -> int:
    """How many ``ROW_MM`` rows fill the page after rows of ``heights`` (mm):
    the rows left on the last page, at least ``MIN_BLANK_ROWS`` when there are
    people (a page more when the last has less room), and a full first page
    when there are none."""
    page = PAGE_HEIGHT_MM - HEAD_MM
    used = _paginate(heights, title_mm=title_mm)[1]
    blank = int((page - used) // ROW_MM)
    if heights and blank < MIN_BLANK_ROWS:
        blank += int(page // ROW_MM)
    return blank


def _mm(value: float) -> str:
    """A length for CSS, with a dot whatever the language: ``"52.0"``."""
    return f"{value:.1f}"


def sheet_layout(
    *,
    days: int,
    title: str,
    place: str,
    people: list[dict[str, str]],
    blank_for: int | None = None,
    phone: bool = False,
) -> SheetLayout:
    """The layout of a sign-in sheet for a training of ``days`` days called
    ``title``, held at ``place`` (the line under the title, with the dates):
    ``people`` are the enrolled people in order, each the texts of their name,
    agency, position and village (column -> text); ``blank_for`` people makes a
    blank sheet instead (``people`` empty, that many numbered blank rows);
    ``phone`` adds the "No. HP" column (left blank: people write their number).
    """
    widths = column_widths(days, phone=phone)
    title_mm = title_height(title, place)
    heights = [row_height(texts, widths) for texts in people]
    if blank_for:
        blank = min(blank_for, MAX_BLANK_SHEET)
    else:
        blank = blank_row_count(heights, title_mm=title_mm)
    return SheetLayout(
        widths={key: _mm(width) for key, width in widths.items()},
        title_mm=_mm(title_mm),
        row_heights=[_mm(height) for height in heights],
        blank_rows=range(blank),
        first_blank=len(people) + 1,
        phone=phone,
    )
