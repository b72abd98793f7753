"""The uploaded file between the preview and the confirm step.

``UploadStore`` keeps each upload as a database row
(``trainings.models.ImportUpload``) and its file in Django's default storage
(``MEDIA_ROOT`` or an S3-compatible bucket), so the preview and the confirm may be
served by different app servers; each is under a random token that only the
uploading session holds, and belongs to the user who uploaded it.
``PendingUpload`` is one of them, with the user's choices so far. The file's clean
rows are kept with it, so preview and confirm do not read the file again. The
import consumes the upload in its own transaction
(``trainings.services.enrolments_import``), so it runs once, and deletes the file
and the parsed rows (the row stays, empty, so a second confirm is told so).

The file and its parsed rows hold the people of a sign-in sheet, so they live no
longer than needed (issue 17): deleted at the confirm (above), at the preview's
"Cancel import" (``UploadStore.discard``), after ``settings.IMPORT_UPLOAD_EXPIRY``
(``uploads_clean_up``: on the next upload, and by ``manage.py jobs_clean_up``),
with their training, and when a person of the training is erased
(``setara.privacy.participant_erase``). Every one of them goes through
``uploads_delete`` (files through ``setara.files``, after the commit).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from setara.files import files_delete, files_delete_on_commit

from ..models import ImportUpload
from .plan import ImportOptions
from .rows import ParsedFile, read_participant_file

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{20,64}$")


@dataclass
class PendingUpload:
    """One uploaded file waiting for the user to confirm its import.

    ``upload_id`` is its ImportUpload row; ``consumed`` is True once it was
    imported (then only its name is left). ``parsed_key`` and ``parsed`` are the
    cached clean rows as stored (see ``parse``).
    """

    token: str
    training_id: int
    filename: str
    options: ImportOptions
    upload_id: int
    consumed: bool = False
    parsed_key: str = ""
    parsed: str = ""

    @classmethod
    def from_row(cls, row: ImportUpload) -> PendingUpload:
        """The PendingUpload of an ImportUpload row."""
        return cls(
            token=row.token,
            training_id=row.training_id,
            filename=row.filename,
            options=ImportOptions.from_dict(row.options),
            upload_id=row.pk,
            consumed=row.consumed_at is not None,
            parsed_key=row.parsed_key,
            parsed=row.parsed,
        )

    def read(self) -> bytes:
        """The file's bytes from storage (one query for its name); empty once the
        upload was imported or when the file is gone (deleted as expired)."""
        name = (
            ImportUpload.objects.filter(pk=self.upload_id)
            .values_list("file", flat=True)
            .first()
        )
        if not name:
            return b""
        try:
            with default_storage.open(name, "rb") as file:
                return file.read()
        except FileNotFoundError:
            return b""

    def parse(self, *, days: Sequence[datetime.date]) -> ParsedFile:
        """The file's clean rows for these training days and the current options.

        The file is read once per (days, options); the result is stored with the
        upload as JSON text, so preview and confirm do not read it again (on any
        server). Raises ImportFileError as ``read_participant_file`` does.
        """
        blank = self.options.blank_sex_is_not_recorded
        key = f"{blank}|{','.join(d.isoformat() for d in days)}"
        if self.parsed and self.parsed_key == key:
            try:
                return ParsedFile.from_json(json.loads(self.parsed))
            except (ValueError, KeyError, TypeError):
                pass  # written by another version: read the file again
        parsed = read_participant_file(
            self.read(), self.filename, days=days, blank_sex_is_not_recorded=blank
        )
        self.parsed_key, self.parsed = key, json.dumps(parsed.to_json())
        ImportUpload.objects.filter(pk=self.upload_id, consumed_at=None).update(
            parsed_key=self.parsed_key, parsed=self.parsed
        )
        return parsed


def _base_name(filename: str) -> str:
    """The file's own name, without folders (either kind of slash) or control
    characters, at most 200 characters."""
    name = PureWindowsPath(PurePosixPath(filename).name).name
    return "".join(c for c in name if c.isprintable())[:200]


class UploadStore:
    """The uploads of one session and user, each under a random token.

    The file and the user's choices are in the database; the session holds only
    the tokens, so a token is usable only by the session (and the user) that
    uploaded the file, and never appears in another user's session.
    """

    SESSION_KEY = "participant_import_tokens"

    def __init__(self, session, user):
        self.session = session
        self.user = user

    def _tokens(self) -> list[str]:
        tokens = self.session.get(self.SESSION_KEY)
        return tokens if isinstance(tokens, list) else []

    def _set_tokens(self, tokens: list[str]) -> None:
        self.session[self.SESSION_KEY] = tokens
        self.session.modified = True

    def add(self, *, training_id: int, filename: str, data: bytes,
            options: ImportOptions) -> PendingUpload:  # fmt: skip
        """Store ``data`` (the file in the default storage, the row in the
        database) and return its PendingUpload; expired uploads (anyone's) are
        deleted on the way, and the session forgets tokens whose upload is
        gone."""
        _expired_delete(timezone.now())
        kept = set(
            ImportUpload.objects.filter(token__in=self._tokens()).values_list(
                "token", flat=True
            )
        )
        row = ImportUpload(
            token=secrets.token_urlsafe(24),
            training_id=training_id,
            user=self.user,
            filename=_base_name(filename),
            options=options.to_dict(),
        )
        stored_name = get_valid_filename(row.filename) if row.filename else ""
        row.file.save(stored_name or "upload", ContentFile(data), save=False)
        try:
            row.save()
        except BaseException:
            files_delete([row.file.name])
            raise
        # A request that fails after this (a 500) rolls the row back and leaves
        # the file without a row: uploads_clean_up sweeps it a month later.
        self._set_tokens([t for t in self._tokens() if t in kept] + [row.token])
        return PendingUpload.from_row(row)

    def get(self, token: str, training_id: int) -> PendingUpload | None:
        """The upload under ``token`` for this training (one query, without the
        file's bytes), or None if this session and user do not hold the token or
        the upload is gone (deleted, or older than ``IMPORT_UPLOAD_EXPIRY``). An upload
        already imported is returned with ``consumed`` True."""
        if not _TOKEN_RE.match(token or "") or token not in self._tokens():
            return None
        row = ImportUpload.objects.filter(
            token=token,
            training_id=training_id,
            user_id=self.user.pk,
            created_at__gte=self._cutoff(),
        ).first()
        return PendingUpload.from_row(row) if row else None

    def save_options(self, pending: PendingUpload) -> None:
        """Remember ``pending.options`` (the user's choices) with the upload."""
        ImportUpload.objects.filter(pk=pending.upload_id).update(
            options=pending.options.to_dict()
        )

    def discard(self, pending: PendingUpload) -> None:
        """Delete the upload (row, file and parsed rows) and forget its token."""
        uploads_delete(ImportUpload.objects.filter(pk=pending.upload_id))
        self._set_tokens([t for t in self._tokens() if t != pending.token])

    @staticmethod
    def _cutoff() -> datetime.datetime:
        return timezone.now() - settings.IMPORT_UPLOAD_EXPIRY


def uploads_delete(uploads) -> tuple[int, int]:
    """Delete the ImportUpload rows of the queryset ``uploads`` with their parsed
    rows (a column of the row) and, once the deletion is committed, their files
    (``setara.files.files_delete_on_commit``: a file already gone is no error).
    Returns ``(rows deleted, files deleted)``; an upload already imported has no
    file left."""
    with transaction.atomic():
        names = list(uploads.exclude(file="").values_list("file", flat=True))
        deleted, _per_model = uploads.delete()
        return deleted, files_delete_on_commit(names)


def uploads_clean_up(now: datetime.datetime) -> dict[str, int]:
    """Delete the uploads older than ``settings.IMPORT_UPLOAD_EXPIRY`` at ``now``
    (anyone's, imported or not): their rows, and their files from the default
    storage once the deletion is committed. Then sweep the files left without a
    row (a request that failed after writing the file, a deleted training): every
    file of a month folder ``imports/<yyyy>/<mm>/`` that ended more than the
    expiry before ``now``, since every upload of that month has expired.

    Returns ``{"uploads_deleted": <rows>, "upload_files_swept": <files>}``.
    Called by ``manage.py jobs_clean_up`` (a hook in
    ``settings.JOBS_CLEAN_UP_HOOKS``); an upload deletes the expired rows only.
    Safe to run on several servers at once (a file already gone is ignored).
    """
    return {
        "uploads_deleted": _expired_delete(now),
        "upload_files_swept": _old_months_sweep(now - settings.IMPORT_UPLOAD_EXPIRY),
    }


def _expired_delete(now: datetime.datetime) -> int:
    expired = ImportUpload.objects.filter(
        created_at__lt=now - settings.IMPORT_UPLOAD_EXPIRY
    )
    return uploads_delete(expired)[0]


def _old_months_sweep(cutoff: datetime.datetime) -> int:
    """Delete the files under ``imports/<yyyy>/<mm>/`` for months that ended
    before ``cutoff``; returns how many files were deleted."""
    try:
        years, _files = default_storage.listdir("imports")
    except FileNotFoundError:
        return 0
    swept = 0
    for year in years:
        months, _files = default_storage.listdir(f"imports/{year}")
        for month in months:
            if not (
                year.isascii()
                and year.isdigit()
                and month.isascii()
                and month.isdigit()
                and 1 <= int(month) <= 12
            ):
                continue
            next_year, next_month = divmod(int(year) * 12 + int(month), 12)
            month_end = datetime.datetime(
                next_year, next_month + 1, 1, tzinfo=datetime.UTC
            )
            if month_end <= cutoff:
                swept += _tree_delete(f"imports/{year}/{month}")
    return swept


def _tree_delete(folder: str) -> int:
    """Delete every file under ``folder`` in the default storage (and, on a
    local disk, the emptied folders); returns how many files were deleted."""
    folders, files = default_storage.listdir(folder)
    files_delete(f"{folder}/{name}" for name in files)
    deleted = len(files) + sum(_tree_delete(f"{folder}/{sub}") for sub in folders)
    # Not a local disk (a bucket has no folders), or not empty: nothing to do.
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(folder))
    return deleted
