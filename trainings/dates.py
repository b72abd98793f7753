"""The days of a training: listing them, writing a range as Indonesian reports do,
counting them in SQL, and one row per day for the attendance tables."""

import datetime

from django.db import models
from django.db.models import Func
from django.utils.formats import date_format

from participants.disaggregation import SEX_COLUMNS


def days_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The calendar days from ``start`` to ``end``, both included (none when
    ``end`` is before ``start``)."""
    return [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]


def format_date_range(start: datetime.date, end: datetime.date) -> str:
    """Format a date range in the active language, naming shared parts once.

    ``18–20 Oktober 2023``, ``30 September – 2 Oktober 2023``,
    ``30 Desember 2023 – 2 Januari 2024``, or ``18 Oktober 2023`` for one day.
    """
    if start == end:
        return date_format(start, "j F Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{date_format(end, 'j F Y')}"
    if start.year == end.year:
        return f"{date_format(start, 'j F')} – {date_format(end, 'j F Y')}"
    return f"{date_format(start, 'j F Y')} – {date_format(end, 'j F Y')}"


class DayCount(Func):
    """Days from a start date to an end date, both counted (18-20 October = 3).

    Written for the two databases the project runs on: PostgreSQL subtracts dates to
    an integer, SQLite through ``julianday``.
    """

    arity = 2
    output_field = models.IntegerField()

    def as_sql(self, compiler, connection, **extra):
        start, end = self.source_expressions
        return Func(
            end, start, arg_joiner=" - ", template="(%(expressions)s + 1)"
        ).as_sql(compiler, connection, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        start, end = self.source_expressions
        return Func(
            end,
            start,
            arg_joiner=") - julianday(",
            template="(CAST(julianday(%(expressions)s) AS INTEGER) + 1)",
        ).as_sql(compiler, connection, **extra)


def day_rows(days: list[datetime.date], present: dict) -> list[dict]:
    """One row per day of a training, first to last, for display: ``number`` (1 for
    the first day), ``date`` and the people present by sex (``male``, ``female``,
    ``not_recorded``, ``total``), taken from ``present`` (date -> a row of
    ``AttendanceQuerySet.training_day_summary()``), 0 on a day nobody was present.
    """
    return [
        {
            "number": number,
            "date": date,
            **{
                sex: present.get(date, {}).get(f"present_{sex}", 0)
                for sex in SEX_COLUMNS
            },
        }
        for number, date in enumerate(days, start=1)
    ]
