"""Staff review of self-registrations: the list, accepting (new person, linked to
the probable match, in bulk), rejecting, double accepts, auto-accept without a
user, and the training's numbers counting accepted registrations only."""

import datetime
import itertools
import re
from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from participants.functioning import Difficulty
from participants.models import Agency, Participant
from registrations import review
from registrations.models import CheckIn, Registration
from registrations.review import (
    RegistrationNeedsDecision,
    registration_accept,
    registration_reject,
    registrations_accept_bulk,
)
from setara import roles
from tests.auth import login
from tests.factories import (
    AgencyFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
    UserFactory,
)
from tests.trainings.test_concurrency import ON_POSTGRESQL, _together
from trainings.models import Attendance, Enrolment

pytestmark = pytest.mark.django_db

NIK = "7309014101900001"
_phones = itertools.count(1)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def training():
    return TrainingFactory()  # 18-20 October 2023


def make_registration(training, **fields) -> Registration:
    """A registration as the public form stores it (phone already +62...)."""
    values = {
        "full_name": "Nurhaeda Rahman",
        "sex": "P",
        "agency_name": "",
        "position": "Kader",
        "phone": f"+62812{next(_phones):07d}",
        "consent_version": "1",
        "consented_at": timezone.now(),
        **fields,
    }
    return Registration.objects.create(training=training, **values)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _review_url(training, status=""):
    url = reverse("registrations:review", args=[training.pk])
    return f"{url}?status={status}" if status else url


def _accept_url(registration):
    return reverse(
        "registrations:accept", args=[registration.training_id, registration.pk]
    )


class TestList:
    def test_shows_every_status_with_counts_and_filters(self, staff_client, training):
        person = ParticipantFactory(full_name="Andi Baso", phone="+6281300000001")
        EnrolmentFactory(participant=person)
        make_registration(training, full_name="Waiting One")
        make_registration(
            training,
            full_name="Andi B",
            match=person,
            match_reason="phone",
            phone="+6281300000001",
        )
        accepted = registration_accept(
            registration=make_registration(training, full_name="Accepted One"),
            user=None,
        )
        registration_reject(
            registration=make_registration(training, full_name="Rejected One"),
            user=None,
        )
        page = staff_client.get(_review_url(training))
        assert page.status_code == HTTPStatus.OK
        html = page.content.decode()
        for name in ("Waiting One", "Andi B", "Accepted One", "Rejected One"):
            assert name in html
        counts = page.context["counts"]
        assert (counts["total"], counts["new"], counts["match"]) == (4, 2, 1)
        assert (counts["accepted"], counts["rejected"]) == (1, 1)
        # The match in words, with the person's trainings (staff page).
        assert "same phone number" in html
        assert "1 training" in html
        assert "Same person (link)" in html
        assert accepted.participant.get_absolute_url() in html

        matched = staff_client.get(_review_url(training, "match"))
        assert [r["registration"].full_name for r in matched.context["rows"]] == [
            "Andi B"
        ]
        rejected = staff_client.get(_review_url(training, "rejected"))
        assert [r["registration"].full_name for r in rejected.context["rows"]] == [
            "Rejected One"
        ]

    def test_nik_masked_for_programme_staff_full_for_coordinators(
        self, client, training
    ):
        make_registration(training, nik=NIK)
        login(client, UserFactory(role=roles.PROGRAMME_STAFF))
        html = client.get(_review_url(training)).content.decode()
        assert NIK not in html
        assert "****************" in html
        login(client, UserFactory(role=roles.COORDINATOR))
        assert NIK in client.get(_review_url(training)).content.decode()

    def test_wg_status_in_words(self, staff_client, training):
        make_registration(training, wg_walking=Difficulty.CANNOT)
        html = staff_client.get(_review_url(training)).content.decode()
        assert "With disability (WG-SS)" in html

    def test_runs_the_same_queries_whatever_the_number(self, staff_client, training):
        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert staff_client.get(_review_url(training)).status_code == 200
            return len(captured)

        person = ParticipantFactory()
        make_registration(training, match=person, match_reason="phone")
        checked_in = make_registration(training, agency_name="Dinas Tak Dikenal")
        CheckIn.objects.create(
            registration=checked_in, date=training.start_date, method="code"
        )
        few = queries()
        for n in range(6):
            checked_in = make_registration(
                training,
                match=ParticipantFactory(),
                match_reason="name",
                agency=AgencyFactory(),
                agency_name=f"Dinas {n}",
            )
            CheckIn.objects.create(
                registration=checked_in, date=training.end_date, method="code"
            )
            registration_reject(
                registration=make_registration(training, agency_name=f"X {n}"),
                user=None,
            )
        registration_accept(registration=make_registration(training), user=None)
        assert queries() == few

    def test_a_phone_or_name_match_has_no_decision_chosen(
        self, coordinator_client, training
    ):
        person = ParticipantFactory(phone="+6281244556677")
        by_phone = make_registration(
            training, phone="+6281244556677", match=person, match_reason="phone"
        )
        same = ParticipantFactory(nik=NIK, full_name="Nurhaeda Rahman")
        by_nik = make_registration(training, nik=NIK, match=same, match_reason="nik")
        html = coordinator_client.get(_review_url(training)).content.decode()
        radios = re.findall(rf'<input[^>]*name="r{by_phone.pk}-decision"[^>]*>', html)
        assert len(radios) == 2
        assert not any("checked" in radio for radio in radios)
        assert all("required" in radio for radio in radios)
        # A NIK match: linking is the only option.
        assert f'name="r{by_nik.pk}-decision" value="link"' in html
        assert f'id="id_r{by_nik.pk}-decision_1"' not in html
        # Staff are shown the match found without the NIK (the same name, no
        # agency): a decision to take, and the NIK only said to be taken.
        login(coordinator_client, UserFactory(role=roles.PROGRAMME_STAFF))
        page = coordinator_client.get(_review_url(training))
        html = page.content.decode()
        radios = re.findall(rf'<input[^>]*name="r{by_nik.pk}-decision"[^>]*>', html)
        assert len(radios) == 2
        [_, row] = page.context["rows"]
        assert row["match"].reasons == ["name_elsewhere"]
        assert "same NIK" not in html
        assert f'data-nik-taken="{by_nik.pk}"' in html
        assert f'data-nik-taken="{by_phone.pk}"' not in html

    def test_accept_without_a_decision_on_a_match_is_refused(
        self, staff_client, training
    ):
        person = ParticipantFactory(phone="+6281244556677")
        registration = make_registration(
            training, phone="+6281244556677", match=person, match_reason="phone"
        )
        response = staff_client.post(_accept_url(registration), follow=True)
        assert any(
            "Nurhaeda Rahman: Choose “Same person (link)” or “New person”" in m
            for m in _messages(response)
        )
        registration.refresh_from_db()
        assert registration.status == Registration.Status.NEW
        assert Participant.objects.count() == 1
        # The row is shown again, still to decide.
        assert f'data-accept="{registration.pk}"' in response.content.decode()

    def test_check_ins_of_a_waiting_registration_are_shown(
        self, staff_client, training
    ):
        registration = make_registration(training)
        for day in (training.start_date, training.end_date):
            CheckIn.objects.create(registration=registration, date=day, method="code")
        CheckIn.objects.create(
            registration=registration,
            date=training.start_date - datetime.timedelta(days=30),
            method="code",
        )  # the training's dates changed since
        make_registration(training, full_name="Not Here")
        html = staff_client.get(_review_url(training)).content.decode()
        with translation.override("en"):
            old_day = date_format(
                training.start_date - datetime.timedelta(days=30),
                "SHORT_DATE_FORMAT",
            )
        assert f"Checked in: {old_day}, day 1, day 3" in html
        assert html.count("data-checkins=") == 1

    def test_only_those_who_may_enrol(self, client, training):
        user = UserFactory(username="nobody")
        user.groups.clear()
        login(client, user)
        registration = make_registration(training)
        assert client.get(_review_url(training)).status_code == HTTPStatus.FORBIDDEN
        response = client.post(_accept_url(registration))
        assert response.status_code == HTTPStatus.FORBIDDEN
        registration.refresh_from_db()
        assert registration.status == Registration.Status.NEW

    def test_anonymous_visitors_log_in(self, client, training):
        response = client.get(_review_url(training))
        assert response.status_code == HTTPStatus.FOUND
        assert "login" in response.url


class TestAccept:
    def test_new_person_with_wg_answers_enrolled(self, staff_client, staff_user):
        agency = AgencyFactory(name="Dinas Sosial Maros")
        training = TrainingFactory(region=agency.region)
        registration = make_registration(
            training,
            agency=agency,
            agency_name="dinsos maros",
            nik=NIK,
            wg_seeing=Difficulty.NONE,
            wg_hearing=Difficulty.A_LOT,
        )
        response = staff_client.post(_accept_url(registration))
        assert response.status_code == HTTPStatus.FOUND
        assert "Nurhaeda Rahman is accepted and enrolled." in _messages(response)
        registration.refresh_from_db()
        person = registration.participant
        assert registration.status == Registration.Status.ACCEPTED
        assert registration.reviewed_by == staff_user
        assert registration.reviewed_at is not None
        assert (person.full_name, person.sex, person.agency) == (
            "Nurhaeda Rahman",
            "P",
            agency,
        )
        assert (person.nik, person.phone, person.position) == (
            NIK,
            registration.phone,
            "Kader",
        )
        assert (person.wg_seeing, person.wg_hearing, person.wg_walking) == (1, 3, None)
        assert person.disability == Participant.Disability.YES
        assert registration.enrolment == Enrolment.objects.get(
            training=training, participant=person
        )

    def test_linked_to_the_suggested_person_filling_only_empty_fields(
        self, staff_client, training
    ):
        person = ParticipantFactory(
            full_name="Hj. Nurhaeda Rahman, S.Pd", phone="+6281244556677", nik=""
        )
        registration = make_registration(
            training,
            phone="+6281244556677",
            match=person,
            match_reason="phone",
            nik=NIK,
            position="Ketua",
            wg_walking=Difficulty.NONE,
        )
        staff_client.post(
            _accept_url(registration), {f"r{registration.pk}-decision": "link"}
        )
        registration.refresh_from_db()
        person.refresh_from_db()
        assert registration.participant == person
        assert Participant.objects.count() == 1
        assert person.full_name == "Hj. Nurhaeda Rahman, S.Pd"  # never overwritten
        assert person.position == "Staf"  # kept
        assert person.nik == NIK  # was empty: filled
        assert person.wg_walking == Difficulty.NONE
        assert person.disability == Participant.Disability.NO
        assert Enrolment.objects.filter(training=training, participant=person).exists()

    def test_linking_a_person_already_enrolled_keeps_the_enrolment(self, training):
        enrolment = EnrolmentFactory(training=training)
        registration = make_registration(
            training, match=enrolment.participant, match_reason="phone"
        )
        accepted = registration_accept(
            registration=registration, user=None, participant=enrolment.participant
        )
        assert accepted.enrolment == enrolment
        assert Enrolment.objects.filter(training=training).count() == 1

    def test_linking_a_person_with_another_nik_is_refused(self, training):
        person = ParticipantFactory(nik="7309014101900002")
        registration = make_registration(training, nik=NIK, match=person)
        with (
            translation.override("en"),
            pytest.raises(ValidationError, match="two NIKs are two people"),
        ):
            registration_accept(
                registration=registration, user=None, participant=person
            )
        registration.refresh_from_db()
        assert registration.status == Registration.Status.NEW

    def test_a_new_person_with_a_registry_nik_is_refused(self, training):
        person = ParticipantFactory(nik=NIK)
        registration = make_registration(
            training, nik=NIK, match=person, match_reason="nik"
        )
        with (
            translation.override("en"),
            pytest.raises(RegistrationNeedsDecision, match="same NIK"),
        ):
            registration_accept(registration=registration, user=None)
        assert Participant.objects.count() == 1

    def test_new_person_despite_the_match_staff_saw(self, staff_client, training):
        person = ParticipantFactory(phone="+6281244556677")
        registration = make_registration(
            training, phone="+6281244556677", match=person, match_reason="phone"
        )
        staff_client.post(
            _accept_url(registration), {f"r{registration.pk}-decision": "new"}
        )
        registration.refresh_from_db()
        assert registration.status == Registration.Status.ACCEPTED
        assert registration.participant != person
        assert Participant.objects.count() == 2

    def test_a_match_that_appeared_since_is_shown_first(
        self, coordinator_client, training
    ):
        registration = make_registration(training, phone="+6281244556677")
        person = ParticipantFactory(phone="+6281244556677")  # added meanwhile
        response = coordinator_client.post(_accept_url(registration))
        assert any("decide whether" in m for m in _messages(response))
        registration.refresh_from_db()
        assert registration.status == Registration.Status.NEW
        assert (registration.match, registration.match_reason) == (person, "phone")
        assert Participant.objects.count() == 1

    def test_staff_decide_on_a_match_that_appeared_since(self, staff_client, training):
        registration = make_registration(training, phone="+6281244556677")
        person = ParticipantFactory(phone="+6281244556677")  # added meanwhile
        response = staff_client.post(_accept_url(registration), follow=True)
        assert any("Choose “Same person (link)”" in m for m in _messages(response))
        assert f'data-match="{person.pk}"' in response.content.decode()
        registration.refresh_from_db()
        assert registration.status == Registration.Status.NEW
        assert Participant.objects.count() == 1

    def test_staff_link_whatever_nik_was_typed(self, staff_client, training):
        """Refusing a link for a NIK that is not hers would confirm hers."""
        person = ParticipantFactory(phone="+6281244556677", nik=NIK)
        other = ParticipantFactory(nik="7309014101900002")
        registration = make_registration(
            training, phone="+6281244556677", nik=other.nik, match=other
        )
        registration.match_reason = "nik"
        registration.save()
        staff_client.post(
            _accept_url(registration), {f"r{registration.pk}-decision": "link"}
        )
        registration.refresh_from_db()
        person.refresh_from_db()
        assert registration.participant == person
        assert person.nik == NIK  # never overwritten

    def test_staff_new_person_with_a_nik_taken_names_no_one(
        self, staff_client, training
    ):
        holder = ParticipantFactory(nik=NIK, full_name="Holder Person")
        registration = make_registration(
            training, nik=NIK, match=holder, match_reason="nik"
        )
        response = staff_client.post(_accept_url(registration), follow=True)
        assert _messages(response) == [
            "Nurhaeda Rahman: Another participant already has this NIK."
        ]
        assert "Holder Person" not in response.content.decode()
        registration.refresh_from_db()
        assert registration.status == Registration.Status.NEW
        assert Participant.objects.count() == 1

    def test_an_unknown_agency_is_chosen_or_created(self, staff_client, training):
        registration = make_registration(training, agency_name="Dinas Tak Dikenal")
        response = staff_client.post(_accept_url(registration))
        assert any("No agency is called" in m for m in _messages(response))
        registration.refresh_from_db()
        assert registration.status == Registration.Status.NEW

        prefix = f"r{registration.pk}-"
        staff_client.post(
            _accept_url(registration),
            {
                f"{prefix}agency_name": "Dinas Tak Dikenal",
                f"{prefix}create_agency": "on",
                f"{prefix}agency_type": Agency.Type.NGO,
            },
        )
        registration.refresh_from_db()
        agency = registration.participant.agency
        assert (agency.name, agency.type, agency.region) == (
            "Dinas Tak Dikenal",
            Agency.Type.NGO,
            training.region,
        )

    def test_an_existing_agency_chosen_for_an_unknown_one(self, staff_client, training):
        agency = AgencyFactory(name="Dinas Sosial Maros")
        registration = make_registration(training, agency_name="Dinsos")
        staff_client.post(
            _accept_url(registration),
            {f"r{registration.pk}-agency_name": "Dinas Sosial Maros"},
        )
        registration.refresh_from_db()
        assert registration.participant.agency == agency

    def test_accepting_twice_does_nothing_more(self, staff_client, training):
        registration = make_registration(training)
        first = staff_client.post(_accept_url(registration))
        second = staff_client.post(_accept_url(registration))
        assert first.status_code == second.status_code == HTTPStatus.FOUND
        assert "Nurhaeda Rahman is already accepted." in _messages(second)
        assert Participant.objects.count() == 1
        assert Enrolment.objects.filter(training=training).count() == 1
        again = registration_accept(registration=registration, user=None)
        assert again.reviewed_by is not None  # the first reviewer stays

    def test_check_ins_before_the_accept_mark_attendance(self, training):
        registration = make_registration(training)
        CheckIn.objects.create(
            registration=registration, date=training.start_date, method="code"
        )
        accepted = registration_accept(registration=registration, user=None)
        mark = Attendance.objects.get(enrolment=accepted.enrolment)
        assert (mark.date, mark.present) == (training.start_date, True)

    def test_automatic_accept_without_a_user(self, training):
        registration = make_registration(training)
        accepted = registration_accept(registration=registration, user=None)
        assert accepted.status == Registration.Status.ACCEPTED
        assert accepted.reviewed_by is None
        assert accepted.participant.history.latest().history_user is None

    def test_a_rejected_registration_may_be_accepted(self, training):
        registration = registration_reject(
            registration=make_registration(training), user=None
        )
        accepted = registration_accept(registration=registration, user=None)
        assert accepted.status == Registration.Status.ACCEPTED


class TestReject:
    def test_reject(self, staff_client, staff_user, training):
        registration = make_registration(training)
        url = reverse("registrations:reject", args=[training.pk, registration.pk])
        response = staff_client.post(url, {"status": "new"})
        assert response.url == _review_url(training, "new")
        registration.refresh_from_db()
        assert registration.status == Registration.Status.REJECTED
        assert registration.reviewed_by == staff_user
        assert not Participant.objects.exists()

    def test_an_accepted_registration_is_not_rejected(self, training):
        registration = registration_accept(
            registration=make_registration(training), user=None
        )
        with (
            translation.override("en"),
            pytest.raises(ValidationError, match="already accepted"),
        ):
            registration_reject(registration=registration, user=None)

    def test_a_registration_of_another_training_is_not_found(
        self, staff_client, training
    ):
        other = make_registration(TrainingFactory())
        url = reverse("registrations:reject", args=[training.pk, other.pk])
        assert staff_client.post(url).status_code == HTTPStatus.NOT_FOUND
        assert staff_client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED


class TestBulk:
    def test_accepts_those_without_a_decision_to_take(
        self, coordinator_client, training
    ):
        # A coordinator: who is shown matches by NIK.
        by_nik = ParticipantFactory(nik=NIK, full_name="Nik Match")
        by_phone = ParticipantFactory(phone="+6281244556677")
        plain = make_registration(training, full_name="Plain Person")
        nik_match = make_registration(
            training, full_name="Nik Match", nik=NIK, match=by_nik, match_reason="nik"
        )
        phone_match = make_registration(
            training,
            full_name="Phone Match",
            phone="+6281244556677",
            match=by_phone,
            match_reason="phone",
        )
        unknown_agency = make_registration(
            training, full_name="No Agency Yet", agency_name="Dinas Tak Dikenal"
        )
        done = registration_reject(
            registration=make_registration(training, full_name="Done"), user=None
        )
        response = coordinator_client.post(
            reverse("registrations:accept_bulk", args=[training.pk]),
            {
                "selected": [
                    r.pk for r in (plain, nik_match, phone_match, unknown_agency, done)
                ]
            },
        )
        messages = _messages(response)
        assert "2 registrations accepted." in messages
        assert any(
            m.startswith("2 registrations need a decision")
            and "Phone Match" in m
            and "No Agency Yet" in m
            for m in messages
        )
        assert "1 registration was already decided." in messages
        statuses = dict(
            Registration.objects.values_list("full_name", "status").order_by()
        )
        assert statuses == {
            "Plain Person": "accepted",
            "Nik Match": "accepted",
            "Phone Match": "new",
            "No Agency Yet": "new",
            "Done": "rejected",
        }
        nik_match.refresh_from_db()
        assert nik_match.participant == by_nik
        assert Participant.objects.count() == 3  # the two, and Plain Person

    def test_staff_decide_on_a_nik_match_and_are_told_a_nik_is_taken(
        self, staff_client, training
    ):
        """For staff the matches are found without the NIK: a registration
        whose NIK and name are a registry person's waits for a decision; one
        whose NIK alone is taken is refused as a new person, naming no one."""
        by_nik = ParticipantFactory(nik=NIK, full_name="Nik Match")
        nik_match = make_registration(
            training, full_name="Nik Match", nik=NIK, match=by_nik, match_reason="nik"
        )
        guess = make_registration(
            training, full_name="Tebakan", nik=NIK, match=by_nik, match_reason="nik"
        )
        response = staff_client.post(
            reverse("registrations:accept_bulk", args=[training.pk]),
            {"selected": [nik_match.pk, guess.pk]},
        )
        messages = _messages(response)
        assert any(
            m.startswith("1 registration needs a decision") and "Nik Match" in m
            for m in messages
        )
        assert "Tebakan: Another participant already has this NIK." in messages
        assert not any("accepted" in m for m in messages)
        assert Registration.objects.filter(status="new").count() == 2
        assert Participant.objects.count() == 1

    def test_nothing_ticked(self, staff_client, training):
        response = staff_client.post(
            reverse("registrations:accept_bulk", args=[training.pk])
        )
        assert "Tick registrations to accept." in _messages(response)

    def test_registrations_of_another_training_are_refused(
        self, staff_client, training
    ):
        other = make_registration(TrainingFactory())
        staff_client.post(
            reverse("registrations:accept_bulk", args=[training.pk]),
            {"selected": [other.pk]},
        )
        other.refresh_from_db()
        assert other.status == Registration.Status.NEW

    def test_counts(self, training):
        registrations = [
            make_registration(training, full_name=name) for name in ("Budi", "Rahma")
        ]
        result = registrations_accept_bulk(registrations=registrations, user=None)
        assert result.counts == {
            "accepted": 2,
            "already": 0,
            "needs_decision": 0,
            "failed": 0,
        }
        again = registrations_accept_bulk(registrations=registrations, user=None)
        assert again.counts["already"] == 2

    def test_the_same_person_twice_needs_a_decision_for_the_second(self, training):
        first, second = (make_registration(training) for _ in range(2))
        result = registrations_accept_bulk(registrations=[first, second], user=None)
        assert result.accepted == [first] and result.needs_decision == [second]
        first.refresh_from_db()
        second.refresh_from_db()
        assert second.match == first.participant  # shown to staff now


def test_the_training_page_links_to_the_review(staff_client, training):
    page = staff_client.get(training.get_absolute_url()).content.decode()
    assert 'id="registration-review-panel"' not in page  # none yet
    make_registration(training)
    registration_reject(registration=make_registration(training), user=None)
    page = staff_client.get(training.get_absolute_url()).content.decode()
    assert "1 waiting for review" in page and "1 rejected" in page
    assert _review_url(training) in page


def test_the_training_counts_accepted_registrations_only(training):
    registration_accept(registration=make_registration(training, sex="P"), user=None)
    make_registration(training, sex="L")  # waiting
    registration_reject(registration=make_registration(training, sex="L"), user=None)
    summary = training.enrolments.participants().sex_summary()
    assert (summary["total"], summary["female"], summary["male"]) == (1, 1, 0)


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_two_staff_accepting_at_once_accept_once(staff_client):
    training = TrainingFactory()
    registration = make_registration(training)
    url = _accept_url(registration)
    outcomes = _together(staff_client, lambda c: c.post(url))
    assert all(o.status_code == HTTPStatus.FOUND for o in outcomes), outcomes
    assert Participant.objects.count() == 1
    assert Enrolment.objects.filter(training=training).count() == 1
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ACCEPTED


def test_rejected_registrations_are_kept_a_while():
    assert review.REJECTED_KEPT_DAYS >= 30
    assert datetime.timedelta(days=review.REJECTED_KEPT_DAYS)


def test_bulk_accept_links_a_nik_match_filling_nothing(training):
    person = ParticipantFactory(
        nik=NIK, phone="", position="", full_name="Nurhaeda Rahman"
    )
    registration = make_registration(
        training,
        nik=NIK,
        match=person,
        match_reason="nik",
        position="Ketua",
        wg_walking=Difficulty.NONE,
    )
    result = registrations_accept_bulk(registrations=[registration], user=None)
    person.refresh_from_db()
    assert result.counts["accepted"] == 1
    assert result.accepted[0].participant == person
    assert Enrolment.objects.filter(training=training, participant=person).exists()
    assert (person.phone, person.position, person.wg_walking) == ("", "", None)


def test_the_clean_up_deletes_rejected_registrations_after_the_kept_days():
    from registrations.review import (
        REJECTED_KEPT_DAYS,
        rejected_registrations_clean_up,
    )
    from tests.factories import RegistrationFactory

    ended = datetime.date(2023, 10, 20)
    old = RegistrationFactory(status="rejected", training__end_date=ended)
    waiting = RegistrationFactory(training=old.training)
    now = timezone.make_aware(
        datetime.datetime.combine(
            ended + datetime.timedelta(days=REJECTED_KEPT_DAYS), datetime.time(12)
        )
    )
    assert rejected_registrations_clean_up(now) == {"rejected_registrations_deleted": 0}
    later = now + datetime.timedelta(days=2)
    assert rejected_registrations_clean_up(later) == {
        "rejected_registrations_deleted": 1
    }
    assert list(Registration.objects.all()) == [waiting]
