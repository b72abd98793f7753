"""Settings of ``bench/run.py`` and of the worker it starts: the test settings
(fast hashing, DEBUG off, so no query log grows in a long job), but with the real
queue (``django_tasks_db``, jobs wait in the database for ``manage.py db_worker``)
and one media folder that the bench and its worker share (``SETARA_BENCH_MEDIA``,
set by the bench), where the test settings make a new folder per process."""

import os

from setara.settings.test import *  # noqa: F403

TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}
MEDIA_ROOT = os.environ.get("SETARA_BENCH_MEDIA", MEDIA_ROOT)  # noqa: F405
