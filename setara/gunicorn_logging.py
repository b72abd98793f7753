"""gunicorn's access log with every value escaped, so a request cannot forge or
break log lines (``gunicorn.conf.py`` sets ``logger_class`` to ``AccessLogger``).

gunicorn writes the decoded path (``%(U)s``), the user agent and any other value
as sent: a path of ``/jobs/%0a127.0.0.1 - admin ...`` would start a second, fake
line, and a NUL makes the log a binary file to ``grep``. As nginx does, each
backslash becomes ``\\\\`` and each control character (C0 ``\\x00``-``\\x1f``,
DEL ``\\x7f``, C1 ``\\x80``-``\\x9f``) and Unicode line or paragraph separator
becomes ``\\xNN`` (``\\uNNNN``), in every atom; gunicorn then escapes ``"``.
"""

import re

from gunicorn.glogging import Logger

_UNSAFE_RE = re.compile(r"[\\\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape_char(match: re.Match) -> str:
    char = match.group()
    if char == "\\":
        return "\\\\"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def log_escape(value: str) -> str:
    """``value`` with backslashes doubled and control characters and line
    separators written as ``\\xNN``/``\\uNNNN``: one printable line whatever
    was sent."""
    return _UNSAFE_RE.sub(_escape_char, value)


class AccessLogger(Logger):
    """gunicorn's ``Logger`` whose access-log atoms are escaped (``log_escape``);
    the format (``access_log_format``) still decides which atoms are written."""

    def atoms(self, resp, req, environ, request_time):
        return {
            key: log_escape(value) if isinstance(value, str) else value
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }
