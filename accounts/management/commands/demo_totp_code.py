"""``manage.py demo_totp_code <username>``: the current two-factor code of a demo
user (one with the demo key of ``load_demo``), for trying the demo without an
authenticator app. Refuses unless DEBUG is on."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_TOTP_KEY, usable_code


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of a demo user (load_demo gives the "
        "demo admin and coordinator the published demo key). DEBUG only."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp_code works only with DEBUG=1 (the demo).")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        device = TOTPDevice.objects.filter(
            user=user, confirmed=True, key=DEMO_TOTP_KEY
        ).first()
        if device is None:
            raise CommandError(
                f"{username} has no demo key: only the demo users of "
                "'load_demo --reset-passwords' have one."
            )
        self.stdout.write(usable_code(device))
