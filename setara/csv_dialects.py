"""How a .csv is written for the spreadsheet that will open it: the field separator,
decimal mark and date form of the interface language, and the cells that must stay
text (phone numbers, NIK, region codes). ``setara.spreadsheets`` writes the file;
this module decides how each cell is spelled.

**By language.** Excel opens a .csv by double-click with no import dialog and
reads it with the computer's regional settings. In Indonesian settings the list
separator is ``;`` and the decimal mark ``,`` (``1.234,5``): a comma-separated
file opens as one column, and ``78.9`` is read as text or as 789. So a file made
from the Indonesian interface uses ``;`` and decimal commas, and one from the
English interface ``,`` and decimal points (``csv_dialect``). The language is that
of the request that started the export: a job stores it (``Job.language``) and
its worker runs in it. Numbers are written without thousands separators, so both
settings read them as numbers. Every .csv starts with UTF-8's byte-order mark,
without which Excel reads UTF-8 as the local code page ("Ã©").

Dates: Indonesian 18/10/2023, the Indonesian short date, read as a date there;
English 2023-10-18 (ISO 8601), because English users' Excel may have US settings,
where 01/10/2023 would silently become 10 January; ISO dates are read as the same
date in every setting.

**Text that must stay text** (``text_cell``). Opening a .csv, Excel and LibreOffice
turn every field that looks like a number into one, quoted or not: 081242317710
loses its leading 0, a 16-digit NIK becomes 7,30912E+15 with its 16th digit
turned to 0 (15 significant digits), and the province code 73.09 becomes a number
(in English settings) or a time (in Indonesian ones, where "." separates hours
and minutes). The cells of a table's ``text_columns`` that would be read so are
written as a text formula, ``="081242317710"``. Other ways, and why not:

- quoting the field: both apps decide the type after removing the quotes
  (LibreOffice keeps quoted fields as text only with an import option that is
  off by default);
- a leading apostrophe: in a .csv both apps show it as part of the value (it
  hides only when typed into a cell); the formula guard uses it for formula-like
  text, where a visible mark is acceptable, but not for every phone number;
- a leading tab or space: a tab is one of the formula triggers the guard
  escapes (OWASP, "CSV Injection"), and both stay in the value, so lookups and
  copies into other systems fail;
- a zero-width character before the digits: invisible, so it travels silently
  into copies and makes two equal numbers differ.

``="…"`` is shown by Excel (every version) and by LibreOffice (its "Evaluate
formulas" import option, on by default) as its result, the exact text, in a text
cell; with evaluation off, the cell shows ``="0812…"`` with the digits intact. It
is a formula, which the formula guard exists to prevent, so it is written only
around values of at most 64 characters made of digits, spaces and ``+ - . / ( )``
(``TEXT_FORMULA_RE``): no value a user can type becomes any other formula, and
there is no quote to escape. Any other value of a text column is written as
other text is, through the guard.
"""

import datetime
import decimal
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

#: Values of a text column written as ``="…"``: digits with the marks phone
#: numbers, NIK and region codes are written with; at least one digit.
TEXT_FORMULA_RE = re.compile(r"(?=[^0-9]*[0-9])[0-9 +\-./()]{1,64}")


@dataclass(frozen=True)
class CsvDialect:
    """How one kind of spreadsheet reads a .csv: ``delimiter`` between fields,
    ``decimal`` mark of numbers with a fraction, ``date_format`` (``strftime``)."""

    delimiter: str
    decimal: str
    date_format: str

    def number(self, value: float | decimal.Decimal) -> str:
        """``value`` (a float or Decimal) as plain digits with this dialect's
        decimal mark, never in exponent form: 78.9 -> "78,9" or "78.9",
        1e-05 -> "0,00001"."""
        text = format(
            decimal.Decimal(repr(value) if type(value) is float else value), "f"
        )
        return text.replace(".", self.decimal) if self.decimal != "." else text

    def date(self, value: datetime.date) -> str:
        """``value`` (a date, or the date of a datetime) in ``date_format``."""
        return value.strftime(self.date_format)


#: Comma, decimal point and 18/10/2023: what every .csv was before the
#: interface language counted, kept for the admin's directory files (which its
#: import reads back with commas).
CSV_PLAIN = CsvDialect(delimiter=",", decimal=".", date_format="%d/%m/%Y")
#: The dialect of each interface language (``settings.LANGUAGES``).
CSV_DIALECTS = {
    "id": CsvDialect(delimiter=";", decimal=",", date_format="%d/%m/%Y"),
    "en": CsvDialect(delimiter=",", decimal=".", date_format="%Y-%m-%d"),
}


def csv_dialect(language: str | None = None) -> CsvDialect:
    """The ``CsvDialect`` of ``language`` (a language code such as "id" or
    "en-gb"; by default the active language): Indonesian's for "id", English's
    for any other."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return CSV_DIALECTS.get(language.split("-")[0].lower(), CSV_DIALECTS["en"])


def text_formula(value: str) -> str | None:
    """``="<value>"`` when ``value`` is one a spreadsheet would read as a number
    or date and may be wrapped safely (``TEXT_FORMULA_RE``); None otherwise."""
    if TEXT_FORMULA_RE.fullmatch(value):
        return f'="{value}"'
    return None
