"""``manage.py jobs_clean_up``: remove expired files and mark jobs whose worker
died as failed, then run the ``JOBS_CLEAN_UP_HOOKS`` (e.g. unconfirmed import
uploads). Run it from cron, e.g. every hour::

    17 * * * *  cd /srv/setara && .venv/bin/python manage.py jobs_clean_up

django-tasks has no scheduler of its own, so cron (or a systemd timer) is the
periodic part. Safe to run on several machines at once.
"""

from django.core.management.base import BaseCommand

from jobs.services import jobs_clean_up_all


class Command(BaseCommand):
    help = (
        "Remove expired job files and unconfirmed uploads; mark jobs whose worker "
        "died as failed. Prints one 'name count' line per kind."
    )

    def handle(self, *args, **options):
        for name, count in jobs_clean_up_all().items():
            self.stdout.write(f"{name} {count}")
