"""The score grid: pre-test and post-test scores of a training's participants,
entered in one page and saved in one POST (``trainings.scores``)."""

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
    score_grid_enrolments,
    scores_save,
)


class TrainingScoresView(PermissionRequiredMixin, SingleObjectMixin, FormView):
    """Enter the pre-test and post-test score of every participant, for the whole
    training in one POST. A box left alone keeps what is saved (someone else may
    have changed it meanwhile); a bad box shows the grid again with every value
    as typed, each error next to its box and listed at the top, and nothing
    saved. Saving the same grid twice changes nothing the second time."""

    permission_required = "trainings.change_enrolment"
    model = Training
    form_class = ScoreGridForm
    template_name = "trainings/training_scores.html"

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.load()
        return super().post(request, *args, **kwargs)

    def load(self):
        """The training and its participants' enrolments: two queries."""
        self.object = self.get_object()
        self.enrolments = list(score_grid_enrolments(self.object))

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "training": self.object,
            "enrolments": self.enrolments,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        training = self.object
        return {
            **context,
            "rows": context["form"].rows(),
            "maximum": format_score(training.score_maximum),
            "pass_mark": format_score(training.test_pass_mark),
        }

    def form_valid(self, form):
        try:
            changed = scores_save(
                training=self.object, changes=form.changes(), user=self.request.user
            )
        except ValidationError as error:
            # The grid changed meanwhile (a maximum lowered): shown, not saved.
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _saved_message(changed))
        return redirect("trainings:scores", pk=self.object.pk)


def _saved_message(changed: int) -> str:
    if not changed:
        return str(_("Scores saved; nothing had changed."))
    return ngettext(
        "Scores saved for %(count)d participant.",
        "Scores saved for %(count)d participants.",
        changed,
    ) % {"count": changed}
