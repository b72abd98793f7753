import csv
import datetime
import io
import zipfile
from http import HTTPStatus

import openpyxl
import pytest
from django.urls import reverse

from referrals.models import ReferralInstitution, ServiceType
from regions.models import Region
from tests.auth import login
from tests.factories import ReferralInstitutionFactory

pytestmark = pytest.mark.django_db


def change_url(institution):
    return reverse("admin:referrals_referralinstitution_change", args=[institution.pk])


def form_data(institution, **changes):
    data = {
        "name": institution.name,
        "level": institution.level,
        "region": institution.region_id or "",
        "agency": "",
        "is_active": "on",
        "address": "",
        "phone": "",
        "phone_alt": "",
        "whatsapp": "",
        "email": "",
        "website": "",
        "opening_hours": "",
        "focal_person": "",
        "services": [s.pk for s in institution.services.all()],
        "target_groups": [],
        "eligibility": "",
        "requirements": "",
        "cost": "",
        "accessibility": "",
        "languages": "",
        "notes": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def institution():
    return ReferralInstitutionFactory(
        name="UPTD PPA Kabupaten Maros", region=Region.objects.get(code="73.09")
    )


class TestOnlyAdminsEdit:
    @pytest.mark.parametrize("user_fixture", ["staff_user", "coordinator_user"])
    def test_other_roles_cannot_open_the_admin(
        self, request, client, institution, user_fixture
    ):
        login(client, request.getfixturevalue(user_fixture))
        response = client.get(change_url(institution))
        assert response.status_code == HTTPStatus.FOUND
        assert "/admin/login/" in response.url

    @pytest.mark.parametrize("user_fixture", ["staff_user", "coordinator_user"])
    def test_other_roles_with_admin_access_are_still_refused(
        self, request, client, institution, user_fixture
    ):
        """Even a programme staff or coordinator account given admin access by
        mistake is sent to the admin's login (the Admin role only:
        setara/admin_site.py) and changes nothing."""
        user = request.getfixturevalue(user_fixture)
        user.is_staff = True
        user.save()
        login(client, user)
        for url in (
            change_url(institution),
            reverse("admin:referrals_referralinstitution_import"),
            reverse("admin:referrals_referralinstitution_add"),
        ):
            response = client.get(url)
            assert response.status_code == HTTPStatus.FOUND, url
            assert response.url.startswith(reverse("admin:login")), url
        response = client.post(
            change_url(institution), form_data(institution, name="Diubah")
        )
        assert response.url.startswith(reverse("admin:login"))
        institution.refresh_from_db()
        assert institution.name == "UPTD PPA Kabupaten Maros"

    def test_admin_edits_and_history_shows_who_changed_what(
        self, admin_client, admin_user, institution
    ):
        page = admin_client.get(change_url(institution))
        assert 'name="_save"' in page.content.decode()
        response = admin_client.post(
            change_url(institution),
            form_data(institution, phone="0411-371 234", opening_hours="24 jam"),
        )
        assert response.status_code == HTTPStatus.FOUND
        institution.refresh_from_db()
        assert institution.phone == "+62411371234"
        record = institution.history.latest()
        assert record.history_user == admin_user
        history = admin_client.get(
            reverse(
                "admin:referrals_referralinstitution_history", args=[institution.pk]
            )
        ).content.decode()
        assert admin_user.username in history
        assert "+62411371234" in history
        assert "24 jam" in history

    def test_invalid_phone_is_refused_with_a_field_message(
        self, admin_client, institution
    ):
        response = admin_client.post(
            change_url(institution), form_data(institution, phone="kantor")
        )
        assert response.status_code == HTTPStatus.OK
        assert "phone" in response.context["adminform"].form.errors

    def test_duplicate_name_in_region_ignoring_case_and_spaces_is_refused(
        self, admin_client, institution
    ):
        response = admin_client.post(
            reverse("admin:referrals_referralinstitution_add"),
            form_data(institution, name="uptd  ppa kabupaten MAROS"),
        )
        assert response.status_code == HTTPStatus.OK
        errors = response.context["adminform"].form.errors.as_data()["__all__"]
        assert [e.code for e in errors] == ["duplicate_name"]
        assert ReferralInstitution.objects.count() == 1


class TestBulkActions:
    def changelist(self):
        return reverse("admin:referrals_referralinstitution_changelist")

    def test_mark_verified_records_date_user_and_history(
        self, admin_client, admin_user
    ):
        institutions = ReferralInstitutionFactory.create_batch(2)
        admin_client.post(
            self.changelist(),
            {
                "action": "mark_verified",
                "_selected_action": [i.pk for i in institutions],
            },
        )
        for institution in institutions:
            institution.refresh_from_db()
            assert institution.last_verified_on == datetime.date.today()
            assert institution.verified_by == admin_user
            assert institution.history.latest().history_user == admin_user

    def test_deactivate_then_activate(self, admin_client):
        institution = ReferralInstitutionFactory()
        for action, expected in (("deactivate", False), ("activate", True)):
            admin_client.post(
                self.changelist(),
                {"action": action, "_selected_action": [institution.pk]},
            )
            institution.refresh_from_db()
            assert institution.is_active is expected

    def test_staff_with_admin_access_cannot_run_actions(self, client, staff_user):
        staff_user.is_staff = True
        staff_user.save()
        login(client, staff_user)
        institution = ReferralInstitutionFactory()
        client.post(
            self.changelist(),
            {"action": "deactivate", "_selected_action": [institution.pk]},
        )
        institution.refresh_from_db()
        assert institution.is_active is True


class TestAdminImport:
    def test_import_shows_a_preview_before_saving(self, admin_client):
        csv = (
            "name,level,region,services\n"
            "Lembaga Bantuan Hukum Uji,kabupaten,73.09,legal-aid\n"
        )
        upload = io.BytesIO(csv.encode())
        upload.name = "directory.csv"
        response = admin_client.post(
            reverse("admin:referrals_referralinstitution_import"),
            {"import_file": upload, "format": "1", "resource": "0"},  # csv
        )
        assert response.status_code == HTTPStatus.OK
        assert "confirm_form" in response.context
        assert "Lembaga Bantuan Hukum Uji" in response.content.decode()
        assert not ReferralInstitution.objects.exists()
        confirm = response.context["confirm_form"]
        data = {name: field.initial for name, field in confirm.fields.items()}
        data.update(confirm.initial)
        response = admin_client.post(
            reverse("admin:referrals_referralinstitution_process_import"), data
        )
        assert response.status_code == HTTPStatus.FOUND
        institution = ReferralInstitution.objects.get()
        assert list(institution.services.all()) == [
            ServiceType.objects.get(code="legal-aid")
        ]


def test_only_the_admin_role_may_change_the_directory():
    from django.contrib.auth.models import Group

    from setara import roles

    def referral_perms(role):
        return set(
            Group.objects.get(name=role)
            .permissions.filter(content_type__app_label="referrals")
            .values_list("codename", flat=True)
        )

    for role in (roles.PROGRAMME_STAFF, roles.COORDINATOR):
        perms = referral_perms(role)
        assert {"view_referralinstitution", "view_servicetype"} <= perms
        assert {p for p in perms if not p.startswith("view_")} == set(), role
    assert {
        "change_referralinstitution",
        "add_targetgroup",
        "view_historicalreferralinstitution",
    } <= referral_perms(roles.ADMIN)


class TestDirectoryExport:
    """The admin's directory export goes through the one spreadsheet writer, so a
    name that looks like a formula stays text (OWASP "CSV Injection")."""

    FORMULA = '=HYPERLINK("http://example.invalid","x")'

    def _export(self, admin_client, fmt: str):
        ReferralInstitutionFactory(name=self.FORMULA)
        url = reverse("admin:referrals_referralinstitution_export")
        form = admin_client.get(url).context["form"]
        data = {name: field.initial for name, field in form.fields.items()}
        data = {key: value for key, value in data.items() if value is not None}
        data.update({"format": fmt, "resource": "0"})  # 0 = xlsx, 1 = csv
        response = admin_client.post(url, data)
        assert response.status_code == HTTPStatus.OK
        return response.content

    def test_xlsx_keeps_a_formula_like_name_as_text(self, admin_client):
        content = self._export(admin_client, "0")
        sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read(
            "xl/worksheets/sheet1.xml"
        )
        assert b"<f>" not in sheet_xml
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        cells = [c for row in sheet.iter_rows() for c in row if c.value == self.FORMULA]
        assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)

    def test_csv_prefixes_a_formula_like_name(self, admin_client):
        text = self._export(admin_client, "1").decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert [c for row in rows for c in row if "HYPER" in c] == ["'" + self.FORMULA]
