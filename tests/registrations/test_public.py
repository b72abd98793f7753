"""The public registration form at r/<token>/: no login, no script, light, and
never showing anyone's data back."""

import datetime
import gzip
import re
import uuid
from http import HTTPStatus
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone, translation

from participants.models import Agency, AgencyAlias
from registrations.consent import CONSENT_VERSION
from registrations.models import Registration, RegistrationDesk
from registrations.services import registration_submit
from tests.factories import (
    AgencyFactory,
    DistrictFactory,
    ParticipantFactory,
    RegencyFactory,
    TrainingFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def regency():
    return RegencyFactory(name="Kabupaten Uji Daftar")


@pytest.fixture
def desk(regency):
    start = timezone.localdate() + datetime.timedelta(days=7)
    training = TrainingFactory(region=regency, start_date=start)
    return RegistrationDesk.objects.create(training=training, is_open=True)


def url(desk, page=""):
    return f"/r/{desk.token}/{page}"


def form_data(client, desk, **fields):
    """What a person posts: the form's own submission token, and valid values."""
    html = client.get(url(desk)).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', html).group(1)
    return {
        "submission_token": token,
        "full_name": "Siti Rahmawati",
        "sex": "P",
        "agency_name": "Dinas Sosial Uji",
        "position": "Staf",
        "phone": "0813 5550 1234",
        "village": "",
        "nik": "",
        "consent": "on",
        "website": "",
        **fields,
    }


class TestForm:
    def test_form_page_is_indonesian_without_script(self, client, desk):
        response = client.get(url(desk))
        html = response.content.decode()
        assert response.status_code == HTTPStatus.OK
        assert '<html lang="id">' in html
        assert "<script" not in html
        assert 'name="viewport" content="width=device-width' in html
        assert 'action="/i18n/setlang/"' in html  # the language switch
        assert "Content-Security-Policy" in response.headers
        assert "bootstrap" not in html

    def test_every_field_is_labelled(self, client, desk):
        html = client.get(url(desk)).content.decode()
        for name in ("full_name", "agency_name", "position", "phone", "nik"):
            assert f'for="id_{name}"' in html, name
        assert html.count("<legend") >= 8  # sex, six WG-SS questions, the group
        assert 'class="hp" aria-hidden="true"' in html
        assert 'tabindex="-1"' in html

    def test_unknown_token_is_404(self, client, desk):
        assert client.get("/r/nothing-here/").status_code == HTTPStatus.NOT_FOUND
        assert client.get("/r/nothing-here/thanks/").status_code == 404

    def test_english_on_request(self, client, desk):
        client.cookies["django_language"] = "en"
        html = client.get(url(desk)).content.decode()
        assert '<html lang="en">' in html
        assert "Full name" in html and "Only the programme staff" in html


class TestSubmit:
    def test_creates_a_registration_with_the_consent_version(self, client, desk):
        response = client.post(url(desk), form_data(client, desk))
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == url(desk, "thanks/")
        registration = Registration.objects.get()
        assert registration.training == desk.training
        assert registration.consent_version == CONSENT_VERSION
        assert registration.phone == "+6281355501234"
        assert registration.status == Registration.Status.NEW
        cookie = response.cookies[f"setara-reg-{desk.pk}"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax"
        assert registration.device_key in cookie.value
        thanks = client.get(response["Location"]).content.decode()
        assert "Siti" not in thanks and "5550" not in thanks

    def test_honeypot_pretends_success_and_stores_nothing(self, client, desk):
        data = form_data(client, desk, website="http://spam.example")
        response = client.post(url(desk), data)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == url(desk, "thanks/")
        assert not Registration.objects.exists()
        assert f"setara-reg-{desk.pk}" not in response.cookies

    def test_double_submit_makes_one_row(self, client, desk):
        data = form_data(client, desk)
        first = client.post(url(desk), data)
        second = client.post(url(desk), data)
        assert Registration.objects.count() == 1
        assert first["Location"] == second["Location"]

    def test_same_phone_makes_one_row_and_the_same_answer(self, client, desk):
        client.post(url(desk), form_data(client, desk))
        other = client.__class__()
        data = form_data(other, desk, full_name="Orang Lain", phone="+62 813-5550-1234")
        response = other.post(url(desk), data)
        assert response["Location"] == url(desk, "thanks/")
        assert Registration.objects.get().full_name == "Siti Rahmawati"
        # The second person does not get the first one's check-in key.
        assert f"setara-reg-{desk.pk}" not in response.cookies

    def test_missing_consent_is_refused(self, client, desk):
        data = form_data(client, desk)
        del data["consent"]
        response = client.post(url(desk), data)
        assert response.status_code == HTTPStatus.OK
        assert not Registration.objects.exists()

    def test_invalid_fields_are_named_with_what_is_allowed(self, client, desk):
        client.cookies["django_language"] = "en"
        data = form_data(client, desk, phone="12ab", nik="1234", full_name="")
        with translation.override("en"):
            html = client.post(url(desk), data).content.decode()
        assert not Registration.objects.exists()
        assert '<a href="#id_phone">Phone number (WhatsApp)</a>: Write an' in html
        assert "08…, +62… or 62…" in html
        assert '<a href="#id_nik">NIK (optional)</a>: A NIK has exactly 16' in html
        assert '<a href="#id_full_name">Full name</a>: This field is required' in html
        # What the person typed comes back to them (their own POST).
        assert 'value="12ab"' in html

    def test_nik_is_kept(self, client, desk):
        client.post(url(desk), form_data(client, desk, nik="7309 0123 4567 0001"))
        assert Registration.objects.get().nik == "7309012345670001"

    def test_closed_desk_refuses_the_post(self, client, desk):
        data = form_data(client, desk)
        RegistrationDesk.objects.filter(pk=desk.pk).update(is_open=False)
        response = client.post(url(desk), data)
        assert response.status_code == HTTPStatus.OK
        assert not Registration.objects.exists()


class TestAgency:
    def test_known_agency_is_resolved(self, client, desk, regency):
        agency = AgencyFactory(name="Dinas Sosial Uji", region=regency)
        client.post(url(desk), form_data(client, desk, agency_name="dinas sosial uji"))
        registration = Registration.objects.get()
        assert registration.agency == agency
        assert registration.agency_name == "dinas sosial uji"

    def test_alias_is_resolved(self, client, desk, regency):
        agency = AgencyFactory(name="Dinas Sosial Kabupaten Uji", region=regency)
        AgencyAlias.objects.create(agency=agency, name="Dinsos Uji")
        client.post(url(desk), form_data(client, desk, agency_name="Dinsos Uji"))
        assert Registration.objects.get().agency == agency

    def test_unknown_agency_stays_text_and_no_agency_is_created(self, client, desk):
        before = Agency.objects.count()
        client.post(url(desk), form_data(client, desk, agency_name="Kantor Baru"))
        registration = Registration.objects.get()
        assert registration.agency is None
        assert registration.agency_name == "Kantor Baru"
        assert Agency.objects.count() == before


class TestVillage:
    def test_select_lists_the_regency_villages_by_district(self, client, desk, regency):
        district = DistrictFactory(parent=regency, name="Tompobulu Uji")
        village = VillageFactory(parent=district, name="Desa Dalam")
        elsewhere = VillageFactory(name="Desa Luar")  # another regency
        html = client.get(url(desk)).content.decode()
        assert '<optgroup label="Kec. Tompobulu Uji">' in html
        assert f'<option value="{village.pk}">Desa Dalam</option>' in html
        assert "Desa Luar" not in html
        client.post(url(desk), form_data(client, desk, village_region=village.pk))
        assert Registration.objects.get().village_region == village
        response = client.post(
            url(desk),
            form_data(
                client, desk, village_region=elsewhere.pk, phone="0813 1111 2222"
            ),
        )
        assert response.status_code == HTTPStatus.OK
        assert Registration.objects.count() == 1

    def test_village_as_text(self, client, desk):
        client.post(url(desk), form_data(client, desk, village="Kampung Baru"))
        registration = Registration.objects.get()
        assert registration.village == "Kampung Baru"
        assert registration.village_region is None

    def test_form_page_queries_do_not_grow_with_villages(
        self, client, desk, regency, django_assert_max_num_queries
    ):
        def queries(villages):
            for _ in range(villages):
                VillageFactory(parent=DistrictFactory(parent=regency))
            cache.clear()
            with django_assert_max_num_queries(50) as ctx:
                response = client.get(url(desk))
            assert response.status_code == HTTPStatus.OK
            return len(ctx)

        # The desk and the villages, inside the request's savepoint and release.
        assert queries(2) == queries(30) == 4


class TestMatchAndAutoAccept:
    def test_probable_match_is_stored_for_staff(self, client, desk):
        person = ParticipantFactory(phone="+6281355501234")
        client.post(url(desk), form_data(client, desk))
        registration = Registration.objects.get()
        assert registration.match == person
        assert registration.match_reason == "phone"

    def test_auto_accept_without_match(self, client, desk, regency):
        AgencyFactory(name="Dinas Sosial Uji", region=regency)
        desk.auto_accept = RegistrationDesk.AutoAccept.NO_MATCH_OR_NIK
        desk.save()
        client.post(url(desk), form_data(client, desk))
        registration = Registration.objects.get()
        assert registration.status == Registration.Status.ACCEPTED
        assert registration.participant.full_name == "Siti Rahmawati"

    def test_no_auto_accept_with_a_phone_match(self, client, desk, regency):
        ParticipantFactory(phone="+6281355501234")
        desk.auto_accept = RegistrationDesk.AutoAccept.NO_MATCH_OR_NIK
        desk.save()
        client.post(url(desk), form_data(client, desk))
        assert Registration.objects.get().status == Registration.Status.NEW

    def test_service_double_submit_returns_the_first(self, desk):
        token = uuid.uuid4()
        data = {
            "full_name": "Ani",
            "sex": "P",
            "agency_name": "X",
            "phone": "+6281299998888",
        }
        first = registration_submit(desk=desk, data=data, submission_token=token)
        again = registration_submit(desk=desk, data=data, submission_token=token)
        assert first.pk == again.pk


def test_no_public_page_shows_another_persons_data(client, desk):
    client.post(url(desk), form_data(client, desk, nik="7309012345670001"))
    other = client.__class__()
    pages = [other.get(url(desk)), other.get(url(desk, "thanks/"))]
    mine = {"phone": "0852 9900 1122"}
    pages.append(other.post(url(desk), form_data(other, desk, full_name="", **mine)))
    pages.append(other.post(url(desk), form_data(other, desk, full_name="B", **mine)))
    # The same phone as A's: the same "thank you", nothing of A's.
    response = other.post(url(desk), form_data(other, desk, full_name="B"))
    pages.append(other.get(response["Location"]))
    for response in pages:
        html = response.content.decode()
        for secret in ("Siti", "Rahmawati", "5550", "7309012345670001"):
            assert secret not in html


def test_rate_limit_gives_a_friendly_429(client, desk):
    limits = {("address", "GET"): "3/10m"}
    with override_settings(REGISTRATION_RATE_LIMITS=limits):
        codes = [client.get(url(desk)).status_code for _ in range(4)]
        response = client.get(url(desk))
    assert codes == [200, 200, 200, 429]
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "600"
    assert "<h1>" in response.content.decode()


def test_rate_limit_per_desk_counts_every_address(client, desk):
    limits = {("desk", "POST"): "2/h"}
    with override_settings(REGISTRATION_RATE_LIMITS=limits):
        for n in range(3):
            other = client.__class__(REMOTE_ADDR=f"10.0.0.{n + 1}")
            data = form_data(other, desk, phone=f"081200000{n:03d}")
            response = other.post(url(desk), data)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert Registration.objects.count() == 2


def test_page_weight_is_under_100_kb_compressed(client, desk, regency):
    """The form page with 400 villages (a large regency) and its stylesheet,
    gzip-compressed as the proxy sends them."""
    for d in range(20):
        district = DistrictFactory(parent=regency, name=f"Kecamatan Panjang {d}")
        for _ in range(20):
            VillageFactory(parent=district)
    html = client.get(url(desk)).content
    css = Path(finders.find("css/public.css")).read_bytes()
    total = len(gzip.compress(html)) + len(gzip.compress(css))
    print(f"page weight: html {len(html)} B, css {len(css)} B, gzip total {total} B")
    assert total < 100_000
    assert len(html) + len(css) < 100_000  # even uncompressed


class TestNikOfSomeoneElse:
    """Anyone may type a real person's NIK: auto-accept links only when the name
    is theirs too, and never writes into their record."""

    NIK = "7309014101900001"

    @pytest.fixture
    def auto_desk(self, desk, regency):
        AgencyFactory(name="Dinas Sosial Uji", region=regency)
        desk.auto_accept = RegistrationDesk.AutoAccept.NO_MATCH_OR_NIK
        desk.save()
        return desk

    @pytest.fixture
    def person(self):
        return ParticipantFactory(
            full_name="Hj. Nurhaeda Rahman", nik=self.NIK, phone="", position=""
        )

    def _wg(self):
        names = ("seeing", "hearing", "walking", "remembering", "self_care")
        return {f"wg_{name}": "4" for name in [*names, "communicating"]}

    def test_nik_with_another_name_waits_for_review(self, client, auto_desk, person):
        data = form_data(client, auto_desk, nik=self.NIK, **self._wg())
        client.post(url(auto_desk), data)
        registration = Registration.objects.get()
        person.refresh_from_db()
        assert registration.status == Registration.Status.NEW
        assert registration.match == person
        assert registration.participant is None
        assert (person.phone, person.position, person.wg_seeing) == ("", "", None)
        assert not person.enrolments.exists()

    def test_nik_with_the_same_name_is_linked_filling_nothing(
        self, client, auto_desk, person
    ):
        data = form_data(
            client,
            auto_desk,
            nik=self.NIK,
            full_name="Nurhaeda  Rahman",
            **self._wg(),
        )
        client.post(url(auto_desk), data)
        registration = Registration.objects.get()
        person.refresh_from_db()
        assert registration.status == Registration.Status.ACCEPTED
        assert registration.participant == person
        assert person.enrolments.filter(training=auto_desk.training).exists()
        # Only enrolled: the phone, position and WG-SS answers typed are not his.
        assert (person.phone, person.position, person.wg_seeing) == ("", "", None)
        assert person.disability == person.Disability.NOT_ASKED


class TestRejectedPhoneAndReplayedToken:
    def test_a_rejected_registration_does_not_block_the_phone(self, client, desk):
        other = client.__class__(REMOTE_ADDR="10.0.0.9")
        other.post(url(desk), form_data(other, desk, full_name="Orang Lain"))
        first = Registration.objects.get()
        first.status = Registration.Status.REJECTED
        first.save()
        response = client.post(url(desk), form_data(client, desk))
        mine = Registration.objects.exclude(pk=first.pk).get()
        assert mine.full_name == "Siti Rahmawati"
        assert mine.status == Registration.Status.NEW
        assert mine.device_key in response.cookies[f"setara-reg-{desk.pk}"].value

    def test_a_token_replayed_to_another_desk_is_not_the_other_training(
        self, desk, regency
    ):
        start = timezone.localdate() + datetime.timedelta(days=7)
        second = RegistrationDesk.objects.create(
            training=TrainingFactory(region=regency, start_date=start), is_open=True
        )
        token = uuid.uuid4()
        data = {"full_name": "Ani", "sex": "P", "agency_name": "X"}
        theirs = registration_submit(
            desk=desk, data={**data, "phone": "+6281299998888"}, submission_token=token
        )
        replayed = registration_submit(
            desk=second,
            data={**data, "phone": "+6281277776666"},
            submission_token=token,
        )
        assert replayed.pk != theirs.pk
        assert replayed.training == second.training
        assert replayed.submission_token != token
        assert Registration.objects.count() == 2


class TestPublicUrls:
    @pytest.mark.parametrize("token", ["%00", "a%00b", "a.b", "%C3%A9", "x" * 65])
    @pytest.mark.parametrize("page", ["", "thanks/", "check-in/"])
    def test_a_token_of_other_characters_is_404(self, client, token, page):
        assert client.get(f"/r/{token}/{page}").status_code == HTTPStatus.NOT_FOUND
        response = client.post(f"/r/{token}/{page}", {"phone": "0812"})
        assert response.status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN)

    def test_a_real_token_still_works(self, client, desk):
        assert client.get(url(desk)).status_code == HTTPStatus.OK
        assert client.get(url(desk, "thanks/")).status_code == HTTPStatus.OK


class TestDeskBudget:
    """Only registrations stored spend the desk's POST budget."""

    def test_invalid_posts_from_many_addresses_do_not_lock_the_desk(self, client, desk):
        with override_settings(REGISTRATION_RATE_LIMITS={("desk", "POST"): "2/h"}):
            for n in range(7):
                attacker = client.__class__(REMOTE_ADDR=f"10.0.1.{n + 1}")
                for _ in range(3):
                    data = form_data(attacker, desk, full_name="")
                    assert attacker.post(url(desk), data).status_code == 200
            response = client.post(url(desk), form_data(client, desk))
        assert response.status_code == HTTPStatus.FOUND
        assert Registration.objects.count() == 1

    def test_double_submits_do_not_spend_the_budget(self, client, desk):
        with override_settings(REGISTRATION_RATE_LIMITS={("desk", "POST"): "2/h"}):
            data = form_data(client, desk)
            for _ in range(4):
                assert client.post(url(desk), data).status_code == HTTPStatus.FOUND
            other = client.__class__(REMOTE_ADDR="10.0.2.1")
            response = other.post(url(desk), form_data(other, desk, phone="0812111222"))
        assert response.status_code == HTTPStatus.FOUND
        assert Registration.objects.count() == 2


def test_form_and_thanks_pages_lead_to_check_in(client):
    """A phone without a camera app types the registration link, then the code:
    both public pages link to the check-in page."""
    import datetime

    from django.urls import reverse

    from tests.factories import RegistrationDeskFactory

    today = datetime.date.today()
    desk = RegistrationDeskFactory(
        training__start_date=today, training__end_date=today + datetime.timedelta(2)
    )
    checkin = reverse("registrations:checkin", args=[desk.token])
    for name in ("registrations:register", "registrations:thanks"):
        content = client.get(reverse(name, args=[desk.token])).content.decode()
        assert f'href="{checkin}" data-checkin-link' in content
