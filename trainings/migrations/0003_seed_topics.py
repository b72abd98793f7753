"""Seed the programme's training topics; admins add more in the admin."""

from django.db import migrations

TOPICS = [
    ("ocsea", "OCSEA (eksploitasi dan kekerasan seksual anak di ranah daring)"),
    ("kbg", "KBG (kekerasan berbasis gender)"),
    ("kbgo", "KBGO (kekerasan berbasis gender online)"),
    ("perkawinan-anak", "Perkawinan anak"),
    ("manajemen-kasus", "Manajemen kasus dan rujukan"),
    ("akta-kelahiran", "Pencatatan kelahiran (akta kelahiran)"),
]


def seed(apps, schema_editor):
    Topic = apps.get_model("trainings", "Topic")
    for code, name in TOPICS:
        Topic.objects.get_or_create(code=code, defaults={"name": name})


def unseed(apps, schema_editor):
    apps.get_model("trainings", "Topic").objects.filter(
        code__in=[code for code, _ in TOPICS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("trainings", "0002_attendance_within_training_days")]

    operations = [migrations.RunPython(seed, unseed)]
