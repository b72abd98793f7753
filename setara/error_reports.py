"""Error reports and logs without personal data (UU PDP No. 27/2022).

Django's error e-mails and logs carry what a request sent and what the code held
when it failed: form fields (a participant's name, phone number, NIK), the query
string (a name searched for), local variables (a ``Participant``) and the exception
message, which often repeats a bad value ("Key (nik)=(7309...) already exists").
With ``DEBUG`` off all of these are replaced by stars; the report keeps what is
needed to find the bug: the exception type, the path, the field names and the
traceback's files, lines and source.

Settings (``setara/settings/base.py``):
``DEFAULT_EXCEPTION_REPORTER_FILTER`` = ``PersonalDataExceptionReporterFilter``,
``DEFAULT_EXCEPTION_REPORTER`` = ``PersonalDataExceptionReporter``, and
``HidePersonalDataLogFilter`` on the console log handler.
"""

import logging
import traceback

from django.conf import settings
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

#: META keys that hold the query string or a URL with one (gunicorn sets
#: RAW_URI; the Referer of a search page carries ``?q=<name>``).
QUERY_META_KEYS = ("QUERY_STRING", "RAW_URI", "REQUEST_URI", "HTTP_REFERER")

HIDDEN_MESSAGE = "[message hidden: it may hold personal data; reproduce with DEBUG=1]"


class PersonalDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hide every POST value, every query-string value and every local variable
    of the traceback while the filter is active (``DEBUG`` off); keep the names."""

    def get_post_parameters(self, request):
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if self.is_active(request):
            for key in QUERY_META_KEYS:
                if meta.get(key):
                    meta[key] = self.cleansed_substitute
        return meta

    def get_safe_query(self, query) -> list[tuple[str, str]]:
        """``query`` (``request.GET`` or ``request.FILES``) as (name, stars) pairs."""
        return [(key, self.cleansed_substitute) for key in query]


class PersonalDataExceptionReporter(ExceptionReporter):
    """Django's reporter, with what its filter does not cover hidden as well when
    the filter is active: query-string and upload values, the query string in the
    request URL, and the messages of the exception and of the exceptions it was
    raised from."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if not self.filter.is_active(self.request):
            return data
        if self.request is not None:
            data["request_GET_items"] = self.filter.get_safe_query(self.request.GET)
            data["request_FILES_items"] = self.filter.get_safe_query(self.request.FILES)
            data["request_insecure_uri"] = data["request_insecure_uri"].split("?")[0]
        if self.exc_value is not None:
            data["exception_value"] = HIDDEN_MESSAGE
        data.pop("exception_notes", None)
        data["unicode_hint"] = ""
        for frame in data["frames"]:
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = type(frame["exc_cause"]).__name__
        return data


class HidePersonalDataLogFilter(logging.Filter):
    """A log handler filter: with ``DEBUG`` off, a record's traceback is written
    with each exception's type and location but not its message (see the module
    docstring). The record itself passes; its message is left as it is, since the
    app's own log messages never hold personal data."""

    def filter(self, record):
        if record.exc_info and record.exc_info[1] is not None and not settings.DEBUG:
            record.exc_text = traceback_without_messages(record.exc_info[1])
        return True


def traceback_without_messages(exc: BaseException) -> str:
    """The traceback of ``exc`` and of the exceptions it was raised from, oldest
    first, as Python prints it but with every exception message left out."""
    chain = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        if exc.__cause__ is not None:
            exc = exc.__cause__
        elif exc.__context__ is not None and not exc.__suppress_context__:
            exc = exc.__context__
        else:
            exc = None
    parts = []
    for exc in reversed(chain):
        if parts:
            parts.append("\nThe exception above led to the following one:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(exc.__traceback__))
        exc_type = type(exc)
        parts.append(f"{exc_type.__module__}.{exc_type.__qualname__}: [hidden]\n")
    return "".join(parts).rstrip("\n")
