"""The activity report (laporan kegiatan) of a training as an editable Word file
(.docx, written with python-docx): the title, dates and place as heading, the
paragraph, the objectives, and the tables by agency type and by day (L / P).

The file holds counts and agency names only, no person's data (see
``trainings.views.activity_report``).
"""

import datetime
import io

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from setara.spreadsheets import Table, cell_safe

from .activity_report import activity_report_tables, format_number
from .models import Training

DOCX_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)


def activity_report_docx(training: Training, numbers: dict, paragraph: str) -> bytes:
    """The .docx of ``training``'s activity report, as bytes: a heading with the
    title, a line with the dates and place, ``paragraph`` (its blank-line-free
    lines each a paragraph of the document), the objectives as a list (one per
    line of ``training.objectives``; left out when empty), then the tables of
    ``activity_report_tables(numbers)``. ``paragraph`` must be clean text (no
    control characters: ``setara.text.clean_multiline_text``); python-docx raises
    ValueError otherwise, so every text goes through ``_xml`` (stored names may
    predate a cleaning rule). No query."""
    document = Document()
    properties = document.core_properties
    properties.title = _xml(training.title)[:255]
    properties.author = properties.last_modified_by = training.programme
    properties.created = properties.modified = timezone.now()
    document.styles["Normal"].font.size = Pt(11)

    document.add_heading(_xml(training.title), level=1)
    document.add_paragraph(
        _xml(f"{training.date_range_display} · {training.place_display}")
    )
    document.add_heading(_("Activity report"), level=2)
    for line in paragraph.splitlines():
        if line.strip():
            document.add_paragraph(_xml(line.strip()))
    objectives = [line.strip() for line in training.objectives.splitlines()]
    if any(objectives):
        document.add_heading(_("Objectives"), level=2)
        for objective in filter(None, objectives):
            document.add_paragraph(_xml(objective), style="List Bullet")
    for table in activity_report_tables(numbers):
        document.add_heading(_xml(table.title), level=2)
        _add_table(document, table)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xml(text: str) -> str:
    """``text`` without the characters XML 1.0 refuses (``cell_safe``: C0
    controls, lone surrogates, U+FFFE, U+FFFF), which lxml raises ValueError on."""
    return cell_safe(str(text))


def _cell_text(value) -> str:
    """A table cell as text: counts as the readers of the active language write
    them, dates as 18/10/2023."""
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _add_table(document, table: Table) -> None:
    """``table`` as a grid: the header and the total row in bold, counts aligned
    right."""
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    for cell, label in zip(grid.rows[0].cells, table.header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(_xml(label)).bold = True
    total = _("Total")
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            paragraph = cell.paragraphs[0]
            paragraph.add_run(_xml(_cell_text(value))).bold = row[0] == total
            if isinstance(value, int):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
