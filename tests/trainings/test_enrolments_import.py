"""``enrolments_import``: the all-or-nothing write of an import plan."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from participants.models import Agency, AgencyAlias, Participant
from tests.factories import AgencyFactory, TrainingFactory, UserFactory
from tests.trainings.imports.files import (
    DAYS,
    HEADER,
    MAROS,
    import_all,
    person,
    xlsx,
)
from trainings.imports.plan import ImportOptions, plan_import
from trainings.imports.rows import read_participant_file
from trainings.models import Attendance, Enrolment
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


class TestMarosSheet:
    def test_imports_19_participants_4_l_15_p_day_2_is_18(self, training):
        plan, result = import_all(training, MAROS.read_bytes())
        assert result.created == 19
        enrolments = training.enrolments.participants()
        assert enrolments.sex_summary() == {
            "total": 19,
            "male": 4,
            "female": 15,
            "not_recorded": 0,
        }
        per_day = {
            row["date"]: row["present_total"]
            for row in Attendance.objects.filter(
                enrolment__training=training
            ).training_day_summary()
        }
        assert per_day == {DAYS[0]: 19, DAYS[1]: 18, DAYS[2]: 19}

    def test_phones_are_normalised_including_the_one_typed_as_a_number(self, training):
        import_all(training, MAROS.read_bytes())
        phones = dict(Participant.objects.values_list("full_name", "phone"))
        assert phones["Fatmawati Daeng Ngai"] == "+6281244556677"
        assert phones["Hj. Nurhaeda Rahman, S.Sos"] == "+6281242317710"
        assert phones["Sitti Aisyah Mappiare"] == "+6285299001122"
        assert phones["Rosmini"] == ""
        assert all(p.startswith("+62") for p in phones.values() if p)

    def test_new_agencies_get_their_type_from_their_name(self, training):
        import_all(training, MAROS.read_bytes())
        rows = training.enrolments.participants().agency_type_summary()
        assert {row["agency_type"]: row["total"] for row in rows} == {
            "government": 7,
            "law_enforcement": 3,
            "service_provider": 4,
            "community": 5,
        }

    def test_known_agency_spellings_match_their_agency_through_aliases(self, training):
        dinsos = AgencyFactory(name="Dinas Sosial Kabupaten Maros")
        AgencyAlias.objects.create(agency=dinsos, name="Dinsos Maros")
        AgencyAlias.objects.create(agency=dinsos, name="Dinas Sosial Kab. Maros")
        import_all(training, MAROS.read_bytes())
        names = set(dinsos.participants.values_list("full_name", flat=True))
        assert names == {"Muh. Arfan Syamsuddin", "Andi Besse Tenri"}


class TestAllOrNothing:
    def test_one_bad_row_changes_nothing_and_names_the_row(self, training):
        rows = [HEADER, person(), person("Budi", "Lelaki", phone="081299990303")]
        parsed = read_participant_file(xlsx(rows), "l.xlsx", days=training.days)
        plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
        with pytest.raises(ValidationError) as error:
            enrolments_import(training=training, plan=plan)
        assert "Row 3, column C (L/P)" in error.value.messages[0]
        assert Participant.objects.count() == 0
        assert Enrolment.objects.count() == 0
        assert Agency.objects.filter(name="Dinas Uji").count() == 0

    def test_a_database_error_midway_rolls_everything_back(self, training, monkeypatch):
        def fail(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(Attendance.objects, "bulk_create", fail)
        with pytest.raises(RuntimeError):
            import_all(training, xlsx([HEADER, person()]))
        assert Participant.objects.count() == 0
        assert Agency.objects.count() == 0


class TestQueries:
    def test_write_uses_batches_not_a_query_a_row(
        self, training, django_assert_max_num_queries
    ):
        rows = [HEADER] + [
            person(f"Orang {i}", "L", f"Dinas {i % 5}", f"0812{i:08d}")
            for i in range(300)
        ]
        parsed = read_participant_file(xlsx(rows), "l.xlsx", days=training.days)
        plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
        # 5 new agencies (4 queries each), then batches of bulk inserts (SQLite
        # takes 999 parameters a query), doubled where the models keep a history:
        # far below one query a row.
        with django_assert_max_num_queries(60):
            enrolments_import(training=training, plan=plan)
        assert training.enrolments.count() == 300

    def test_imported_rows_get_a_created_history_entry_with_the_user(self, training):
        if not hasattr(Participant, "history"):
            pytest.skip("Participant keeps no history (django-simple-history)")
        user = UserFactory()
        parsed = read_participant_file(MAROS.read_bytes(), "m.xlsx", days=training.days)
        plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
        enrolments_import(training=training, plan=plan, user=user)
        history = Participant.history.filter(history_type="+")
        assert history.count() == 19
        assert set(history.values_list("history_user", flat=True)) == {user.pk}
