"""A participant's village as a region (desa or kelurahan), beside the village as
written: the model's rule, the forms' picker, the person's page, the access
request and erasure."""

import json
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from participants.forms import ParticipantForm
from participants.models import Participant
from setara.privacy import participant_erase
from tests.factories import EnrolmentFactory, ParticipantFactory, TrainingFactory
from trainings.forms import ParticipantEnrolForm
from trainings.tables import participant_table, roster_table

pytestmark = pytest.mark.django_db

TOMPOBULU = "73.09.11.2001"  # desa Tompobulu, Kec. Tompobulu, Kab. Maros
HASANUDDIN = "73.09.01.1001"  # kelurahan Hasanuddin, Kec. Mandai, Kab. Maros


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


def _form_data(**overrides):
    return {
        "full_name": "Nurhaeda Rahman",
        "sex": "P",
        "agency_name": "",
        "agency_type": "other",
        "position": "",
        "village_region": "",
        "village": "",
        "phone": "",
        "nik": "",
        "email": "",
        "birth_date": "",
        "disability": "not_asked",
        **overrides,
    }


class TestModel:
    @pytest.mark.parametrize("code", [TOMPOBULU, HASANUDDIN])
    def test_a_desa_or_kelurahan_is_accepted(self, regions_sample, code):
        person = ParticipantFactory(village_region=regions_sample[code])
        person.full_clean()  # accepted: raises no ValidationError

    @pytest.mark.parametrize(
        ("code", "level"),
        [("73.09.11", "district"), ("73.09", "regency"), ("73", "province")],
    )
    def test_a_region_above_a_village_is_refused(self, regions_sample, code, level):
        person = ParticipantFactory.build(village_region=regions_sample[code])
        with pytest.raises(ValidationError) as raised:
            person.full_clean(exclude=["agency"])
        assert raised.value.message_dict["village_region"] == [
            f"Choose a village (desa/kelurahan), not a {level}."
        ]

    def test_the_region_is_optional_and_the_text_stays_beside_it(self):
        person = ParticipantFactory(village="Kampung Baru, Kec. Entah")
        person.full_clean()  # no region, only the text: raises no ValidationError

    def test_a_village_in_use_cannot_be_deleted(self, regions_sample):
        ParticipantFactory(village_region=regions_sample[TOMPOBULU])
        with pytest.raises(ProtectedError):
            regions_sample[TOMPOBULU].delete()


class TestForms:
    def test_picker_value_is_saved(self, regions_sample):
        person = ParticipantFactory()
        village = regions_sample[TOMPOBULU]
        form = ParticipantForm(
            _form_data(village_region=str(village.pk)), instance=person
        )
        assert form.is_valid(), form.errors
        form.save()
        person.refresh_from_db()
        assert (person.village_region, person.village) == (village, "")

    def test_picker_refuses_a_district(self, regions_sample):
        district = regions_sample["73.09.11"]
        form = ParticipantForm(
            _form_data(village_region=str(district.pk)),
            instance=ParticipantFactory(),
        )
        assert not form.is_valid()
        assert "village_region" in form.errors

    def test_text_field_is_labelled_as_written_and_picker_offers_villages(self):
        form = ParticipantForm()
        assert form.fields["village"].label == "Village as written (if not found)"
        widget = form.fields["village_region"].widget
        assert set(widget.levels) == {"village", "urban_village"}
        names = list(form.fields)
        assert names.index("village") == names.index("village_region") + 1

    def test_enrol_form_has_the_picker_too(self, regions_sample):
        training = TrainingFactory(region=regions_sample["73.09"])
        village = regions_sample[HASANUDDIN]
        form = ParticipantEnrolForm(
            _form_data(role="participant", village_region=str(village.pk)),
            region=training.region,
        )
        assert form.is_valid(), form.errors
        assert form.cleaned_data["village_region"] == village

    def test_enrol_page_creates_the_person_with_the_village(
        self, staff_client, regions_sample
    ):
        training = TrainingFactory(region=regions_sample["73.09"])
        village = regions_sample[TOMPOBULU]
        page = staff_client.get(reverse("trainings:enrol", args=[training.pk]))
        assert b"autocomplete_light/select2.js" in page.content  # the picker's media
        response = staff_client.post(
            reverse("trainings:enrol", args=[training.pk]),
            _form_data(role="participant", village_region=str(village.pk)),
        )
        assert response.status_code == HTTPStatus.FOUND
        assert Participant.objects.get().village_region == village


class TestPages:
    def test_detail_shows_the_label_code_and_text(self, staff_client, regions_sample):
        person = ParticipantFactory(
            village_region=regions_sample[TOMPOBULU], village="Ds. Tompobulu"
        )
        response = staff_client.get(person.get_absolute_url())
        content = response.content.decode()
        assert "Tompobulu, Kec. Tompobulu, Kab. Maros" in content
        assert f"<code>{TOMPOBULU}</code>" in content
        assert "As written: Ds. Tompobulu" in content

    def test_detail_shows_the_text_without_a_region(self, staff_client):
        person = ParticipantFactory(village="Kampung Baru")
        content = staff_client.get(person.get_absolute_url()).content.decode()
        assert "Kampung Baru" in content
        assert "As written:" not in content

    def test_detail_reads_the_label_without_more_queries(
        self, staff_client, regions_sample
    ):
        plain = ParticipantFactory()
        staff_client.get(plain.get_absolute_url())  # session, permissions cached
        with_region = ParticipantFactory(village_region=regions_sample[TOMPOBULU])
        with CaptureQueriesContext(connection) as plain_queries:
            staff_client.get(plain.get_absolute_url())
        with CaptureQueriesContext(connection) as region_queries:
            staff_client.get(with_region.get_absolute_url())
        assert len(region_queries) == len(plain_queries)

    def test_edit_page_carries_the_picker(self, staff_client, regions_sample):
        person = ParticipantFactory(village_region=regions_sample[TOMPOBULU])
        response = staff_client.get(reverse("participants:update", args=[person.pk]))
        content = response.content.decode()
        assert "autocomplete_light/select2.js" in content
        assert "Tompobulu, Kec. Tompobulu, Kab. Maros" in content  # chosen option


class TestPrivacy:
    def test_access_request_holds_the_village_code_and_label(
        self, admin_client, regions_sample
    ):
        person = ParticipantFactory(
            village_region=regions_sample[TOMPOBULU], village="Ds. Tompobulu"
        )
        response = admin_client.get(reverse("privacy:access_request", args=[person.pk]))
        data = json.loads(response.content)["participant"]
        assert data["village_region"] == {
            "code": TOMPOBULU,
            "label": "Tompobulu, Kec. Tompobulu, Kab. Maros",
        }
        assert data["village"] == "Ds. Tompobulu"

    def test_access_request_without_a_village(self, admin_client):
        person = ParticipantFactory()
        response = admin_client.get(reverse("privacy:access_request", args=[person.pk]))
        assert json.loads(response.content)["participant"]["village_region"] is None

    def test_erasure_empties_the_village_region_everywhere(
        self, admin_user, regions_sample
    ):
        person = ParticipantFactory(village_region=regions_sample[TOMPOBULU])
        participant_erase(participant=person, user=admin_user)
        person.refresh_from_db()
        assert person.village_region is None
        assert not person.history.filter(village_region__isnull=False).exists()


class TestExports:
    def test_roster_and_participant_list_have_the_village_columns(
        self, regions_sample, django_assert_num_queries
    ):
        training = TrainingFactory(region=regions_sample["73.09"])
        for village in (TOMPOBULU, HASANUDDIN, None):
            EnrolmentFactory(
                training=training,
                participant=ParticipantFactory(
                    village_region=regions_sample.get(village), village="as written"
                ),
            )
        roster = roster_table(training, personal=False)
        with django_assert_num_queries(2):  # enrolments, then their attendance
            rows = list(roster.rows)
        code = roster.header.index("Village code")
        assert roster.header[code + 1 : code + 3] == [
            "Village (region)",
            "Village as written",
        ]
        assert sorted((row[code] or "", row[code + 1] or "") for row in rows) == [
            ("", ""),
            (HASANUDDIN, "Hasanuddin, Kec. Mandai, Kab. Maros"),
            (TOMPOBULU, "Tompobulu, Kec. Tompobulu, Kab. Maros"),
        ]
        table = participant_table(training.enrolments.all(), personal=False)
        with django_assert_num_queries(2):  # the villages, then the people
            rows = list(table.rows)
        code = table.header.index("Village code")
        assert sorted((row[code] or "", row[code + 1] or "") for row in rows) == [
            ("", ""),
            (HASANUDDIN, "Hasanuddin, Kec. Mandai, Kab. Maros"),
            (TOMPOBULU, "Tompobulu, Kec. Tompobulu, Kab. Maros"),
        ]
