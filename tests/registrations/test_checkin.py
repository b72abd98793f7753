"""Daily check-in: the day codes, the services, the public page, the facilitator's
screen and the attendance grid's live marks."""

import datetime
import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.signing import get_cookie_signer
from django.urls import reverse
from django.utils import timezone, translation

from regions.models import Region
from registrations.checkin import (
    WINDOW_SECONDS,
    NotATrainingDay,
    checkin_corrected,
    checkin_day,
    checkin_record,
    checkins_apply,
    code_is_valid,
    current_code,
    day_code,
    training_today,
    window_of,
)
from registrations.cookies import SALT as COOKIE_SALT
from registrations.cookies import device_cookie_name
from registrations.models import CheckIn, Registration, RegistrationDesk
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    EnrolmentFactory,
    ProvinceFactory,
    RegencyFactory,
    TrainingFactory,
)
from trainings.models import Attendance

pytestmark = pytest.mark.django_db

WITA = ZoneInfo("Asia/Makassar")
#: Day 2 of the test training (1-3 December 2026, Maros: WITA), 09:00.
NOW = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=WITA)
DAY = NOW.date()


def make_desk(**training):
    training = TrainingFactory(
        start_date=datetime.date(2026, 12, 1),
        end_date=datetime.date(2026, 12, 3),
        region=Region.objects.get(code="73.09"),
        **training,
    )
    return RegistrationDesk.objects.create(training=training, is_open=True)


def make_registration(training, *, phone="+6281234567890", accepted=False, **fields):
    """A registration as the public form leaves it; ``accepted=True`` also enrols
    a new participant as the review would."""
    registration = Registration(
        training=training,
        full_name="Uji Coba",
        sex="P",
        agency_name="Dinas Uji",
        phone=phone,
        consent_version="2026-1",
        consented_at=timezone.now(),
        **fields,
    )
    if accepted:
        enrolment = EnrolmentFactory(training=training)
        registration.status = Registration.Status.ACCEPTED
        registration.participant = enrolment.participant
        registration.enrolment = enrolment
    registration.save()
    return registration


def accept(registration):
    enrolment = EnrolmentFactory(training=registration.training)
    registration.status = Registration.Status.ACCEPTED
    registration.participant = enrolment.participant
    registration.enrolment = enrolment
    registration.save()
    return enrolment


# Codes -----------------------------------------------------------------------


def test_code_is_six_digits_and_valid_now():
    desk = make_desk()
    shown = current_code(desk, NOW)
    assert len(shown.code) == 6 and shown.code.isdigit()
    assert code_is_valid(desk, shown.code, NOW)
    assert shown.valid_until > NOW
    assert shown.valid_until - NOW <= datetime.timedelta(seconds=WINDOW_SECONDS)


def test_code_of_the_previous_window_is_still_valid():
    desk = make_desk()
    earlier = current_code(desk, NOW - datetime.timedelta(seconds=WINDOW_SECONDS))
    assert code_is_valid(desk, earlier.code, NOW)


def test_code_of_two_windows_ago_is_refused():
    desk = make_desk()
    old = day_code(desk, DAY, window_of(NOW) - 2)
    assert old not in {day_code(desk, DAY, window_of(NOW) - w) for w in (0, 1)}
    assert not code_is_valid(desk, old, NOW)


def test_code_of_another_day_is_refused():
    desk = make_desk()
    other_day = day_code(desk, DAY - datetime.timedelta(days=1), window_of(NOW))
    assert other_day != current_code(desk, NOW).code
    assert not code_is_valid(desk, other_day, NOW)


def test_code_of_another_training_is_refused():
    desk, other = make_desk(), make_desk()
    assert current_code(other, NOW).code != current_code(desk, NOW).code
    assert not code_is_valid(desk, current_code(other, NOW).code, NOW)


def test_new_secret_invalidates_the_codes_shown():
    desk = make_desk()
    shown = current_code(desk, NOW).code
    desk.checkin_secret = "0" * 64
    assert not code_is_valid(desk, shown, NOW)


@pytest.mark.parametrize("typed", ["", None, "12345", "1234567", "abcdef", "12 34"])
def test_malformed_codes_are_refused(typed):
    assert not code_is_valid(make_desk(), typed, NOW)


def test_code_typed_with_spaces_is_accepted():
    desk = make_desk()
    code = current_code(desk, NOW).code
    assert code_is_valid(desk, f" {code[:3]} {code[3:]} ", NOW)


def test_no_code_outside_the_training_days():
    desk = make_desk()
    before = datetime.datetime(2026, 11, 30, 23, 59, tzinfo=WITA)
    after = datetime.datetime(2026, 12, 4, 0, 0, tzinfo=WITA)
    assert current_code(desk, before) is None
    assert current_code(desk, after) is None
    code = day_code(desk, before.date(), window_of(before))
    assert not code_is_valid(desk, code, before)


# Time zones ----------------------------------------------------------------------


def test_training_day_is_in_the_training_time_zone():
    papua = ProvinceFactory(code="91", name="Papua")
    jayapura = RegencyFactory(
        parent=papua, code="91.71", name="Kota Jayapura", level=Region.Level.CITY
    )
    training = TrainingFactory(
        region=jayapura,
        start_date=datetime.date(2026, 12, 5),
        end_date=datetime.date(2026, 12, 5),
    )
    late_in_jakarta = datetime.datetime(
        2026, 12, 4, 23, 30, tzinfo=ZoneInfo("Asia/Jakarta")
    )
    assert training_today(training, late_in_jakarta) == datetime.date(2026, 12, 5)
    assert checkin_day(training, late_in_jakarta) == datetime.date(2026, 12, 5)
    desk = RegistrationDesk.objects.create(training=training)
    assert current_code(desk, late_in_jakarta) is not None


# Recording a check-in ------------------------------------------------------------


def test_check_in_of_an_accepted_registration_marks_present_at_once():
    desk = make_desk()
    registration = make_registration(desk.training, accepted=True)
    checkin, created = checkin_record(
        registration=registration, method=CheckIn.Method.CODE, now=NOW
    )
    assert created and checkin.date == DAY
    mark = Attendance.objects.get(enrolment=registration.enrolment)
    assert (mark.date, mark.present) == (DAY, True)
    assert mark.history.latest().history_change_reason == "check-in"


def test_checking_in_twice_the_same_day_writes_nothing():
    desk = make_desk()
    registration = make_registration(desk.training, accepted=True)
    checkin_record(registration=registration, method=CheckIn.Method.DEVICE, now=NOW)
    later = NOW + datetime.timedelta(hours=3)
    checkin, created = checkin_record(
        registration=registration, method=CheckIn.Method.CODE, now=later
    )
    assert not created
    assert checkin.method == CheckIn.Method.DEVICE
    assert CheckIn.objects.count() == 1
    assert Attendance.objects.count() == 1


def test_check_in_outside_the_training_days_is_refused():
    desk = make_desk()
    registration = make_registration(desk.training, accepted=True)
    with pytest.raises(NotATrainingDay):
        checkin_record(
            registration=registration,
            method=CheckIn.Method.CODE,
            now=NOW + datetime.timedelta(days=5),
        )
    assert not CheckIn.objects.exists()


def test_waiting_registration_check_in_is_applied_when_accepted():
    desk = make_desk()
    registration = make_registration(desk.training)
    checkin_record(registration=registration, method=CheckIn.Method.CODE, now=NOW)
    checkin_record(
        registration=registration,
        method=CheckIn.Method.CODE,
        now=NOW + datetime.timedelta(days=1),
    )
    assert not Attendance.objects.exists()
    assert checkins_apply(registration) == 0  # still waiting: nothing to mark
    enrolment = accept(registration)
    assert checkins_apply(registration) == 2
    assert sorted(
        Attendance.objects.filter(enrolment=enrolment, present=True).values_list(
            "date", flat=True
        )
    ) == [DAY, DAY + datetime.timedelta(days=1)]
    assert checkins_apply(registration) == 0  # idempotent


def test_apply_turns_an_earlier_absent_mark_present():
    desk = make_desk()
    registration = make_registration(desk.training, accepted=True)
    AttendanceFactory(enrolment=registration.enrolment, date=DAY, present=False)
    checkin_record(registration=registration, method=CheckIn.Method.CODE, now=NOW)
    assert Attendance.objects.get(enrolment=registration.enrolment).present


def test_staff_correction_after_the_check_in_wins():
    desk = make_desk()
    registration = make_registration(desk.training, accepted=True)
    checkin_record(registration=registration, method=CheckIn.Method.CODE, now=NOW)
    mark = Attendance.objects.get(enrolment=registration.enrolment)
    mark.present = False
    mark.save()  # staff untick the person on the grid
    assert checkins_apply(registration) == 0
    mark.refresh_from_db()
    assert not mark.present


def test_apply_skips_days_outside_changed_training_dates():
    desk = make_desk()
    registration = make_registration(desk.training)
    checkin_record(registration=registration, method=CheckIn.Method.CODE, now=NOW)
    training = desk.training
    training.start_date = training.end_date = DAY + datetime.timedelta(days=1)
    training.save()
    accept(registration)
    assert checkins_apply(registration) == 0


# The public check-in page ------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache; start every test at zero."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def today_desk(**fields):
    """A desk of a Maros (WITA) training running yesterday, today and tomorrow."""
    today = timezone.localtime(timezone.now(), WITA).date()
    training = TrainingFactory(
        start_date=today - datetime.timedelta(days=1),
        end_date=today + datetime.timedelta(days=1),
        region=Region.objects.get(code="73.09"),
        title="Pelatihan Check-in",
    )
    return RegistrationDesk.objects.create(training=training, is_open=True, **fields)


def checkin_url(desk):
    return reverse("registrations:checkin", args=[desk.token])


def give_device_cookie(client, desk, registration):
    name = device_cookie_name(desk)
    signer = get_cookie_signer(salt=name + COOKIE_SALT)
    client.cookies[name] = signer.sign(registration.device_key)


def assert_nothing_personal(response, registration, typed=()):
    """Neither the registration's name nor its phone (in any form) is on the
    page, beyond what the visitor typed themselves (``typed``)."""
    html = page_text(response, *typed)
    for value in (registration.full_name, registration.phone, "81234567890"):
        assert value not in html


def page_text(response, *typed):
    """The page without what the visitor typed and the CSRF tokens."""
    html = response.content.decode()
    for value in typed:
        html = html.replace(value, "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_unknown_token_is_not_found(client):
    assert client.get("/r/no-such-token/check-in/").status_code == 404


def test_page_outside_the_training_days_says_closed(english):
    desk = make_desk()  # December 2026: not today
    desk.training.start_date = desk.training.end_date = datetime.date(2020, 1, 1)
    desk.training.save()
    response = english.get(checkin_url(desk))
    assert response.status_code == 200
    assert "Check-in is not open today" in response.content.decode()
    response = english.post(checkin_url(desk), {"code": "123456", "phone": "0812"})
    assert "Check-in is not open today" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_code_from_the_qr_is_prefilled(english):
    desk = today_desk()
    html = english.get(checkin_url(desk) + "?code=654321").content.decode()
    assert 'value="654321"' in html
    assert 'name="phone"' in html


def test_check_in_with_phone_and_code(english):
    desk = today_desk()
    registration = make_registration(desk.training, accepted=True)
    code = current_code(desk).code
    response = english.post(
        checkin_url(desk), {"phone": "0812-3456-7890", "code": code}
    )
    html = response.content.decode()
    assert 'data-checkin-result="created"' in html
    assert "You are checked in for day 2." in html
    assert_nothing_personal(response, registration)
    checkin = CheckIn.objects.get()
    assert (checkin.registration, checkin.method) == (registration, "code")
    assert Attendance.objects.get(enrolment=registration.enrolment).present


def test_checking_in_twice_says_already(english):
    desk = today_desk()
    make_registration(desk.training)
    data = {"phone": "+62 812 3456 7890", "code": current_code(desk).code}
    english.post(checkin_url(desk), data)
    response = english.post(checkin_url(desk), data)
    assert 'data-checkin-result="already"' in response.content.decode()
    assert CheckIn.objects.count() == 1
    assert not Attendance.objects.exists()  # waiting for review


def test_checking_in_again_after_staff_marked_absent_says_corrected(english):
    desk = today_desk()
    registration = make_registration(desk.training, accepted=True)
    data = {"phone": "+62 812 3456 7890", "code": current_code(desk).code}
    english.post(checkin_url(desk), data)
    mark = Attendance.objects.get(enrolment=registration.enrolment)
    mark.present = False
    mark.save()  # staff untick the person on the grid after the check-in
    response = english.post(checkin_url(desk), data)
    html = response.content.decode()
    assert 'data-checkin-result="corrected"' in html
    assert "The staff have corrected today's attendance (day 2)." in html
    assert "ask the facilitator" in html
    assert "You had already checked in" not in html
    assert_nothing_personal(response, registration)
    mark.refresh_from_db()
    assert not mark.present  # the staff's mark still wins


def test_an_absent_mark_older_than_the_check_in_is_not_a_correction():
    desk = make_desk()
    registration = make_registration(desk.training, accepted=True)
    mark = AttendanceFactory(enrolment=registration.enrolment, date=DAY, present=False)
    checkin, _created = checkin_record(
        registration=registration, method=CheckIn.Method.CODE, now=NOW
    )
    assert not checkin_corrected(checkin)  # the check-in turned it present
    mark.refresh_from_db()
    assert mark.present
    waiting = make_registration(desk.training, phone="+6281200000009")
    checkin, _created = checkin_record(
        registration=waiting, method=CheckIn.Method.CODE, now=NOW
    )
    assert not checkin_corrected(checkin)  # not enrolled yet: no mark


def test_wrong_code_is_refused_before_the_phone_is_looked_up(english):
    desk = today_desk()
    registration = make_registration(desk.training)
    wrong = "000000" if current_code(desk).code != "000000" else "111111"
    registered = english.post(
        checkin_url(desk), {"phone": "081234567890", "code": wrong}
    )
    unknown = english.post(checkin_url(desk), {"phone": "081299999999", "code": wrong})
    assert "This code is wrong or has expired" in registered.content.decode()
    # Without a valid code, a registered and an unknown number look the same.
    assert page_text(registered, "081234567890") == page_text(unknown, "081299999999")
    assert "not registered" not in registered.content.decode()
    assert not CheckIn.objects.exists()
    assert_nothing_personal(registered, registration, typed=["081234567890"])


def test_expired_code_is_refused(english):
    desk = today_desk()
    make_registration(desk.training)
    old = day_code(desk, checkin_day(desk.training), window_of(timezone.now()) - 2)
    response = english.post(checkin_url(desk), {"phone": "081234567890", "code": old})
    assert "This code is wrong or has expired" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_unregistered_phone_with_a_valid_code_is_told(english):
    desk = today_desk()
    make_registration(desk.training)
    code = current_code(desk).code
    response = english.post(checkin_url(desk), {"phone": "081299999999", "code": code})
    assert "this phone number is not registered" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_rejected_registration_cannot_check_in(english):
    desk = today_desk()
    make_registration(desk.training, status=Registration.Status.REJECTED)
    code = current_code(desk).code
    response = english.post(checkin_url(desk), {"phone": "081234567890", "code": code})
    assert "this phone number is not registered" in response.content.decode()


def test_bad_phone_number_is_explained(english):
    desk = today_desk()
    response = english.post(
        checkin_url(desk), {"phone": "abc", "code": current_code(desk).code}
    )
    assert "This is not an Indonesian phone number" in response.content.decode()


def test_a_placeholder_phone_is_refused(english):
    desk = today_desk()
    make_registration(desk.training)
    response = english.post(
        checkin_url(desk), {"phone": "-", "code": current_code(desk).code}
    )
    assert "This field is required." in response.content.decode()
    assert not CheckIn.objects.exists()


def test_checking_in_runs_a_fixed_number_of_queries(english, django_assert_num_queries):
    desk = today_desk()
    make_registration(desk.training, accepted=True)
    data = {"phone": "+62 812 3456 7890", "code": current_code(desk).code}
    # Desk with training and region; registration (its training and region not
    # read again); check-in (select, insert); attendance (check-ins, marks,
    # insert, history); 8 savepoint statements.
    with django_assert_num_queries(16):
        response = english.post(checkin_url(desk), data)
    assert 'data-checkin-result="created"' in response.content.decode()


def test_check_in_from_the_registered_phone(english):
    desk = today_desk()
    registration = make_registration(desk.training, accepted=True)
    give_device_cookie(english, desk, registration)
    response = english.get(checkin_url(desk))
    assert_nothing_personal(response, registration)
    html = response.content.decode()
    assert "This phone is registered for this training" in html
    assert "<script" not in html
    assert 'name="phone"' not in html
    response = english.post(checkin_url(desk), {"code": current_code(desk).code})
    assert 'data-checkin-result="created"' in response.content.decode()
    assert_nothing_personal(response, registration)
    assert CheckIn.objects.get().method == CheckIn.Method.DEVICE
    assert Attendance.objects.filter(present=True).count() == 1


def test_device_check_in_still_needs_the_code(english):
    desk = today_desk()
    registration = make_registration(desk.training)
    give_device_cookie(english, desk, registration)
    response = english.post(checkin_url(desk), {"code": ""})
    assert "data-checkin-result" not in response.content.decode()
    assert not CheckIn.objects.exists()


def test_forged_device_cookie_falls_back_to_the_phone_form(english):
    desk = today_desk()
    registration = make_registration(desk.training)
    english.cookies[device_cookie_name(desk)] = registration.device_key  # unsigned
    assert 'name="phone"' in english.get(checkin_url(desk)).content.decode()


def test_someone_else_can_check_in_from_a_registered_phone(english):
    desk = today_desk()
    mine = make_registration(desk.training)
    other = make_registration(desk.training, phone="+6281200000002")
    give_device_cookie(english, desk, mine)
    url = checkin_url(desk) + "?other=1"
    assert 'name="phone"' in english.get(url).content.decode()
    english.post(url, {"phone": "081200000002", "code": current_code(desk).code})
    assert CheckIn.objects.get().registration == other


def test_check_in_works_after_registration_closed(english):
    desk = today_desk(auto_accept=RegistrationDesk.AutoAccept.NONE)
    desk.is_open = False
    desk.save()
    make_registration(desk.training)
    code = current_code(desk).code
    response = english.post(checkin_url(desk), {"phone": "081234567890", "code": code})
    assert 'data-checkin-result="created"' in response.content.decode()


def test_check_in_posts_are_rate_limited(client, settings):
    settings.REGISTRATION_RATE_LIMITS = {("address", "POST"): "3/m"}
    desk = today_desk()
    for _ in range(3):
        assert client.post(checkin_url(desk), {"code": "1"}).status_code == 200
    response = client.post(checkin_url(desk), {"code": "1"})
    assert response.status_code == 429
    assert not CheckIn.objects.exists()


# The facilitator's screen ----------------------------------------------------------


def test_screen_shows_the_code_and_a_qr_of_the_link(staff_client):
    desk = today_desk()
    url = reverse("registrations:checkin_screen", args=[desk.training.pk])
    response = staff_client.get(url)
    html = response.content.decode()
    code = current_code(desk).code
    assert response.status_code == 200
    assert f"data-checkin-code>{code}<" in html
    assert 'src="data:image/svg+xml' in html
    assert f"/r/{desk.token}/check-in/?code={code}" in html
    assert "js/checkin-screen.js" in html
    assert "<script>" not in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_screen_shows_the_code_and_qr_first_for_a_projector(staff_client):
    desk = today_desk()
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("registrations:checkin_screen", args=[desk.training.pk])
    html = staff_client.get(url).content.decode()
    assert "Code (changes every 5 minutes)" in html
    assert "Today's code" not in html
    top = html.index("data-checkin-top")
    # The QR code, then the code, then the count; the page header below them.
    assert top < html.index("js-checkin-qr") < html.index("data-checkin-code")
    assert html.index("data-checkin-code") < html.index("data-checkin-count")
    assert html.index("data-checkin-count") < html.index('class="breadcrumb"')


def test_screen_outside_the_days_says_not_open(staff_client):
    desk = make_desk()
    desk.training.start_date = desk.training.end_date = datetime.date(2020, 1, 1)
    desk.training.save()
    url = reverse("registrations:checkin_screen", args=[desk.training.pk])
    with translation.override("en"):
        staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = staff_client.get(url).content.decode()
    assert "Check-in is not open today" in html
    assert "data-checkin-code></p>" in html


def test_screen_without_a_desk_asks_to_open_registration(staff_client):
    training = TrainingFactory()
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("registrations:checkin_screen", args=[training.pk])
    assert "open registration on the training page first" in (
        staff_client.get(url).content.decode()
    )


def test_screen_and_its_json_need_a_login(client):
    desk = today_desk()
    for name in ("checkin_screen", "checkin_code", "attendance_live"):
        response = client.get(reverse(f"registrations:{name}", args=[desk.training.pk]))
        assert response.status_code == 302


def test_code_json_changes_with_the_window(staff_client, django_assert_max_num_queries):
    desk = today_desk()
    make_registration(desk.training)
    url = reverse("registrations:checkin_code", args=[desk.training.pk])
    # Session, user, permissions (2), its update, savepoints; training, count.
    with django_assert_max_num_queries(11):
        data = staff_client.get(url).json()
    assert data["open"] and data["code"] == current_code(desk).code
    assert data["url"].endswith(f"/r/{desk.token}/check-in/?code={data['code']}")
    assert data["qr"].startswith("data:image/svg+xml")
    assert data["day_number"] == 2
    assert data["checked_in"] == 0


# The attendance grid's live marks ---------------------------------------------


def live_url(training, since=None):
    url = reverse("registrations:attendance_live", args=[training.pk])
    return url if since is None else f"{url}?{urlencode({'since': since})}"


def test_grid_page_loads_the_live_script(staff_client):
    desk = today_desk()
    make_registration(desk.training, accepted=True)
    html = staff_client.get(
        reverse("trainings:attendance", args=[desk.training.pk])
    ).content.decode()
    assert "js/attendance-live.js" in html
    assert f'data-live-url="{live_url(desk.training)}"' in html


def test_live_marks_list_present_cells_and_new_check_ins(staff_client):
    desk = today_desk()
    registration = make_registration(desk.training, accepted=True)
    opened = timezone.now().isoformat()
    checkin_record(registration=registration, method=CheckIn.Method.CODE)
    AttendanceFactory(
        enrolment=EnrolmentFactory(training=desk.training),
        date=desk.training.start_date,
        present=False,
    )
    data = staff_client.get(live_url(desk.training, opened)).json()
    today = checkin_day(desk.training)
    assert data["present"] == [f"{registration.enrolment_id}:{today.isoformat()}"]
    assert data["checked_in_since"] == 1
    later = staff_client.get(live_url(desk.training, data["now"])).json()
    assert later["checked_in_since"] == 0


def test_live_marks_are_the_grid_pages_only(staff_client, django_assert_num_queries):
    """A big training's grid polls only its page's marks (a hundred people, as
    the grid's ``page`` and ``q``), in a fixed number of queries, and learns
    whether anyone enrolled after ``newest`` is marked present."""
    desk = today_desk()
    training, day = desk.training, checkin_day(desk.training)
    people = [
        EnrolmentFactory(training=training, participant__full_name=f"P {n:03d}")
        for n in range(105)
    ]
    for enrolment in people:
        AttendanceFactory(enrolment=enrolment, date=day, present=True)
    url = live_url(training)
    first = staff_client.get(url).json()
    assert len(first["present"]) == 100
    assert f"{people[0].pk}:{day.isoformat()}" in first["present"]
    second = staff_client.get(f"{url}?page=2").json()
    assert second["present"] == [f"{e.pk}:{day.isoformat()}" for e in people[100:]]
    found = staff_client.get(f"{url}?{urlencode({'q': 'P 007'})}").json()
    assert found["present"] == [f"{people[7].pk}:{day.isoformat()}"]
    newest = people[-2].pk
    assert staff_client.get(f"{url}?newest={newest}").json()["newer_present"]
    assert not staff_client.get(f"{url}?newest={people[-1].pk}").json()["newer_present"]
    # As below, the newer marks instead of the check-ins (no ``since``).
    with django_assert_num_queries(13):
        staff_client.get(f"{url}?page=2&newest={newest}")


@pytest.mark.parametrize("since", ["", "yesterday", "2026-13-45T00:00:00"])
def test_live_marks_ignore_a_bad_since(staff_client, since):
    desk = today_desk()
    data = staff_client.get(live_url(desk.training, since)).json()
    assert data["checked_in_since"] == 0


def test_live_marks_run_a_fixed_number_of_queries(
    staff_client, django_assert_num_queries
):
    desk = today_desk()
    since = timezone.now().isoformat()

    def add(count):
        for n in range(count):
            registration = make_registration(
                desk.training, phone=f"+628123000{n:04d}{count}", accepted=True
            )
            checkin_record(registration=registration, method=CheckIn.Method.CODE)

    add(1)
    # Session, user, permissions (2), its update, savepoints; training, the
    # count of people (the grid's pages), the page's marks, check-ins.
    with django_assert_num_queries(13):
        staff_client.get(live_url(desk.training, since))
    add(6)
    with django_assert_num_queries(13):
        data = staff_client.get(live_url(desk.training, since)).json()
    assert len(data["present"]) == 7 and data["checked_in_since"] == 7


def test_accepting_in_the_review_applies_the_waiting_check_ins(staff_user):
    from registrations.review import registration_accept

    desk = make_desk()
    registration = make_registration(desk.training)
    checkin_record(registration=registration, method=CheckIn.Method.CODE, now=NOW)
    registration_accept(
        registration=registration, user=staff_user, agency=AgencyFactory()
    )
    registration.refresh_from_db()
    mark = Attendance.objects.get(enrolment=registration.enrolment)
    assert (mark.date, mark.present) == (DAY, True)


def test_training_page_links_the_check_in_screen(staff_client):
    desk = make_desk()
    desk.is_open = False  # check-in does not need registration open
    desk.save()
    html = staff_client.get(
        reverse("trainings:detail", args=[desk.training.pk])
    ).content.decode()
    assert reverse("registrations:checkin_screen", args=[desk.training.pk]) in html


def test_public_check_in_page_is_never_cached(english):
    desk = today_desk()
    response = english.get(checkin_url(desk))
    assert "no-store" in response["Cache-Control"]


def _wrong(desk):
    return "000000" if current_code(desk).code != "000000" else "111111"


def test_only_wrong_codes_spend_the_desk_check_in_budget(client, settings):
    settings.REGISTRATION_RATE_LIMITS = {("desk", "wrong_code"): "3/h"}
    desk = today_desk()
    code = current_code(desk).code
    for n in range(6):  # right codes, many people: never limited
        make_registration(desk.training, phone=f"+62812345600{n:02d}")
        visitor = client.__class__(REMOTE_ADDR=f"10.1.0.{n + 1}")
        data = {"phone": f"+62812345600{n:02d}", "code": code}
        assert visitor.post(checkin_url(desk), data).status_code == 200
    for n in range(3):  # wrong codes from three addresses spend it
        visitor = client.__class__(REMOTE_ADDR=f"10.2.0.{n + 1}")
        data = {"phone": "081234567890", "code": _wrong(desk)}
        assert visitor.post(checkin_url(desk), data).status_code == 200
    late = client.__class__(REMOTE_ADDR="10.3.0.1")
    data = {"phone": "+6281234560000", "code": code}
    assert late.post(checkin_url(desk), data).status_code == 429
    assert CheckIn.objects.count() == 6


def test_wrong_codes_per_address_are_capped(client, settings):
    settings.REGISTRATION_RATE_LIMITS = {("address", "wrong_code"): "2/10m"}
    desk = today_desk()
    make_registration(desk.training)
    data = {"phone": "081234567890", "code": _wrong(desk)}
    codes = [client.post(checkin_url(desk), data).status_code for _ in range(3)]
    right = {"phone": "081234567890", "code": current_code(desk).code}
    other = client.__class__(REMOTE_ADDR="10.4.0.1")
    assert codes == [200, 200, 429]
    assert client.post(checkin_url(desk), right).status_code == 429
    assert other.post(checkin_url(desk), right).status_code == 200
