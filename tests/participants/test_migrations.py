"""The data migrations that clean stored text (issue: one text-cleaning step) and
merge agencies whose names are equal once normalised.

Each migration's ``forward`` is run on rows stored past every cleaning step (raw
SQL), with the project's models standing in for the migration state's (the same
fields and tables at this point). PostgreSQL refuses NUL in text, so NUL is only
stored on SQLite.
"""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from participants.models import Agency, AgencyAlias, Participant
from referrals.models import ReferralInstitution, ServiceType
from regions.models import Region
from tests.factories import (
    AgencyFactory,
    ParticipantFactory,
    ReferralInstitutionFactory,
    RegencyFactory,
    TopicFactory,
    TrainingFactory,
)
from trainings.models import Topic, Training

pytestmark = pytest.mark.django_db

NUL = "\x00" if connection.vendor == "sqlite" else ""
DIRTY_NAME = f"\u200bAndi\u00a0 Rusdi\x07{NUL} ２"


def migration(name: str):
    return importlib.import_module(name)


def run_forward(module_name: str) -> None:
    schema_editor = SimpleNamespace(connection=connection)
    migration(module_name).forward(apps, schema_editor)


def raw_update(model, pk: int, **values) -> None:
    """Store ``values`` in ``model``'s row ``pk`` as they are, past every
    cleaning step."""
    table = model._meta.db_table
    columns = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {columns} WHERE id = %s",  # noqa: S608
            [*values.values(), pk],
        )


PARTICIPANTS = "participants.migrations.0003_clean_text_and_agency_key"


class TestParticipantsMigration:
    def test_cleans_names_and_recomputes_the_name_key(self):
        person = ParticipantFactory(full_name="x", position="Staf")
        raw_update(
            Participant,
            person.pk,
            full_name=DIRTY_NAME,
            normalised_name="stale",
            position="Kepala\u200b  Seksi",
            village="\ufeff",
        )
        run_forward(PARTICIPANTS)
        person.refresh_from_db()
        assert person.full_name == "Andi Rusdi 2"
        assert person.normalised_name == "andi rusdi 2"
        assert (person.position, person.village) == ("Kepala Seksi", "")

    def test_cleans_history_rows_too(self):
        person = ParticipantFactory(full_name="Andi Rusdi")
        row = person.history.get()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Participant.history.model._meta.db_table} "  # noqa: S608
                "SET full_name = %s WHERE history_id = %s",
                [DIRTY_NAME, row.history_id],
            )
        run_forward(PARTICIPANTS)
        row.refresh_from_db()
        assert (row.full_name, row.normalised_name) == ("Andi Rusdi 2", "andi rusdi 2")

    def test_a_nik_of_zeros_is_emptied(self):
        person = ParticipantFactory(nik="0000000000000000")
        run_forward(PARTICIPANTS)
        person.refresh_from_db()
        assert person.nik == ""

    def test_merges_agencies_equal_once_normalised_into_the_oldest(self):
        maros = RegencyFactory(code="73.09")
        oldest = AgencyFactory(name="Dinas Sosial Maros", region=maros)
        second = AgencyFactory(name="Dinas Sosial Maros 2", region=maros)
        third = AgencyFactory(
            name="Dinas Sosial Maros 3", region=maros, short_name="Dinsos"
        )
        # Written before the key existed: names that differ by spacing and case.
        raw_update(Agency, second.pk, name="dinas  sosial\u00a0maros")
        raw_update(Agency, third.pk, name="DINAS SOSIAL MAROS\u200b")
        elsewhere = AgencyFactory(name="Dinas Sosial Maros", region=RegencyFactory())
        person = ParticipantFactory(agency=second)
        institution = ReferralInstitutionFactory(region=maros, agency=third)
        AgencyAlias.objects.create(agency=third, name="Dinsos Kab. Maros")

        run_forward(PARTICIPANTS)

        assert set(Agency.objects.values_list("pk", flat=True)) == {
            oldest.pk,
            elsewhere.pk,
        }
        person.refresh_from_db()
        institution.refresh_from_db()
        assert person.agency_id == oldest.pk
        assert person.history.first().agency_id == oldest.pk
        assert institution.agency_id == oldest.pk
        oldest.refresh_from_db()
        assert oldest.short_name == "Dinsos"
        assert oldest.normalised_name == "dinas sosial maros"
        aliases = set(oldest.aliases.values_list("name", flat=True))
        assert aliases == {"Dinsos Kab. Maros", "dinas sosial maros"}
        assert Agency.objects.resolve("DINAS SOSIAL MAROS", maros)[0] == oldest

    def test_merges_agencies_without_region(self):
        first = AgencyFactory(name="Yayasan BaKTI", region=None)
        second = AgencyFactory(name="Yayasan BaKTI (2)", region=None)
        raw_update(Agency, second.pk, name="YAYASAN\u00a0BaKTI")
        run_forward(PARTICIPANTS)
        assert list(Agency.objects.values_list("pk", flat=True)) == [first.pk]

    def test_refreshes_alias_keys_and_drops_repeated_ones(self):
        agency = AgencyFactory(name="Dinas Pendidikan")
        kept = AgencyAlias.objects.create(agency=agency, name="Disdik")
        repeated = AgencyAlias.objects.create(agency=agency, name="Disdik 2")
        raw_update(AgencyAlias, repeated.pk, name="DIS\u200bDIK")
        raw_update(AgencyAlias, kept.pk, normalised_name="stale")
        run_forward(PARTICIPANTS)
        assert list(AgencyAlias.objects.values_list("name", "normalised_name")) == [
            ("Disdik", "disdik")
        ]

    def test_clean_rows_are_left_alone(self, django_assert_max_num_queries):
        AgencyFactory.create_batch(3)
        ParticipantFactory.create_batch(3)
        with django_assert_max_num_queries(20):
            run_forward(PARTICIPANTS)
        assert Agency.objects.count() == 6  # 3 + one for each participant


class TestOtherAppsMigrations:
    def test_trainings(self):
        training = TrainingFactory(title="x")
        topic = TopicFactory(code="uji", name="Uji")
        raw_update(Training, training.pk, title=f"Pelatihan\u00a0{NUL}OCSEA\u200b")
        raw_update(Training, training.pk, objectives=f"Satu\r\nDua\x07{NUL}")
        raw_update(Topic, topic.pk, name="ＫＢＧＯ ")
        run_forward("trainings.migrations.0007_clean_text")
        training.refresh_from_db()
        topic.refresh_from_db()
        assert (training.title, training.objectives) == ("Pelatihan OCSEA", "Satu\nDua")
        assert topic.name == "KBGO"

    def test_referrals_untangle_names_that_become_equal(self):
        maros = RegencyFactory(code="73.09")
        first = ReferralInstitutionFactory(name="UPTD PPA Maros", region=maros)
        second = ReferralInstitutionFactory(name="UPTD PPA Maros B", region=maros)
        raw_update(ReferralInstitution, second.pk, name="UPTD\u00a0PPA\u200b Maros")
        service = ServiceType.objects.first()
        raw_update(ServiceType, service.pk, name=f"{service.name}\u200b")
        run_forward("referrals.migrations.0008_clean_text")
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.name == "UPTD PPA Maros"
        assert second.name == f"UPTD PPA Maros ({second.pk})"
        assert ServiceType.objects.get(pk=service.pk).name == service.name

    def test_regions(self):
        region = RegencyFactory(code="73.09", name="Kabupaten Maros")
        raw_update(Region, region.pk, name="Kabupaten\u00a0\u00a0Maros\u200b")
        run_forward("regions.migrations.0003_clean_text")
        region.refresh_from_db()
        assert region.name == "Kabupaten Maros"
