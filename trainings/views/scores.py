"""The score grid: pre-test and post-test scores of a training's participants,
a page of people (by name) at a time, each page saved in one POST
(``trainings.scores``, ``trainings.views.grid_pages``)."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView
from django.views.generic.detail import SingleObjectMixin

from ..models import Training
from ..scores import (
    ScoreGridForm,
    format_score,
    score_counts,
    score_grid_enrolments,
    score_grid_number,
    scores_save,
)
from .grid_pages import GridPagesMixin


class TrainingScoresView(
    PermissionRequiredMixin, GridPagesMixin, SingleObjectMixin, FormView
):
    """Enter the pre-test and post-test scores of the participants, a page of
    the grid (``GRID_PAGE_SIZE`` people by name, ``?page=``, a name search
    ``?q=``) in one POST, which goes back to the same page. A box left alone
    keeps what is saved (someone else may have changed it meanwhile); a bad box
    shows the rows again with every value as typed, each error next to its box
    and listed at the top, and nothing saved. Saving the same grid twice changes
    nothing the second time. The numbers at the top count every participant. A
    fixed number of queries whatever the number of people."""

    permission_required = "trainings.change_enrolment"
    model = Training
    form_class = ScoreGridForm
    template_name = "trainings/training_scores.html"
    grid_url_name = "trainings:scores"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.load_page()
        self.enrolments = list(self.page.object_list)
        self.first_number = self.page.start_index()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        """Save the boxes the POST holds (of any page of this training; boxes of
        other enrolments are ignored), numbered from the first one's place in the
        list shown (the search's, when there is one)."""
        self.object = self.get_object()
        rows = score_grid_enrolments(self.object)
        ids = ScoreGridForm.posted_ids(request.POST)
        self.enrolments = list(rows.filter(pk__in=ids)) if ids else []
        self.first_number = 1
        if self.enrolments:
            search = self.grid_search()
            if search:
                rows = rows.filter(participant__full_name__icontains=search)
            self.first_number = score_grid_number(rows, self.enrolments[0])
        return super().post(request, *args, **kwargs)

    def load_page(self):
        """The numbers for everyone and the page asked for (``self.counts``,
        ``self.page``): two queries."""
        self.counts = score_counts(self.object)
        self.page = self.grid_page(
            score_grid_enrolments(self.object), total=self.counts["participants"]
        )

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "training": self.object,
            "enrolments": self.enrolments,
            "first_number": self.first_number,
        }

    def get_context_data(self, **kwargs):
        if not hasattr(self, "page"):  # a POST shown again with its errors
            self.load_page()
        context = super().get_context_data(**kwargs)
        training = self.object
        return {
            **context,
            **self.grid_context(self.page),
            "counts": self.counts,
            "rows": context["form"].rows(),
            "maximum": format_score(training.score_maximum),
            "pass_mark": format_score(training.test_pass_mark),
        }

    def form_valid(self, form):
        try:
            changed = scores_save(
                training=self.object,
                changes=form.changes(),
                user=self.request.user,
                numbers=form.numbers(),
            )
        except ValidationError as error:
            # The grid changed meanwhile (a maximum lowered): shown, not saved.
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _saved_message(changed))
        return redirect(self.grid_url())


def _saved_message(changed: int) -> str:
    if not changed:
        return str(_("Scores saved; nothing had changed."))
    return ngettext(
        "Scores saved for %(count)d participant.",
        "Scores saved for %(count)d participants.",
        changed,
    ) % {"count": changed}
