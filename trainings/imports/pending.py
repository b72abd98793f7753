"""The uploaded file between the preview and the confirm step.

``UploadStore`` keeps uploads in the database (``trainings.models.ImportUpload``),
so the preview and the confirm may be served by different app servers; each is
under a random token that only the uploading session holds, and belongs to the
user who uploaded it. ``PendingUpload`` is one of them, with the user's choices
so far. The file's clean rows are kept with it, so preview and confirm do not read
the file again. The import consumes the upload in its own transaction
(``trainings.services.enrolments_import``), so it runs once.
"""

from __future__ import annotations

import datetime
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.utils import timezone

from ..models import ImportUpload
from .plan import ImportOptions
from .rows import ParsedFile, read_participant_file

#: Uploads older than this are deleted (seconds).
PENDING_MAX_AGE = 24 * 3600
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
        """The PendingUpload of an ImportUpload row (its ``data`` may be deferred)."""
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
        """The file's bytes (one query); empty once the upload was imported."""
        data = (
            ImportUpload.objects.filter(pk=self.upload_id)
            .values_list("data", flat=True)
            .first()
        )
        return bytes(data or b"")

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
        """Store ``data`` and return its PendingUpload; uploads older than
        ``PENDING_MAX_AGE`` (anyone's) are deleted on the way, and the session
        forgets tokens whose upload is gone."""
        ImportUpload.objects.filter(created_at__lt=self._cutoff()).delete()
        kept = set(
            ImportUpload.objects.filter(token__in=self._tokens()).values_list(
                "token", flat=True
            )
        )
        row = ImportUpload.objects.create(
            token=secrets.token_urlsafe(24),
            training_id=training_id,
            user=self.user,
            filename=_base_name(filename),
            data=data,
            options=options.to_dict(),
        )
        self._set_tokens([t for t in self._tokens() if t in kept] + [row.token])
        return PendingUpload.from_row(row)

    def get(self, token: str, training_id: int) -> PendingUpload | None:
        """The upload under ``token`` for this training (one query, without the
        file's bytes), or None if this session and user do not hold the token or
        the upload is gone (deleted, or older than ``PENDING_MAX_AGE``). An upload
        already imported is returned with ``consumed`` True."""
        if not _TOKEN_RE.match(token or "") or token not in self._tokens():
            return None
        row = (
            ImportUpload.objects.defer("data")
            .filter(
                token=token,
                training_id=training_id,
                user_id=self.user.pk,
                created_at__gte=self._cutoff(),
            )
            .first()
        )
        return PendingUpload.from_row(row) if row else None

    def save_options(self, pending: PendingUpload) -> None:
        """Remember ``pending.options`` (the user's choices) with the upload."""
        ImportUpload.objects.filter(pk=pending.upload_id).update(
            options=pending.options.to_dict()
        )

    def discard(self, pending: PendingUpload) -> None:
        """Delete the upload (file and parsed rows) and forget its token."""
        ImportUpload.objects.filter(pk=pending.upload_id).delete()
        self._set_tokens([t for t in self._tokens() if t != pending.token])

    @staticmethod
    def _cutoff() -> datetime.datetime:
        return timezone.now() - datetime.timedelta(seconds=PENDING_MAX_AGE)
