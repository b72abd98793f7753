"""Daily check-in pages: the public check-in page a participant's phone opens, the
facilitator's screen with the changing code, and the JSON the screen and the
attendance grid poll.

The public page answers without revealing anyone's data: a wrong or expired code
is refused before any phone number is looked up, so only someone holding the
day's code (present at the venue) learns whether a phone number is registered,
and never whose it is.
"""

import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.generic import DetailView, View

from setara.qr import qr_data_uri
from trainings.models import Attendance, Training
from trainings.views.grid_pages import (
    GridPagesMixin,
    attendance_page_size,
    posted_ids,
)

from ..checkin import (
    CODE_DIGITS,
    NotATrainingDay,
    checkin_corrected,
    checkin_day,
    checkin_record,
    code_is_valid,
    current_code,
    day_number,
    desk_of,
    normalise_code,
)
from ..cookies import device_cookie_key
from ..forms import phone_clean
from ..limits import desk_budget_count, public_rate_limit
from ..models import CheckIn, Registration, RegistrationDesk

WRONG_CODE = _(
    "This code is wrong or has expired. Type the code shown on the facilitator's "
    "screen now (it changes every few minutes)."
)
NOT_REGISTERED = _(
    "We could not check you in: this phone number is not registered for this "
    "training. Check the number you registered with, or ask the facilitator."
)


class CheckInForm(forms.Form):
    """The day's code, and the phone number registered with unless the phone
    carries the registration's device cookie (``with_phone=False``)."""

    code = forms.CharField(
        label=_("Today's code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
            }
        ),
    )
    phone = forms.CharField(
        label=_("Phone number (WhatsApp) you registered with"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
            }
        ),
    )

    def __init__(self, *args, with_phone: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = gettext(
            "The %(digits)d digits shown on the facilitator's screen."
        ) % {"digits": CODE_DIGITS}
        if not with_phone:
            del self.fields["phone"]

    def clean_code(self):
        return normalise_code(self.cleaned_data["code"])

    def clean_phone(self):
        return phone_clean(self.cleaned_data["phone"])


def _desk_registration(desk: RegistrationDesk, **lookup) -> Registration | None:
    """The registration (not rejected) of ``desk``'s training matching
    ``lookup``, its ``training`` set to the desk's (already loaded with its
    region), so checking it in reads neither again."""
    registration = (
        Registration.objects.filter(training=desk.training, **lookup)
        .not_rejected()
        .first()
    )
    if registration is not None:
        registration.training = desk.training
    return registration


def _device_registration(request, desk: RegistrationDesk) -> Registration | None:
    """The registration (not rejected) whose device cookie this phone carries."""
    key = device_cookie_key(request, desk)
    if not key:
        return None
    return _desk_registration(desk, device_key=key)


@login_not_required
@require_http_methods(["GET", "POST"])
@never_cache
@public_rate_limit("checkin")
def checkin(request, token):
    """The public check-in page of desk ``token`` (``r/<token>/check-in/``).

    GET shows the form (the code prefilled from ``?code=``, as the facilitator's
    QR carries it); POST checks in and shows "checked in" (or "already checked
    in today", or, when staff have since marked the person absent that day,
    that today's attendance was corrected), never a name or any other data of
    the registration. Open on the training's days only, in its time zone,
    whether registration is open or not.
    """
    desk = get_object_or_404(
        RegistrationDesk.objects.select_related("training__region"), token=token
    )
    training = desk.training
    day = checkin_day(training)
    context = {"training": training, "desk": desk}
    if day is None:
        return render(request, "registrations/checkin_closed.html", context)
    context.update(day=day, day_number=day_number(training, day))
    registration = None
    if not request.GET.get("other"):
        registration = _device_registration(request, desk)
    form_kwargs = {"with_phone": registration is None}
    if request.method != "POST":
        form = CheckInForm(
            initial={"code": request.GET.get("code", "")[:20]}, **form_kwargs
        )
        return render(
            request,
            "registrations/checkin.html",
            {**context, "form": form, "device": registration is not None},
        )
    form = CheckInForm(request.POST, **form_kwargs)
    if form.is_valid():
        if not code_is_valid(desk, form.cleaned_data["code"]):
            form.add_error("code", WRONG_CODE)
            desk_budget_count(request, group="checkin", token=token)
        else:
            if registration is None:
                registration = _desk_registration(
                    desk, phone=form.cleaned_data["phone"]
                )
            if registration is None:
                form.add_error("phone", NOT_REGISTERED)
    if not form.is_valid():
        return render(
            request,
            "registrations/checkin.html",
            {**context, "form": form, "device": "phone" not in form.fields},
        )
    method = CheckIn.Method.CODE if "phone" in form.fields else CheckIn.Method.DEVICE
    try:
        record, created = checkin_record(registration=registration, method=method)
    except NotATrainingDay:  # midnight passed while the form was open
        return render(request, "registrations/checkin_closed.html", context)
    # Staff marked the person absent after the check-in: their mark counts.
    corrected = not created and checkin_corrected(record)
    return render(
        request,
        "registrations/checkin_done.html",
        {**context, "created": created, "corrected": corrected},
    )


def screen_state(request, training: Training) -> dict:
    """What the facilitator's screen shows now: ``open`` (a training day and a
    registration desk), and when open ``code``, ``url`` (the public check-in link
    with the code), ``qr`` (its QR code as a data URI), ``valid_until`` (ISO 8601:
    when the screen should show the next code), ``day_number``, ``date`` and
    ``checked_in`` (check-ins of this training today)."""
    desk = desk_of(training)
    shown = current_code(desk) if desk else None
    if shown is None:
        return {"open": False, "has_desk": desk is not None}
    day = checkin_day(training)
    url = request.build_absolute_uri(
        reverse("registrations:checkin", args=[desk.token])
    )
    url = f"{url}?{urlencode({'code': shown.code})}"
    return {
        "open": True,
        "has_desk": True,
        "code": shown.code,
        "url": url,
        "qr": qr_data_uri(url),
        "valid_until": shown.valid_until.isoformat(),
        "day_number": day_number(training, day),
        "day_label": gettext("Check-in for day %(number)d")
        % {"number": day_number(training, day)},
        "date": day.isoformat(),
        "checked_in": CheckIn.objects.filter(
            registration__training=training, date=day
        ).count(),
    }


@method_decorator(never_cache, name="dispatch")
class CheckInScreenView(PermissionRequiredMixin, DetailView):
    """The facilitator's screen (``trainings/<pk>/registrations/check-in-screen/``):
    a big QR code of the check-in link with today's code, and the code in large
    digits; static/js/checkin-screen.js fetches ``checkin_code`` to change it."""

    permission_required = "trainings.change_attendance"
    model = Training
    queryset = Training.objects.select_related("region", "registration_desk")
    template_name = "registrations/checkin_screen.html"
    context_object_name = "training"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {**context, "state": screen_state(self.request, self.object)}


@method_decorator(never_cache, name="dispatch")
class CheckInCodeView(PermissionRequiredMixin, View):
    """The facilitator screen's state as JSON (``screen_state``), staff only."""

    permission_required = "trainings.change_attendance"

    def get(self, request, pk):
        training = get_object_or_404(
            Training.objects.select_related("region", "registration_desk"), pk=pk
        )
        return JsonResponse(screen_state(request, training))


@method_decorator(never_cache, name="dispatch")
class AttendanceLiveView(GridPagesMixin, PermissionRequiredMixin, View):
    """The attendance grid's live marks as JSON
    (``trainings/<pk>/registrations/attendance-live/?since=<ISO 8601>&page=<n>
    &q=<name>&newest=<enrolment id>``): ``present``, the grid's cell values
    (``"<enrolment id>:<YYYY-MM-DD>"``) of the present marks of the people on
    the grid page that ``page`` and ``q`` name (the grid's own paging,
    ``trainings.views.grid_pages``: a hundred people, not the whole training);
    ``newer_present``, whether someone enrolled after ``newest`` (the newest
    enrolment when the grid was opened) is marked present; ``checked_in_since``,
    the number of check-ins since ``since`` (the time the grid was opened; 0
    without it); ``now``, the server's time to pass as ``since`` later. Six
    queries after the permission check, whatever the size."""

    permission_required = "trainings.view_attendance"

    def page_size(self) -> int:
        """Fewer people a page for a long training (``attendance_page_size``)."""
        return attendance_page_size(len(self.object.days), self.grid_page_size)

    def get(self, request, pk):
        training = self.object = get_object_or_404(Training, pk=pk)
        rows = training.enrolments.order_by("participant__full_name", "id")
        page = self.grid_page(rows, total=rows.count())
        in_days = Attendance.objects.filter(
            enrolment__training=training,
            date__range=(training.start_date, training.end_date),
            present=True,
        )
        marks = in_days.filter(enrolment__in=page.object_list.values("pk")).values_list(
            "enrolment_id", "date"
        )
        newest = posted_ids([request.GET.get("newest", "")])  # [] if not an id
        newer_present = bool(newest) and (
            in_days.filter(enrolment_id__gt=newest[0]).exists()
        )
        try:
            since = parse_datetime(request.GET.get("since", ""))
        except ValueError:  # well formed but not a real time
            since = None
        if since is not None and timezone.is_naive(since):
            since = timezone.make_aware(since, datetime.UTC)
        checked_in = 0
        if since is not None:
            checked_in = CheckIn.objects.filter(
                registration__training=training, checked_in_at__gt=since
            ).count()
        return JsonResponse(
            {
                "present": [f"{pk}:{day.isoformat()}" for pk, day in marks],
                "newer_present": bool(newer_present),
                "checked_in_since": checked_in,
                "checked_in_note": ngettext(
                    "%(count)d person checked in since you opened this page; "
                    "their ticks are shown.",
                    "%(count)d people checked in since you opened this page; "
                    "their ticks are shown.",
                    checked_in,
                )
                % {"count": checked_in},
                "reload_note": gettext(
                    "Someone marked present is not on this grid yet (accepted "
                    "after you opened it): reload the page to see them."
                ),
                "now": timezone.now().isoformat(),
            }
        )
