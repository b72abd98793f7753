"""Recording a training in the browser: pages, permissions, query counts."""

import datetime
import re
import sys
import zlib
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import IntegrityError, connection
from django.template.defaultfilters import slugify
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import Agency, AgencyAlias, Participant
from setara import roles
from tests.auth import login
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    RegencyFactory,
    TopicFactory,
    TrainingFactory,
    UserFactory,
)
from trainings.exports import training_file_stem
from trainings.models import Attendance, Enrolment, Training

pytestmark = pytest.mark.django_db

DAY_1 = datetime.date(2023, 10, 18)
DAY_2 = datetime.date(2023, 10, 19)
DAY_3 = datetime.date(2023, 10, 20)


def _cell(enrolment, day):
    return f"{enrolment.pk}:{day.isoformat()}"


def _messages(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so assertions on text survive the Indonesian catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def training():
    return TrainingFactory()  # 18-20 October 2023


@pytest.fixture
def no_role_client(client):
    user = UserFactory(username="nobody")
    user.groups.clear()
    login(client, user)
    return client


def _training_urls(training, enrolment):
    return [
        reverse("trainings:create"),
        reverse("trainings:update", args=[training.pk]),
        reverse("trainings:delete", args=[training.pk]),
        reverse("trainings:enrol", args=[training.pk]),
        reverse("trainings:attendance", args=[training.pk]),
        reverse("trainings:signin_sheet", args=[training.pk]),
        reverse("trainings:enrolment_delete", args=[enrolment.pk]),
    ]


class TestPermissions:
    def test_anonymous_users_are_sent_to_login(self, client):
        enrolment = EnrolmentFactory()
        for url in _training_urls(enrolment.training, enrolment):
            response = client.get(url)
            assert response.status_code == HTTPStatus.FOUND, url
            assert response.url.startswith(reverse("login")), url

    def test_users_without_a_role_are_refused(self, no_role_client):
        enrolment = EnrolmentFactory()
        for url in _training_urls(enrolment.training, enrolment):
            assert no_role_client.get(url).status_code == HTTPStatus.FORBIDDEN, url
        response = no_role_client.post(
            reverse("trainings:attendance", args=[enrolment.training.pk]),
            {"present": [_cell(enrolment, DAY_1)]},
        )
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert not Attendance.objects.exists()

    def test_programme_staff_open_every_page(self, staff_client):
        enrolment = EnrolmentFactory()
        for url in _training_urls(enrolment.training, enrolment):
            assert staff_client.get(url).status_code == HTTPStatus.OK, url


class TestTrainingCreateAndUpdate:
    def _data(self, region, **overrides):
        return {
            "title": "Pelatihan KBGO bagi PATBM",
            "topics": [TopicFactory(code="kbgo", name="KBGO").pk],
            "start_date": "2024-03-05",
            "end_date": "2024-03-06",
            "region": region.pk,
            "venue": "Aula Desa",
            "organiser": "Yayasan BaKTI",
            "partners": "UNICEF Indonesia",
            "objectives": "Memahami KBGO.",
            **overrides,
        }

    def test_create_saves_the_training_and_goes_to_enrolment(self, staff_client):
        region = RegencyFactory()
        response = staff_client.post(
            reverse("trainings:create"), self._data(region), follow=True
        )
        training = Training.objects.get()
        assert response.redirect_chain[-1][0] == reverse(
            "trainings:enrol", args=[training.pk]
        )
        assert training.days == [datetime.date(2024, 3, 5), datetime.date(2024, 3, 6)]
        assert [t.code for t in training.topics.all()] == ["kbgo"]
        assert any("Pelatihan KBGO bagi PATBM" in m for m in _messages(response))

    def test_form_uses_date_inputs_and_crispy_layout(self, staff_client):
        response = staff_client.get(reverse("trainings:create"))
        html = response.content.decode()
        assert 'type="date" name="start_date"' in html
        assert 'id="div_id_region"' in html  # crispy-bootstrap5 field wrapper

    def test_end_before_start_is_an_error_next_to_the_field(self, staff_client):
        region = RegencyFactory()
        response = staff_client.post(
            reverse("trainings:create"),
            self._data(region, start_date="2024-03-06", end_date="2024-03-05"),
        )
        assert response.status_code == HTTPStatus.OK
        assert "end_date" in response.context["form"].errors
        # crispy-bootstrap5 puts the message right under the end date box
        assert 'id="error_1_id_end_date"' in response.content.decode()
        assert not Training.objects.exists()

    def test_indonesian_day_first_dates_are_accepted(self, staff_client):
        region = RegencyFactory()
        staff_client.post(
            reverse("trainings:create"),
            self._data(region, start_date="05/03/2024", end_date="06/03/2024"),
        )
        assert Training.objects.get().start_date == datetime.date(2024, 3, 5)

    def test_shortening_past_recorded_attendance_names_the_days(
        self, staff_client, training
    ):
        AttendanceFactory(enrolment__training=training, date=DAY_3)
        response = staff_client.post(
            reverse("trainings:update", args=[training.pk]),
            self._data(
                training.region,
                title=training.title,
                start_date="2023-10-18",
                end_date="2023-10-19",
            ),
        )
        assert response.status_code == HTTPStatus.OK
        errors = response.context["form"].errors
        assert "20/10/2023" in errors["end_date"][0]
        training.refresh_from_db()
        assert training.end_date == DAY_3

    def test_update_keeping_attendance_days_saves(self, staff_client, training):
        AttendanceFactory(enrolment__training=training, date=DAY_2)
        response = staff_client.post(
            reverse("trainings:update", args=[training.pk]),
            self._data(training.region, title="Judul baru", start_date="2023-10-19"),
        )
        assert response.status_code == HTTPStatus.FOUND
        training.refresh_from_db()
        assert (training.title, training.start_date) == ("Judul baru", DAY_2)


class TestTrainingDelete:
    def test_confirmation_page_counts_what_goes_with_it(self, staff_client, training):
        enrolment = EnrolmentFactory(training=training)
        EnrolmentFactory(training=training)
        AttendanceFactory(enrolment=enrolment, date=DAY_1)
        AttendanceFactory(enrolment=enrolment, date=DAY_2)
        response = staff_client.get(reverse("trainings:delete", args=[training.pk]))
        assert response.context["object"].enrolment_count == 2
        assert response.context["object"].attendance_count == 2
        assert "2 attendance records" in response.content.decode()

    def test_delete_removes_enrolments_but_keeps_people(self, staff_client, training):
        enrolment = EnrolmentFactory(training=training)
        AttendanceFactory(enrolment=enrolment)
        response = staff_client.post(
            reverse("trainings:delete", args=[training.pk]), follow=True
        )
        assert not Training.objects.exists()
        assert not Enrolment.objects.exists()
        assert Participant.objects.count() == 1
        assert _messages(response)


class TestEnrol:
    def test_search_finds_by_agency_alias_and_marks_enrolled(
        self, staff_client, training
    ):
        agency = AgencyFactory(name="Dinas Sosial Kabupaten Maros")
        AgencyAlias.objects.create(agency=agency, name="Dinsos Maros")
        enrolled = ParticipantFactory(full_name="Andi Rusdi", agency=agency)
        EnrolmentFactory(training=training, participant=enrolled)
        other = ParticipantFactory(full_name="Sitti Aminah", agency=agency)
        ParticipantFactory(full_name="Tidak Dicari")
        response = staff_client.get(
            reverse("trainings:enrol", args=[training.pk]), {"q": "Dinsos Maros"}
        )
        assert set(response.context["results"]) == {enrolled, other}
        assert response.context["enrolled_ids"] == {enrolled.pk}

    def test_two_records_with_one_name_are_told_apart_by_number(
        self, staff_client, training
    ):
        """A duplicate not merged yet: the numbers show they are two records."""
        twins = ParticipantFactory.create_batch(2, full_name="Kasmawati", sex="P")
        response = staff_client.get(
            reverse("trainings:enrol", args=[training.pk]), {"q": "Kasmawati"}
        )
        page = response.content.decode()
        for twin in twins:
            assert f"#{twin.pk} (P)" in page

    def test_enrol_existing_person_in_one_click(self, staff_client, training):
        person = ParticipantFactory()
        response = staff_client.post(
            reverse("trainings:enrol", args=[training.pk]),
            {"participant": person.pk, "role": "facilitator", "q": "x"},
            follow=True,
        )
        enrolment = Enrolment.objects.get()
        assert (enrolment.participant, enrolment.role) == (person, "facilitator")
        assert any(person.full_name in m for m in _messages(response))

    def test_enrolling_twice_is_a_message_not_an_error(self, staff_client, training):
        enrolment = EnrolmentFactory(training=training)
        response = staff_client.post(
            reverse("trainings:enrol", args=[training.pk]),
            {"participant": enrolment.participant.pk, "role": "participant"},
            follow=True,
        )
        assert response.status_code == HTTPStatus.OK
        assert Enrolment.objects.count() == 1
        assert _messages(response)

    def _new_person(self, **overrides):
        return {
            "role": "participant",
            "full_name": "Nurhaeda Rahman",
            "sex": "P",
            "agency_name": "",
            "agency_type": "other",
            "position": "Staf",
            "village": "",
            "phone": "",
            "nik": "",
            "email": "",
            "birth_date": "",
            "disability": "not_asked",
            **overrides,
        }

    def test_new_person_without_matches_is_created_and_enrolled(
        self, staff_client, training
    ):
        agency = AgencyFactory(name="Dinas Sosial Kabupaten Maros", short_name="Dinsos")
        AgencyAlias.objects.create(agency=agency, name="Dinsos Maros")
        response = staff_client.post(
            reverse("trainings:enrol", args=[training.pk]),
            self._new_person(agency_name="dinsos  maros", phone="0812-3456-7890"),
        )
        assert response.status_code == HTTPStatus.FOUND
        person = Participant.objects.get()
        assert (person.agency, person.phone) == (agency, "+6281234567890")
        assert person.enrolments.get().training == training

    @pytest.mark.parametrize(
        ("existing", "typed", "reason", "role"),
        [
            # A match by the NIK alone is shown to who may see NIKs (staff: only
            # that the NIK is taken, tests/participants/test_nik_oracle.py).
            (
                {"nik": "7309012345670001"},
                {"nik": "7309 0123 4567 0001"},
                "nik",
                "coordinator_client",
            ),
            (
                {"phone": "+6281234567890"},
                {"phone": "0812 3456 7890"},
                "phone",
                "staff_client",
            ),
            ({"full_name": "Hj. Nurhaeda Rahman, S.Sos"}, {}, "name", "staff_client"),
        ],
    )
    def test_probable_match_is_shown_before_anything_is_saved(
        self, request, training, existing, typed, reason, role
    ):
        client = request.getfixturevalue(role)
        agency = AgencyFactory(name="DP3A Kabupaten Maros")
        person = ParticipantFactory(
            **{"full_name": "Someone Else", "agency": agency, **existing}
        )
        response = client.post(
            reverse("trainings:enrol", args=[training.pk]),
            self._new_person(agency_name="DP3A Kabupaten Maros", **typed),
        )
        assert response.status_code == HTTPStatus.OK
        matches = response.context["matches"]
        assert [m.participant for m in matches] == [person]
        assert reason in matches[0].reasons
        assert Participant.objects.count() == 1
        assert not Enrolment.objects.exists()

    def test_confirming_a_new_person_despite_a_name_match_creates_them(
        self, staff_client, training
    ):
        agency = AgencyFactory(name="DP3A Kabupaten Maros")
        ParticipantFactory(full_name="Nurhaeda Rahman", agency=agency)
        staff_client.post(
            reverse("trainings:enrol", args=[training.pk]),
            {
                **self._new_person(agency_name="DP3A Kabupaten Maros"),
                "confirm_new": "1",
            },
        )
        assert (
            Participant.objects.filter(normalised_name="nurhaeda rahman").count() == 2
        )
        assert Enrolment.objects.count() == 1

    def test_a_nik_already_taken_cannot_be_confirmed_as_new(
        self, staff_client, training
    ):
        ParticipantFactory(nik="7309012345670001")
        response = staff_client.post(
            reverse("trainings:enrol", args=[training.pk]),
            {**self._new_person(nik="7309012345670001"), "confirm_new": "1"},
        )
        assert response.status_code == HTTPStatus.OK
        assert "nik" in response.context["new_form"].errors
        # Staff are not shown whose NIK it is (participants.nik_access).
        assert response.context["matches"] == []
        assert Participant.objects.count() == 1

    def test_unknown_agency_needs_an_explicit_create(self, staff_client, training):
        url = reverse("trainings:enrol", args=[training.pk])
        response = staff_client.post(url, self._new_person(agency_name="PATBM Bontoa"))
        assert "agency_name" in response.context["new_form"].errors
        assert not Agency.objects.exists()
        staff_client.post(
            url,
            self._new_person(
                agency_name="PATBM Bontoa", create_agency="on", agency_type="community"
            ),
        )
        agency = Agency.objects.get()
        assert (agency.name, agency.type, agency.region) == (
            "PATBM Bontoa",
            "community",
            training.region,
        )
        assert Participant.objects.get().agency == agency

    def test_invalid_values_write_nothing(self, staff_client, training):
        response = staff_client.post(
            reverse("trainings:enrol", args=[training.pk]),
            self._new_person(
                phone="12", nik="123", agency_name="Baru", create_agency="on"
            ),
        )
        errors = response.context["new_form"].errors
        assert {"phone", "nik"} <= set(errors)
        assert not Participant.objects.exists()
        assert not Agency.objects.exists()


class TestEnrolmentDelete:
    def test_confirmation_counts_attendance_and_removal_keeps_the_person(
        self, staff_client, training
    ):
        enrolment = EnrolmentFactory(training=training)
        AttendanceFactory(enrolment=enrolment)
        url = reverse("trainings:enrolment_delete", args=[enrolment.pk])
        assert staff_client.get(url).context["object"].attendance_count == 1
        response = staff_client.post(url)
        assert response.url == reverse("trainings:enrol", args=[training.pk])
        assert not Enrolment.objects.exists()
        assert not Attendance.objects.exists()
        assert Participant.objects.count() == 1


class TestAttendanceGrid:
    def test_saves_the_grid_in_one_post(self, staff_client, training):
        first = EnrolmentFactory(training=training)
        second = EnrolmentFactory(training=training)
        response = staff_client.post(
            reverse("trainings:attendance", args=[training.pk]),
            {"present": [_cell(first, DAY_1), _cell(second, DAY_1)]},
            follow=True,
        )
        assert set(
            Attendance.objects.values_list("enrolment_id", "date", "present")
        ) == {(first.pk, DAY_1, True), (second.pk, DAY_1, True)}
        assert _messages(response)

    def test_saving_the_same_grid_twice_changes_nothing(self, staff_client, training):
        first = EnrolmentFactory(training=training)
        second = EnrolmentFactory(training=training)
        url = reverse("trainings:attendance", args=[training.pk])
        data = {"present": [_cell(first, DAY_1), _cell(second, DAY_2)]}
        staff_client.post(url, data)
        before = list(
            Attendance.objects.values_list("pk", "enrolment", "date", "present")
        )
        response = staff_client.post(url, data, follow=True)
        after = list(
            Attendance.objects.values_list("pk", "enrolment", "date", "present")
        )
        assert before == after
        assert len(after) == 4  # days 1 and 2 recorded for both; day 3 not
        assert _messages(response)[-1] == "Attendance saved; nothing had changed."
        assert response.context["rows"][0]["cells"][2]["checked"] is False

    def test_all_present_ticks_the_whole_day(self, staff_client, training):
        enrolments = EnrolmentFactory.create_batch(3, training=training)
        staff_client.post(
            reverse("trainings:attendance", args=[training.pk]),
            {"all_present": DAY_2.isoformat()},
        )
        assert set(
            Attendance.objects.values_list("enrolment_id", "date", "present")
        ) == {(e.pk, DAY_2, True) for e in enrolments}

    def test_unticking_records_absence(self, staff_client, training):
        attendance = AttendanceFactory(enrolment__training=training, date=DAY_1)
        staff_client.post(reverse("trainings:attendance", args=[training.pk]), {})
        attendance.refresh_from_db()
        assert attendance.present is False

    def test_stale_grid_is_refused_with_a_message(self, staff_client, training):
        enrolment = EnrolmentFactory(training=training)
        response = staff_client.post(
            reverse("trainings:attendance", args=[training.pk]),
            {"present": [_cell(enrolment, DAY_1), "999999:2023-10-18"]},
            follow=True,
        )
        assert not Attendance.objects.exists()
        assert _messages(response)

    def test_concurrent_conflict_shows_a_friendly_message(
        self, staff_client, training, monkeypatch
    ):
        enrolment = EnrolmentFactory(training=training)

        def conflict(*args, **kwargs):
            raise IntegrityError("UNIQUE constraint failed")

        monkeypatch.setattr(Attendance.objects, "bulk_create", conflict)
        response = staff_client.post(
            reverse("trainings:attendance", args=[training.pk]),
            {"present": [_cell(enrolment, DAY_1)]},
            follow=True,
        )
        assert response.status_code == HTTPStatus.OK
        assert response.context["messages"]
        assert [m.level_tag for m in response.context["messages"]] == ["error"]

    def test_cells_are_labelled_for_screen_readers(self, staff_client, training):
        EnrolmentFactory(training=training, participant__full_name="Andi Baso")
        html = staff_client.get(
            reverse("trainings:attendance", args=[training.pk])
        ).content.decode()
        assert html.count('type="checkbox"') == 3
        assert "Andi Baso, " in html


class TestSignInSheet:
    def test_lists_everyone_with_a_signature_column_per_day_and_blank_rows(
        self, staff_client, training
    ):
        agency = AgencyFactory(name="UPTD PPA Kabupaten Maros")
        EnrolmentFactory(
            training=training,
            participant__full_name="Andi Baso",
            participant__sex="L",
            participant__agency=agency,
            participant__village="Bontoa",
        )
        EnrolmentFactory(training=training, participant__full_name="Sitti Aminah")
        response = staff_client.get(
            reverse("trainings:signin_sheet", args=[training.pk])
        )
        html = response.content.decode()
        assert "Andi Baso" in html and "Sitti Aminah" in html
        assert "UPTD PPA Kabupaten Maros" in html and "Bontoa" in html
        # Blank rows for walk-ins to the end of the page (tests/trainings/
        # test_signin_sheet.py counts them).
        blank = len(response.context["layout"].blank_rows)
        assert blank >= 3
        assert html.count('class="sign"') == 3 * (2 + blank)
        assert html.count('class="blank-row"') == blank
        assert "table-header-group" in html
        assert "A4 landscape" in html
        assert training.date_range_display in html


class TestSignInSheetPdf:
    def test_downloads_an_a4_landscape_pdf(self, staff_client, training):
        EnrolmentFactory.create_batch(3, training=training)
        response = staff_client.get(
            reverse("trainings:signin_sheet_pdf", args=[training.pk])
        )
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"] == "application/pdf"
        # The scheme of every export, in the user's language (English here).
        stem = training_file_stem("Sign-in sheet", training)
        assert stem.startswith(f"sign-in-sheet-{slugify(training.title)}-")
        assert response["Content-Disposition"] == (f'attachment; filename="{stem}.pdf"')
        assert response.content.startswith(b"%PDF")
        # A4 landscape is 842 x 595 points; the page objects are compressed.
        streams = re.findall(rb"stream\r?\n(.*?)endstream", response.content, re.S)
        objects = b"".join(zlib.decompress(stream) for stream in streams)
        [media_box] = set(re.findall(rb"/MediaBox \[([^\]]*)\]", objects))
        width, height = (float(n) for n in media_box.split()[2:])
        assert (round(width), round(height)) == (842, 595)

    def test_without_weasyprint_the_print_view_is_offered(
        self, staff_client, training, monkeypatch
    ):
        monkeypatch.setitem(sys.modules, "weasyprint", None)
        response = staff_client.get(
            reverse("trainings:signin_sheet_pdf", args=[training.pk]), follow=True
        )
        assert response.redirect_chain[-1][0] == reverse(
            "trainings:signin_sheet", args=[training.pk]
        )
        assert [m.level_tag for m in response.context["messages"]] == ["error"]


class TestQueryCounts:
    """Each page runs the same number of queries for 2 people as for 12."""

    @pytest.mark.parametrize(
        "url_name", ["attendance", "signin_sheet", "detail", "enrol"]
    )
    def test_fixed_queries_whatever_the_number_of_people(self, staff_client, url_name):
        counts = []
        for people in (2, 12):
            training = TrainingFactory()
            for enrolment in EnrolmentFactory.create_batch(people, training=training):
                AttendanceFactory(enrolment=enrolment, date=training.start_date)
            url = reverse(f"trainings:{url_name}", args=[training.pk])
            staff_client.get(url, {"q": "a"} if url_name == "enrol" else {})
            with CaptureQueriesContext(connection) as queries:
                response = staff_client.get(
                    url, {"q": "a"} if url_name == "enrol" else {}
                )
            assert response.status_code == HTTPStatus.OK
            counts.append(len(queries))
        assert counts[0] == counts[1]

    def test_attendance_grid_query_budget(
        self, staff_client, django_assert_max_num_queries
    ):
        training = TrainingFactory()
        for enrolment in EnrolmentFactory.create_batch(10, training=training):
            AttendanceFactory(enrolment=enrolment)
        url = reverse("trainings:attendance", args=[training.pk])
        # session and user (3), request savepoints (2), permissions (2), training,
        # everyone's numbers, the page's enrolments with people and agencies, their
        # attendance (4), session save (1)
        with django_assert_max_num_queries(13):
            staff_client.get(url)


def test_staff_role_has_every_permission_the_pages_need():
    user = UserFactory(role=roles.PROGRAMME_STAFF)
    for perm in [
        "trainings.add_training",
        "trainings.change_training",
        "trainings.delete_training",
        "trainings.add_enrolment",
        "trainings.delete_enrolment",
        "trainings.add_attendance",
        "trainings.change_attendance",
        "participants.add_participant",
        "participants.change_participant",
        "participants.delete_participant",
    ]:
        assert user.has_perm(perm), perm


class TestEnrolSuggestions:
    """A new person with the same name as someone in the registry, typed with no
    agency and no phone, is shown as "possibly the same person" before saving."""

    def test_the_same_name_without_agency_or_phone_is_shown_first(
        self, staff_client, training
    ):
        person = ParticipantFactory(full_name="Hj. Nurhaeda Rahman", phone="")
        url = reverse("trainings:enrol", args=[training.pk])
        data = TestEnrol()._new_person()  # no agency, no phone, no NIK
        response = staff_client.post(url, data)
        assert response.status_code == HTTPStatus.OK
        [match] = response.context["matches"]
        assert (match.participant, match.reasons) == (person, ["name_elsewhere"])
        content = response.content.decode()
        assert "possibly the same person: confirm" in content
        assert "same name, another agency or none" in content
        assert 'name="confirm_new"' in content
        assert not Enrolment.objects.exists()

        staff_client.post(url, {**data, "confirm_new": "1"})
        assert (
            Participant.objects.filter(normalised_name="nurhaeda rahman").count() == 2
        )
        assert Enrolment.objects.get().participant != person

    def test_a_close_spelling_in_the_same_agency_is_shown_too(
        self, staff_client, training
    ):
        agency = AgencyFactory(name="DP3A Kabupaten Maros")
        person = ParticipantFactory(full_name="Nurhayda Rahman", agency=agency)
        response = staff_client.post(
            reverse("trainings:enrol", args=[training.pk]),
            TestEnrol()._new_person(agency_name="DP3A Kabupaten Maros"),
        )
        [match] = response.context["matches"]
        assert (match.participant, match.reasons) == (person, ["similar_name"])
        assert Participant.objects.count() == 1

    def test_a_nik_match_shows_the_masked_nik_once(self, coordinator_client, training):
        ParticipantFactory(nik="7309012345670001")
        response = coordinator_client.post(
            reverse("trainings:enrol", args=[training.pk]),
            TestEnrol()._new_person(nik="7309012345670001"),
        )
        [why] = re.findall(r'data-reasons="nik">(.*?)</div>', response.content.decode())
        assert "same NIK" in why
        assert "****************" in why
