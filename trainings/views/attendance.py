"""The attendance grid: who was present on which day of a training, a page of
people (by name) at a time, each page saved in one POST."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count, Max, Q
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView
from django.views.generic.detail import SingleObjectMixin

from ..forms import AttendanceGridForm
from ..models import Training
from ..services import AttendanceConflict, attendance_record
from .grid_pages import GridPagesMixin, attendance_page_size, posted_ids


def attendance_counts(training: Training) -> dict:
    """The grid's numbers for everyone enrolled in ``training``, whatever page is
    shown, in one query: ``enrolled`` (people, any role), ``newest`` (the
    highest enrolment id, None without enrolments) and ``present``, the number
    of people marked present on each of ``training.days``, in order."""
    days = training.days
    found = training.enrolments.aggregate(
        enrolled=Count("id", distinct=True),
        newest=Max("id"),
        **{
            f"day_{number}": Count(
                "attendances",
                filter=Q(attendances__date=day, attendances__present=True),
            )
            for number, day in enumerate(days)
        },
    )
    return {
        "enrolled": found["enrolled"],
        "newest": found["newest"],
        "present": [found[f"day_{number}"] for number in range(len(days))],
    }


class AttendanceGridView(
    PermissionRequiredMixin, GridPagesMixin, SingleObjectMixin, FormView
):
    """Tick who was present on which day: a page of the grid (``GRID_PAGE_SIZE``
    people by name, fewer for a long training: ``attendance_page_size``;
    ``?page=``, a name search ``?q=``) in one POST, which writes only that
    page's rows and returns to the same page. The numbers at the top
    count everyone. A fixed number of queries whatever the number of people."""

    permission_required = ("trainings.add_attendance", "trainings.change_attendance")
    model = Training
    form_class = AttendanceGridForm
    template_name = "trainings/training_attendance.html"
    grid_url_name = "trainings:attendance"

    def page_size(self) -> int:
        """Fewer people a page for a long training (``attendance_page_size``)."""
        return attendance_page_size(len(self.object.days), self.grid_page_size)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.counts = attendance_counts(self.object)
        self.page = self.grid_page(
            self.object.enrolments.for_roster(), total=self.counts["enrolled"]
        )
        self.enrolments = list(self.page.object_list)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        """Save the rows the page showed (its ``shown`` ids, which may be of any
        page of this training; another training's refuse the form). A form sent
        without them saves the page of the address it was sent to."""
        self.object = self.get_object()
        # Names for the messages; the save reads the marks itself.
        rows = self.object.enrolments.select_related("participant").order_by(
            "participant__full_name", "id"
        )
        ids = posted_ids(request.POST.getlist("shown"))
        if ids:
            self.enrolments = list(rows.filter(pk__in=ids))
        else:
            self.enrolments = list(self.grid_page(rows, total=rows.count()))
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "training": self.object,
            "enrolments": self.enrolments,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        days = self.object.days
        return {
            **context,
            **self.grid_context(self.page),
            "rows": context["form"].rows(),
            "days": days,
            "enrolled": self.counts["enrolled"],
            "newest": self.counts["newest"],
            "day_counts": list(zip(days, self.counts["present"], strict=True)),
        }

    def form_valid(self, form):
        try:
            result = attendance_record(
                training=self.object,
                enrolments=form.cleaned_data["shown"],
                present=form.cleaned_data["present"],
                loaded=form.cleaned_data["loaded"],
                user=self.request.user,
            )
        except AttendanceConflict:
            messages.error(
                self.request,
                _(
                    "Someone else changed this training's attendance or dates while "
                    "you were saving, so nothing was saved. Check the grid below and "
                    "save again."
                ),
            )
        else:
            messages.success(self.request, _attendance_message(result))
            if result.kept_theirs:
                messages.warning(self.request, self._kept_theirs_message(result))
        return redirect(self.get_success_url())

    def _kept_theirs_message(self, result) -> str:
        """Which cells kept someone else's newer mark: "Name (day 2)", at most ten."""
        names = {e.pk: e.participant.full_name for e in self.enrolments}
        day_numbers = {day: number for number, day in enumerate(self.object.days, 1)}
        cells = [
            _("%(name)s (day %(number)d)")
            % {"name": names.get(enrolment_id, "?"), "number": day_numbers[day]}
            for enrolment_id, day in result.kept_theirs[:10]
        ]
        more = len(result.kept_theirs) - len(cells)
        text = ngettext(
            "Someone else changed %(count)d mark since you opened this grid; "
            "their mark was kept: %(cells)s.",
            "Someone else changed %(count)d marks since you opened this grid; "
            "their marks were kept: %(cells)s.",
            len(result.kept_theirs),
        ) % {"count": len(result.kept_theirs), "cells": ", ".join(cells)}
        if more:
            text += " " + ngettext(
                "And %(count)d more.", "And %(count)d more.", more
            ) % {"count": more}
        return text

    def form_invalid(self, form):
        messages.error(
            self.request,
            _(
                "The grid was out of date (people or days changed since it was "
                "opened), so nothing was saved. Check it and save again."
            ),
        )
        return redirect(self.get_success_url())

    def get_success_url(self):
        return self.grid_url()


def _attendance_message(result):
    if not result.changed:
        return _("Attendance saved; nothing had changed.")
    return ngettext(
        "Attendance saved: %(count)d mark changed.",
        "Attendance saved: %(count)d marks changed.",
        result.changed,
    ) % {"count": result.changed}
