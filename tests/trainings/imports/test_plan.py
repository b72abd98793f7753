"""The plan against the registry and the training: matches, agencies, problems,
and a fixed number of queries."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from participants.forms import ParticipantForm
from participants.models import Agency, AgencyAlias, Participant
from tests.factories import (
    AgencyFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
)
from tests.trainings.imports.files import (
    DAYS,
    HEADER,
    import_all,
    person,
    xlsx,
)
from trainings.imports.plan import (
    CREATE_AGENCY,
    AgencyChoiceProblem,
    ImportOptions,
    NameMatchProblem,
    plan_import,
)
from trainings.imports.rows import read_participant_file
from trainings.models import Enrolment
from trainings.services import enrolments_import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages in English, whatever the Indonesian catalogue holds."""
    with translation.override("en"):
        yield


@pytest.fixture
def training():
    return TrainingFactory(start_date=DAYS[0], end_date=DAYS[-1])


class TestMatching:
    def _plan(self, training, rows, options=None):
        parsed = read_participant_file(xlsx(rows), "l.xlsx", days=training.days)
        return plan_import(
            training=training, parsed=parsed, options=options or ImportOptions()
        )

    def test_match_by_nik(self, training):
        existing = ParticipantFactory(full_name="Lain", nik="7309012345670001")
        plan = self._plan(
            training, [["Nama", "L/P", "NIK"], ["Rahma", "P", "7309012345670001"]]
        )
        assert (plan.rows[0].match, plan.rows[0].match_reason) == (existing, "nik")
        assert not plan.rows[0].can_reject

    def test_match_by_normalised_phone(self, training):
        existing = ParticipantFactory(phone="+6281355501234")
        plan = self._plan(training, [HEADER, person(phone="0813-5550-1234")])
        assert (plan.rows[0].match, plan.rows[0].match_reason) == (existing, "phone")

    def test_match_by_same_name_in_same_agency(self, training):
        agency = AgencyFactory(name="Dinas Pendidikan Kabupaten Maros")
        AgencyAlias.objects.create(agency=agency, name="Disdik Maros")
        existing = ParticipantFactory(full_name="Hasnah", agency=agency, phone="")
        plan = self._plan(
            training, [HEADER, person("Hasnah, S.Pd", "P", "Disdik Maros", "")]
        )
        assert (plan.rows[0].match, plan.rows[0].match_reason) == (existing, "name")

    def test_same_name_in_another_agency_is_only_a_suggestion(self, training):
        other = ParticipantFactory(full_name="Hasnah", phone="")
        AgencyFactory(name="Dinas Uji")
        plan = self._plan(training, [HEADER, person("Hasnah", "P", "Dinas Uji", "")])
        [row] = plan.rows
        assert (row.match, row.match_reasons) == (other, ["name_elsewhere"])
        assert (row.action, row.strength, plan.problems) == ("create", "suggested", [])

    def test_a_person_erased_on_request_is_not_matched_by_phone_or_name(self, training):
        agency = AgencyFactory(name="Dinas Uji")
        ParticipantFactory(
            full_name="Rahmawati",
            agency=agency,
            phone="+6281355501234",
            erased_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        )
        plan = self._plan(training, [HEADER, person()])
        assert plan.rows[0].match is None

    def test_accepted_match_enrols_the_existing_person(self, training):
        existing = ParticipantFactory(phone="+6281355501234")
        plan, result = import_all(training, xlsx([HEADER, person()]))
        assert (result.created, result.matched) == (0, 1)
        assert Enrolment.objects.get(training=training).participant == existing
        assert Participant.objects.count() == 1

    def test_rejected_match_creates_a_new_person(self, training):
        ParticipantFactory(phone="+6281355501234")
        options = ImportOptions(rejected_rows={2})
        plan, result = import_all(training, xlsx([HEADER, person()]), options=options)
        assert (result.created, result.matched) == (1, 0)
        assert Participant.objects.count() == 2

    def test_person_already_enrolled_is_reported_not_a_failure(self, training):
        existing = ParticipantFactory(phone="+6281355501234")
        EnrolmentFactory(training=training, participant=existing)
        plan, result = import_all(
            training, xlsx([HEADER, person(), person("Irma", phone="081299990303")])
        )
        assert plan.problems == []
        assert [p.action for p in plan.rows] == ["enrolled", "create"]
        assert (result.already_enrolled, result.created) == (1, 1)
        assert training.enrolments.count() == 2

    def test_same_person_twice_in_the_file_is_a_problem(self, training):
        plan = self._plan(training, [HEADER, person(), person(phone="")])
        assert [(p.row, "row 2" in p.message) for p in plan.problems] == [(3, True)]


class TestAgencies:
    def test_unknown_agency_is_created_by_default_in_the_training_region(
        self, training
    ):
        plan, result = import_all(
            training, xlsx([HEADER, person(agency="PATBM Desa Baji Mangai")])
        )
        assert [a.name for a in plan.unknown_agencies] == ["PATBM Desa Baji Mangai"]
        agency = Agency.objects.get(name="PATBM Desa Baji Mangai")
        assert agency.region == training.region
        assert result.agencies_created == 1

    def test_a_name_used_in_several_regions_means_the_training_region_one(
        self, training
    ):
        AgencyFactory(name="Dinas Sosial")
        local = AgencyFactory(name="Dinas Sosial", region=training.region)
        plan, _ = import_all(training, xlsx([HEADER, person(agency="Dinas Sosial")]))
        assert plan.unknown_agencies == []
        assert Participant.objects.get().agency == local

    def test_rows_with_the_same_unknown_agency_share_one_new_agency(self, training):
        rows = [
            HEADER,
            person(agency="PATBM Desa X"),
            person("Irma", agency="patbm desa x", phone=""),
        ]
        import_all(training, xlsx(rows))
        assert Agency.objects.filter(name__iexact="patbm desa x").count() == 1
        assert Participant.objects.filter(agency__name="PATBM Desa X").count() == 2

    def test_unknown_agency_mapped_to_an_existing_one_is_remembered_as_alias(
        self, training
    ):
        dp3a = AgencyFactory(name="DP3A Kabupaten Maros")
        options = ImportOptions(agency_choices={"dinas p3a maros": dp3a.pk})
        plan, result = import_all(
            training, xlsx([HEADER, person(agency="Dinas P3A Maros")]), options=options
        )
        assert result.agencies_created == 0
        assert Participant.objects.get().agency == dp3a
        assert Agency.objects.matching("Dinas P3A  maros").get() == dp3a


def test_two_spellings_of_one_new_agency_create_it_once(training):
    rows = [
        HEADER,
        person(agency="DP3A Kab. Maros"),
        person("Sitti", agency="Dinas PPPA Kab. Maros", phone=""),
    ]
    options = ImportOptions(agency_choices={"dinas pppa kab maros": "dp3a kab maros"})
    plan, result = import_all(training, xlsx(rows), options=options)
    assert result.agencies_created == 1
    agency = Agency.objects.get()
    assert agency.name == "DP3A Kab. Maros"
    assert agency.participants.count() == 2
    assert Agency.objects.matching("Dinas PPPA Kab. Maros").get() == agency


def test_same_as_choices_pointing_at_each_other_create_both(training):
    rows = [HEADER, person(agency="A"), person("Sitti", agency="B", phone="")]
    options = ImportOptions(agency_choices={"a": "b", "b": "a"})
    plan, result = import_all(training, xlsx(rows), options=options)
    assert [a.same_as for a in plan.unknown_agencies] == ["", ""]
    assert result.agencies_created == 2


class TestQueries:
    def test_plan_runs_the_same_queries_for_30_or_300_rows(self, training):
        for i in range(5):
            AgencyFactory(name=f"Dinas {i}")

        def plan_queries(count):
            rows = [HEADER] + [
                person(f"Orang {i}", "L", f"Dinas {i % 5}", f"0812{i:08d}")
                for i in range(count)
            ]
            parsed = read_participant_file(xlsx(rows), "l.xlsx", days=training.days)
            with CaptureQueriesContext(connection) as queries:
                plan_import(training=training, parsed=parsed, options=ImportOptions())
            return len(queries)

        # 5 agencies, the registry (NIKs, phones and names in one query while they
        # fit under the database's parameter limit), enrolled: 7 queries. SQLite
        # takes 999 parameters a query, so 600 phones and 600 names need two.
        assert plan_queries(30) == plan_queries(300) == 7
        assert plan_queries(600) <= 8


def test_the_enrol_form_and_the_import_find_the_same_people(training):
    """Both callers use ``ParticipantQuerySet.probable_matches``: the same typed
    rows give the same strongest match, or none, in the form and in the plan,
    suggestions included."""
    uji = AgencyFactory(name="Dinas Uji")
    disdik = AgencyFactory(name="Dinas Pendidikan Kabupaten Maros")
    AgencyAlias.objects.create(agency=disdik, name="Disdik Maros")
    ParticipantFactory(  # erased on request: never found by phone or name
        full_name="Rahmawati",
        agency=uji,
        phone="+6281355501234",
        erased_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    )
    ParticipantFactory(phone="+6281299990001", nik="7309012345670001")  # other NIK
    by_name = ParticipantFactory(full_name="Hasnah", agency=disdik, phone="")
    by_nik = ParticipantFactory(full_name="Lain", nik="7309012345670003")
    by_phone = ParticipantFactory(phone="+6281299990004")
    # Suggestions: the same name with no agency on one side, a close spelling in
    # the same agency.
    elsewhere = ParticipantFactory(full_name="Hj. Sitti Aminah", phone="")
    close = ParticipantFactory(full_name="Nurhaeda Rahman", agency=uji, phone="")
    rows = [
        ("Rahmawati", "Dinas Uji", "0813-5550-1234", ""),
        ("Budi", "Dinas Uji", "081299990001", "7309012345670002"),
        ("Hasnah, S.Pd", "Disdik Maros", "", ""),
        ("Sitti", "Dinas Uji", "", "7309012345670003"),
        ("Irma", "Dinas Uji", "0812 9999 0004", ""),
        ("Sitti Aminah", "", "", ""),
        ("Nurhayda Rahman", "Dinas Uji", "", ""),
    ]
    sheet = [["Nama", "L/P", "Instansi", "No HP", "NIK"]]
    sheet += [[name, "P", agency, phone, nik] for name, agency, phone, nik in rows]
    parsed = read_participant_file(xlsx(sheet), "l.xlsx", days=training.days)
    plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
    from_import = [(p.match, p.match_reason or None) for p in plan.rows]

    from_form = []
    for name, agency, phone, nik in rows:
        data = {"full_name": name, "sex": "P", "agency_name": agency}
        data |= {"phone": phone, "nik": nik}
        form = ParticipantForm(data=data, region=training.region)
        matches = form.probable_matches()
        first = matches[0] if matches else None
        from_form.append(
            (first.participant, first.reasons[0]) if first else (None, None)
        )

    assert (
        from_form
        == from_import
        == [
            (None, None),
            (None, None),
            (by_name, "name"),
            (by_nik, "nik"),
            (by_phone, "phone"),
            (elsewhere, "name_elsewhere"),
            (close, "similar_name"),
        ]
    )


class TestOneRuleWithinTheFile:
    """Rows of one file are compared by the registry's rule
    (``participants.matching.same_person_in_file``): one problem per row, naming
    the earlier row and every field that matched."""

    def _plan(self, training, rows, options=None):
        return TestMatching()._plan(training, rows, options)

    def test_one_phone_two_agency_spellings_is_flagged_before_confirm(self, training):
        # The "done when": one new person, two agency spellings, one phone.
        rows = [
            HEADER,
            person("Rahmawati", agency="DP3A Kab. Maros", phone="081355501234"),
            person("Rahmawati", agency="Dinas PPPA Maros", phone="0813-5550-1234"),
        ]
        plan = self._plan(training, rows)
        [problem] = plan.problems
        assert problem.row == 3
        assert problem.message.startswith("This is the same person as row 2 (")
        assert "same phone number: 0813-5550-1234" in problem.message
        assert "same name, another agency or none" in problem.message
        assert len(plan.to_create) == 2  # and nothing is written while it stands
        with pytest.raises(ValidationError):
            enrolments_import(training=training, plan=plan)
        assert Participant.objects.count() == 0

    def test_once_the_agencies_are_one_it_is_still_one_problem(self, training):
        rows = [
            HEADER,
            person("Rahmawati", agency="DP3A Kab. Maros", phone="081355501234"),
            person("Rahmawati", agency="Dinas PPPA Maros", phone="0813-5550-1234"),
        ]
        options = ImportOptions(agency_choices={"dinas pppa maros": "dp3a kab maros"})
        [problem] = self._plan(training, rows, options).problems
        expected = "same phone number: 0813-5550-1234; same name in the same agency"
        assert expected in problem.message

    def test_a_name_spelled_two_ways_with_one_phone(self, training):
        rows = [
            HEADER,
            person("Nurhaeda Rahman", agency="Dinas Uji"),
            person("Nurhayda Rahman", agency="Dinas Uji"),
        ]
        [problem] = self._plan(training, rows).problems
        assert (problem.row, problem.value) == (3, "Nurhayda Rahman")
        assert "row 2" in problem.message
        assert "same phone number" in problem.message
        assert "similar name in the same agency" in problem.message

    def test_nik_and_name_both_matching_give_one_problem_naming_both(self, training):
        header = ["Nama", "L/P", "Instansi", "NIK"]
        rows = [
            header,
            ["Andi Baso", "L", "Dinas Uji", "7309012345670001"],
            ["Andi Baso", "L", "Dinas Uji", "7309012345670001"],
        ]
        [problem] = self._plan(training, rows).problems
        assert problem.row == 3
        assert "same NIK: ****************" in problem.message  # masked
        assert "7309012345670001" not in problem.message
        assert "same name in the same agency: Andi Baso" in problem.message

    def test_a_third_row_is_reported_once_against_the_first(self, training):
        rows = [HEADER, person(), person(), person()]
        problems = self._plan(training, rows).problems
        assert [(p.row, "as row 2 (" in p.message) for p in problems] == [
            (3, True),
            (4, True),
        ]

    def test_two_rows_matching_one_registry_person_name_both_reasons(self, training):
        existing = ParticipantFactory(
            full_name="Lain", phone="+6281355501234", nik="7309012345670001"
        )
        header = ["Nama", "L/P", "No HP", "NIK"]
        rows = [
            header,
            ["Rahma", "P", "", "7309012345670001"],
            ["Budi", "L", "081355501234", ""],
        ]
        [problem] = self._plan(training, rows).problems
        assert problem.row == 3
        assert f"both are Lain (#{existing.pk}) in the registry" in problem.message
        assert "same NIK, same phone number" in problem.message

    def test_suggestions_between_rows_are_listed_not_blocking(self, training):
        rows = [
            HEADER,
            person("Hasnah", agency="Dinas Uji", phone=""),
            person("Hasnah", agency="Dinas Lain", phone=""),
        ]
        plan = self._plan(training, rows)
        assert plan.problems == []
        [suggestion] = plan.file_suggestions
        assert (suggestion.first_row, suggestion.second_row) == (2, 3)
        assert suggestion.reason_labels == ["same name, another agency or none"]


class TestNameMatchesNeedADecision:
    """A match on the name alone is never taken without the user's decision; a
    suggestion creates a new person unless confirmed."""

    def _plan(self, training, rows, options=None):
        return TestMatching()._plan(training, rows, options)

    @pytest.fixture
    def existing(self):
        agency = AgencyFactory(name="Dinas Uji")
        return ParticipantFactory(full_name="Hasnah", agency=agency, phone="")

    def test_undecided_name_match_is_a_problem_naming_the_record(
        self, training, existing
    ):
        plan = self._plan(training, [HEADER, person("Hasnah", agency="Dinas Uji")])
        [row] = plan.rows
        assert (row.undecided, row.action) == (True, "create")
        [problem] = plan.problems
        assert isinstance(problem, NameMatchProblem)
        assert (problem.row, problem.participant_id) == (2, existing.pk)
        assert f"Hasnah (#{existing.pk})" in problem.message
        assert "same name in the same agency" in problem.message

    @pytest.mark.parametrize(
        ("options", "action"),
        [
            (ImportOptions(confirmed_rows={2}), "match"),
            (ImportOptions(rejected_rows={2}), "create"),
            (ImportOptions(accept_name_matches=True), "match"),
            (ImportOptions(accept_name_matches=True, rejected_rows={2}), "create"),
        ],
    )
    def test_a_decision_settles_it(self, training, existing, options, action):
        plan = self._plan(
            training, [HEADER, person("Hasnah", agency="Dinas Uji")], options
        )
        assert plan.problems == []
        assert plan.rows[0].action == action

    def test_a_close_spelling_is_a_new_person_unless_confirmed(
        self, training, existing
    ):
        close = ParticipantFactory(
            full_name="Nurhaeda Rahman", agency=existing.agency, phone=""
        )
        rows = [HEADER, person("Nurhayda Rahman", agency="Dinas Uji", phone="")]
        plan = self._plan(training, rows)
        [row] = plan.rows
        assert (row.match, row.match_reasons) == (close, ["similar_name"])
        assert (row.action, plan.problems) == ("create", [])
        options = ImportOptions(confirmed_rows={2}, accept_name_matches=True)
        assert self._plan(training, rows, options).rows[0].action == "match"
        # accept_name_matches alone never takes a suggestion
        options = ImportOptions(accept_name_matches=True)
        assert self._plan(training, rows, options).rows[0].action == "create"

    def test_options_round_trip_through_json(self):
        options = ImportOptions(
            agency_choices={"a": CREATE_AGENCY, "b": 3},
            rejected_rows={4},
            confirmed_rows={5, 2},
            accept_name_matches=True,
        )
        data = json.loads(json.dumps(options.to_dict()))
        assert ImportOptions.from_dict(data) == options


class TestAmbiguousAgencies:
    """A name several agencies have (outside the training's region) is never
    created again by default: the row is a problem until the user picks one or
    chooses to create it."""

    @pytest.fixture
    def namesakes(self):
        return [AgencyFactory(name="Dinas Sosial") for _ in range(2)]

    def test_the_candidates_are_listed_and_the_row_is_a_problem(
        self, training, namesakes
    ):
        parsed = read_participant_file(
            xlsx([HEADER, person(agency="dinas  sosial")]), "l.xlsx", days=DAYS
        )
        plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
        [unknown] = plan.unknown_agencies
        assert unknown.candidates == namesakes
        assert unknown.needs_choice
        [problem] = plan.problems
        assert isinstance(problem, AgencyChoiceProblem)
        assert problem.row == 2
        assert [pk for pk, _name, _region in problem.candidates] == [
            a.pk for a in namesakes
        ]
        assert f"#{namesakes[0].pk}" in problem.message

    def test_picking_one_uses_it_and_creates_nothing(self, training, namesakes):
        options = ImportOptions(agency_choices={"dinas sosial": namesakes[1].pk})
        plan, result = import_all(
            training, xlsx([HEADER, person(agency="Dinas Sosial")]), options=options
        )
        assert result.agencies_created == 0
        assert Participant.objects.get().agency == namesakes[1]

    def test_creating_it_is_an_explicit_choice(self, training, namesakes):
        options = ImportOptions(agency_choices={"dinas sosial": CREATE_AGENCY})
        plan, result = import_all(
            training, xlsx([HEADER, person(agency="Dinas Sosial")]), options=options
        )
        assert result.agencies_created == 1
        assert Participant.objects.get().agency.region == training.region
        assert Agency.objects.filter(name="Dinas Sosial").count() == 3
