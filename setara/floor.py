"""The benchmark's floor page (``bench/load.py``): what the cheapest possible page
costs. It goes through every middleware a real page does (session, login, two
factors, permissions), runs one small query and renders the site's layout
around one line, so a main page's throughput divided by this one's shows what
the page itself costs.

Mounted at ``/bench/floor/`` only when ``settings.BENCH_FLOOR_PAGE`` is on
(``BENCH_FLOOR_PAGE=1``, which ``bench/load.py`` sets for the server it starts);
in every other set-up the address does not exist.
"""

from django.contrib.auth.decorators import permission_required
from django.template.response import TemplateResponse
from django.urls import path

from trainings.models import Topic


@permission_required("trainings.view_training", raise_exception=True)
def floor(request):
    """An authenticated page with one small query (the first topic's id)."""
    first = Topic.objects.order_by("pk").values_list("pk", flat=True).first()
    return TemplateResponse(request, "setara/floor.html", {"first_topic": first})


urlpatterns = [path("", floor, name="bench_floor")]
