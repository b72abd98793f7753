"""Files in the default storage (``MEDIA_ROOT`` or a bucket): deleting them.

Every file the app keeps (a pending upload, a job's export) is named by a row in
the database, and goes when that row goes or gives the file up. ``files_delete``
removes files at once; ``files_delete_on_commit`` waits until the transaction that
removed their rows commits, so a transaction rolled back never leaves a row
pointing to a file already gone. A file already gone is no error: the clean-up,
an erasure and a cancel may race for the same file, on several servers.

File names are never logged: an upload keeps the name it was uploaded with, which
may hold a person's name.
"""

import contextlib
from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction


def files_delete(names: Iterable[str]) -> int:
    """Delete the files ``names`` (storage names, empty ones skipped) from the
    default storage now; a file already gone is skipped without error. Returns
    how many names were given (not empty), whether or not the file was still
    there."""
    count = 0
    for name in names:
        if not name:
            continue
        count += 1
        # FileSystemStorage ignores a missing file itself; other backends may not.
        with contextlib.suppress(FileNotFoundError):
            default_storage.delete(name)
    return count


def files_delete_on_commit(names: Iterable[str]) -> int:
    """Delete the files ``names`` (as ``files_delete``) once the current
    transaction commits (at once outside a transaction; never if it rolls back).
    Returns how many non-empty names were given. The names are read now, so a
    queryset's ``values_list`` may be passed before its rows are deleted."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: files_delete(names))
    return len(names)
