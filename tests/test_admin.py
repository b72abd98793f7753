"""The Django admin: every model registered, changelists at a fixed query count;
the Admin role only (setara/admin_site.py); no revert through the history pages;
no NIK shown in the history or found by a filter for those who may not see it;
no server error from an impossible date or an unknown filter."""

from http import HTTPStatus

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from participants.models import Participant
from referrals.models import ReferralInstitution, ServiceType
from setara import roles
from setara.admin_site import SetaraAdminSite
from tests.auth import login
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    ReferralInstitutionFactory,
    TopicFactory,
    TrainingFactory,
    UserFactory,
)
from tests.referrals.test_admin import form_data
from tests.test_url_permissions import (  # noqa: F401 (world: a fixture)
    ADMIN_LOGIN,
    POST_RULES,
    RULES,
    database_state,
    outcome_of,
    world,
    write_world,
)

pytestmark = pytest.mark.django_db

LOCAL_APPS = ["regions", "participants", "trainings", "referrals"]


def _local_models():
    return [
        model
        for app in LOCAL_APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.auto_created and not model.__name__.startswith("Historical")
    ]


def test_every_model_is_in_the_admin():
    missing = [m.__name__ for m in _local_models() if not admin.site.is_registered(m)]
    assert missing == []


def _make_rows(n):
    for _ in range(n):
        attendance = AttendanceFactory()
        EnrolmentFactory(participant=attendance.enrolment.participant)
        ParticipantFactory()
        ReferralInstitutionFactory()
        TrainingFactory().topics.add(TopicFactory())


def _changelist_queries(client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return len(ctx.captured_queries)


def test_changelists_run_a_fixed_number_of_queries(admin_client):
    _make_rows(2)
    few = {m.__name__: _changelist_queries(admin_client, m) for m in _local_models()}
    _make_rows(8)
    many = {m.__name__: _changelist_queries(admin_client, m) for m in _local_models()}
    assert few == many


def test_change_pages_open(admin_client):
    attendance = AttendanceFactory()
    for obj in [
        attendance,
        attendance.enrolment,
        attendance.enrolment.training,
        attendance.enrolment.participant,
        attendance.enrolment.participant.agency,
    ]:
        meta = obj._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == HTTPStatus.OK, url


def test_programme_staff_cannot_open_the_admin(staff_client):
    response = staff_client.get(reverse("admin:index"))
    assert response.status_code == HTTPStatus.FOUND
    assert "/admin/login/" in response["Location"]


# Who opens the admin: an active user with "Staff status" in the Admin role, or a
# superuser
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "is_staff", "is_superuser", "admitted"),
    [
        (roles.ADMIN, True, False, True),
        (None, True, True, True),
        (roles.ADMIN, False, False, False),
        (roles.COORDINATOR, True, False, False),
        (roles.PROGRAMME_STAFF, True, False, False),
    ],
)
def test_who_opens_the_admin(client, role, is_staff, is_superuser, admitted):
    user = UserFactory(username="someone", role=role)
    if role is None:
        user.groups.clear()
    user.is_staff, user.is_superuser = is_staff, is_superuser
    user.save()
    login(client, user)
    response = client.get(reverse("admin:index"))
    if admitted:
        assert response.status_code == HTTPStatus.OK
    else:
        assert outcome_of(response) == ADMIN_LOGIN
    assert isinstance(admin.site._wrapped, SetaraAdminSite)


@pytest.mark.parametrize("user_fixture", ["staff_user", "coordinator_user"])
def test_staff_status_by_mistake_opens_no_admin_url(request, client, user_fixture):
    """Every admin URL (history pages and their POSTs included) sends programme
    staff and coordinators with "Staff status" to the admin's login, and their
    POSTs change nothing."""
    objects = request.getfixturevalue("write_world")
    user = request.getfixturevalue(user_fixture)
    user.is_staff = True
    user.save()
    login(client, user)
    before = database_state()
    wrong = []
    for name, rule in sorted(RULES.items()):
        if not name.startswith("admin:") or name in ("admin:login", "admin:logout"):
            continue
        url = rule.url(objects)
        post = POST_RULES[name].data(objects) if name in POST_RULES else {}
        for method, response in (
            ("GET", client.get(url, rule.query)),
            ("POST", client.post(url, {"post": "yes", **post})),
        ):
            if outcome_of(response) != ADMIN_LOGIN:
                wrong.append(f"{method} {name}: {outcome_of(response)}")
    assert not wrong, "\n".join(wrong)
    assert database_state() == before


# django-simple-history's past-version page: shown, never saved back
# ------------------------------------------------------------------------------
def history_url(record, history_id) -> str:
    meta = type(record)._meta
    return reverse(
        f"admin:{meta.app_label}_{meta.model_name}_simple_history",
        args=[record.pk, history_id],
    )


@pytest.fixture
def renamed_institution():
    """An institution first named "Lama", then "Baru", with the form data that
    would save it under another name."""
    institution = ReferralInstitutionFactory(name="Lama")
    institution.services.add(ServiceType.objects.first())
    institution.name = "Baru"
    institution.save()
    return institution


def _first_version(record) -> int:
    return record.history.earliest().history_id


class TestHistoryRevert:
    def test_the_attack_works_against_the_library_view(
        self, coordinator_user, renamed_institution
    ):
        """The attack the fixes below refuse: a coordinator, who may only view
        institutions and their history, posts a form to django-simple-history's
        own past-version view, which checks the view permission only, and the
        institution is changed."""
        institution = renamed_institution
        url = history_url(institution, _first_version(institution))
        post = RequestFactory().post(url, form_data(institution, name="Diubah"))
        post.user = coordinator_user
        post.session = SessionStore()
        post._messages = FallbackStorage(post)
        model_admin = admin.site._registry[ReferralInstitution]
        SimpleHistoryAdmin.history_form_view(
            model_admin, post, str(institution.pk), str(_first_version(institution))
        )
        institution.refresh_from_db()
        assert institution.name == "Diubah"

    def test_a_view_only_user_with_staff_status_cannot_revert(
        self, client, coordinator_user, renamed_institution
    ):
        coordinator_user.is_staff = True
        coordinator_user.save()
        login(client, coordinator_user)
        institution = renamed_institution
        versions = institution.history.count()
        response = client.post(
            history_url(institution, _first_version(institution)),
            form_data(institution, name="Diubah"),
        )
        assert outcome_of(response) == ADMIN_LOGIN
        institution.refresh_from_db()
        assert institution.name == "Baru"
        assert institution.history.count() == versions

    def test_admins_see_a_past_version_and_cannot_revert_either(
        self, admin_client, renamed_institution
    ):
        """Revert is off for everyone: deleted records come back through the
        restore page, whose services keep the rules."""
        institution = renamed_institution
        url = history_url(institution, _first_version(institution))
        page = admin_client.get(url)
        assert page.status_code == HTTPStatus.OK
        assert "Lama" in page.content.decode()
        assert 'name="_save"' not in page.content.decode()
        response = admin_client.post(url, form_data(institution, name="Diubah"))
        assert response.status_code == HTTPStatus.FORBIDDEN
        institution.refresh_from_db()
        assert institution.name == "Baru"

    @pytest.mark.parametrize("client_fixture", ["coordinator_client", "admin_client"])
    def test_a_deleted_participant_is_not_undeleted(
        self, request, client_fixture, admin_client
    ):
        person = ParticipantFactory(full_name="Orang Terhapus")
        person_id = person.pk
        person.delete()
        deleted = Participant.history.filter(history_type="-").latest()
        url = history_url(deleted.instance, deleted.history_id)
        # The address is right: an admin sees the deleted person's last version.
        assert admin_client.get(url).status_code == HTTPStatus.OK
        client = request.getfixturevalue(client_fixture)
        if client_fixture == "coordinator_client":
            user = Group.objects.get(name=roles.COORDINATOR).user_set.get()
            user.is_staff = True
            user.save()
        response = client.post(
            url, {"full_name": "Orang Terhapus", "sex": "P", "disability": ""}
        )
        assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)
        if response.status_code == HTTPStatus.FOUND:
            assert outcome_of(response) == ADMIN_LOGIN
        assert not Participant.objects.filter(pk=person_id).exists()


# NIK: masked in the history; no filter by it without the right to see it
# ------------------------------------------------------------------------------
NIK = "7309015505900012"
OLD_NIK = "7309015505900099"


def _without_full_nik():
    """The Admin role without ``participants.export_personal_data``: what any
    user who may not see full NIKs gets in the admin."""
    Group.objects.get(name=roles.ADMIN).permissions.remove(
        Permission.objects.get(codename="export_personal_data")
    )


@pytest.fixture
def person():
    person = ParticipantFactory(nik=OLD_NIK)
    person.nik = NIK
    person.save()
    return person


def test_history_and_past_versions_mask_the_nik_even_for_admins(admin_client, person):
    """As the app's history does: old and new NIKs masked in the list of
    changes and in a past version; the record's own page shows it in full."""
    history = reverse("admin:participants_participant_history", args=[person.pk])
    page = admin_client.get(history).content.decode()
    assert "****************" in page
    assert "0099" not in page and "0012" not in page
    assert NIK not in page and OLD_NIK not in page
    past = admin_client.get(history_url(person, _first_version(person)))
    assert past.status_code == HTTPStatus.OK
    assert OLD_NIK not in past.content.decode()
    assert "****************" in past.content.decode()
    change = reverse("admin:participants_participant_change", args=[person.pk])
    assert NIK in admin_client.get(change).content.decode()


@pytest.mark.parametrize("full_nik", [True, False])
def test_nik_filters_and_search_only_for_those_who_may_see_it(
    admin_client, person, full_nik
):
    if not full_nik:
        _without_full_nik()
    changelist = reverse("admin:participants_participant_changelist")
    for lookup in ("nik", "nik__contains", "nik__startswith", "nik__regex"):
        value = NIK if lookup == "nik" else NIK[:8]
        response = admin_client.get(changelist, {lookup: value})
        if full_nik:
            assert response.context["cl"].result_count == 1, lookup
        else:
            assert response.status_code == HTTPStatus.BAD_REQUEST, lookup
    found = admin_client.get(changelist, {"q": NIK}).context["cl"]
    assert (found.result_count == 1) is full_nik
    # Through a relation, on another model's list, too.
    enrolments = reverse("admin:trainings_enrolment_changelist")
    response = admin_client.get(enrolments, {"participant__nik__startswith": "73"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_change_form_masks_the_nik_without_the_right_to_see_it(admin_client, person):
    _without_full_nik()
    url = reverse("admin:participants_participant_change", args=[person.pk])
    page = admin_client.get(url).content.decode()
    assert NIK not in page
    assert person.nik_masked in page
    # Nor can it be overwritten: the field is not in the form.
    admin_client.post(
        url,
        {
            "full_name": person.full_name,
            "sex": person.sex,
            "agency": person.agency_id,
            "position": "Staf",
            "disability": person.disability,
            "nik": "7309010101010101",
        },
    )
    person.refresh_from_db()
    assert person.nik == NIK


# Filters no date can hold, and filters the export cannot apply
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        {"start_date__year": "9" * 20},
        {"start_date__year": "9999"},
        {"start_date__year": "2023", "start_date__month": "9" * 20},
        {"start_date__year": "2023", "start_date__month": "2", "start_date__day": "30"},
    ],
)
def test_an_impossible_date_is_a_wrong_filter_not_a_server_error(admin_client, query):
    TrainingFactory()
    url = reverse("admin:trainings_training_changelist")
    response = admin_client.get(url, query)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{url}?e=1"


def test_third_party_admins_are_guarded_too(admin_client):
    """django-axes' login records (registered by the library) have a date
    hierarchy as well."""
    url = reverse("admin:axes_accessattempt_changelist")
    response = admin_client.get(url, {"attempt_time__year": "9" * 20})
    assert response["Location"] == f"{url}?e=1"


def test_the_directory_export_refuses_a_filter_it_cannot_apply(admin_client):
    url = reverse("admin:referrals_referralinstitution_export")
    assert admin_client.get(url, {"x": "1"}).status_code == HTTPStatus.BAD_REQUEST
    assert admin_client.get(url, {"x": "\x00"}).status_code == HTTPStatus.BAD_REQUEST
    assert admin_client.get(url, {"level": "nasional"}).status_code == HTTPStatus.OK
