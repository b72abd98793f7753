from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import Agency, AgencyAlias, Participant
from tests.auth import login
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so assertions on text survive the Indonesian catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _form_data(**overrides):
    return {
        "full_name": "Andi Baso",
        "sex": "L",
        "agency_name": "",
        "agency_type": "other",
        "position": "Kepala Seksi",
        "village": "Bontoa",
        "phone": "",
        "nik": "",
        "email": "",
        "birth_date": "",
        "disability": "not_asked",
        **overrides,
    }


class TestPermissions:
    def test_anonymous_users_are_sent_to_login(self, client):
        person = ParticipantFactory()
        for name in ("detail", "update", "delete"):
            response = client.get(reverse(f"participants:{name}", args=[person.pk]))
            assert response.status_code == HTTPStatus.FOUND
            assert response.url.startswith(reverse("login"))

    def test_users_without_a_role_are_refused(self, client):
        user = UserFactory(username="nobody")
        user.groups.clear()
        login(client, user)
        person = ParticipantFactory()
        for name in ("detail", "update", "delete"):
            url = reverse(f"participants:{name}", args=[person.pk])
            assert client.get(url).status_code == HTTPStatus.FORBIDDEN
        client.post(reverse("participants:delete", args=[person.pk]))
        assert Participant.objects.filter(pk=person.pk).exists()


class TestDetail:
    def test_nik_is_masked_and_trainings_show_role_and_days_present(self, staff_client):
        person = ParticipantFactory(nik="7309012345670012")
        enrolment = EnrolmentFactory(participant=person, role="facilitator")
        AttendanceFactory(enrolment=enrolment)
        response = staff_client.get(person.get_absolute_url())
        html = response.content.decode()
        assert "7309012345670012" not in html
        assert "****************" in html
        [row] = response.context["enrolments"]
        assert (row.days_present, row.get_role_display()) == (1, "Facilitator")
        assert "1 / 3" in html

    def test_runs_the_same_queries_for_one_or_six_trainings(self, staff_client):
        counts = []
        for trainings in (1, 6):
            person = ParticipantFactory()
            for enrolment in EnrolmentFactory.create_batch(
                trainings, participant=person
            ):
                AttendanceFactory(enrolment=enrolment)
            staff_client.get(person.get_absolute_url())
            with CaptureQueriesContext(connection) as queries:
                staff_client.get(person.get_absolute_url())
            counts.append(len(queries))
        assert counts[0] == counts[1]


class TestUpdate:
    def test_edit_form_never_shows_the_full_nik_and_empty_keeps_it(self, staff_client):
        person = ParticipantFactory(nik="7309012345670012")
        url = reverse("participants:update", args=[person.pk])
        html = staff_client.get(url).content.decode()
        assert "7309012345670012" not in html
        assert "****************" in html
        response = staff_client.post(url, _form_data(), follow=True)
        person.refresh_from_db()
        assert person.nik == "7309012345670012"
        assert person.full_name == "Andi Baso"
        assert [str(m) for m in response.context["messages"]] == ["Andi Baso saved."]

    def test_agency_found_by_alias(self, staff_client):
        agency = AgencyFactory(name="Dinas Sosial Kabupaten Maros")
        AgencyAlias.objects.create(agency=agency, name="Dinsos Maros")
        person = ParticipantFactory()
        staff_client.post(
            reverse("participants:update", args=[person.pk]),
            _form_data(agency_name="DINSOS maros"),
        )
        person.refresh_from_db()
        assert person.agency == agency

    def test_errors_are_shown_next_to_the_field(self, staff_client):
        person = ParticipantFactory()
        response = staff_client.post(
            reverse("participants:update", args=[person.pk]),
            _form_data(phone="12-34", nik="12345"),
        )
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert 'id="error_1_id_phone"' in html
        assert 'id="error_1_id_nik"' in html

    def test_another_persons_nik_is_refused(self, staff_client):
        ParticipantFactory(nik="7309012345670012")
        person = ParticipantFactory()
        response = staff_client.post(
            reverse("participants:update", args=[person.pk]),
            _form_data(nik="7309012345670012"),
        )
        assert "nik" in response.context["form"].errors
        person.refresh_from_db()
        assert person.nik == ""

    def test_ambiguous_agency_name_is_an_error_listing_them(self, staff_client):
        first = AgencyFactory(name="Dinas Sosial")
        AgencyFactory(name="Dinas Sosial")  # same name in another regency
        person = ParticipantFactory(agency=None)
        response = staff_client.post(
            reverse("participants:update", args=[person.pk]),
            _form_data(agency_name="Dinas Sosial"),
        )
        error = response.context["form"].errors["agency_name"][0]
        assert str(first.region) in error
        assert Agency.objects.count() == 2


class TestDelete:
    def test_person_in_no_training_is_deleted_after_confirmation(self, staff_client):
        person = ParticipantFactory()
        url = reverse("participants:delete", args=[person.pk])
        html = staff_client.get(url).content.decode()
        assert 'method="post"' in html.split('id="content"')[1]
        response = staff_client.post(url, follow=True)
        assert not Participant.objects.exists()
        assert response.context["messages"]

    def test_enrolled_person_cannot_be_deleted(self, staff_client):
        enrolment = EnrolmentFactory()
        person = enrolment.participant
        url = reverse("participants:delete", args=[person.pk])
        response = staff_client.get(url)
        assert response.context["object"].enrolment_count == 1
        assert 'data-blocked="enrolled"' in response.content.decode()
        response = staff_client.post(url, follow=True)
        assert Participant.objects.filter(pk=person.pk).exists()
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
