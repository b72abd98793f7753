"""The activity report (laporan kegiatan) of a training: its numbers, counted in the
database, and the paragraph drafted from them in the shape of the programme's own
reports, in the active language:

    Yayasan BaKTI bekerja sama dengan UNICEF Indonesia dan Pemerintah Kabupaten
    Maros telah menyelenggarakan Pelatihan ... di Kabupaten Maros pada tanggal
    18–20 Oktober 2023. Kegiatan ini diikuti oleh 19 orang peserta (laki-laki 4
    orang, perempuan 15 orang). Peserta berasal dari perwakilan penyedia layanan
    (...), Dinas terkait (...) ... Pada hari pertama hadir 19 orang, hari kedua 18
    orang dan hari ketiga 19 orang.

``activity_report_numbers(training)`` counts (a fixed number of queries, whatever
the training's size); ``activity_report_draft(training, numbers)`` writes the
paragraph and ``activity_report_tables(numbers)`` lays out its two tables (no
query). The .docx is ``trainings.activity_report_docx``. Only people enrolled as
participants are counted: facilitators and committee are named apart.

Every sentence is one entry of the catalogue (``gettext``/``ngettext``), so the
Indonesian and the English paragraph read naturally; numbers are written as the
readers of the active language expect (``1.250`` and ``55,2`` in Indonesian).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from participants.disaggregation import SEX_COLUMNS
from participants.models import Agency
from setara.spreadsheets import Table

from .dates import day_rows
from .knowledge_gain import has_scores
from .models import Attendance, Enrolment, Training

#: Agency types in the order the paragraph names them (service providers first,
#: as the programme's reports do); a type not listed here counts as "other".
AGENCY_TYPE_ORDER = (
    Agency.Type.SERVICE_PROVIDER,
    Agency.Type.GOVERNMENT,
    Agency.Type.LAW_ENFORCEMENT,
    Agency.Type.COMMUNITY,
    Agency.Type.NGO,
    Agency.Type.OTHER,
)
#: How the paragraph names the participants of each agency type, in plain words
#: ("perwakilan penyedia layanan", "Dinas terkait").
AGENCY_GROUP_WORDS = {
    Agency.Type.SERVICE_PROVIDER: pgettext_lazy(
        "activity report", "representatives of service providers"
    ),
    Agency.Type.GOVERNMENT: pgettext_lazy(
        "activity report", "related government offices"
    ),
    Agency.Type.LAW_ENFORCEMENT: pgettext_lazy(
        "activity report", "law enforcement officers"
    ),
    Agency.Type.COMMUNITY: pgettext_lazy("activity report", "community groups"),
    Agency.Type.NGO: pgettext_lazy("activity report", "non-governmental organisations"),
    Agency.Type.OTHER: pgettext_lazy("activity report", "other institutions"),
}
#: Agencies named per type in the paragraph; the rest are "and N others".
AGENCIES_NAMED_PER_TYPE = 4
#: The days of a training as the paragraph names them, first to tenth; later days
#: are "day 11".
DAY_ORDINALS = (
    pgettext_lazy("activity report", "the first day"),
    pgettext_lazy("activity report", "the second day"),
    pgettext_lazy("activity report", "the third day"),
    pgettext_lazy("activity report", "the fourth day"),
    pgettext_lazy("activity report", "the fifth day"),
    pgettext_lazy("activity report", "the sixth day"),
    pgettext_lazy("activity report", "the seventh day"),
    pgettext_lazy("activity report", "the eighth day"),
    pgettext_lazy("activity report", "the ninth day"),
    pgettext_lazy("activity report", "the tenth day"),
)


# Numbers
# ------------------------------------------------------------------------------


def format_number(value: int | Decimal | float, decimals: int = 0) -> str:
    """``value`` written for the active language's readers: ``1.250`` and
    ``55,2`` in Indonesian, ``1,250`` and ``55.2`` in English. Rounded half up to
    ``decimals`` places (Django's own formatting cuts the digits off instead); a
    value that rounds to zero has no minus sign."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return number_format(rounded, decimal_pos=decimals, force_grouping=True)


def present_day_rows(training: Training, participants) -> list[dict]:
    """``trainings.dates.day_rows`` of ``training``: one row per day of the
    training (``number``, ``date``, and ``male``, ``female``, ``not_recorded``,
    ``total`` present that day) among ``participants`` (its participant-role
    enrolments, ``EnrolmentQuerySet.participants()``). One query."""
    present = {
        row["date"]: row
        for row in Attendance.objects.filter(
            enrolment__in=participants
        ).training_day_summary()
    }
    return day_rows(training.days, present)


def activity_report_numbers(training: Training, *, days: list | None = None) -> dict:
    """What the activity report of ``training`` says, counted in four queries
    (three when ``days`` is given):

    - ``participants``: enrolments in the participant role by sex, ``{"male",
      "female", "not_recorded", "total"}``;
    - ``agency_types``: one dict per agency type with participants, in
      ``AGENCY_TYPE_ORDER``: ``type``, ``label`` (the type's display name),
      ``agencies`` (agency names, most participants first, then by name) and the
      counts by sex;
    - ``no_agency``: the counts by sex of participants without an agency;
    - ``days``: one row per day of the training (``trainings.dates.day_rows``:
      ``number``, ``date`` and the participants present by sex); the ``days``
      given, when a caller already has them (the training page's
      ``attendance_days``, counted the same way);
    - ``facilitators`` and ``committee``: enrolments in those roles;
    - ``scores``: ``EnrolmentQuerySet.knowledge_gain`` of the participants
      (``<measure>_<sex>`` keys), with the training's pass mark.

    The counts by sex and by type are sums of ``agency_summary()`` rows (one per
    agency, every participant in exactly one), so they always agree.
    """
    participants = Enrolment.objects.filter(training=training).participants()
    agency_rows = list(participants.agency_summary())
    if days is None:
        days = present_day_rows(training, participants)
    roles = Enrolment.objects.filter(training=training).aggregate(
        facilitators=Count("id", filter=Q(role=Enrolment.Role.FACILITATOR)),
        committee=Count("id", filter=Q(role=Enrolment.Role.COMMITTEE)),
    )
    scores = participants.knowledge_gain(pass_mark=training.test_pass_mark)
    agency_types, no_agency = _by_agency_type(agency_rows)
    return {
        "participants": _sum_by_sex([*agency_types, no_agency]),
        "agency_types": agency_types,
        "no_agency": no_agency,
        "days": days,
        "facilitators": roles["facilitators"],
        "committee": roles["committee"],
        "scores": scores,
    }


def _sum_by_sex(rows: list[dict]) -> dict:
    """The counts by sex (``SEX_COLUMNS`` keys) of ``rows`` added up."""
    return {sex: sum(row[sex] for row in rows) for sex in SEX_COLUMNS}


def _by_agency_type(agency_rows: list[dict]) -> tuple[list[dict], dict]:
    """``agency_summary()`` rows grouped by agency type (see
    ``activity_report_numbers``), and the counts of participants without an
    agency."""
    groups = {value: [] for value in AGENCY_TYPE_ORDER}
    no_agency = dict.fromkeys(SEX_COLUMNS, 0)
    for row in agency_rows:
        counts = {sex: row[f"participations_{sex}"] for sex in SEX_COLUMNS}
        if row["agency_id"] is None:
            no_agency = counts
            continue
        kind = row["agency_type"]
        groups[kind if kind in groups else Agency.Type.OTHER].append(
            {"name": row["agency_name"], **counts}
        )
    types = []
    for kind, agencies in groups.items():
        if not agencies:
            continue
        agencies.sort(key=lambda agency: (-agency["total"], agency["name"]))
        names = list(dict.fromkeys(agency["name"] for agency in agencies))
        types.append(
            {
                "type": kind,
                "label": Agency.type_label(kind),
                "agencies": names,
                **_sum_by_sex(agencies),
            }
        )
    return types, no_agency


# Tables (rows only: the .docx lays them out)
# ------------------------------------------------------------------------------


def _sex_header(numbers: dict) -> list[str]:
    """L, P, "Not recorded" (only when someone's sex is not recorded), Total."""
    header = ["L", "P"]
    if numbers["participants"]["not_recorded"]:
        header.append(_("Not recorded"))
    return [*header, _("Total")]


def _sex_cells(numbers: dict, counts: dict) -> list[int]:
    """The cells of ``counts`` under ``_sex_header(numbers)``."""
    cells = [counts["male"], counts["female"]]
    if numbers["participants"]["not_recorded"]:
        cells.append(counts["not_recorded"])
    return [*cells, counts["total"]]


def activity_report_tables(numbers: dict) -> list[Table]:
    """The report's two tables from ``activity_report_numbers``: participants by
    agency type and sex (a "No agency" row when needed, then the total), and
    participants present per day by sex (day, date, counts)."""
    by_type = [
        [row["label"], *_sex_cells(numbers, row)] for row in numbers["agency_types"]
    ]
    if numbers["no_agency"]["total"]:
        by_type.append(
            [Agency.type_label(None), *_sex_cells(numbers, numbers["no_agency"])]
        )
    by_type.append([_("Total"), *_sex_cells(numbers, numbers["participants"])])
    by_day = [
        [
            _("Day %(number)s") % {"number": day["number"]},
            day["date"],
            *_sex_cells(numbers, day),
        ]
        for day in numbers["days"]
    ]
    return [
        Table(
            _("Participants by agency type"),
            [_("Agency type"), *_sex_header(numbers)],
            by_type,
        ),
        Table(
            _("Attendance per day (present)"),
            [_("Day"), _("Date"), *_sex_header(numbers)],
            by_day,
        ),
    ]


# The paragraph
# ------------------------------------------------------------------------------


def join_words(items: list[str]) -> str:
    """``["A", "B", "C"]`` as ``"A, B dan C"`` (``"A, B and C"`` in English)."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return pgettext("list of words", "%(items)s and %(last)s") % {
        "items": ", ".join(items[:-1]),
        "last": items[-1],
    }


def activity_report_draft(training: Training, numbers: dict) -> str:
    """The activity report paragraph of ``training`` in the active language,
    from ``numbers`` (``activity_report_numbers``): who held it where and when,
    how many participants by sex, the agencies they came from by type, attendance
    per day, the pre/post-test result when there are scores, and the facilitators
    and committee. No query."""
    sentences = [_opening(training)]
    people = numbers["participants"]
    if people["total"]:
        sentences.append(_participants_sentence(people))
        sentences.extend(_origin_sentences(numbers))
        sentences.append(_attendance_sentence(numbers["days"]))
        sentences.extend(_score_sentences(numbers["scores"], training))
    else:
        sentences.append(_("No participants are recorded for this activity yet."))
    sentences.extend(_support_sentences(numbers))
    return " ".join(sentences)


def _opening(training: Training) -> str:
    """Who held the training, where and when."""
    values = {
        "organiser": training.organiser.strip(),
        "partners": join_words(training.partner_names),
        "title": training.title,
        "place": training.place_display,
        "dates": training.date_range_display,
    }
    if values["organiser"] and values["partners"]:
        text = _(
            "%(organiser)s, in cooperation with %(partners)s, held the training "
            "“%(title)s” in %(place)s on %(dates)s."
        )
    elif values["organiser"]:
        text = _(
            "%(organiser)s held the training “%(title)s” in %(place)s on %(dates)s."
        )
    elif values["partners"]:
        text = _(
            "The training “%(title)s” was held in cooperation with %(partners)s in "
            "%(place)s on %(dates)s."
        )
    else:
        text = _("The training “%(title)s” was held in %(place)s on %(dates)s.")
    return text % values


def _participants_sentence(people: dict) -> str:
    """How many participants, by sex; those without a recorded sex said so."""
    values = {sex: format_number(people[sex]) for sex in SEX_COLUMNS}
    if people["not_recorded"]:
        text = ngettext(
            "This activity was attended by %(total)s participant (%(male)s male, "
            "%(female)s female, %(not_recorded)s with no sex recorded).",
            "This activity was attended by %(total)s participants (%(male)s male, "
            "%(female)s female, %(not_recorded)s with no sex recorded).",
            people["total"],
        )
    else:
        text = ngettext(
            "This activity was attended by %(total)s participant (%(male)s male, "
            "%(female)s female).",
            "This activity was attended by %(total)s participants (%(male)s male, "
            "%(female)s female).",
            people["total"],
        )
    return text % values


def _agency_group(row: dict) -> str:
    """One agency type in plain words with its agencies named, at most
    ``AGENCIES_NAMED_PER_TYPE`` of them: "Dinas terkait (A, B dan 2 lainnya)"."""
    names = row["agencies"][:AGENCIES_NAMED_PER_TYPE]
    others = len(row["agencies"]) - len(names)
    if others:
        names.append(
            ngettext("%(count)s other", "%(count)s others", others)
            % {"count": format_number(others)}
        )
    return f"{AGENCY_GROUP_WORDS[row['type']]} ({join_words(names)})"


def _origin_sentences(numbers: dict) -> list[str]:
    """Where the participants came from, by agency type, and how many have no
    agency recorded."""
    sentences = []
    total = numbers["participants"]["total"]
    if numbers["agency_types"]:
        groups = join_words([_agency_group(row) for row in numbers["agency_types"]])
        sentences.append(
            ngettext(
                "The participant came from %(groups)s.",
                "The participants came from %(groups)s.",
                total,
            )
            % {"groups": groups}
        )
    unknown = numbers["no_agency"]["total"]
    if unknown:
        sentences.append(
            ngettext(
                "The agency of %(count)s participant is not recorded.",
                "The agencies of %(count)s participants are not recorded.",
                unknown,
            )
            % {"count": format_number(unknown)}
        )
    return sentences


def _day_name(number: int) -> str:
    """ "the first day" ... "the tenth day", then "day 11"."""
    if number <= len(DAY_ORDINALS):
        return str(DAY_ORDINALS[number - 1])
    return pgettext("activity report", "day %(number)s") % {"number": number}


def _attendance_sentence(days: list[dict]) -> str:
    """Participants present on each day ("Pada hari pertama hadir 19 orang, hari
    kedua 18 orang ..."); a one-day training has one count; no count at all says
    that attendance is not recorded."""
    if not any(day["total"] for day in days):
        return _("Attendance has not been recorded yet.")
    if len(days) == 1:
        count = days[0]["total"]
        return ngettext(
            "%(count)s participant was present on the day.",
            "%(count)s participants were present on the day.",
            count,
        ) % {"count": format_number(count)}
    parts = []
    for day in days:
        values = {"count": format_number(day["total"]), "day": _day_name(day["number"])}
        if not parts:
            text = ngettext(
                "%(count)s participant was present on %(day)s",
                "%(count)s participants were present on %(day)s",
                day["total"],
            )
        else:
            text = ngettext(
                "%(count)s on %(day)s", "%(count)s on %(day)s", day["total"]
            )
        parts.append(text % values)
    sentence = join_words(parts)
    return f"{sentence[:1].upper()}{sentence[1:]}."


def _score_sentences(scores: dict | None, training: Training) -> list[str]:
    """The pre/post-test result: averages and their change, how many improved
    and passed, among participants with both scores; those with only one score
    are counted apart, never as zero. Nothing when nobody has a score."""
    if not has_scores(scores):
        return []
    paired = scores["paired_total"]
    pre_only, post_only = scores["pre_only_total"], scores["post_only_total"]
    sentences = []
    if paired:
        sentences.append(_score_change(scores))
        assessed = scores.get("assessed_total")
        if scores["passed_total"] is not None and training.test_pass_mark is not None:
            sentences.append(
                ngettext(
                    "%(passed)s of %(count)s participant reached the pass mark "
                    "of %(mark)s.",
                    "%(passed)s of %(count)s participants reached the pass mark "
                    "of %(mark)s.",
                    assessed,
                )
                % {
                    "passed": format_number(scores["passed_total"]),
                    "count": format_number(assessed),
                    "mark": _score(training.test_pass_mark),
                }
            )
    if pre_only or post_only:
        values = {
            "count": format_number(pre_only + post_only),
            "pre_only": format_number(pre_only),
            "post_only": format_number(post_only),
        }
        if paired:
            text = ngettext(
                "%(count)s participant has only one of the two scores (pre-test "
                "only: %(pre_only)s, post-test only: %(post_only)s) and is not "
                "counted in the change.",
                "%(count)s participants have only one of the two scores (pre-test "
                "only: %(pre_only)s, post-test only: %(post_only)s) and are not "
                "counted in the change.",
                pre_only + post_only,
            )
        else:
            text = _(
                "No participant has both a pre-test and a post-test score yet "
                "(pre-test only: %(pre_only)s, post-test only: %(post_only)s)."
            )
        sentences.append(text % values)
    return sentences


def _score(value) -> str:
    """A score or an average: one decimal, or none when it is a whole number."""
    value = Decimal(str(value))
    whole = value == value.to_integral_value()
    return format_number(value, 0 if whole else 1)


def _score_change(scores: dict) -> str:
    """ "The average pre-test score was 55.2 and the average post-test score 78.4,
    a rise of 23.2 points; 15 of 17 participants improved.\""""
    gain = Decimal(str(scores["gain_avg_total"] or 0)).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )
    values = {
        "pre": format_number(scores["pre_avg_total"] or 0, 1),
        "post": format_number(scores["post_avg_total"] or 0, 1),
        "gain": format_number(abs(gain), 1),
    }
    if gain > 0:
        change = _(
            "The average pre-test score was %(pre)s and the average post-test "
            "score %(post)s, a rise of %(gain)s points"
        )
    elif gain < 0:
        change = _(
            "The average pre-test score was %(pre)s and the average post-test "
            "score %(post)s, a fall of %(gain)s points"
        )
    else:
        change = _(
            "The average pre-test score was %(pre)s and the average post-test "
            "score %(post)s, unchanged"
        )
    improved = ngettext(
        "%(improved)s of %(count)s participant improved",
        "%(improved)s of %(count)s participants improved",
        scores["paired_total"],
    ) % {
        "improved": format_number(scores["improved_total"]),
        "count": format_number(scores["paired_total"]),
    }
    return f"{change % values}; {improved}."


def _support_sentences(numbers: dict) -> list[str]:
    """The facilitators and committee, who are not counted as participants."""
    sentences = []
    if numbers["facilitators"]:
        sentences.append(
            ngettext(
                "The activity was accompanied by %(count)s facilitator.",
                "The activity was accompanied by %(count)s facilitators.",
                numbers["facilitators"],
            )
            % {"count": format_number(numbers["facilitators"])}
        )
    if numbers["committee"]:
        sentences.append(
            ngettext(
                "%(count)s committee member supported the activity.",
                "%(count)s committee members supported the activity.",
                numbers["committee"],
            )
            % {"count": format_number(numbers["committee"])}
        )
    return sentences
