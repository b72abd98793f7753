"""Reading the file an export makes, whether it streams straight back (one small
training) or is made by a background job (the report's exports; tests run jobs at
once, inside the request that starts them)."""

from http import HTTPStatus

from django.urls import resolve

from jobs.models import Job


def job_of(response) -> Job:
    """The job whose page ``response`` (the answer to an export's POST) redirects
    to."""
    assert response.status_code == HTTPStatus.FOUND, response
    match = resolve(response["Location"])
    assert match.view_name == "jobs:detail"
    return Job.objects.get(pk=match.kwargs["pk"])


def job_content(job: Job) -> bytes:
    """The file of a job that succeeded."""
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    with job.file.open("rb") as file:
        return file.read()


def start_export(client, url: str, query: dict | None = None):
    """Press the export button: a POST to ``url`` with the report's filters
    ``query`` in the query string."""
    return client.post(url, query_params=query or {})


def export_content(client, url: str, query: dict | None = None) -> bytes:
    """The file the export at ``url`` makes for ``query``: a job's file when the
    POST starts a job, else the attachment streamed back."""
    response = start_export(client, url, query)
    if response.status_code == HTTPStatus.FOUND:
        return job_content(job_of(response))
    assert response.status_code == HTTPStatus.OK, response
    return b"".join(response.streaming_content)
