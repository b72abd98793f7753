"""Two-factor sign-in for the roles that can export personal data: set-up,
verify, recovery codes, throttling, the pages it guards, the admin's reset and the
demo's published key."""

import io
import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_TOTP_KEY, usable_code
from accounts.two_factor import recovery_codes_replace, two_factor_required
from tests.auth import confirmed_device
from tests.factories import UserFactory
from tests.test_url_permissions import ANON, LOGIN, RULES
from tests.test_url_permissions import world as world  # the fixture

pytestmark = pytest.mark.django_db

TRAININGS = "/trainings/"


@pytest.fixture(autouse=True)
def _english(client):
    """English pages (the language cookie) and English test-side strings."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def password_login(client, user, password="test-password"):
    """The first step, through the login form; returns the response."""
    return client.post(
        reverse("login"), {"username": user.username, "password": password}
    )


def verified(client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def setup_url(next_path=TRAININGS):
    return f"{reverse('accounts:setup')}?next={next_path.replace('/', '%2F')}"


def verify_url(next_path=TRAININGS):
    return f"{reverse('accounts:verify')}?next={next_path.replace('/', '%2F')}"


def unthrottle(device):
    """Move the device's last failure an hour back (not the clock forward)."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )
    device.refresh_from_db()


def errors_of(response) -> list[str]:
    return response.context["form"].errors.get("code", [])


def test_who_needs_a_second_factor(staff_user, coordinator_user, admin_user):
    superuser = UserFactory(username="root")
    superuser.is_superuser = True
    superuser.save()
    staff_with_admin_access = UserFactory(username="desk")
    staff_with_admin_access.is_staff = True
    staff_with_admin_access.save()
    assert not two_factor_required(staff_user)
    assert two_factor_required(coordinator_user)
    assert two_factor_required(admin_user)
    assert two_factor_required(superuser)
    assert two_factor_required(staff_with_admin_access)


class TestWithoutDevice:
    """A coordinator who has not set up an app opens nothing but the set-up."""

    def test_the_login_leads_to_the_setup(self, client, coordinator_user):
        response = password_login(client, coordinator_user)
        assert response.url == reverse("trainings:list")
        assert client.session[SESSION_KEY] == str(coordinator_user.pk)
        assert client.get(TRAININGS).url == setup_url()
        assert client.get(reverse("accounts:verify")).url == setup_url()

    def test_no_page_download_or_admin_opens(self, client, coordinator_user, world):
        """Every URL of the project that needs a login (the app's pages, its
        downloads and the admin's pages) sends the coordinator to the set-up."""
        password_login(client, coordinator_user)
        setup = reverse("accounts:setup")
        opened = []
        checked = 0
        for name, rule in sorted(RULES.items()):
            if rule.expect[ANON] != LOGIN or name in ("accounts:setup", "logout"):
                continue
            response = client.get(rule.url(world), rule.query)
            checked += 1
            location = response.get("Location", "")
            if response.status_code != HTTPStatus.FOUND or not location.startswith(
                setup
            ):
                opened.append(f"{name}: {response.status_code} {location}")
        assert opened == []
        assert checked > 100
        assert not verified(client)

    def test_a_post_is_refused_too(self, client, coordinator_user, world):
        password_login(client, coordinator_user)
        response = client.post(
            reverse("trainings:update", args=[world.training.pk]),
            {"title": "Changed"},
        )
        assert response.url == reverse("accounts:setup")
        world.training.refresh_from_db()
        assert world.training.title != "Changed"

    def test_the_admin_sends_an_admin_to_the_setup(self, client, admin_user):
        password_login(client, admin_user)
        response = client.get(reverse("admin:index"))
        assert response.url == setup_url("/admin/")

    def test_public_pages_and_logout_stay_open(self, client, coordinator_user):
        password_login(client, coordinator_user)
        assert client.get(reverse("login")).status_code == HTTPStatus.OK
        response = client.post(reverse("logout"))
        assert response.url == reverse("login")
        assert SESSION_KEY not in client.session


class TestSetup:
    @pytest.fixture
    def setup_page(self, client, coordinator_user):
        password_login(client, coordinator_user)
        return client.get(setup_url())

    @staticmethod
    def device(user):
        return TOTPDevice.objects.get(user=user)

    def test_the_page_shows_the_key_as_qr_code_and_text(
        self, setup_page, coordinator_user, client
    ):
        device = self.device(coordinator_user)
        assert not device.confirmed
        key = setup_page.context["key"]
        assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4}){7}", key)
        content = setup_page.content.decode()
        assert key in content
        assert 'src="data:image/svg+xml' in content
        # A reload shows the same key: one scanned already keeps working.
        assert client.get(setup_url()).context["key"] == key
        assert TOTPDevice.objects.filter(user=coordinator_user).count() == 1

    def test_a_wrong_code_fails(self, setup_page, client, coordinator_user):
        device = self.device(coordinator_user)
        wrong = f"{(int(usable_code(device)) + 1) % 1_000_000:06d}"
        response = client.post(setup_url(), {"code": wrong})
        assert response.status_code == HTTPStatus.OK
        assert errors_of(response) == [
            "That code is not right. Type the code the app shows now."
        ]
        device.refresh_from_db()
        assert not device.confirmed
        assert not StaticDevice.objects.exists()
        assert not verified(client)
        assert client.get(TRAININGS).url == setup_url()

    def test_the_right_code_confirms_and_shows_recovery_codes_once(
        self, setup_page, client, coordinator_user
    ):
        device = self.device(coordinator_user)
        response = client.post(setup_url(), {"code": usable_code(device)})
        assert response.status_code == HTTPStatus.OK
        assert "no-store" in response["Cache-Control"]
        codes = response.context["codes"]
        assert len(codes) == len(set(codes)) == 10
        content = response.content.decode()
        assert all(code in content for code in codes)
        assert f'href="{TRAININGS}"' in content
        device.refresh_from_db()
        assert device.confirmed
        assert verified(client)
        assert sorted(
            StaticToken.objects.filter(device__user=coordinator_user).values_list(
                "token", flat=True
            )
        ) == sorted(codes)
        assert client.get(TRAININGS).status_code == HTTPStatus.OK
        # Shown once: the set-up page now only sends the user on.
        again = client.get(setup_url())
        assert again.url == TRAININGS
        assert client.post(setup_url(), {"code": "123456"}).url == TRAININGS

    def test_the_right_code_after_a_wrong_one_waits_for_the_throttle(
        self, setup_page, client, coordinator_user
    ):
        device = self.device(coordinator_user)
        client.post(setup_url(), {"code": "000000"})
        response = client.post(setup_url(), {"code": usable_code(device)})
        assert "wait" in errors_of(response)[0]
        unthrottle(device)
        response = client.post(setup_url(), {"code": usable_code(device)})
        assert len(response.context["codes"]) == 10


class TestVerify:
    @pytest.fixture
    def device(self, coordinator_user):
        return confirmed_device(coordinator_user)

    def test_the_code_of_the_app_opens_the_app(self, client, coordinator_user, device):
        password_login(client, coordinator_user)
        assert client.get(TRAININGS).url == verify_url()
        key_before = client.session.session_key
        response = client.post(verify_url(), {"code": usable_code(device)})
        assert response.url == TRAININGS
        assert verified(client)
        assert client.session.session_key != key_before
        assert client.get(TRAININGS).status_code == HTTPStatus.OK
        assert client.get(reverse("accounts:verify")).url == TRAININGS

    def test_a_password_login_in_a_verified_session_asks_for_the_code_again(
        self, client, coordinator_user, device
    ):
        """Django keeps the session's data when the same user logs in again: the
        second factor given before must not carry over to a password-only login."""
        password_login(client, coordinator_user)
        client.post(verify_url(), {"code": usable_code(device)})
        assert verified(client)
        password_login(client, coordinator_user)
        assert not verified(client)
        assert client.get(TRAININGS).url == verify_url()

    def test_a_code_works_once(self, client, coordinator_user, device):
        code = usable_code(device)
        password_login(client, coordinator_user)
        client.post(verify_url(), {"code": code})
        client.post(reverse("logout"))
        password_login(client, coordinator_user)
        response = client.post(verify_url(), {"code": code})
        assert response.status_code == HTTPStatus.OK
        assert not verified(client)

    def test_next_leads_only_within_the_site(self, client, coordinator_user, device):
        password_login(client, coordinator_user)
        response = client.post(
            reverse("accounts:verify") + "?next=https://evil.example/",
            {"code": usable_code(device)},
        )
        assert response.url == reverse("trainings:list")

    def test_wrong_codes_are_throttled_and_the_fifth_logs_out(
        self, client, coordinator_user, device
    ):
        password_login(client, coordinator_user)
        first = client.post(verify_url(), {"code": "000000"})
        assert errors_of(first) == [
            "That code is not right. Type the code the app shows now."
        ]
        # Right away, even the right code waits for the device's back-off.
        second = client.post(verify_url(), {"code": usable_code(device)})
        assert errors_of(second)[0].startswith("Too many wrong codes in a row: wait")
        assert not verified(client)
        for _ in range(2):
            unthrottle(device)
            client.post(verify_url(), {"code": "000000"})
        unthrottle(device)
        fifth = client.post(verify_url(), {"code": "000000"}, follow=True)
        assert fifth.redirect_chain[-1][0] == reverse("login")
        assert SESSION_KEY not in client.session
        assert "Too many wrong codes" in fifth.content.decode()
        # The device's count (4: the throttled attempt was not checked) stays
        # across logins.
        device.refresh_from_db()
        assert device.throttling_failure_count == 4

    def test_a_recovery_code_works_once(self, client, coordinator_user, device):
        password_login(client, coordinator_user)
        unthrottle(device)
        codes = recovery_codes_replace(coordinator_user)
        typed = f"{codes[0][:4].upper()} {codes[0][4:].upper()}"
        response = client.post(verify_url(), {"code": typed}, follow=True)
        assert response.redirect_chain[-1][0] == TRAININGS
        assert verified(client)
        assert "9 are left" in response.content.decode()
        client.post(reverse("logout"))
        password_login(client, coordinator_user)
        refused = client.post(verify_url(), {"code": codes[0]})
        assert refused.status_code == HTTPStatus.OK
        assert not verified(client)
        assert StaticToken.objects.count() == 9


class TestNotAsked:
    def test_programme_staff_log_in_with_the_password_only(self, client, staff_user):
        response = password_login(client, staff_user)
        assert response.url == reverse("trainings:list")
        assert client.get(TRAININGS).status_code == HTTPStatus.OK
        assert client.get(reverse("accounts:setup")).url == reverse("trainings:list")
        assert not TOTPDevice.objects.exists()


class TestLockout:
    """django-axes still counts failed passwords on the first step."""

    @pytest.fixture(autouse=True)
    def _axes_on(self, settings):
        settings.AXES_ENABLED = True

    def test_five_wrong_passwords_lock_a_coordinator_out(
        self, client, coordinator_user
    ):
        confirmed_device(coordinator_user)
        for _ in range(5):
            password_login(client, coordinator_user, "wrong-password")
        response = password_login(client, coordinator_user)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert SESSION_KEY not in client.session

    def test_the_right_password_leads_to_the_second_step(
        self, client, coordinator_user
    ):
        confirmed_device(coordinator_user)
        password_login(client, coordinator_user, "wrong-password")
        password_login(client, coordinator_user)
        assert client.get(TRAININGS).url == verify_url()


class TestAdminReset:
    """Someone lost the phone: an admin deletes the devices; the next login
    sets up a new app."""

    def test_admin_sees_no_key_and_deletes_the_devices(
        self, admin_client, coordinator_user
    ):
        device = confirmed_device(coordinator_user)
        codes = recovery_codes_replace(coordinator_user)
        url = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
        page = admin_client.get(url).content.decode()
        assert coordinator_user.username in page
        assert device.key not in page
        static = StaticDevice.objects.get(user=coordinator_user)
        static_page = admin_client.get(
            reverse("admin:otp_static_staticdevice_change", args=[static.pk])
        ).content.decode()
        assert not any(code in static_page for code in codes)
        assert admin_client.get(
            reverse("admin:otp_totp_totpdevice_add")
        ).status_code == (HTTPStatus.FORBIDDEN)
        for model, pk in (
            ("otp_totp_totpdevice", device.pk),
            ("otp_static_staticdevice", static.pk),
        ):
            admin_client.post(
                reverse(f"admin:{model}_delete", args=[pk]), {"post": "yes"}
            )
        assert not TOTPDevice.objects.filter(user=coordinator_user).exists()
        assert not StaticDevice.objects.filter(user=coordinator_user).exists()

    def test_admin_clears_failed_attempts(self, admin_client, coordinator_user):
        device = confirmed_device(coordinator_user)
        device.throttling_failure_count = 7
        device.throttling_failure_timestamp = timezone.now()
        device.save()
        admin_client.post(
            reverse("admin:otp_totp_totpdevice_changelist"),
            {"action": "failed_attempts_clear", "_selected_action": [device.pk]},
        )
        device.refresh_from_db()
        assert device.throttling_failure_count == 0
        assert device.verify_is_allowed() == (True, None)

    def test_after_a_reset_the_next_login_sets_up_a_new_app(
        self, client, coordinator_user
    ):
        confirmed_device(coordinator_user).delete()
        password_login(client, coordinator_user)
        assert client.get(TRAININGS).url == setup_url()


class TestDemo:
    def test_load_demo_gives_the_demo_key_to_coordinator_and_admin(self):
        call_command("load_demo", stdout=io.StringIO())
        keys = dict(
            TOTPDevice.objects.filter(confirmed=True).values_list(
                "user__username", "key"
            )
        )
        assert keys == {"demo-coordinator": DEMO_TOTP_KEY, "demo-admin": DEMO_TOTP_KEY}

    def test_demo_totp_code_prints_a_code_that_logs_in(self, client, settings):
        output = io.StringIO()
        call_command("load_demo", stdout=output)
        password = output.getvalue().split("user demo-coordinator")[1].split()[1]
        with pytest.raises(CommandError, match="DEBUG"):
            call_command("demo_totp_code", "demo-coordinator", stdout=io.StringIO())
        settings.DEBUG = True
        with pytest.raises(CommandError, match="no demo key"):
            call_command("demo_totp_code", "demo-staff", stdout=io.StringIO())
        code = io.StringIO()
        call_command("demo_totp_code", "demo-coordinator", stdout=code)
        assert re.fullmatch(r"\d{6}\n", code.getvalue())
        coordinator = TOTPDevice.objects.get(user__username="demo-coordinator").user
        password_login(client, coordinator, password)
        response = client.post(verify_url(), {"code": code.getvalue().strip()})
        assert response.url == TRAININGS

    def test_a_real_user_with_another_key_gets_no_code(
        self, settings, coordinator_client
    ):
        settings.DEBUG = True
        with pytest.raises(CommandError, match="no demo key"):
            call_command("demo_totp_code", "coordinator", stdout=io.StringIO())
