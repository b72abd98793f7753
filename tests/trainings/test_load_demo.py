import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from participants.models import Agency, Participant
from referrals.models import ReferralInstitution
from trainings.models import Attendance, Enrolment, Training

pytestmark = pytest.mark.django_db


def _load(*args):
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Training,
            Participant,
            Agency,
            Enrolment,
            Attendance,
            ReferralInstitution,
            get_user_model(),
        )
    }


def test_maros_training_has_19_participants_4_l_15_p():
    _load()
    training = Training.objects.get()
    summary = training.enrolments.participants().sex_summary()
    assert summary == {"total": 19, "male": 4, "female": 15, "not_recorded": 0}
    assert training.days[0].isoformat() == "2023-10-18"
    assert len(training.days) == 3
    assert training.region.code == "73.09"


def test_maros_attendance_per_day():
    _load()
    per_day = {
        row["date"].day: row["present_total"]
        for row in Attendance.objects.training_day_summary()
    }
    assert per_day == {18: 19, 19: 18, 20: 19}


def test_phone_typed_as_number_is_normalised():
    _load()
    assert Participant.objects.get(full_name="Fatmawati Daeng Ngai").phone == (
        "+6281244556677"
    )
    phones = Participant.objects.exclude(phone="").values_list("phone", flat=True)
    assert all(phone.startswith("+628") for phone in phones)
    assert Participant.objects.filter(phone="").count() == 1  # Rosmini has none


def test_agency_spellings_are_one_agency():
    _load()
    dp3a = Agency.objects.matching("DP3A Kab. Maros").get()
    assert dp3a.participants.count() == 3
    assert Agency.objects.matching("Dinsos Maros").get().name == (
        "Dinas Sosial Kabupaten Maros"
    )
    assert Agency.objects.count() == 11


def test_running_twice_changes_nothing():
    _load()
    before = _counts()
    attendance_before = list(Attendance.objects.values_list("id", "present"))
    _load()
    assert _counts() == before
    assert list(Attendance.objects.values_list("id", "present")) == attendance_before


def test_creates_one_user_per_role_with_a_printed_random_password():
    output = _load()
    User = get_user_model()
    for username, role in [
        ("demo-staff", "Programme staff"),
        ("demo-coordinator", "Coordinator"),
        ("demo-admin", "Admin"),
    ]:
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        password = output.split(f"user {username}")[1].split("password ")[1].split()[0]
        assert user.check_password(password)
    assert User.objects.get(username="demo-admin").is_staff


def test_second_run_keeps_passwords_unless_asked():
    first = _load()
    second = _load()
    assert "unchanged" in second
    user = get_user_model().objects.get(username="demo-staff")
    old = first.split("user demo-staff")[1].split("password ")[1].split()[0]
    assert user.check_password(old)
    third = _load("--reset-passwords")
    new = third.split("user demo-staff")[1].split("password ")[1].split()[0]
    user.refresh_from_db()
    assert new != old and user.check_password(new)


def test_loads_the_referral_directory_sample_at_three_levels():
    _load()
    levels = set(ReferralInstitution.objects.values_list("level", flat=True))
    assert levels == {"kabupaten", "provinsi", "nasional"}
    assert ReferralInstitution.objects.count() == 13
