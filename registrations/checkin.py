"""Daily check-in: the codes the facilitator shows, and recording a check-in.

A day code is six digits derived from the registration desk's ``checkin_secret``,
the training day and a five-minute time window, by HMAC-SHA256 truncated as in
HOTP (RFC 4226, section 5.3). The facilitator's screen shows the code of the
current window; a code is accepted during its own window and the next one, so a
code read just before the screen changes still works (between 5 and 10 minutes
in all). A new ``checkin_secret`` invalidates every code shown so far.

Check-in is open on the training's days only, in the training's time zone
(``regions.timezones``), whether or not registration is still open: registration
closing stops new registrations, not those already registered from checking in.

A check-in of an accepted registration marks the person present that day at once
(``checkins_apply``); a check-in of a registration still waiting for review is
kept and applied when staff accept it (the review calls ``checkins_apply``).
"""

import datetime
import hashlib
import hmac
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from regions.timezones import timezone_of
from trainings.models import Attendance

from .models import CheckIn, Registration, RegistrationDesk

#: Seconds in one code window: the facilitator's screen changes code this often.
WINDOW_SECONDS = 300
#: Digits in a day code.
CODE_DIGITS = 6
#: ``history_change_reason`` of attendance marks written by a check-in.
CHECKIN_CHANGE_REASON = "check-in"


class NotATrainingDay(ValueError):
    """Check-in was attempted on a day that is not one of the training's days
    (in the training's time zone)."""


class CurrentCode(NamedTuple):
    """The code to show now, and when the screen should show the next one (an
    aware datetime; the code itself stays valid one window longer)."""

    code: str
    valid_until: datetime.datetime


def training_today(training, now: datetime.datetime | None = None) -> datetime.date:
    """The date it is at ``now`` (aware; default: now) where ``training`` takes
    place (the time zone of ``training.region``, see ``regions.timezones``)."""
    now = now or timezone.now()
    return timezone.localtime(now, timezone_of(training.region)).date()


def checkin_day(training, now: datetime.datetime | None = None):
    """Today's date in the training's time zone if it is one of the training's
    days, else ``None``."""
    today = training_today(training, now)
    return today if training.start_date <= today <= training.end_date else None


def day_number(training, day: datetime.date) -> int | None:
    """Which day of ``training`` ``day`` is: 1 for its first day; None for a date
    outside its dates."""
    if not training.start_date <= day <= training.end_date:
        return None
    return (day - training.start_date).days + 1


def desk_of(training) -> RegistrationDesk | None:
    """The registration desk of ``training``, or None when it never had one (one
    query unless ``registration_desk`` was select_related)."""
    try:
        return training.registration_desk
    except RegistrationDesk.DoesNotExist:
        return None


def window_of(now: datetime.datetime) -> int:
    """The number of the code window ``now`` falls in: whole ``WINDOW_SECONDS``
    since the Unix epoch."""
    return int(now.timestamp()) // WINDOW_SECONDS


def day_code(desk: RegistrationDesk, day: datetime.date, window: int) -> str:
    """The ``CODE_DIGITS``-digit code of ``desk`` for ``day`` in ``window`` (see
    ``window_of``), as text with leading zeros: HMAC-SHA256 keyed with the desk's
    ``checkin_secret`` over ``"<YYYY-MM-DD>:<window>"``, dynamically truncated as in
    RFC 4226 (HOTP)."""
    message = f"{day.isoformat()}:{window}".encode()
    digest = hmac.new(desk.checkin_secret.encode(), message, hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def current_code(
    desk: RegistrationDesk, now: datetime.datetime | None = None
) -> CurrentCode | None:
    """The code the facilitator's screen shows at ``now`` (default: now), or
    ``None`` when today is not one of the training's days."""
    now = now or timezone.now()
    day = checkin_day(desk.training, now)
    if day is None:
        return None
    window = window_of(now)
    valid_until = datetime.datetime.fromtimestamp(
        (window + 1) * WINDOW_SECONDS, tz=datetime.UTC
    )
    return CurrentCode(day_code(desk, day, window), valid_until)


def normalise_code(code) -> str:
    """A typed code without spaces or dashes (``"123 456"`` -> ``"123456"``);
    other characters are kept, so the code then fails to match."""
    return "".join(str(code or "").split()).replace("-", "")


def code_is_valid(
    desk: RegistrationDesk, code, now: datetime.datetime | None = None
) -> bool:
    """Whether ``code`` (as typed or from the QR) is ``desk``'s code at ``now``
    (default: now): today a training day and the code that of the current or the
    previous window. Compared in constant time; never raises."""
    now = now or timezone.now()
    day = checkin_day(desk.training, now)
    code = normalise_code(code)
    if day is None or len(code) != CODE_DIGITS or not code.isdigit():
        return False
    window = window_of(now)
    matches = [
        hmac.compare_digest(code.encode(), day_code(desk, day, w).encode())
        for w in (window, window - 1)
    ]
    return any(matches)


@transaction.atomic
def checkin_record(
    *, registration: Registration, method: str, now: datetime.datetime | None = None
) -> tuple[CheckIn, bool]:
    """Check ``registration`` in for today (in the training's time zone) by
    ``method`` (a ``CheckIn.Method`` value); the caller has checked the code or
    the device cookie.

    Returns ``(check_in, created)``: ``created`` is False when the registration had
    already checked in today (nothing is written; safe to send twice). A new
    check-in of an accepted registration marks its enrolment present today
    (``checkins_apply``). Raises NotATrainingDay when today is not a day of the
    training.
    """
    day = checkin_day(registration.training, now)
    if day is None:
        raise NotATrainingDay(registration.training_id)
    checkin, created = CheckIn.objects.get_or_create(
        registration=registration, date=day, defaults={"method": method}
    )
    if created:
        checkins_apply(registration)
    return checkin, created


def checkin_corrected(checkin: CheckIn) -> bool:
    """Whether staff marked the person absent on ``checkin``'s day after that
    check-in: the registration's enrolment has an absent mark that day, last
    changed (its history) after ``checkin.checked_in_at``. Such a mark wins over
    the check-in (see ``checkins_apply``). False for a registration not enrolled
    (not accepted yet). Two queries at most."""
    enrolment_id = checkin.registration.enrolment_id
    if not enrolment_id:
        return False
    mark = Attendance.objects.filter(
        enrolment_id=enrolment_id, date=checkin.date, present=False
    ).first()
    if mark is None:
        return False
    last = Attendance.history.filter(id=mark.pk).aggregate(last=Max("history_date"))
    return last["last"] is not None and last["last"] >= checkin.checked_in_at


def checkins_apply(registration: Registration) -> int:
    """Mark the enrolment of an accepted ``registration`` present on each day it
    checked in. Returns the number of attendance marks written (0 for a
    registration not accepted, or nothing to change).

    A day with no mark gets one (present); a day marked absent is turned present
    unless that mark was changed after the check-in (staff correcting it win).
    Idempotent: a second call writes nothing. Check-ins on days no longer within
    the training's dates are skipped. Atomic; a concurrent save of the attendance
    grid is retried once.
    """
    if registration.status != Registration.Status.ACCEPTED:
        return 0
    if not registration.enrolment_id:
        return 0
    try:
        with transaction.atomic():
            return _apply(registration)
    except IntegrityError:
        with transaction.atomic():
            return _apply(registration)


def _apply(registration: Registration) -> int:
    training = registration.training
    checkins = {
        c.date: c.checked_in_at
        for c in registration.checkins.filter(
            date__range=(training.start_date, training.end_date)
        )
    }
    if not checkins:
        return 0
    marks = {
        a.date: a
        for a in Attendance.objects.filter(
            enrolment_id=registration.enrolment_id, date__in=checkins
        )
    }
    absent = [a for a in marks.values() if not a.present]
    changed = dict(
        Attendance.history.filter(id__in=[a.pk for a in absent])
        .values("id")
        .annotate(last=Max("history_date"))
        .values_list("id", "last")
        if absent
        else ()
    )
    to_create = [
        Attendance(enrolment_id=registration.enrolment_id, date=day, present=True)
        for day in checkins
        if day not in marks
    ]
    to_update = []
    for mark in absent:
        last = changed.get(mark.pk)
        if last is None or last < checkins[mark.date]:
            mark.present = True
            to_update.append(mark)
    bulk_create_with_history(
        to_create, Attendance, default_change_reason=CHECKIN_CHANGE_REASON
    )
    bulk_update_with_history(
        to_update,
        Attendance,
        ["present"],
        default_change_reason=CHECKIN_CHANGE_REASON,
    )
    return len(to_create) + len(to_update)
