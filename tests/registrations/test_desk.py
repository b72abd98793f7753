"""The registration desk on the training page: open/close, link, QR, poster,
setting, permissions, and the QR on the sign-in sheet."""

import datetime
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from registrations.models import RegistrationDesk
from registrations.services import desk_close, desk_open, training_ends_at
from tests.auth import login
from tests.factories import RegencyFactory, TrainingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def training():
    """A training starting in ten days."""
    start = timezone.localdate() + datetime.timedelta(days=10)
    return TrainingFactory(start_date=start)


def toggle(client, training, action):
    return client.post(
        reverse("registrations:desk_toggle", args=[training.pk]), {"action": action}
    )


def detail(client, training):
    return client.get(reverse("trainings:detail", args=[training.pk]))


def test_closed_desk_shows_the_toggle_form_and_no_link(staff_client, training):
    html = detail(staff_client, training).content.decode()
    assert "data-registration-toggle" in html
    assert 'value="open"' in html
    assert "data-registration-link" not in html


def test_open_shows_link_qr_and_poster(staff_client, training):
    response = toggle(staff_client, training, "open")
    assert response.status_code == HTTPStatus.FOUND
    desk = RegistrationDesk.objects.get(training=training)
    assert desk.is_open and desk.opened_at is not None
    html = detail(staff_client, training).content.decode()
    link = f"http://testserver/r/{desk.token}/"
    assert f'<a data-registration-link href="{link}"' in html
    assert '<svg viewBox="0 0 ' in html  # the QR code
    assert reverse("registrations:poster", args=[training.pk]) in html
    assert len(desk.token) >= 32  # random, never the training id


def test_open_twice_keeps_the_link_and_new_link_changes_it(staff_client, training):
    toggle(staff_client, training, "open")
    token = RegistrationDesk.objects.get(training=training).token
    toggle(staff_client, training, "open")
    assert RegistrationDesk.objects.get(training=training).token == token
    assert RegistrationDesk.objects.count() == 1
    toggle(staff_client, training, "new_link")
    new = RegistrationDesk.objects.get(training=training).token
    assert new != token
    assert staff_client.get(f"/r/{token}/").status_code == HTTPStatus.NOT_FOUND
    assert staff_client.get(f"/r/{new}/").status_code == HTTPStatus.OK


def test_close_stops_the_link_at_once(staff_client, client, training):
    toggle(staff_client, training, "open")
    desk = RegistrationDesk.objects.get(training=training)
    public = f"/r/{desk.token}/"
    assert 'name="full_name"' in client.get(public).content.decode()
    toggle(staff_client, training, "close")
    toggle(staff_client, training, "close")  # a double click
    desk.refresh_from_db()
    assert not desk.is_open and desk.closed_at is not None
    response = client.get(public)
    assert 'name="full_name"' not in response.content.decode()
    assert (
        "data-registration-link" not in detail(staff_client, training).content.decode()
    )


def test_user_without_a_role_gets_403_and_nothing_changes(client, training):
    from django.contrib.auth import get_user_model

    login(client, get_user_model().objects.create_user("nobody"))
    assert toggle(client, training, "open").status_code == HTTPStatus.FORBIDDEN
    assert not RegistrationDesk.objects.exists()
    url = reverse("registrations:desk_settings", args=[training.pk])
    response = client.post(url, {"auto_accept": "no_match_or_nik"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    poster = reverse("registrations:poster", args=[training.pk])
    assert client.get(poster).status_code == HTTPStatus.FORBIDDEN


def test_anonymous_is_sent_to_login(client, training):
    assert toggle(client, training, "open").status_code == HTTPStatus.FOUND
    assert not RegistrationDesk.objects.exists()


def test_get_of_the_toggle_is_refused(staff_client, training):
    url = reverse("registrations:desk_toggle", args=[training.pk])
    assert staff_client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_auto_accept_setting_is_saved(staff_client, training):
    toggle(staff_client, training, "open")
    url = reverse("registrations:desk_settings", args=[training.pk])
    staff_client.post(url, {"auto_accept": "no_match_or_nik"})
    desk = RegistrationDesk.objects.get(training=training)
    assert desk.auto_accept == RegistrationDesk.AutoAccept.NO_MATCH_OR_NIK
    staff_client.post(url, {"auto_accept": "everything"})  # not a choice
    desk.refresh_from_db()
    assert desk.auto_accept == RegistrationDesk.AutoAccept.NO_MATCH_OR_NIK


def test_poster_has_title_qr_and_link(staff_client, training):
    toggle(staff_client, training, "open")
    desk = RegistrationDesk.objects.get(training=training)
    response = staff_client.get(reverse("registrations:poster", args=[training.pk]))
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert training.title in html
    assert f"http://testserver/r/{desk.token}/" in html
    assert "<svg" in html and "@page { size: A4" in html


def test_poster_prints_the_check_in_address_and_the_steps_once(staff_client, training):
    toggle(staff_client, training, "open")
    desk = RegistrationDesk.objects.get(training=training)
    response = staff_client.get(reverse("registrations:poster", args=[training.pk]))
    html = response.content.decode()
    with translation.override("id"):
        line = gettext("Check in each day: %(checkin_link)s") % {
            "checkin_link": f"http://testserver/r/{desk.token}/check-in/"
        }
    assert line in html
    assert html.index(f"/r/{desk.token}/<") < html.index(line)
    assert html.count("<li>") == 3  # the numbered steps, not repeated
    assert 'lang="en"' not in html


def test_poster_of_a_closed_desk_is_404(staff_client, training):
    url = reverse("registrations:poster", args=[training.pk])
    assert staff_client.get(url).status_code == HTTPStatus.NOT_FOUND


class TestTrainingEnd:
    def test_ended_training_cannot_be_opened(self, staff_user):
        training = TrainingFactory()  # October 2023
        with pytest.raises(ValidationError):
            desk_open(training=training, user=staff_user)
        assert not RegistrationDesk.objects.exists()

    def test_link_of_an_ended_training_says_closed(self, client, staff_user):
        training = TrainingFactory()
        RegistrationDesk.objects.create(training=training, is_open=True)
        desk = training.registration_desk
        response = client.get(f"/r/{desk.token}/")
        assert response.status_code == HTTPStatus.OK
        assert 'name="full_name"' not in response.content.decode()
        assert desk_close(training=training, user=staff_user).is_open is False

    def test_training_ends_at_midnight_after_its_last_day_in_its_time_zone(self):
        papua = RegencyFactory(parent__code="91", parent__name="Papua", code="91.03")
        training = TrainingFactory(region=papua)
        ends = training_ends_at(training)
        assert ends.date() == training.end_date + datetime.timedelta(days=1)
        assert ends.utcoffset() == datetime.timedelta(hours=9)


def test_signin_sheet_shows_the_qr_only_while_open(staff_client, training):
    url = reverse("trainings:signin_sheet", args=[training.pk])
    assert 'id="signin-qr"' not in staff_client.get(url).content.decode()
    toggle(staff_client, training, "open")
    desk = RegistrationDesk.objects.get(training=training)
    html = staff_client.get(url).content.decode()
    assert 'id="signin-qr"' in html
    assert 'src="data:image/svg+xml' in html
    assert f"http://testserver/r/{desk.token}/" in html


def test_training_page_queries_do_not_depend_on_the_desk(
    staff_client, training, django_assert_max_num_queries, django_assert_num_queries
):
    detail(staff_client, training)  # the session and permission caches
    with django_assert_max_num_queries(100) as closed:
        detail(staff_client, training)
    count = len(closed)  # read before the next request resets the query log
    toggle(staff_client, training, "open")
    detail(staff_client, training)
    with django_assert_num_queries(count):
        detail(staff_client, training)


def test_coordinator_can_open_too(coordinator_client, training):
    toggle(coordinator_client, training, "open")
    assert RegistrationDesk.objects.get(training=training).is_open


def test_staff_without_enrol_permission_see_no_panel(client, training):
    user = UserFactory(username="viewer")
    user.groups.clear()
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_training"))
    login(client, user)
    html = detail(client, training).content.decode()
    assert "data-registration-toggle" not in html
