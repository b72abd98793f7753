"""Template tags of the training page: the knowledge-gain panel (pre-test and
post-test results by sex and by agency type, ``trainings.knowledge_gain``)."""

from django import template

register = template.Library()


@register.inclusion_tag(
    "trainings/includes/knowledge_gain_panel.html", takes_context=True
)
def knowledge_gain_panel(context, training, numbers) -> dict:
    """The knowledge-gain panel of ``training``: its participants' pre-test and
    post-test in raw scores, passing at the training's pass mark (``gain_report``);
    renders nothing when nobody has a score. ``numbers``: the page's
    ``trainings.training_page.TrainingNumbers``, whose counts it shares (no query
    of its own)."""
    return {"gain": numbers.gain, "training": training}
