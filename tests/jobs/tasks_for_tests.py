"""Tasks for the tests of jobs, importable by a real worker process
(``tests.jobs.tasks_for_tests.write_file``) as well as by the tests, and a
finished job to start from."""

import datetime
import io

from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task

from jobs.models import Job
from jobs.runner import JobFailed, JobOutput, job_run


def _write(job, progress):
    rows = job.params.get("rows", 3)
    for done in range(1, rows + 1):
        progress(done, rows)
    if job.params.get("fail"):
        raise JobFailed("The file could not be written.")
    if job.params.get("crash"):
        raise RuntimeError("Budi Santoso 081234567890")
    content = job.params.get("content", "a,b\n1,2\n").encode()
    return JobOutput(
        file=io.BytesIO(content), filename="rows.csv", content_type="text/csv"
    )


@task()
def write_file(job_id: str) -> None:
    """Count ``params["rows"]`` rows, then write ``params["content"]`` as
    rows.csv, or fail (``params["fail"]``: a message; ``params["crash"]``: an
    error whose text must not reach the user)."""
    job_run(job_id, _write)


def finished_job(user, *, content=b"a,b\n", **fields) -> Job:
    """A succeeded export job of ``user`` with ``content`` as its file in storage,
    offered for 7 more days; ``fields`` override the job's fields."""
    values = {
        "kind": Job.Kind.EXPORT,
        "task_name": write_file.module_path,
        "title": "Rows",
        "created_by": user,
        "status": Job.Status.SUCCEEDED,
        "progress_done": 1,
        "progress_total": 1,
        "filename": "rows.csv",
        "content_type": "text/csv",
        "size": len(content),
        "finished_at": timezone.now(),
        "expires_at": timezone.now() + datetime.timedelta(days=7),
        **fields,
    }
    job = Job.objects.create(**values)
    job.file.save("rows.csv", ContentFile(content))
    return job
