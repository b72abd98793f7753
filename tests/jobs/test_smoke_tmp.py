import io

import pytest
from django_tasks import task

from jobs.runner import JobFailed, JobOutput, job_run
from jobs.services import job_start
from tests.factories import UserFactory


def _work(job, progress):
    for i in range(5):
        progress(i + 1, 5)
    if job.params.get("fail"):
        raise JobFailed("nope")
    return JobOutput(
        file=io.BytesIO(b"hello"), filename="x.csv", content_type="text/csv"
    )


@task()
def smoke(job_id):
    job_run(job_id, _work)


@pytest.mark.django_db
def test_smoke():
    user = UserFactory()
    job = job_start(task=smoke, user=user, kind="export", title="t")
    assert job.status == "succeeded", job.error_message
    with job.file.open("rb") as f:
        assert f.read() == b"hello"
    assert job.size == 5 and job.progress_done == 5
    job2 = job_start(
        task=smoke, user=user, kind="export", title="t", params={"fail": 1}
    )
    assert job2.status == "failed" and job2.error_message == "nope" and not job2.file
