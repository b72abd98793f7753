"""``setara.fields``: text cleaned on every write, whatever the door."""

import pytest
from django import forms
from django.db import connection
from django.db.migrations.writer import MigrationWriter

from participants.forms import ParticipantForm
from participants.models import Agency, AgencyAlias, Participant
from participants.normalisation import normalise_key
from setara.fields import (
    MultiLineFormField,
    MultiLineTextField,
    NormalisedKeyField,
    SingleLineCharField,
    SingleLineFormField,
    clean_stored_text,
)
from tests.factories import AgencyFactory, ParticipantFactory, TrainingFactory
from trainings.models import Training

pytestmark = pytest.mark.django_db

DIRTY = "\ufeffAndi\u200b\u00a0 Rusdi\x07 ２"


def raw_update(table: str, column: str, value: str, pk: int) -> None:
    """Store ``value`` as it is, past every cleaning step (raw SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, pk],
        )


class TestSingleLineCharField:
    def test_save_cleans_and_sets_the_instance(self):
        person = ParticipantFactory(full_name=DIRTY, position="Staf\u00a0\u00a0Ahli")
        assert person.full_name == "Andi Rusdi 2"
        person.refresh_from_db()
        assert (person.full_name, person.position) == ("Andi Rusdi 2", "Staf Ahli")

    def test_save_with_update_fields_cleans(self):
        person = ParticipantFactory()
        person.village = "Desa\u200b Tompobulu\x00"
        person.save(update_fields=["village"])
        person.refresh_from_db()
        assert person.village == "Desa Tompobulu"

    def test_bulk_create_cleans(self):
        agency = AgencyFactory()
        Participant.objects.bulk_create(
            [Participant(full_name=DIRTY, sex="L", agency=agency, village="\u3000x")]
        )
        assert Participant.objects.values_list("full_name", "village").get() == (
            "Andi Rusdi 2",
            "x",
        )

    def test_update_cleans_through_get_prep_value(self):
        person = ParticipantFactory()
        Participant.objects.filter(pk=person.pk).update(position="\x00Kepala\u200b")
        person.refresh_from_db()
        assert person.position == "Kepala"

    def test_lookups_find_the_clean_row(self):
        person = ParticipantFactory(full_name="Andi Rusdi")
        assert Participant.objects.get(full_name="Andi\u00a0Rusdi\u200b") == person

    def test_full_clean_refuses_a_name_of_only_zero_width_spaces(self):
        person = Participant(full_name="\u200b\u200b", sex="P")
        with pytest.raises(forms.ValidationError) as error:
            person.full_clean()
        assert "full_name" in error.value.message_dict

    def test_form_field_cleans_before_required_and_length(self):
        field = SingleLineCharField(max_length=5).formfield()
        assert isinstance(field, SingleLineFormField)
        assert field.clean(" ab\u00a0\u200bc ") == "ab c"
        assert field.clean("１２３４５") == "12345"  # 5 characters once folded
        with pytest.raises(forms.ValidationError) as error:
            field.clean("\u200b\ufeff")
        assert error.value.code == "required"

    def test_participant_form_says_required_for_an_invisible_name(self):
        form = ParticipantForm(data={"full_name": "\u200b\u200c", "sex": "P"})
        assert not form.is_valid()
        assert form.has_error("full_name", "required")

    def test_choice_fields_keep_their_form_field(self):
        field = SingleLineCharField(choices=[("a", "A")], max_length=1).formfield()
        assert isinstance(field, forms.TypedChoiceField)

    def test_deconstructs_to_its_own_path(self):
        field = Participant._meta.get_field("full_name")
        name, path, args, kwargs = field.deconstruct()
        assert path == "setara.fields.SingleLineCharField"
        assert kwargs["max_length"] == 200
        assert field.db_type(connection) == Participant._meta.get_field("nik").db_type(
            connection
        ).replace("16", "200")


class TestMultiLineTextField:
    def test_save_keeps_lines_and_removes_controls(self):
        training = TrainingFactory(objectives="Satu\x00\r\nDua\u200b\n\tTiga ")
        training.refresh_from_db()
        assert training.objectives == "Satu\nDua\n\tTiga"

    def test_form_field_is_a_textarea_that_cleans(self):
        field = Training._meta.get_field("partners").formfield()
        assert isinstance(field, MultiLineFormField)
        assert isinstance(field.widget, forms.Textarea)
        assert field.clean("UNICEF\x07\r\nBaKTI") == "UNICEF\nBaKTI"

    def test_deconstructs_to_its_own_path(self):
        field = Training._meta.get_field("objectives")
        assert isinstance(field, MultiLineTextField)
        assert field.deconstruct()[1] == "setara.fields.MultiLineTextField"


class TestNormalisedKeyField:
    def test_save_and_bulk_create_derive_the_key(self):
        agency = AgencyFactory(name="Dinas\u00a0Sosial  Maros")
        assert agency.normalised_name == "dinas sosial maros"
        [bulk] = Agency.objects.bulk_create(
            [Agency(name="DP3A Kab.\u200b Maros", region=agency.region)]
        )
        assert Agency.objects.get(pk=bulk.pk).normalised_name == "dp3a kab maros"

    def test_save_with_update_fields_keeps_the_key_current(self):
        agency = AgencyFactory(name="Dinas Sosial")
        agency.name = "Dinas Pendidikan"
        agency.save(update_fields=["name"])
        agency.refresh_from_db()
        assert agency.normalised_name == "dinas pendidikan"

    def test_alias_key_is_derived_in_bulk_create(self):
        agency = AgencyFactory()
        AgencyAlias.objects.bulk_create([AgencyAlias(agency=agency, name="Dinsos  ")])
        assert AgencyAlias.objects.get().normalised_name == "dinsos"

    def test_is_not_editable_and_serialises_for_migrations(self):
        field = Agency._meta.get_field("normalised_name")
        assert isinstance(field, NormalisedKeyField)
        assert not field.editable
        name, path, args, kwargs = field.deconstruct()
        assert kwargs["normalise"] is normalise_key
        assert kwargs["source"] == "name"
        assert "editable" not in kwargs
        text, imports = MigrationWriter.serialize(field)
        assert "participants.normalisation.normalise_key" in text


class TestCleanStoredText:
    def test_cleans_rows_stored_past_the_model(self):
        clean = ParticipantFactory(full_name="Andi Rusdi")
        dirty = ParticipantFactory(full_name="x")
        raw_update("participants_participant", "full_name", DIRTY, dirty.pk)
        raw_update("participants_participant", "village", " Desa\u00a0A ", dirty.pk)
        assert clean_stored_text(Participant, batch_size=1) == 1
        dirty.refresh_from_db()
        assert (dirty.full_name, dirty.village) == ("Andi Rusdi 2", "Desa A")
        clean.refresh_from_db()
        assert clean.full_name == "Andi Rusdi"

    def test_an_invisible_required_value_becomes_its_id(self):
        person = ParticipantFactory()
        raw_update("participants_participant", "full_name", "\u200b", person.pk)
        clean_stored_text(Participant)
        person.refresh_from_db()
        assert person.full_name == f"#{person.pk}"

    def test_multi_line_columns_keep_their_lines(self):
        training = TrainingFactory()
        raw_update("trainings_training", "objectives", "a\x07\r\nb", training.pk)
        assert clean_stored_text(Training) == 1
        training.refresh_from_db()
        assert training.objectives == "a\nb"

    def test_nothing_to_clean_writes_nothing(self, django_assert_num_queries):
        ParticipantFactory.create_batch(3)
        with django_assert_num_queries(2):  # one page of rows, then an empty one
            assert clean_stored_text(Participant) == 0
