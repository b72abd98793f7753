"""No page runs inline script, which the Content-Security-Policy
(``script-src 'self'``, setara/settings/base.py) blocks: no ``on…=`` attribute
(``onclick``, ``onchange``) and no ``<script>`` without ``src`` in any page the
app or the admin renders, so every button and checkbox works under the policy.

The pages: every URL of tests/test_url_permissions.py an admin (or, for the
public pages, an anonymous visitor) opens (the app's pages, and the admin's
index, changelists, add and change forms, history pages and past versions,
delete confirmations, import and export), plus pages only a POST shows: the
import preview, an import's errors, the delete confirmation of selected rows,
and the admin's page for a logged-in non-admin.

A ``<script type="application/json">`` is data, not script (Django's
``json_script``): the policy does not apply to it, so it is allowed.
"""

import io
import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from referrals.models import ReferralInstitution
from setara import roles
from tests.auth import login
from tests.factories import UserFactory
from tests.test_url_permissions import ADMIN, ANON, OK, RULES
from tests.test_url_permissions import world as world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

#: An opening tag.
TAG_RE = re.compile(r"<[a-zA-Z][^<>]*>")
#: An event-handler attribute inside a tag: `` onclick=``, `` onchange =``.
HANDLER_RE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
#: A <script> opening tag.
SCRIPT_RE = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
SRC_RE = re.compile(r"\ssrc\s*=", re.IGNORECASE)
DATA_TYPE_RE = re.compile(r"""\stype\s*=\s*["']?application/(ld\+)?json""", re.I)


def inline_script(html: str) -> list[str]:
    """Each inline-script finding in ``html``: the tag with an ``on…=``
    attribute, or the ``<script>`` tag without ``src`` (data blocks aside)."""
    found = [
        tag
        for tag in TAG_RE.findall(html)
        if HANDLER_RE.search(tag) and not tag.lower().startswith("<script")
    ]
    for tag in SCRIPT_RE.findall(html):
        if HANDLER_RE.search(tag) or not (
            SRC_RE.search(tag) or DATA_TYPE_RE.search(tag)
        ):
            found.append(tag)
    return found


def test_the_check_finds_what_it_looks_for():
    html = (
        '<input type="checkbox" class="select-toggle"\n onchange="go(event)">'
        '<a href="#" onClick = "x()">a</a>'
        "<script>alert(1)</script>"
        '<script src="/static/a.js"></script>'
        '<script id="d" type="application/json">{"on": 1}</script>'
        "<p>Pelatihan onboarding=baru</p>"
        '<input name="donation" data-on="1">'
    )
    assert inline_script(html) == [
        '<input type="checkbox" class="select-toggle"\n onchange="go(event)">',
        '<a href="#" onClick = "x()">',
        "<script>",
    ]


def findings(response, label: str) -> list[str]:
    """``inline_script`` of an HTML page, each labelled; nothing for other
    responses (a download is read to its end, which closes its file)."""
    if response.streaming:
        b"".join(response.streaming_content)
        return []
    if response.status_code != HTTPStatus.OK:
        return []
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    return [f"{label}: {tag}" for tag in inline_script(response.content.decode())]


def test_no_page_of_the_app_or_the_admin_has_inline_script(client, admin_user, world):
    found, pages = [], 0
    for role in (ANON, ADMIN):
        if role == ADMIN:
            login(client, admin_user)
        for name, rule in sorted(RULES.items()):
            if rule.expect[role] != OK:
                continue
            response = client.get(rule.url(world), rule.query)
            pages += response.status_code == HTTPStatus.OK
            found += findings(
                response, f"{role} {name} {response.request['PATH_INFO']}"
            )
    assert found == [], "\n".join(found)
    assert pages > 100


class TestPagesAfterAPost:
    def upload(self, client, csv_text: str):
        data = io.BytesIO(csv_text.encode())
        data.name = "direktori.csv"
        return client.post(
            reverse("admin:referrals_referralinstitution_import"),
            {"import_file": data, "format": "1", "resource": "0"},
        )

    def test_the_import_preview(self, admin_client):
        response = self.upload(
            admin_client, "name,level,region\nLembaga Baru,kabupaten,73.09\n"
        )
        assert "confirm_form" in response.context
        assert findings(response, "import preview") == []

    def test_an_imports_errors(self, admin_client):
        response = self.upload(admin_client, "name,level,region\nX,desa,99.99\n")
        assert response.context["result"].has_validation_errors()
        assert findings(response, "import errors") == []

    def test_the_delete_confirmation_of_selected_rows(self, admin_client, world):
        response = admin_client.post(
            reverse("admin:referrals_referralinstitution_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [world.institution.pk],
            },
        )
        assert response.status_code == HTTPStatus.OK
        assert ReferralInstitution.objects.filter(pk=world.institution.pk).exists()
        assert findings(response, "delete selected") == []

    def test_the_admins_page_for_a_non_admin(self, client):
        user = UserFactory(username="desk", role=roles.PROGRAMME_STAFF)
        user.is_staff = True
        user.save()
        login(client, user)
        response = client.get(reverse("admin:login"))
        assert response.status_code == HTTPStatus.OK
        assert findings(response, "admin login") == []
