"""History pages, the app's (templates/includes/_history.html) and the admin's
(setara.admin_site.HistoryAdmin), show "—" for an empty value, never "None" or
"Deleted region (pk=None)", and every column header in the interface language
(setara/history.py ``display_value``)."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from simple_history.models import DeletedObject

from participants.models import Participant
from referrals.models import ReferralInstitution, ServiceType
from regions.models import Region
from setara.history import EMPTY, display_value
from tests.factories import AgencyFactory, NationalInstitutionFactory

pytestmark = pytest.mark.django_db

#: The admin's history table (simple_history's id).
ADMIN_TABLE = 'id="change-history"'
#: Text an empty or vanished value must never be shown as.
NEVER = ["None", "pk=", "Deleted ", "Dihapus ", "[]", "Tidak ada"]


def field(model, name):
    return model._meta.get_field(name)


class TestDisplayValue:
    @pytest.mark.parametrize("value", [None, "", [], {}])
    def test_empty_is_a_dash(self, value):
        assert display_value(field(ReferralInstitution, "notes"), value) == EMPTY

    def test_a_relation_never_set_is_a_dash(self):
        region = field(ReferralInstitution, "region")
        assert display_value(region, DeletedObject(Region, None)) == EMPTY
        assert display_value(region, None, {}) == EMPTY

    def test_a_related_record_that_is_gone_shows_its_number(self):
        agency = field(ReferralInstitution, "agency")
        with translation.override("en"):
            assert display_value(agency, DeletedObject(Region, 12)) == "#12 (deleted)"
            assert display_value(agency, 12, {}) == "#12 (deleted)"

    def test_values_read_as_people_read_them(self):
        maros = Region.objects.get(code="73.09")
        with translation.override("en"):
            assert display_value(field(ReferralInstitution, "region"), maros) == (
                "Kabupaten Maros"
            )
            level = field(ReferralInstitution, "level")
            assert display_value(level, "kabupaten") == "Regency/City"
            active = field(ReferralInstitution, "is_active")
            assert display_value(active, False) == "no"
            verified = field(ReferralInstitution, "last_verified_on")
            assert display_value(verified, datetime.date(2025, 1, 15)) == ("15/01/2025")
        nik = display_value(field(Participant, "nik"), "7309011234567890")
        assert "1234567890" not in nik


@pytest.fixture
def institution():
    """A national institution made regency-level (its region goes from none to
    Maros), given a service, and linked to an agency that is then deleted; every
    history row without a user."""
    institution = NationalInstitutionFactory(name="Lembaga Uji Riwayat")
    institution.level = ReferralInstitution.Level.REGENCY
    institution.region = Region.objects.get(code="73.09")
    institution.save()
    institution.services.add(ServiceType.objects.get(code="legal-aid"))
    agency = AgencyFactory(name="Instansi Yang Dihapus")
    institution.agency = agency
    institution.save()
    agency.delete()
    return institution


def page(client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url).content.decode()


def table(html: str, marker: str) -> str:
    """The <table> of ``html`` that holds ``marker`` or follows it."""
    at = html.index(marker)
    opened = html.rfind("<table", 0, at)
    start = (
        opened if opened > html.rfind("</table>", 0, at) else html.index("<table", at)
    )
    return html[start : html.index("</table>", start)]


def headers(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>|\s+", " ", th).strip()
        for th in re.findall(r"<th\b[^>]*>(.*?)</th>", html, re.S)
    ]


def cells(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class TestAdminHistory:
    def url(self, institution):
        return reverse(
            "admin:referrals_referralinstitution_history", args=[institution.pk]
        )

    @pytest.mark.parametrize("language", ["id", "en"])
    def test_empty_values_are_dashes(self, admin_client, institution, language):
        rows = table(page(admin_client, self.url(institution), language), ADMIN_TABLE)
        text = cells(rows)
        assert [never for never in NEVER if never in text] == [], text
        assert EMPTY in text
        assert "Kabupaten Maros" in text  # the region, by name
        with translation.override(language):  # the service added, by name
            assert str(ServiceType.objects.get(code="legal-aid")) in text
        assert re.search(r"#\d+ \(", text), text  # the agency that is gone

    def test_every_header_is_translated(self, admin_client, institution):
        english = headers(
            table(page(admin_client, self.url(institution), "en"), ADMIN_TABLE)
        )
        indonesian = headers(
            table(page(admin_client, self.url(institution), "id"), ADMIN_TABLE)
        )
        assert len(english) == len(indonesian) == 6
        untranslated = [
            en for en, id_ in zip(english, indonesian, strict=True) if en == id_
        ]
        assert untranslated == []


class TestAppHistory:
    def url(self, institution):
        return reverse("referrals:history", args=[institution.pk])

    @pytest.mark.parametrize("language", ["id", "en"])
    def test_empty_values_are_dashes(self, admin_client, institution, language):
        rows = table(page(admin_client, self.url(institution), language), "history")
        text = cells(rows)
        assert [never for never in NEVER if never in text] == [], text
        assert EMPTY in text
        assert "Kabupaten Maros" in text

    def test_every_header_is_translated(self, admin_client, institution):
        english = headers(
            table(page(admin_client, self.url(institution), "en"), "history")
        )
        indonesian = headers(
            table(page(admin_client, self.url(institution), "id"), "history")
        )
        assert len(english) == len(indonesian) == 4
        assert [
            en for en, id_ in zip(english, indonesian, strict=True) if en == id_
        ] == []
