"""Template tags of the training page: the knowledge-gain panel (pre-test and
post-test results by sex and by agency type, ``trainings.knowledge_gain``)."""

from django import template

from ..knowledge_gain import gain_report

register = template.Library()


@register.inclusion_tag(
    "trainings/includes/knowledge_gain_panel.html", takes_context=True
)
def knowledge_gain_panel(context, training, numbers=None) -> dict:
    """The knowledge-gain panel of ``training``: its participants' pre-test and
    post-test in raw scores, passing at the training's pass mark (``gain_report``);
    renders nothing when nobody has a score. ``numbers``: the page's
    ``trainings.training_page.TrainingNumbers``, whose counts it shares (no query
    of its own); without it, one query, two when there are scores, whatever the
    number of participants."""
    if numbers is not None:
        gain = numbers.gain
    else:
        gain = gain_report(
            training.enrolments.participants(), pass_mark=training.test_pass_mark
        )
    return {"gain": gain, "training": training}
