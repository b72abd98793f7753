"""``python manage.py load_demo``: the Maros OCSEA training of 18-20 October 2023.

Loads the 19 participants of the training's sign-in sheet (fictional people, copied
into ``trainings/demo/``), their agencies, three days of attendance, the sample
referral directory, and one demo user per role. Running it again changes nothing,
except that ``--reset-passwords`` gives the demo users new random passwords (and
the demo coordinator and admin the published demo key of their second factor:
``manage.py demo_totp_code``).
"""

import csv
import datetime
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import demo_device_give
from accounts.two_factor import two_factor_required
from participants.models import Agency, AgencyAlias, Participant
from participants.normalisation import normalise_phone
from referrals.demo import load_demo_directory
from regions.models import Region
from setara import roles
from trainings.models import Attendance, Enrolment, Topic, Training

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"

MAROS_TRAINING = {
    "title": (
        "Pelatihan Pencegahan dan Penanganan Eksploitasi dan Kekerasan Seksual Anak "
        "di Ranah Daring bagi Penyedia Layanan dan APH"
    ),
    "start_date": datetime.date(2023, 10, 18),
    "end_date": datetime.date(2023, 10, 20),
    "programme": "SETARA",
    "organiser": "Yayasan BaKTI",
    "partners": "UNICEF Indonesia\nPemerintah Kabupaten Maros",
    "venue": "Kabupaten Maros",
    "objectives": (
        "Meningkatkan pengetahuan dan pemahaman tentang konsep KBG, KBGO dan OCSEA.\n"
        "Penguatan kapasitas penyedia layanan untuk melindungi anak dari risiko OCSEA "
        "melalui pencegahan, deteksi dini dan penanganan kasus.\n"
        "Meningkatkan pengetahuan dan keterampilan pemberi layanan dalam memahami "
        "etika bekerja dengan anak, alur dan mekanisme manajemen kasus OCSEA.\n"
        "Peserta mampu mengidentifikasi lembaga rujukan di tingkat Kabupaten/Kota, "
        "Provinsi dan Nasional.\n"
        "Penguatan mekanisme layanan, rujukan terpadu ramah anak dan respons terhadap "
        "kasus KBG dan KBGO, serta pemenuhan hak anak, salah satunya pencatatan "
        "kelahiran."
    ),
}
MAROS_TOPICS = ["ocsea", "kbg", "kbgo", "akta-kelahiran"]

#: Username -> role group of the demo users.
DEMO_USERS = {
    "demo-staff": roles.PROGRAMME_STAFF,
    "demo-coordinator": roles.COORDINATOR,
    "demo-admin": roles.ADMIN,
}


class Command(BaseCommand):
    help = "Load the Maros OCSEA training (19 participants), the referral directory "
    "sample and one demo user per role. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give existing demo users a new random password and print it.",
        )

    def handle(self, *args, reset_passwords=False, **options):
        with transaction.atomic():
            maros = Region.objects.get(code="73.09")
            agencies = self._load_agencies(maros)
            training = self._load_training(maros)
            self._load_participants(training, agencies)
            institutions = load_demo_directory()
            passwords = self._load_users(reset_passwords)

        summary = training.enrolments.participants().sex_summary()
        self.stdout.write(
            self.style.SUCCESS(
                f"Training {training.pk}: {summary['total']} participants "
                f"({summary['male']} L, {summary['female']} P); "
                f"{institutions} referral institutions."
            )
        )
        for username, role in DEMO_USERS.items():
            password = passwords.get(username)
            shown = password if password else "(unchanged; use --reset-passwords)"
            self.stdout.write(f"  {role:<16} user {username:<17} password {shown}")
        self.stdout.write(
            "  Coordinator and admin also give a second factor: in another "
            "terminal, 'DEBUG=1 .venv/bin/python manage.py demo_totp_code "
            'demo-coordinator\' prints the code (README, "Two commands").'
        )

    def _load_agencies(self, region) -> dict[str, Agency]:
        agencies = {}
        with (DEMO_DIR / "agencies.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                agency, _ = Agency.objects.get_or_create(
                    name=row["name"],
                    region=region,
                    defaults={"short_name": row["short_name"], "type": row["type"]},
                )
                for alias in filter(None, row["aliases"].split(";")):
                    if not AgencyAlias.objects.filter(
                        agency=agency, name=alias
                    ).exists():
                        AgencyAlias.objects.create(agency=agency, name=alias)
                agencies[row["name"]] = agency
        return agencies

    def _load_training(self, region) -> Training:
        training, _ = Training.objects.get_or_create(
            title=MAROS_TRAINING["title"],
            start_date=MAROS_TRAINING["start_date"],
            defaults={**MAROS_TRAINING, "region": region},
        )
        training.topics.add(*Topic.objects.filter(code__in=MAROS_TOPICS))
        return training

    def _load_participants(self, training, agencies) -> None:
        path = DEMO_DIR / "maros-ocsea-2023-participants.csv"
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            agency = Agency.objects.matching(row["agency"]).get()
            phone = normalise_phone(row["phone"])
            participant = Participant.objects.filter(
                full_name=row["full_name"], agency=agency
            ).first() or Participant(full_name=row["full_name"], agency=agency)
            if participant.pk is None:
                participant.sex = row["sex"]
                participant.position = row["position"]
                participant.phone = phone
                participant.village = row["village"]
                participant.full_clean()
                participant.save()
            enrolment, _ = Enrolment.objects.get_or_create(
                training=training, participant=participant
            )
            for day_number, date in enumerate(training.days, start=1):
                Attendance.objects.get_or_create(
                    enrolment=enrolment,
                    date=date,
                    defaults={"present": row[f"day_{day_number}"] == "1"},
                )

    def _load_users(self, reset_passwords: bool) -> dict[str, str]:
        User = get_user_model()
        passwords = {}
        for username, role in DEMO_USERS.items():
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": role == roles.ADMIN}
            )
            user.groups.add(Group.objects.get(name=role))
            if created or reset_passwords:
                passwords[username] = secrets.token_urlsafe(12)
                validate_password(passwords[username], user)
                user.set_password(passwords[username])
                user.save()
                # The published demo key (accounts/demo.py): demo users only.
                if two_factor_required(user):
                    demo_device_give(user)
        return passwords
