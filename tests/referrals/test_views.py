import datetime
import io
import zipfile
from http import HTTPStatus

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.demo import load_demo_directory
from referrals.models import ReferralInstitution, ServiceType
from regions.models import Region
from tests.auth import login
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    NationalInstitutionFactory,
    ParticipantFactory,
    ProvincialInstitutionFactory,
    ReferralInstitutionFactory,
    TargetGroupFactory,
)

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("referrals:directory")


def maros():
    return Region.objects.get(code="73.09")


def names(response):
    return [i.name for i in response.context["page_obj"].object_list]


class TestDirectory:
    def test_every_role_can_read_the_directory(
        self, client, staff_user, coordinator_user, admin_user
    ):
        for user in (staff_user, coordinator_user, admin_user):
            login(client, user)
            response = client.get(DIRECTORY)
            assert response.status_code == HTTPStatus.OK
            assertTemplateUsed = "referrals/referralinstitution_filter.html"
            assert assertTemplateUsed in [t.name for t in response.templates]

    def test_anonymous_user_is_sent_to_login(self, client):
        response = client.get(DIRECTORY)
        assert response.status_code == HTTPStatus.FOUND
        assert response.url.startswith(reverse("login"))

    def test_regency_shows_its_own_then_province_then_national(self, staff_client):
        national = NationalInstitutionFactory(name="A Nasional")
        province = ProvincialInstitutionFactory(name="B Provinsi")
        regency = ReferralInstitutionFactory(name="C Kabupaten", region=maros())
        other = ReferralInstitutionFactory(name="D Kabupaten Lain")
        response = staff_client.get(DIRECTORY, {"region": maros().code})
        assert names(response) == [regency.name, province.name, national.name]
        assert other.name not in names(response)

    def test_bad_filter_values_give_a_page_not_an_error(self, staff_client):
        ReferralInstitutionFactory()
        response = staff_client.get(DIRECTORY, {"region": "abc", "level": "desa"})
        assert response.status_code == HTTPStatus.OK
        assert names(response) == []
        assert response.context["filter"].form.errors.keys() == {"region", "level"}

    def test_inactive_institutions_are_not_listed(self, staff_client):
        ReferralInstitutionFactory(name="Tutup", is_active=False)
        assert "Tutup" not in names(staff_client.get(DIRECTORY))

    def test_filters_by_service_target_group_level_and_text(self, staff_client):
        legal_aid = ServiceType.objects.get(code="legal-aid")
        children = TargetGroupFactory(code="children")
        match = ReferralInstitutionFactory(
            name="LBH Maros", region=maros(), address="Jl. Poros Maros"
        )
        match.services.add(legal_aid)
        match.target_groups.add(children)
        ReferralInstitutionFactory(name="Lain", region=maros())
        response = staff_client.get(
            DIRECTORY,
            {
                "service": legal_aid.pk,
                "target_group": children.pk,
                "level": "kabupaten",
                "q": "poros",
            },
        )
        assert names(response) == ["LBH Maros"]

    def test_free_text_finds_a_service_name(self, staff_client):
        institution = NationalInstitutionFactory(name="SAPA")
        institution.services.add(ServiceType.objects.get(code="hotline"))
        response = staff_client.get(DIRECTORY, {"q": "hotline"})
        assert names(response) == ["SAPA"]

    def test_entry_shows_contact_links(self, staff_client):
        institution = ReferralInstitutionFactory(
            region=maros(),
            phone="+62411371234",
            whatsapp="+6281234567890",
            email="uptdppa@maroskab.go.id",
            opening_hours="Senin–Jumat 08.00–16.00",
            focal_person="Ibu Kepala UPTD",
        )
        institution.services.add(ServiceType.objects.get(code="psychosocial-support"))
        content = staff_client.get(DIRECTORY).content.decode()
        assert 'href="tel:+62411371234"' in content
        assert 'href="https://wa.me/6281234567890"' in content
        assert 'href="mailto:uptdppa@maroskab.go.id"' in content
        assert "Senin–Jumat 08.00–16.00" in content
        assert "Ibu Kepala UPTD" in content
        assert "Dukungan kesehatan mental dan psikososial (DKMP)" in content

    def test_stale_marker_only_on_old_verifications(self, staff_client):
        today = datetime.date.today()
        ReferralInstitutionFactory(name="Baru", last_verified_on=today)
        ReferralInstitutionFactory(
            name="Lama", last_verified_on=today - datetime.timedelta(days=400)
        )
        response = staff_client.get(DIRECTORY)
        content = response.content.decode()
        entries = content.split('class="card mb-3 directory-entry"')[1:]
        by_name = {name: e for e in entries for name in ("Baru", "Lama") if name in e}
        assert "stale-marker" not in by_name["Baru"]
        assert "stale-marker" in by_name["Lama"]
        assert today.strftime("%d/%m/%Y") in by_name["Baru"]

    def test_shows_trained_staff_by_sex(self, staff_client):
        agency = AgencyFactory(region=maros())
        institution = ReferralInstitutionFactory(region=maros(), agency=agency)
        for sex in ("L", "P", "P"):
            AttendanceFactory(
                enrolment__participant=ParticipantFactory(agency=agency, sex=sex)
            )
        response = staff_client.get(DIRECTORY)
        entry = response.context["page_obj"].object_list[0]
        assert entry == institution
        assert (entry.trained_total, entry.trained_male, entry.trained_female) == (
            3,
            1,
            2,
        )
        assert "L 1, P 2" in response.content.decode()

    def test_query_count_does_not_grow_with_rows(self, staff_client):
        def count_queries():
            with CaptureQueriesContext(connection) as queries:
                response = staff_client.get(DIRECTORY, {"region": maros().code})
            assert response.status_code == HTTPStatus.OK
            return len(queries)

        # With an agency, as below: the trained staff are counted (no query when
        # no institution shown has an agency).
        ReferralInstitutionFactory(region=maros(), agency=AgencyFactory()).services.add(
            ServiceType.objects.first()
        )
        few = count_queries()
        for _ in range(5):
            institution = ReferralInstitutionFactory(
                region=maros(), agency=AgencyFactory()
            )
            institution.services.add(*ServiceType.objects.all()[:3])
            institution.target_groups.add(TargetGroupFactory())
            NationalInstitutionFactory()
        assert count_queries() == few


def pathway_url(code="73.09", name="referrals:pathway"):
    return reverse(name, args=[code])


class TestPathway:
    def test_maros_demo_pathway_lists_all_three_levels_per_service(self, staff_client):
        load_demo_directory()
        response = staff_client.get(pathway_url())
        assert response.status_code == HTTPStatus.OK
        police = next(
            s for s in response.context["services"] if s.code == "police-reporting"
        )
        levels = [i.level for i in police.pathway_institutions]
        assert levels == ["kabupaten", "provinsi", "nasional"]
        content = response.content.decode()
        assert "Unit PPA Satreskrim Polres Maros" in content
        assert 'href="tel:129"' in content

    def test_services_in_district_province_national_order(self, staff_client):
        service = ServiceType.objects.get(code="legal-aid")
        national = NationalInstitutionFactory(name="A Nasional")
        province = ProvincialInstitutionFactory(name="B Provinsi")
        regency = ReferralInstitutionFactory(name="C Kabupaten", region=maros())
        elsewhere = ReferralInstitutionFactory(name="D Kabupaten Lain")
        for institution in (national, province, regency, elsewhere):
            institution.services.add(service)
        response = staff_client.get(pathway_url())
        legal_aid = next(s for s in response.context["services"] if s == service)
        assert legal_aid.pathway_institutions == [regency, province, national]

    def test_marks_services_whose_staff_were_trained(self, staff_client):
        agency = AgencyFactory(region=maros())
        trained = ReferralInstitutionFactory(region=maros(), agency=agency)
        trained.services.add(ServiceType.objects.get(code="prosecution"))
        untrained = ReferralInstitutionFactory(region=maros())
        untrained.services.add(ServiceType.objects.get(code="education"))
        AttendanceFactory(enrolment__participant=ParticipantFactory(agency=agency))
        response = staff_client.get(pathway_url())
        marked = {s.code for s in response.context["services"] if s.has_trained_staff}
        assert marked == {"prosecution"}
        assert response.content.decode().count("trained-service") == 1

    def test_province_or_unknown_code_is_not_found(self, staff_client):
        assert staff_client.get("/referrals/pathway/73/").status_code == 404
        assert staff_client.get(pathway_url("99.99")).status_code == 404

    def test_xlsx_has_a_bold_frozen_header_and_levels_in_order(self, staff_client):
        load_demo_directory()
        response = staff_client.get(pathway_url(name="referrals:pathway_xlsx"))
        assert response.status_code == HTTPStatus.OK
        assert "alur-rujukan-73.09.xlsx" in response["Content-Disposition"]
        content = b"".join(response.streaming_content)
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        police = [
            row[1]
            for row in sheet.iter_rows(min_row=2, values_only=True)
            if row[0] == "Pelaporan ke kepolisian"
        ]
        assert police == ["Kabupaten/Kota", "Provinsi", "Nasional"]

    def test_xlsx_keeps_a_formula_like_institution_name_as_text(self, staff_client):
        formula = '=HYPERLINK("http://example.invalid","x")'
        institution = ReferralInstitutionFactory(region=maros(), name=formula)
        institution.services.add(ServiceType.objects.first())
        response = staff_client.get(pathway_url(name="referrals:pathway_xlsx"))
        content = b"".join(response.streaming_content)
        sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read(
            "xl/worksheets/sheet1.xml"
        )
        assert b"<f>" not in sheet_xml  # no formula anywhere in the sheet
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        [cell] = [
            row[2] for row in sheet.iter_rows(min_row=2) if row[2].value == formula
        ]
        assert cell.data_type == "s"
        assert cell.quotePrefix

    def test_query_count_does_not_grow_with_rows(self, staff_client):
        def count_queries():
            with CaptureQueriesContext(connection) as queries:
                response = staff_client.get(pathway_url())
            assert response.status_code == HTTPStatus.OK
            return len(queries)

        services = list(ServiceType.objects.all())
        ReferralInstitutionFactory(region=maros()).services.add(services[0])
        few = count_queries()
        for _ in range(4):
            for institution in (
                ReferralInstitutionFactory(region=maros(), agency=AgencyFactory()),
                ProvincialInstitutionFactory(),
                NationalInstitutionFactory(),
            ):
                institution.services.add(*services[:4])
        assert count_queries() == few

    def test_directory_links_to_the_pathway_of_a_chosen_regency(self, staff_client):
        response = staff_client.get(DIRECTORY, {"region": maros().code})
        assert pathway_url() in response.content.decode()


def test_directory_offers_each_regency_pathway_before_filtering(staff_client):
    """Each regency or city with institutions of its own; the others through the
    region filter."""
    ReferralInstitutionFactory(region=maros())
    response = staff_client.get(reverse("referrals:directory"))
    assert 'href="/referrals/pathway/73.09/"' in response.content.decode()


class TestInstitutionHistory:
    def test_coordinator_reads_who_changed_what(self, coordinator_client, admin_user):
        institution = ReferralInstitutionFactory(name="UPTD PPA Uji")
        institution = ReferralInstitution.objects.get(pk=institution.pk)
        institution.opening_hours = "Senin-Jumat 08.00-16.00"
        institution._history_user = admin_user
        institution.save()
        url = reverse("referrals:history", args=[institution.pk])
        html = coordinator_client.get(url).content.decode()
        assert "Senin-Jumat 08.00-16.00" in html
        assert admin_user.username in html
        directory = coordinator_client.get(reverse("referrals:directory"))
        assert url in directory.content.decode()

    def test_programme_staff_get_no_history(self, staff_client):
        institution = ReferralInstitutionFactory()
        url = reverse("referrals:history", args=[institution.pk])
        assert staff_client.get(url).status_code == HTTPStatus.FORBIDDEN
        directory = staff_client.get(reverse("referrals:directory"))
        assert url not in directory.content.decode()
