"""The uploaded file between the preview and the confirm step.

``UploadStore`` keeps a session's uploads in a private temporary directory, each
under a random token known only to the uploading session; ``PendingUpload`` is one
of them, with the user's choices so far. The file's clean rows are kept beside it,
so preview and confirm do not read the file again.
"""

from __future__ import annotations

import contextlib
import datetime
import glob
import hashlib
import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .plan import ImportOptions
from .rows import ParsedFile, read_participant_file

#: Uploaded files older than this are deleted (seconds).
PENDING_MAX_AGE = 24 * 3600
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{20,64}$")


def pending_dir() -> Path:
    """Where uploaded files wait for confirmation: ``PARTICIPANT_IMPORT_DIR`` in
    settings, else ``setara-imports`` in the system's temporary directory."""
    configured = getattr(settings, "PARTICIPANT_IMPORT_DIR", None)
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / "setara-imports"


@dataclass
class PendingUpload:
    """One uploaded file waiting for the user to confirm its import."""

    token: str
    training_id: int
    filename: str
    options: ImportOptions

    @property
    def path(self) -> Path:
        """Where the file is kept (it may be gone)."""
        return pending_dir() / self.token

    def read(self) -> bytes:
        """The file's bytes; raises OSError if it is gone."""
        return self.path.read_bytes()

    def parse(self, *, days: Sequence[datetime.date]) -> ParsedFile:
        """The file's clean rows for these training days and the current options.

        The file is read once per (days, options); the result is kept beside it as
        JSON (deleted with it), so preview and confirm do not read it again.
        Raises ImportFileError as ``read_participant_file`` does.
        """
        blank = self.options.blank_sex_is_not_recorded
        key = f"{blank}|{','.join(d.isoformat() for d in days)}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        cache = self.path.with_name(f"{self.token}.{digest}.json")
        if cache.is_file():
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                return ParsedFile.from_json(json.loads(cache.read_bytes()))
        parsed = read_participant_file(
            self.read(), self.filename, days=days, blank_sex_is_not_recorded=blank
        )
        _write_private(cache, json.dumps(parsed.to_json()).encode())
        return parsed


def _check_private(directory: Path) -> None:
    """Refuse a directory that another user owns or may write to: the files in
    it hold personal data and are read back as this import's rows."""
    info = directory.stat()
    foreign = hasattr(os, "getuid") and info.st_uid != os.getuid()
    if foreign or info.st_mode & 0o077:
        raise ImproperlyConfigured(
            f"{directory} must belong to this user with mode 0700; set "
            "PARTICIPANT_IMPORT_DIR to a private directory."
        )


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only this user can read, replacing any file of that name."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class UploadStore:
    """The uploads of one session, each under a random token.

    The file goes to a private temporary file named by the token (never the
    database or the session, which may be logged or cached); the session holds the
    token, the training, the file name and the user's choices, so a token is only
    usable by the session that uploaded the file.
    """

    SESSION_KEY = "participant_imports"

    def __init__(self, session):
        self.session = session

    def _entries(self) -> dict:
        return self.session.setdefault(self.SESSION_KEY, {})

    def add(self, *, training_id: int, filename: str, data: bytes,
            options: ImportOptions) -> PendingUpload:  # fmt: skip
        """Store ``data`` and return its PendingUpload; files older than
        ``PENDING_MAX_AGE`` are removed on the way. Raises ImproperlyConfigured
        when the upload directory is not private."""
        directory = pending_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _check_private(directory)
        self._remove_stale(directory)
        entries = self._entries()
        for stale in [t for t in entries if not (directory / t).is_file()]:
            del entries[stale]
        token = secrets.token_urlsafe(24)
        _write_private(directory / token, data)
        entries[token] = {
            "training": training_id,
            "filename": Path(filename).name[:200],
            "options": options.to_dict(),
        }
        self.session.modified = True
        return self.get(token, training_id)

    def get(self, token: str, training_id: int) -> PendingUpload | None:
        """The upload under ``token`` for this training, or None if the token is
        unknown to this session or its file is gone."""
        if not _TOKEN_RE.match(token or ""):
            return None
        entry = self._entries().get(token)
        if not entry or entry["training"] != training_id:
            return None
        pending = PendingUpload(
            token=token,
            training_id=training_id,
            filename=entry["filename"],
            options=ImportOptions.from_dict(entry["options"]),
        )
        return pending if pending.path.is_file() else None

    def save_options(self, pending: PendingUpload) -> None:
        """Remember ``pending.options`` (the user's choices) in the session."""
        self._entries()[pending.token]["options"] = pending.options.to_dict()
        self.session.modified = True

    def discard(self, pending: PendingUpload) -> None:
        """Delete the file (and its parsed rows) and forget the token."""
        for path in pending.path.parent.glob(f"{glob.escape(pending.token)}*"):
            path.unlink(missing_ok=True)
        self._entries().pop(pending.token, None)
        self.session.modified = True

    @staticmethod
    def _remove_stale(directory: Path) -> None:
        cutoff = time.time() - PENDING_MAX_AGE
        for path in directory.iterdir():
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
