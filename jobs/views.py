"""The pages of background jobs: a job's progress (and its JSON for the progress
script), the download of its file, and "My downloads".

Who sees what: a job's page and status are for the user who started it and for
admins (``jobs.view_job``); anyone else gets 404, so job ids do not reveal that a
job exists. The file is for the user who started it only, while they still hold
the job's ``permission`` (see ``Job.downloadable_by``); every download of a file
with personal data is recorded in the export log.
"""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView
from django_filters.views import FilterView

from setara.export_log import export_log_record
from setara.pagination import ForgivingPaginationMixin

from .filters import JobFilterSet
from .models import Job
from .services import jobs_fail_stale


def job_for(user, pk) -> Job:
    """The job ``pk`` if ``user`` may see it (theirs, or any for an admin);
    ``Http404`` otherwise. A job whose worker died (``Job.is_stale``) is marked
    failed first, so its page does not say "Running" until the clean-up runs."""
    job = get_object_or_404(Job.objects.select_related("created_by"), pk=pk)
    if job.created_by_id != user.pk and not user.has_perm("jobs.view_job"):
        raise Http404
    if job.is_stale:
        jobs_fail_stale(Job.objects.filter(pk=job.pk))
        job.refresh_from_db()
    return job


def job_status(job: Job, user) -> dict:
    """What the progress script needs (``jobs:status``): ``status`` (a
    ``Job.Status`` value) and its ``status_label``; ``done``, ``total`` (null while
    unknown) and ``percent`` (0-100, null while unknown); ``progress_text``;
    ``download_url`` (null unless ``user`` may download the file now);
    ``expired`` (true when the job's file was offered and has expired: the label
    then says "Expired"); ``error`` (the failure message or null); ``next_url``
    and ``message`` from the job's ``result`` (an import's training page and
    summary), or null."""
    download_url = None
    if job.downloadable_by(user):
        download_url = reverse("jobs:download", args=[job.pk])
    expired = job.is_expired
    return {
        "status": job.status,
        "status_label": _("Expired") if expired else job.get_status_display(),
        "expired": expired,
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "progress_text": job.progress_text,
        "download_url": download_url,
        "error": (job.error_message or None)
        if job.status == Job.Status.FAILED
        else None,
        "next_url": job.result.get("next_url") or None,
        "message": job.result.get("message") or None,
    }


class JobDetailView(DetailView):
    """A job's page: its progress (updated by static/js/job-progress.js, or by the
    Refresh link without JavaScript), its failure message, or its download."""

    template_name = "jobs/job_detail.html"
    context_object_name = "job"

    def get_object(self, queryset=None):
        return job_for(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            status=job_status(self.object, self.request.user), **kwargs
        )


class JobStatusView(View):
    """The job's status as JSON (see ``job_status``), polled by the job's page."""

    def get(self, request, pk):
        response = JsonResponse(job_status(job_for(request.user, pk), request.user))
        response["Cache-Control"] = "no-store"
        return response


class JobDownloadView(View):
    """The job's file, streamed from storage as an attachment: only for the user
    who started the job (404 for anyone else), only while they hold its
    permission (403), only while it is offered (a page saying it has expired);
    a file with personal data is recorded in the export log first."""

    def get(self, request, pk):
        job = get_object_or_404(Job, pk=pk, created_by=request.user)
        if job.permission and not request.user.has_perm(job.permission):
            raise PermissionDenied
        if job.status != Job.Status.SUCCEEDED or not job.filename:
            return redirect(job)
        if not job.is_downloadable:
            return self.unavailable(request, job, HTTPStatus.GONE)
        try:
            file = job.file.open("rb")
        except FileNotFoundError:
            return self.unavailable(request, job, HTTPStatus.NOT_FOUND, missing=True)
        if job.personal:
            export_log_record(
                user=request.user,
                export=job.log_export or "jobs:download",
                filters=job.log_filters,
                row_count=job.progress_done,
            )
        response = FileResponse(
            file,
            as_attachment=True,
            filename=job.filename,
            content_type=job.content_type or "application/octet-stream",
        )
        response["Cache-Control"] = "private, no-store"
        return response

    def unavailable(self, request, job, status, *, missing=False):
        if missing:
            message = _(
                "The file of this job is no longer in storage. Start the export "
                "again to get a new one."
            )
        else:
            message = _(
                "This file has expired and was removed. Start the export again to "
                "get a new one."
            )
        return render(
            request,
            "jobs/job_unavailable.html",
            {"job": job, "message": message},
            status=status,
        )


class JobListView(ForgivingPaginationMixin, FilterView):
    """ "My downloads": the user's jobs of the last 30 days, newest first; an admin
    (``jobs.view_job``) sees everyone's, with who started them, and can keep the
    failed ones (``?status=failed``). A fixed number of queries."""

    filterset_class = JobFilterSet
    template_name = "jobs/job_list.html"
    paginate_by = 25

    def get_queryset(self):
        return Job.objects.visible_to(self.request.user).recent()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["sees_all"] = user.has_perm("jobs.view_job")
        context["file_days"] = settings.JOBS_FILE_EXPIRY.days
        context["rows"] = [
            (job, job.downloadable_by(user)) for job in context["object_list"]
        ]
        return context
