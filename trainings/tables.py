"""Report tables and participant lists, shared by the report pages and the exports.

The numbers come from the ``EnrolmentQuerySet`` report methods (one query each);
this module only lays them out as rows with translated labels, so the page and the
.xlsx/.csv show the same cells. Every table splits counts into L (laki-laki), P
(perempuan), "not recorded" (sex left empty) and a total counted by the database,
so L + P + not recorded = total can be checked on paper.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from participants.disaggregation import SEX_COLUMNS
from participants.functioning import WG_FIELDS, WG_STATUS_LABELS, Difficulty
from participants.models import NO_AGENCY, Agency, Participant
from participants.normalisation import national_phone
from regions.models import Region
from setara.spreadsheets import MONTH_FORMAT, Table

from .dates import day_rows, days_between
from .knowledge_gain import gain_tables
from .models import Attendance, Enrolment, Training
from .reports import BREAKDOWNS, REGION_CODE_PREFIX

#: Trainings per page of the per-training report.
TRAININGS_PER_PAGE = 25


def percent(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, one decimal; None when ``whole`` is 0."""
    return round(100 * part / whole, 1) if whole else None


def sex_cells(data: dict, prefix: str) -> list:
    """``[L, P, not recorded, total, % P]`` of ``data[<prefix><sex>]``."""
    cells = [data[f"{prefix}{sex}"] for sex in SEX_COLUMNS]
    return [*cells, percent(data[f"{prefix}female"], data[f"{prefix}total"])]


def sex_header() -> list[str]:
    """Column labels matching ``sex_cells``."""
    return ["L", "P", _("Not recorded"), _("Total"), _("% P")]


def summary_table(summary: dict) -> Table:
    """Headline measures: trainings held, participations, unique persons and
    person-days, each by sex, and villages reached (not split by sex)."""
    rows = [
        [
            _("Trainings held (with participants counted here)"),
            None,
            None,
            None,
            summary["trainings"],
            None,
        ],
        [
            _("Participations (enrolments: one person in two trainings counts twice)"),
            *sex_cells(summary, "participations_"),
        ],
        [
            _("Unique persons (each person counted once)"),
            *sex_cells(summary, "persons_"),
        ],
        [
            _("Person-days attended (days marked present)"),
            *sex_cells(summary, "person_days_"),
        ],
        [
            _("Villages reached (distinct villages of participants)"),
            None,
            None,
            None,
            summary["villages"],
            None,
        ],
    ]
    return Table(_("Summary"), [_("Measure"), *sex_header()], rows)


def agency_types(summary: dict) -> Iterator[tuple[str, str]]:
    """``(label, key prefix)`` of each agency type with participations in
    ``summary`` (``EnrolmentQuerySet.report_summary()``), in choice order, then
    "No agency" (prefix ``type_none_``) if there are any."""
    for value in [*Agency.Type.values, None]:
        prefix = f"type_{value or 'none'}_"
        if summary[f"{prefix}total"]:
            yield Agency.type_label(value), prefix


def agency_type_table(summary: dict) -> Table:
    """Participations by agency type and sex, types with no participations left
    out, with a total row."""
    rows = [
        [label, *sex_cells(summary, prefix)] for label, prefix in agency_types(summary)
    ]
    rows.append([_("Total"), *sex_cells(summary, "participations_")])
    return Table(_("By agency type"), [_("Agency type"), *sex_header()], rows)


def agency_table(summary: dict, agency_rows) -> Table:
    """Participations by agency and sex (``agency_rows`` from
    ``EnrolmentQuerySet.agency_summary()``), with a total row."""

    def rows():
        for row in agency_rows:
            yield [
                row["agency_name"] or str(NO_AGENCY),
                Agency.type_label(row["agency_type"]) if row["agency_id"] else "",
                *sex_cells(row, "participations_"),
            ]
        yield [_("Total"), "", *sex_cells(summary, "participations_")]

    return Table(_("By agency"), [_("Agency"), _("Agency type"), *sex_header()], rows())


def disability_table(summary: dict) -> Table:
    """Unique persons by sex and disability; "not asked" is a column of its own."""
    choices = Participant.Disability
    labels = dict(zip(SEX_COLUMNS, sex_header(), strict=False))
    rows = [
        [
            labels[sex],
            *(summary[f"disability_{value}_{sex}"] for value in choices.values),
            summary[f"persons_{sex}"],
        ]
        for sex in SEX_COLUMNS
    ]
    header = [_("Sex"), *(str(label) for label in choices.labels), _("Total")]
    return Table(_("Disability (persons)"), header, rows)


def wg_table(summary: dict) -> Table:
    """Unique persons by sex and disability by the Washington Group Short Set
    answers (``participants.functioning``): with disability, without, not asked."""
    labels = dict(zip(SEX_COLUMNS, sex_header(), strict=False))
    rows = [
        [
            labels[sex],
            *(summary[f"wg_{status}_{sex}"] for status in WG_STATUS_LABELS),
            summary[f"persons_{sex}"],
        ]
        for sex in SEX_COLUMNS
    ]
    header = [
        _("Sex"),
        *(str(label) for label in WG_STATUS_LABELS.values()),
        _("Total"),
    ]
    return Table(_("Disability, WG-SS (persons)"), header, rows)


def month_table(month_rows) -> Table:
    """Participations by month of the training's start, by sex."""
    rows = ([row["month"], *sex_cells(row, "participations_")] for row in month_rows)
    return Table(
        _("By month"),
        [_("Month"), *sex_header()],
        rows,
        formats={0: MONTH_FORMAT},
    )


def region_table(level: str, rows: list[dict], summary: dict) -> Table:
    """Trainings, participations and unique persons by sex for each province
    (``level`` "province") or regency/city ("regency"): ``rows`` from
    ``EnrolmentQuerySet.region_summary(level)`` (the rows of that breakdown of
    ``breakdown_summary()``), with a total row from ``summary``
    (``report_summary()``): a person trained in two regencies counts once there.
    A regency row for a training held at province level reads "<province>
    (province level)"."""

    if level == "province":
        title, label = _("By province"), _("Province")
    else:
        title, label = _("By regency/city"), _("Regency/city")

    def name(row):
        code = row["region_code"]
        text = row["region_name"] or code
        if level != "province" and len(code) == REGION_CODE_PREFIX["province"]:
            return _("%(province)s (province level)") % {"province": text}
        return text

    def measure(word):
        return [f"{word} {column}" for column in sex_header()]

    header = [
        label,
        _("Code"),
        _("Trainings"),
        *measure(_("Participations")),
        *measure(_("Unique persons")),
    ]
    body = [
        [
            name(row),
            row["region_code"],
            row["trainings"],
            *sex_cells(row, "participations_"),
            *sex_cells(row, "persons_"),
        ]
        for row in rows
    ]
    total = [
        _("Total"),
        "",
        summary["trainings"],
        *sex_cells(summary, "participations_"),
        *sex_cells(summary, "persons_"),
    ]
    return Table(title, header, [*body, total], text_columns=frozenset({1}))


def breakdowns(rows) -> dict[str, list[dict]]:
    """The rows of ``EnrolmentQuerySet.breakdown_summary()`` by breakdown:
    ``{"month": [...], "province": [...], "regency": [...]}`` (each present, maybe
    empty), in the query's order."""
    grouped = {name: [] for name in BREAKDOWNS}
    for row in rows:
        grouped[row["breakdown"]].append(row)
    return grouped


def region_tables(summary: dict, grouped: dict[str, list[dict]]) -> list[Table]:
    """The tables by province and by regency/city; ``grouped`` is
    ``breakdowns()`` of the enrolments' ``breakdown_summary()`` and ``summary``
    their ``report_summary()``. No query."""
    return [
        region_table("province", grouped["province"], summary),
        region_table("regency", grouped["regency"], summary),
    ]


def training_rows(enrolments) -> Iterator[dict]:
    """Per training of ``enrolments``, latest first: the rows of
    ``EnrolmentQuerySet.training_summary()`` with, added, ``per_day`` (for each
    day of the training: ``number``, ``date``, and ``male``, ``female``,
    ``not_recorded``, ``total`` present) and ``attendance_rate`` (days present as
    a percentage of participations x days). Two queries."""
    present = defaultdict(dict)
    for day in (
        Attendance.objects.filter(enrolment__in=enrolments)
        .training_day_summary()
        .iterator()
    ):
        present[day["training_id"]][day["date"]] = day
    for row in enrolments.training_summary().iterator():
        days = days_between(row["start_date"], row["end_date"])
        row["per_day"] = day_rows(days, present[row["training_id"]])
        row["attendance_rate"] = percent(
            row["person_days"], row["participations_total"] * row["days"]
        )
        yield row


def training_table(enrolments, days: int) -> Table:
    """Per training: participations and people present each day by sex, days
    attended, attendance rate and how many attended every day; days past a
    training's end are empty."""
    sexes = ("L", "P", _("not recorded"), _("total"))  # in SEX_COLUMNS order
    header = [
        _("Training"),
        _("Region"),
        _("Start date"),
        _("End date"),
        _("Days"),
        *(f"{_('Participations')} {label}" for label in sexes),
    ]
    for number in range(1, days + 1):
        header += [
            _("Day %(number)s present %(sex)s") % {"number": number, "sex": label}
            for label in sexes
        ]
    header += [
        _("Person-days attended"),
        _("Attendance rate (%)"),
        _("Attended every day"),
    ]

    def rows():
        for row in training_rows(enrolments):
            cells = [
                row["title"],
                row["region"],
                row["start_date"],
                row["end_date"],
                row["days"],
                *(row[f"participations_{sex}"] for sex in SEX_COLUMNS),
            ]
            for day in range(days):
                if day < len(row["per_day"]):
                    cells += [row["per_day"][day][sex] for sex in SEX_COLUMNS]
                else:
                    cells += [None] * len(SEX_COLUMNS)
            cells += [
                row["person_days"],
                row["attendance_rate"],
                row["attended_every_day"],
            ]
            yield cells

    return Table(_("By training"), header, rows())


def report_tables(enrolments) -> list[Table]:
    """Every table of the report on ``enrolments`` (participant enrolments, already
    filtered), for export: summary, agency type, agency, disability, month,
    province, regency/city, per-training attendance, and the knowledge gain when
    someone has a test score (``knowledge_gain.gain_tables``)."""
    summary = enrolments.report_summary()
    days = summary["max_days"]
    grouped = breakdowns(enrolments.breakdown_summary())
    return [
        summary_table(summary),
        agency_type_table(summary),
        agency_table(summary, enrolments.agency_summary().iterator()),
        disability_table(summary),
        wg_table(summary),
        month_table(grouped["month"]),
        *region_tables(summary, grouped),
        training_table(enrolments, days),
        *gain_tables(enrolments, summary["trainings"]),
    ]


def month_label(month: datetime.date) -> str:
    """``Oktober 2023`` in the active language."""
    return date_format(month, "F Y")


# Participant lists (personal data)
# ------------------------------------------------------------------------------
def _person_header() -> list[str]:
    """The columns that say who a person is, in every participant list."""
    return [
        _("Name"),
        _("Sex (L/P)"),
        _("Agency"),
        _("Agency type"),
        _("Position"),
        _("Village code"),
        _("Village (region)"),
        _("Village as written"),
        _("Disability"),
        *_wg_header(),
    ]


def _wg_header() -> list[str]:
    """The six WG-SS answers and the status derived from them."""
    return [
        _("Seeing (WG-SS)"),
        _("Hearing (WG-SS)"),
        _("Walking (WG-SS)"),
        _("Remembering (WG-SS)"),
        _("Self-care (WG-SS)"),
        _("Communicating (WG-SS)"),
        _("Disability (WG-SS)"),
    ]


def _wg_cells(answers: dict, status: str) -> list:
    """The cells under ``_wg_header()``: each answer's label (None when not
    answered), then the label of ``status`` (``WG_YES``...)."""
    difficulty = dict(Difficulty.choices)
    return [
        *(
            None if answers[name] is None else str(difficulty[answers[name]])
            for name in WG_FIELDS
        ),
        str(WG_STATUS_LABELS[status]),
    ]


def _personal_header() -> list[str]:
    return [_("Phone"), _("NIK"), _("Birth date")]


def roster_table(training: Training, *, personal: bool) -> Table:
    """The training's enrolled people by name, with attendance per day: 1 present,
    0 absent, empty when not recorded, then the pre-test and post-test scores
    (empty when not entered). Phone, NIK and birth date are included only when
    ``personal`` (the user may export personal data)."""
    days = training.days
    header = [_("No."), *_person_header(), _("Role")]
    first_personal = len(header)
    if personal:
        header += _personal_header()
    header += [
        _("Day %(number)s (%(date)s)")
        % {"number": number, "date": day.strftime("%d/%m/%Y")}
        for number, day in enumerate(days, start=1)
    ]
    header += [_("Days present"), _("Pre-test"), _("Post-test")]

    def rows():
        enrolments = training.enrolments.for_roster().select_related(
            "participant__village_region__parent__parent__parent"
        )
        for number, enrolment in enumerate(enrolments, start=1):
            person = enrolment.participant
            agency = person.agency
            village = person.village_region
            marks = enrolment.attendance_marks(days)
            cells = [
                number,
                person.full_name,
                person.sex or None,
                agency.name if agency else None,
                agency.get_type_display() if agency else None,
                person.position,
                village.code if village else None,
                village.label if village else None,
                person.village,
                person.get_disability_display(),
                *_wg_cells(person.wg_answers(), person.wg_disability),
                enrolment.get_role_display(),
            ]
            if personal:
                cells += [
                    national_phone(person.phone) or None,
                    person.nik or None,
                    person.birth_date,
                ]
            cells += [None if mark is None else int(mark) for mark in marks]
            cells.append(sum(1 for mark in marks if mark))
            cells += [enrolment.pre_score, enrolment.post_score]
            yield cells

    text = {first_personal, first_personal + 1} if personal else set()
    return Table(_("Participants"), header, rows(), text_columns=frozenset(text))


def participant_table(enrolments, *, personal: bool) -> Table:
    """One row per person of ``enrolments`` (filtered participant enrolments), by
    name: who they are, their participations and days attended. Phone, NIK and
    birth date only when ``personal``."""
    header = _person_header()
    first_personal = len(header)
    if personal:
        header += _personal_header()
    header += [_("Participations"), _("Days attended")]
    disability = {value: str(label) for value, label in Participant.Disability.choices}
    # Looked up once, not per row (Agency.type_label translates on every call).
    agency_types = {value: str(label) for value, label in Agency.Type.choices}

    def rows():
        # The village labels in one query (the summary rows carry the id only).
        villages = {
            village.pk: village
            for village in Region.objects.with_parents().filter(
                pk__in=enrolments.values("participant__village_region")
            )
        }
        for row in enrolments.participant_summary().iterator(chunk_size=2000):
            village = villages.get(row["village_region_id"])
            cells = [
                row["full_name"],
                row["sex"] or None,
                row["agency_name"],
                agency_types.get(row["agency_type"]),
                row["position"],
                village.code if village else None,
                village.label if village else None,
                row["village"],
                disability[row["disability"]],
                *_wg_cells(row, row["wg_status"]),
            ]
            if personal:
                cells += [
                    national_phone(row["phone"]) or None,
                    row["nik"] or None,
                    row["birth_date"],
                ]
            cells += [row["participations"], row["days_attended_total"]]
            yield cells

    text = {first_personal, first_personal + 1} if personal else set()
    return Table(_("Participants"), header, rows(), text_columns=frozenset(text))


def enrolments_of(training: Training):
    """The participant enrolments of one training, for its summary export."""
    return Enrolment.objects.participants().filter(training=training)


# The report page
# ------------------------------------------------------------------------------
def page_table(table: Table, *, total_row: bool = False) -> dict:
    """``table`` ready for a template: ``title``, ``columns`` (``label``, and
    ``numeric`` when the column holds numbers), ``rows`` of cells (``text``
    formatted in the active language, ``numeric``) and ``total_row`` (the last
    row is a total)."""
    rows = []
    for row in table.rows:
        cells = []
        for index, value in enumerate(row):
            numeric = isinstance(value, int | float)
            if value is None:
                text = ""
            elif isinstance(value, datetime.date):
                text = (
                    month_label(value)
                    if table.formats.get(index) == MONTH_FORMAT
                    else date_format(value, "SHORT_DATE_FORMAT")
                )
            elif isinstance(value, float):
                text = number_format(value, 1)
            elif numeric:
                text = number_format(value, force_grouping=True)
            else:
                text = value
            cells.append({"text": text, "numeric": numeric})
        rows.append(cells)
    numeric = [any(row[i]["numeric"] for row in rows) for i in range(len(table.header))]
    return {
        "title": table.title,
        "columns": [
            {"label": label, "numeric": numeric[i] and i > 0}
            for i, label in enumerate(table.header)
        ],
        "rows": rows,
        "total_row": total_row,
    }


def region_page_table(table: Table) -> dict:
    """A ``region_table`` for the page (``page_table``) with two header rows:
    ``groups``, the measures over their sex columns (``[{"label": "", "span":
    3}, {"label": "Participations", "span": 5}, {"label": "Unique persons",
    "span": 5}]``, the first over the name, code and trainings columns, which
    ``top_columns`` holds), and ``sub_columns``, the sex columns under each
    measure; the file keeps one header row ("Participations L")."""
    laid_out = page_table(table, total_row=True)
    columns = laid_out["columns"]
    sexes = len(sex_header())
    leading = len(columns) - 2 * sexes
    laid_out["top_columns"] = columns[:leading]
    laid_out["groups"] = [
        {"label": _("Participations"), "span": sexes},
        {"label": _("Unique persons"), "span": sexes},
    ]
    laid_out["sub_columns"] = [
        {**column, "label": label}
        for column, label in zip(columns[leading:], sex_header() * 2, strict=True)
    ]
    return laid_out


def page_tables(summary: dict, enrolments, grouped: dict[str, list[dict]]) -> dict:
    """The report page's tables by name (``summary``, ``agency_type``, ``agency``,
    ``disability``, ``month``, ``province``, ``regency``), laid out by
    ``page_table``; one more query (the agencies). ``grouped`` is ``breakdowns()``
    of ``enrolments.breakdown_summary()``."""
    province, regency = region_tables(summary, grouped)
    months = grouped["month"]
    return {
        "province": region_page_table(province),
        "regency": region_page_table(regency),
        "summary": page_table(summary_table(summary)),
        "agency_type": page_table(agency_type_table(summary), total_row=True),
        "agency": page_table(
            agency_table(summary, enrolments.agency_summary()), total_row=True
        ),
        "disability": page_table(disability_table(summary), total_row=True),
        "wg": page_table(wg_table(summary), total_row=True),
        "month": page_table(month_table(months)),
    }
