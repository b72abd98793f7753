"""A job's page follows the job without a reload: the bar moves, and the download
link appears when the job is done (static/js/job-progress.js, under the site's
Content-Security-Policy; the page fixture fails on any console error)."""

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from jobs.models import Job
from tests.factories import UserFactory
from tests.jobs.tasks_for_tests import write_file

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_job_page_shows_progress_and_then_the_download(page, login):
    user = UserFactory(username="petugas")
    job = Job.objects.create(
        kind=Job.Kind.EXPORT,
        task_name=write_file.module_path,
        title="Semua peserta",
        created_by=user,
    )
    login("petugas")
    page.goto(f"/jobs/{job.pk}/")
    download = page.locator(".js-job-download")
    assert download.is_hidden()
    assert page.locator(".js-job-refresh").is_visible()
    assert page.locator("progress").get_attribute("value") is None
    # The worker starts and counts rows: the bar and the text follow.
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, progress_done=50, progress_total=200
    )
    expect(page.locator("progress")).to_have_attribute("value", "25")
    expect(page.locator(".js-job-progress-text")).to_contain_text(
        re.compile(r"50\D+200")
    )
    # The worker finishes: the file is stored and the link appears, no reload.
    page.evaluate("window.notReloaded = true")
    job.refresh_from_db()
    job.file.save("peserta.csv", ContentFile(b"nama\nAni\n"), save=False)
    job.status = Job.Status.SUCCEEDED
    job.progress_done = 200
    job.filename = "peserta.csv"
    job.content_type = "text/csv"
    job.size = 9
    job.finished_at = timezone.now()
    job.expires_at = timezone.now() + datetime.timedelta(days=7)
    job.save()
    expect(download).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert page.locator(".js-job-refresh").is_hidden()
    assert page.locator("progress").get_attribute("value") == "100"
    with page.expect_download() as file:
        download.click()
    assert file.value.suggested_filename == "peserta.csv"
    with open(file.value.path(), "rb") as content:
        assert content.read() == b"nama\nAni\n"
