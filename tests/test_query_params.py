"""Query values that cannot be stored or parsed never give a server error.

Every list page (the app's pages that read the query string, found from the URL
resolver, and every changelist of the admin) gets every one of its filter and
search parameters set, one at a time, to each of ``VALUES``: a NUL, a value over
the length limit, and values of the wrong type (a long word, twenty digits, a
superscript digit), as each role that may open the page. The
answer is 200 (the page, perhaps empty or with the filter's message), 400, a
redirect to the admin changelist's own "?e=1" ("wrong filter") page or to a page
that answers 200 or 400; a page number that does not exist is Django's 404 ("no
such page") on the paginated lists. Never a 500, and nothing logged at ERROR.

The NUL and the overlong value are refused before any view
(``setara.middleware.QueryGuardMiddleware``); the other values reach the views.
"""

import inspect
import logging
import re
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from setara.middleware import MAX_QUERY_VALUE_LENGTH, MAX_QUERY_VALUES
from tests.auth import login
from tests.test_url_permissions import (  # noqa: F401 (world: a fixture)
    ADMIN,
    ANON,
    COORD,
    OK,
    RULES,
    STAFF,
    world,
)
from trainings.filters import ReportFilterSet
from trainings.views.reports import ReportMixin

pytestmark = pytest.mark.django_db

#: Values each parameter gets, by what they are.
VALUES = {
    "NUL": "a\x00b",
    "overlong": "7" * (MAX_QUERY_VALUE_LENGTH + 1),
    "long word": "x" * 300,
    "twenty digits": "9" * 20,
    "superscript digit": "²",
}
#: Refused by the middleware whatever the page.
REFUSED = {"NUL", "overlong"}

#: Packages whose views this test reads for ``.GET``.
PROJECT = (
    "setara",
    "regions",
    "participants",
    "trainings",
    "referrals",
    "jobs",
    "registrations",
    "certificates",
    "accounts",
)
READS_QUERY = re.compile(r"\.GET\b")

#: Query parameters of the pages that read them by hand (not a FilterSet).
HAND_READ = {
    # The participant list's pages (trainings.training_page); the enrol page's
    # search and roster pages.
    "trainings:detail": ["page"],
    "trainings:enrol": ["q", "page"],
    # The grids' pages and name search (trainings.views.grid_pages).
    "trainings:attendance": ["page", "q"],
    "trainings:scores": ["page", "q"],
    "merging:duplicates": ["participant", "page"],
    "regions:lookup": ["region"],
    "regions:autocomplete": ["q", "levels", "page", "near", "ids"],
    "registrations:review": ["status"],
    "registrations:checkin": ["code", "other"],
    "registrations:attendance_live": ["since", "page", "q", "newest"],
    # The query string only goes to the export log (setara.export_log): any name.
    "trainings:export_participants": ["x"],
    "trainings:export_summary": ["x"],
    # The sign-in sheet's options (trainings.forms.SignInSheetForm).
    "trainings:signin_sheet": ["blank_for", "phone"],
    "trainings:signin_sheet_pdf": ["blank_for", "phone"],
    # A FilterSet page that pages its table by hand.
    "trainings:report_trainings": ["page"],
}


#: Pages that build a file on each request: the values of the wrong type go in
#: as the first role that may open them only (the others get the refused ones).
FILE_PAGES = {
    "trainings:export_participants",
    "trainings:export_summary",
    "trainings:signin_sheet_pdf",
}


def _view_of(callback):
    return getattr(callback, "view_class", None) or callback


def _project_source(view) -> str:
    """The source of ``view`` and of its bases from this project."""
    classes = getattr(view, "__mro__", (view,))
    return "".join(
        inspect.getsource(cls)
        for cls in classes
        if cls.__module__.split(".")[0] in PROJECT
    )


def app_views() -> dict[str, object]:
    """URL name -> view, for the project's own (non-admin) URLs."""
    views = {}

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (
                    f"{pattern.namespace}:" if pattern.namespace else ""
                )
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                views[f"{namespace}{pattern.name}"] = _view_of(pattern.callback)

    walk(get_resolver().url_patterns)
    return {name: view for name, view in views.items() if not name.startswith("admin:")}


def filterset_of(view):
    """The FilterSet class a view filters with, or None."""
    if isinstance(view, type) and issubclass(view, ReportMixin):
        return ReportFilterSet
    return getattr(view, "filterset_class", None)


def list_pages() -> list[str]:
    """The URL names of the app's pages that read the query string."""
    return sorted(
        name
        for name, view in app_views().items()
        if filterset_of(view)
        or getattr(view, "paginate_by", None)
        or READS_QUERY.search(_project_source(view))
    )


def test_every_page_that_reads_the_query_is_known():
    """A new page reading ``request.GET`` by hand gets its parameters listed in
    ``HAND_READ`` (FilterSet pages and paginated lists are found by themselves)."""
    views = app_views()
    unknown = [
        name
        for name in list_pages()
        if not filterset_of(views[name])
        and not getattr(views[name], "paginate_by", None)
        and name not in HAND_READ
    ]
    assert not unknown, f"add their query parameters to HAND_READ: {unknown}"
    assert not HAND_READ.keys() - set(list_pages())


def filter_parameters(filterset_class, request) -> list[str]:
    """The query parameters of a FilterSet's form: a range field's two halves
    (``period_after``, ``period_before``) by their own names."""
    form = filterset_class(None, request=request).form
    names = []
    for name, form_field in form.fields.items():
        suffixes = getattr(form_field.widget, "suffixes", None)
        names += [f"{name}_{suffix}" for suffix in suffixes] if suffixes else [name]
    return names


def app_parameters(name: str, request) -> list[str]:
    view = app_views()[name]
    params = list(HAND_READ.get(name, ()))
    if filterset_of(view):
        params += filter_parameters(filterset_of(view), request)
    if getattr(view, "paginate_by", None):
        params.append("page")
    return sorted(set(params))


def changelist_parameters(model_admin, request) -> list[str]:
    """An admin changelist's parameters: each list filter's, search, the date
    hierarchy's year, month and day, page and ordering."""
    changelist = model_admin.get_changelist_instance(request)
    params = [p for spec in changelist.filter_specs for p in spec.expected_parameters()]
    if model_admin.get_search_fields(request):
        params.append("q")
    if model_admin.date_hierarchy:
        params += [
            f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")
        ]
    return [*params, "p", "o"]


@pytest.fixture
def clients(request) -> dict:
    """A logged-in client per role (anonymous included)."""
    users = {STAFF: "staff_user", COORD: "coordinator_user", ADMIN: "admin_user"}
    by_role = {ANON: Client()}
    for role, fixture in users.items():
        by_role[role] = login(Client(), request.getfixturevalue(fixture))
    cache.clear()  # the public pages' rate limits count in the cache
    yield by_role
    cache.clear()


def acceptable(client, response, url: str, param: str, kind: str) -> bool:
    """200 or 400; a page that does not exist: 404; a redirect to the admin's
    "wrong filter" page, or to a page of the app that answers 200 or 400 (the
    sign-in sheet's PDF sends options it cannot use to the sheet's page, which
    shows why). The refused values: 400."""
    status = response.status_code
    if kind in REFUSED:
        return status == HTTPStatus.BAD_REQUEST
    if status in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST):
        return True
    if status == HTTPStatus.FOUND:
        location = response["Location"]
        if location == f"{url}?e=1":
            return True
        if location.startswith(("/login/", "/admin/login/")):
            return False
        return client.get(location).status_code in (HTTPStatus.OK, 400)
    return status == HTTPStatus.NOT_FOUND and param in ("page", "p")


def feed(client, url: str, params, base_query: dict, caplog, kinds=VALUES) -> list:
    """Every parameter with every value of ``kinds``: what went wrong, one line
    each."""
    wrong = []
    for param in params:
        for kind in kinds:
            value = VALUES[kind]
            caplog.clear()
            try:
                response = client.get(url, {**base_query, param: value})
                if response.streaming:
                    b"".join(response.streaming_content)
            except Exception as error:  # noqa: BLE001 (reported below)
                wrong.append(f"{url} {param}={kind}: {type(error).__name__}")
                continue
            if not acceptable(client, response, url, param, kind):
                wrong.append(f"{url} {param}={kind}: {response.status_code}")
            errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
            if errors:
                wrong.append(f"{url} {param}={kind}: logged {errors[0].getMessage()}")
    return wrong


@pytest.mark.parametrize("name", list_pages())
def test_app_list_pages(name, clients, request, caplog, admin_user):
    rule = RULES[name]
    url = rule.url(request.getfixturevalue("world"))
    get = RequestFactory().get(url)
    get.user = admin_user
    params = app_parameters(name, get)
    assert params, name
    wrong = []
    roles = [role for role, outcome in rule.expect.items() if outcome == OK]
    for number, role in enumerate(roles):
        kinds = REFUSED if name in FILE_PAGES and number else VALUES
        wrong += feed(clients[role], url, params, rule.query, caplog, kinds)
    assert not wrong, "\n".join(wrong)


ADMIN_MODELS = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


@pytest.mark.parametrize(("app_label", "model_name"), ADMIN_MODELS)
def test_admin_changelists(app_label, model_name, clients, admin_user, caplog, request):
    """As the Admin role, the only one the admin admits."""
    model_admin = next(
        ma
        for model, ma in admin.site._registry.items()
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name)
    )
    request.getfixturevalue("world")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    get = RequestFactory().get(url)
    get.user = admin_user
    params = changelist_parameters(model_admin, get)
    wrong = feed(clients[ADMIN], url, params, {}, caplog)
    assert not wrong, "\n".join(wrong)


def test_admin_export_and_autocomplete(clients, request, caplog):
    """The directory's export takes the changelist's filters; the autocomplete
    a search term."""
    export = reverse("admin:referrals_referralinstitution_export")
    wrong = feed(clients[ADMIN], export, ["x", "level__exact", "q"], {}, caplog)
    autocomplete = RULES["admin:autocomplete"]
    wrong += feed(
        clients[ADMIN],
        autocomplete.url(request.getfixturevalue("world")),
        ["term", "page"],
        autocomplete.query,
        caplog,
    )
    assert not wrong, "\n".join(wrong)


# The middleware's limits themselves
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        {"q": "a\x00b"},
        {"a\x00b": "1"},
        {"q": "x" * (MAX_QUERY_VALUE_LENGTH + 1)},
        {"x" * (MAX_QUERY_VALUE_LENGTH + 1): "1"},
        {f"p{i}": "1" for i in range(MAX_QUERY_VALUES + 1)},
        {"q": ["1"] * (MAX_QUERY_VALUES + 1)},
    ],
    ids=["NUL value", "NUL name", "long value", "long name", "many", "repeated"],
)
def test_unusable_query_strings_are_refused_before_any_view(staff_client, query):
    url = reverse("referrals:directory")
    response = staff_client.get(url, query)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "no-store" in response["Cache-Control"]


def test_a_nul_in_the_path_is_no_page(staff_client):
    response = staff_client.get("/referrals/pathway/73%0009/")
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_values_at_the_limits_pass(staff_client):
    url = reverse("referrals:directory")
    query = {f"p{i}": "1" for i in range(MAX_QUERY_VALUES - 1)}
    query["q"] = "x" * MAX_QUERY_VALUE_LENGTH
    assert staff_client.get(url, query).status_code == HTTPStatus.OK


def test_the_refusal_page_speaks_the_users_language(client):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("login"), {"next": "\x00"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "<h1>Bad request</h1>" in response.content.decode()
