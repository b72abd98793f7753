"""The files an erasure removes (``setara.privacy.participant_erase``): personal
data at rest outside the database tables that the erasure rewrites.

Two kinds of file may hold an erased person's name, phone or NIK:

- **Pending uploads** (``trainings.ImportUpload``): a sign-in sheet uploaded and
  not yet imported, its file in storage and its clean rows (``parsed``) in the
  row. Whether the person is in one cannot be known without reading it, and a
  reading can miss them (a name spelled otherwise, a file that no longer parses),
  so every pending upload of every training the person is or was in is deleted,
  file and row. The uploader uploads the file again (the preview says the upload
  has expired); an upload already imported holds no file and no rows, and is
  left.
- **Export files of jobs** (``jobs.Job.file``) marked ``personal``: a training's
  participant list (its ``params`` name the training) and the report's
  participant list (chosen by filters such as a period or a region, not by
  training: whether the person was in it is not recorded, and running the filters
  again on today's data would miss someone removed from a training since), so
  every such file still in storage is deleted, expired or not: the job stays,
  shown as expired, and the export is made again in a minute.

Files already downloaded are beyond the app's reach: the README says so. Files are
deleted once the erasure commits (``setara.files``); a file already gone is no
error.
"""

from collections.abc import Iterable

from django.db.models import Q

from jobs.models import Job
from setara.files import files_delete_on_commit
from trainings.imports.pending import uploads_delete
from trainings.models import ImportUpload
from trainings.tasks import report_participants_export

#: Tasks whose files list people chosen by filters, across trainings.
PEOPLE_BY_FILTER_TASKS = [report_participants_export.module_path]


def person_files_delete(*, training_ids: Iterable[int]) -> dict[str, int]:
    """Delete the files that may hold a person who is or was in the trainings
    ``training_ids``: their pending uploads (rows, parsed rows and files) and the
    personal export files described in the module docstring (the jobs keep their
    rows, without a file). Files go once the transaction commits.

    Returns ``{"uploads": <pending uploads deleted>, "upload_files": <their
    files>, "export_files": <export files deleted>}``. A few queries."""
    training_ids = sorted(set(training_ids))
    uploads, upload_files = uploads_delete(
        ImportUpload.objects.filter(training_id__in=training_ids, consumed_at=None)
    )
    exports = Job.objects.filter(personal=True).exclude(file="")
    exports = exports.filter(
        Q(params__training__in=training_ids) | Q(task_name__in=PEOPLE_BY_FILTER_TASKS)
    )
    found = dict(exports.values_list("pk", "file"))
    Job.objects.filter(pk__in=list(found)).update(file="")
    return {
        "uploads": uploads,
        "upload_files": upload_files,
        "export_files": files_delete_on_commit(found.values()),
    }
