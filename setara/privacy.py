"""A person's rights over their data under UU PDP No. 27/2022: access and erasure,
for admins; the pages and the services behind them.

They read and rewrite a person's record together with their enrolments,
attendance, change history and the export log, so they live above the apps.

``participant_personal_data`` gathers everything held about one person for an
access request (Art. 7 and 32: the right to obtain a copy). ``participant_erase``
removes their personal data (Art. 8 and 43) from the registry and its change
history while keeping what anonymous reports count: sex, disability, agency,
enrolments and attendance.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.functions import Cast
from django.forms.models import model_to_dict
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView

from certificates.models import Certificate
from certificates.services import certificates_withdraw_erased
from participants.models import ExportLog, Participant, ParticipantMerge
from participants.normalisation import normalise_name
from registrations.models import Registration
from trainings.models import Attendance, Enrolment

from .erasure_files import person_files_delete
from .export_log import export_log_record_request

#: Participant fields that identify or contact a person, emptied on erasure.
ERASED_FIELDS = {
    "phone": "",
    "email": "",
    "nik": "",
    "birth_date": None,
    "birth_year": None,
    "village": "",
    "village_region_id": None,
    "position": "",
}

#: What an access request shows of each of the person's certificates.
CERTIFICATE_FIELDS = [
    "number",
    "name",
    "enrolment_id",
    "issued_at",
    "revoked_at",
    "revoke_reason",
]

#: What replaces an erased value inside other records (export-log filters).
ERASED_MARK = "[erased]"

ERASURE_REASON = "erased on request"


def _jsonable(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _row(instance, fields) -> dict:
    return {name: _jsonable(getattr(instance, name)) for name in fields}


def _records(participant: Participant, field: str = "id") -> models.Q:
    """Rows whose ``field`` is the person's record or a record merged into it
    (``ParticipantMerge`` rows still standing: their data is the same person's),
    as a condition with a subquery (no query of its own)."""
    merged = ParticipantMerge.objects.filter(
        survivor=participant, undone_at__isnull=True
    ).values("duplicate_id")
    return models.Q(**{field: participant.pk}) | models.Q(**{f"{field}__in": merged})


def _identifiers(participant: Participant) -> list[str]:
    """Values that identify ``participant`` in free text: every name, phone and NIK
    the person's records have had (from their history), longest first."""
    values = set()
    for row in Participant.history.filter(_records(participant)).values(
        "full_name", "phone", "nik", "email"
    ):
        values |= {value for value in row.values() if value}
    return sorted(values, key=len, reverse=True)


def _erase_merge_records(participant: Participant, erased: dict) -> None:
    """Blank the personal values kept by merges of the person's records (the
    merged record's snapshot and the kept record's values before and after)."""
    merges = ParticipantMerge.objects.filter(
        models.Q(survivor=participant) | models.Q(duplicate_id=participant.pk)
    )
    for merge in merges:
        for name in ("duplicate_data", "survivor_before", "survivor_after"):
            data = getattr(merge, name)
            for key in erased:
                if data.get(key):
                    data[key] = erased[key]
        merge.save(
            update_fields=["duplicate_data", "survivor_before", "survivor_after"]
        )


#: Exports of one training's people, whose log filters hold the training's ``pk``.
TRAINING_EXPORTS = [
    "trainings:export_participants",
    "trainings:signin_sheet_pdf",
    "certificates:issue_all",
]


def _export_logs_mentioning(participant: Participant, identifiers: list[str]):
    """Export-log rows whose filters name the person or their participant id, and
    exports of the people of a training they are enrolled in."""
    text = Cast("filters", models.TextField())
    trainings = Enrolment.objects.filter(participant=participant).values_list(
        "training_id", flat=True
    )
    condition = (
        models.Q(filters__participant=str(participant.pk))
        | models.Q(filters__participant=participant.pk)
        | models.Q(
            export__in=TRAINING_EXPORTS,
            filters__pk__in=[str(pk) for pk in trainings],
        )
    )
    for value in identifiers:
        condition |= models.Q(filters_text__contains=value)
    return ExportLog.objects.annotate(filters_text=text).filter(condition)


def _person_data(participant: Participant) -> dict:
    """The person's record (its village region as ``{"code", "label"}``) and
    agency, as JSON-ready dicts."""
    fields = [
        f.name
        for f in Participant._meta.concrete_fields
        if f.name not in {"normalised_name"}
    ]
    record = {
        **model_to_dict(participant, fields=fields),
        "id": participant.pk,
        "created_at": participant.created_at,
        "updated_at": participant.updated_at,
        "erased_at": participant.erased_at,
    }
    village = participant.village_region
    record["village_region"] = (
        {"code": village.code, "label": village.label} if village else None
    )
    agency = participant.agency
    return {
        "participant": {key: _jsonable(value) for key, value in record.items()},
        "agency": {
            "id": agency.pk,
            "name": agency.name,
            "type": agency.type,
            "region": str(agency.region) if agency.region_id else None,
        }
        if agency
        else None,
    }


def _enrolment_data(participant: Participant) -> list[dict]:
    """The person's enrolments, first training first, with attendance per day."""
    enrolments = (
        Enrolment.objects.filter(participant=participant)
        .select_related("training__region")
        .prefetch_related(
            models.Prefetch("attendances", Attendance.objects.order_by("date"))
        )
        .order_by("training__start_date", "id")
    )
    return [
        {
            "id": enrolment.pk,
            "training": {
                "id": enrolment.training_id,
                "title": enrolment.training.title,
                "region": str(enrolment.training.region),
                "start_date": _jsonable(enrolment.training.start_date),
                "end_date": _jsonable(enrolment.training.end_date),
            },
            "role": enrolment.role,
            "created_at": _jsonable(enrolment.created_at),
            "attendance": [
                {"date": _jsonable(a.date), "present": a.present}
                for a in enrolment.attendances.all()
            ],
        }
        for enrolment in enrolments
    ]


def _history_data(participant: Participant) -> list[dict]:
    """Every history row of the person's record, enrolments and attendance,
    oldest first, with its field values."""
    enrolment_history = Enrolment.history.filter(
        _records(participant, "participant_id")
    )
    sources = [
        ("participant", Participant.history.filter(_records(participant))),
        ("enrolment", enrolment_history),
        (
            "attendance",
            Attendance.history.filter(enrolment_id__in=enrolment_history.values("id")),
        ),
    ]
    history = []
    for record, queryset in sources:
        fields = [f.attname for f in queryset.model.tracked_fields]
        for row in queryset.select_related("history_user").order_by("history_date"):
            history.append(
                {
                    "record": record,
                    "date": _jsonable(row.history_date),
                    "type": row.history_type,
                    "user": str(row.history_user) if row.history_user else None,
                    "reason": row.history_change_reason,
                    "values": _row(row, fields),
                }
            )
    history.sort(key=lambda entry: entry["date"])
    return history


def participant_personal_data(participant: Participant) -> dict:
    """Everything held about ``participant``, as a JSON-ready dict: ``participant``
    (every field), ``agency``, ``enrolments`` (training, role, attendance per day),
    ``history`` (the person's record and their enrolments and attendance, each row
    with date, type + ~ -, user and field values), ``certificates`` (number, name
    as printed, training, issued and revoked) and ``export_log`` (exports whose
    filters name them, and exports of the people of a training they are in).
    Dates are ISO 8601; a fixed number of queries."""
    logs = _export_logs_mentioning(participant, _identifiers(participant))
    return {
        "generated_at": _jsonable(timezone.now()),
        **_person_data(participant),
        "enrolments": _enrolment_data(participant),
        "registrations": _registration_data(participant),
        "certificates": [
            _row(certificate, CERTIFICATE_FIELDS)
            for certificate in Certificate.objects.filter(
                _records(participant, "enrolment__participant_id")
            ).order_by("issued_at", "id")
        ],
        "history": _history_data(participant),
        "export_log": [
            {
                "date": _jsonable(log.created_at),
                "user": str(log.user),
                "export": log.export,
                "filters": log.filters,
                "rows": log.row_count,
            }
            for log in logs.select_related("user")
        ],
    }


def _registration_data(participant: Participant) -> list[dict]:
    """The person's self-registrations (the public form's records linked to them
    when staff accepted them), every field as submitted, in one query."""
    fields = [
        f.attname
        for f in Registration._meta.concrete_fields
        if f.name not in ("device_key", "submission_token")
    ]
    return [
        _row(registration, fields)
        for registration in Registration.objects.filter(participant=participant)
    ]


def _scrub(value, identifiers: list[str]):
    """``value`` (JSON data) with each identifier in a string replaced."""
    if isinstance(value, str):
        for identifier in identifiers:
            value = value.replace(identifier, ERASED_MARK)
        return value
    if isinstance(value, list):
        return [_scrub(item, identifiers) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, identifiers) for key, item in value.items()}
    return value


@dataclass
class ErasureResult:
    """What ``participant_erase`` did. Removed: ``registrations`` (the person's
    self-registrations), ``uploads`` (pending uploads of their trainings) and the
    files deleted from storage, ``upload_files`` and ``export_files``
    (``setara.erasure_files``). Kept without personal data, for the reports:
    ``enrolments`` and ``attendance`` (marks, present or absent)."""

    participant: Participant
    registrations: int = 0
    uploads: int = 0
    upload_files: int = 0
    export_files: int = 0
    enrolments: int = 0
    attendance: int = 0

    @property
    def files(self) -> int:
        """Files deleted from storage: the uploads' and the exports'."""
        return self.upload_files + self.export_files

    def summary(self) -> str:
        """The counts as one sentence, in the active language."""
        return gettext(
            "Removed: self-registrations %(registrations)s; sign-in sheets uploaded "
            "and not yet imported %(uploads)s; files (uploads and exports) "
            "%(files)s. Kept without personal data: enrolments %(enrolments)s; "
            "attendance marks %(attendance)s."
        ) % {
            "registrations": self.registrations,
            "uploads": self.uploads,
            "files": self.files,
            "enrolments": self.enrolments,
            "attendance": self.attendance,
        }


def _trainings_of(record_ids) -> set[int]:
    """The ids of the trainings the person's records (``record_ids``) are or
    were enrolled in (from the enrolments' history: removals included) or
    registered for."""
    enrolled = Enrolment.history.filter(participant_id__in=record_ids)
    registered = Registration.objects.filter(participant_id__in=record_ids)
    return set(enrolled.values_list("training_id", flat=True)) | set(
        registered.values_list("training_id", flat=True)
    )


def _kept_counts(record_ids) -> dict[str, int]:
    """``{"enrolments", "attendance"}``: the person's rows that an erasure keeps,
    without personal data (two queries)."""
    return {
        "enrolments": Enrolment.objects.filter(participant_id__in=record_ids).count(),
        "attendance": Attendance.objects.filter(
            enrolment__participant_id__in=record_ids
        ).count(),
    }


@transaction.atomic
def participant_erase(*, participant: Participant, user) -> ErasureResult:
    """Erase ``participant``'s personal data on their request, for good.

    The name becomes "Erased participant #<id>"; phone, email, NIK, birth date and
    year, village (as written and as a region) and position are emptied, in the
    record and in every history row of it and of the records merged into it;
    ``erased_at`` is set. Names in the admin's action log, values in export-log
    filters and the values kept by merges are blanked too. Sex, disability,
    agency, enrolments and attendance stay, so past reports keep their anonymous
    counts. Their self-registrations are deleted; their certificates are revoked
    and their printed name removed. Files that may hold them go too, once this
    commits: the pending uploads of their trainings and the personal export
    files (``setara.erasure_files``). Returns an ``ErasureResult`` (what was
    removed and kept, counted). Raises nothing for an already
    erased person (it erases again, which is harmless).
    """
    identifiers = _identifiers(participant)
    name = gettext("Erased participant #%(id)s") % {"id": participant.pk}
    erased = {
        **ERASED_FIELDS,
        "full_name": name,
        "normalised_name": normalise_name(name),
    }
    for field_name, value in erased.items():
        setattr(participant, field_name, value)
    participant.erased_at = timezone.now()
    participant._history_user = user
    participant._change_reason = ERASURE_REASON
    participant.save()
    record_ids = set(
        Participant.history.filter(_records(participant)).values_list("id", flat=True)
    )
    Participant.history.filter(id__in=record_ids).update(**erased)
    _erase_merge_records(participant, erased)
    # The public form's records of the person hold their name, phone and NIK as
    # typed: deleted (their check-ins with them; attendance stays). A waiting
    # registration that only looked like them keeps its data, not the link.
    training_ids = _trainings_of(record_ids)  # before their registrations go
    _count, deleted = Registration.objects.filter(
        participant_id__in=record_ids
    ).delete()
    Registration.objects.filter(match_id__in=record_ids).update(
        match=None, match_reason=""
    )
    # Their certificates are revoked and the printed name removed (also from the
    # certificates' history): the verification page then says "withdrawn".
    certificates_withdraw_erased(participant_ids=record_ids, user=user)

    # str() of a participant, enrolment or attendance holds the name, and the
    # admin's action log keeps it in object_repr and change_message.
    enrolment_ids = list(
        Enrolment.history.filter(participant_id__in=record_ids)
        .values_list("id", flat=True)
        .distinct()
    )
    attendance_ids = list(
        Attendance.history.filter(enrolment_id__in=enrolment_ids)
        .values_list("id", flat=True)
        .distinct()
    )
    types = ContentType.objects.get_for_models(Participant, Enrolment, Attendance)
    for model, ids in (
        (Participant, record_ids),
        (Enrolment, enrolment_ids),
        (Attendance, attendance_ids),
    ):
        LogEntry.objects.filter(
            content_type=types[model], object_id__in=[str(pk) for pk in ids]
        ).update(object_repr=name, change_message="")

    for log in _export_logs_mentioning(participant, identifiers):
        filters = _scrub(log.filters, identifiers)
        if filters != log.filters:
            ExportLog.objects.filter(pk=log.pk).update(filters=filters)
    return ErasureResult(
        participant=participant,
        registrations=deleted.get(Registration._meta.label, 0),
        **person_files_delete(training_ids=training_ids),
        **_kept_counts(record_ids),
    )


class ParticipantAccessRequestView(PermissionRequiredMixin, DetailView):
    """Everything held about one person as a JSON download (an access request
    under UU PDP); recorded in the export log."""

    # Reading personal data, its history and the export log: the Admin role.
    permission_required = (
        "participants.export_personal_data",
        "participants.view_historicalparticipant",
        "participants.view_exportlog",
    )
    queryset = Participant.objects.select_related(
        "agency__region", "village_region__parent__parent__parent"
    )

    def render_to_response(self, context, **response_kwargs):
        data = participant_personal_data(self.object)
        export_log_record_request(
            self.request, filters={"participant": str(self.object.pk)}, row_count=1
        )
        response = JsonResponse(data, json_dumps_params={"indent": 2})
        filename = f"participant-{self.object.pk}-personal-data.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ParticipantEraseView(PermissionRequiredMixin, DetailView):
    """Erase a person's personal data on their request, after a confirmation page
    that says what goes and what stays."""

    # Erasure rewrites the change history: only the Admin role may change it.
    permission_required = (
        "participants.change_participant",
        "participants.change_historicalparticipant",
    )
    queryset = Participant.objects.select_related("agency")
    template_name = "participants/participant_confirm_erase.html"

    def post(self, request, *args, **kwargs):
        participant = self.get_object()
        result = participant_erase(participant=participant, user=request.user)
        messages.success(
            request,
            _(
                "The personal data of participant #%(id)s was erased. Their sex, "
                "agency and attendance remain in the reports."
            )
            % {"id": participant.pk},
        )
        messages.info(request, result.summary())
        return redirect(participant)


app_name = "privacy"

urlpatterns = [
    path("<int:pk>/erase/", ParticipantEraseView.as_view(), name="erase"),
    path(
        "<int:pk>/personal-data.json",
        ParticipantAccessRequestView.as_view(),
        name="access_request",
    ),
]
