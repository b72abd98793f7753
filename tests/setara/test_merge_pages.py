"""The duplicates list, the merge screen and the merges list (setara/merge_pages.py)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from participants.models import Participant, ParticipantMerge
from setara.merging import MERGE_FIELDS, participant_merge
from tests.auth import login
from tests.factories import AgencyFactory, EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Pages and messages in English, whatever the Indonesian catalogue holds."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


NIK = "7309015505900012"


@pytest.fixture
def pair():
    agency = AgencyFactory()
    first = ParticipantFactory(full_name="Nurhaeda Rahman", agency=agency, nik=NIK)
    second = ParticipantFactory(
        full_name="Nurhayda Rahman", agency=agency, phone="+6281234567890"
    )
    EnrolmentFactory.create_batch(2, participant=second)
    return first, second


def keep_first() -> dict:
    """The merge form keeping the first record and every value of it."""
    return {"keep": "first", **dict.fromkeys(MERGE_FIELDS, "first")}


def merge_url(pair):
    return reverse("merging:merge", args=[pair[0].pk, pair[1].pk])


def test_the_duplicates_list_links_each_pair_to_the_merge_screen(
    coordinator_client, pair
):
    response = coordinator_client.get(reverse("merging:duplicates"))
    assert merge_url(pair).encode() in response.content
    assert "similar name in the same agency" in response.content.decode()


def test_the_duplicates_list_for_one_person(coordinator_client, pair):
    other = ParticipantFactory(phone="+6289999999999")
    ParticipantFactory(phone="+6289999999999")
    url = reverse("merging:duplicates")
    response = coordinator_client.get(url, {"participant": pair[0].pk})
    assert len(response.context["pairs"]) == 1
    response = coordinator_client.get(url, {"participant": other.pk})
    assert merge_url(pair).encode() not in response.content


def test_programme_staff_may_not_merge(staff_client, pair):
    assert staff_client.get(reverse("merging:duplicates")).status_code == 403
    response = staff_client.post(merge_url(pair), {"keep": "first"})
    assert response.status_code == 403
    assert Participant.objects.count() == 2


class TestMergeScreen:
    def test_defaults_to_the_record_with_more_enrolments(
        self, coordinator_client, pair
    ):
        response = coordinator_client.get(merge_url(pair))
        assert response.context["keep"] == "second"
        rows = {row["name"]: row for row in response.context["rows"]}
        assert rows["full_name"]["choice"] == "second"
        assert rows["nik"]["choice"] == "first"  # the second has none
        assert rows["nik"]["first"] == NIK  # coordinators see full NIKs

    def test_the_nik_is_masked_without_the_permission(self, client, pair):
        from setara import roles
        from tests.factories import UserFactory

        user = UserFactory(username="c2", role=roles.COORDINATOR)
        user.user_permissions.clear()
        user.groups.first().permissions.remove(
            *user.groups.first().permissions.filter(codename="export_personal_data")
        )
        login(client, user)
        rows = {r["name"]: r for r in client.get(merge_url(pair)).context["rows"]}
        assert rows["nik"]["first"] == "****************"

    def test_merging_keeps_the_chosen_record_and_values(self, coordinator_client, pair):
        first, second = pair
        data = {"keep": "second", **dict.fromkeys(["full_name", "sex"], "second")}
        data.update(
            dict.fromkeys(
                [
                    "agency",
                    "position",
                    "village_region",
                    "village",
                    "phone",
                    "email",
                    "birth_date",
                ],
                "second",
            )
        )
        data.update({"nik": "first", "disability": "first"})
        response = coordinator_client.post(merge_url(pair), data)
        assert response.status_code == 302
        assert response["Location"] == second.get_absolute_url()
        kept = Participant.objects.get()
        assert (kept.pk, kept.nik, kept.full_name) == (
            second.pk,
            NIK,
            "Nurhayda Rahman",
        )
        assert ParticipantMerge.objects.get().user.username == "coordinator"

    def test_merging_again_gives_a_message_not_an_error(self, coordinator_client, pair):
        data = keep_first()
        coordinator_client.post(merge_url(pair), data)
        response = coordinator_client.post(merge_url(pair), data, follow=True)
        assert response.status_code == 200
        assert "no longer exists" in response.content.decode()
        assert ParticipantMerge.objects.count() == 1

    def test_an_incomplete_choice_shows_the_form_again(self, coordinator_client, pair):
        response = coordinator_client.post(merge_url(pair), {"keep": "first"})
        assert response.status_code == 200
        assert Participant.objects.count() == 2


def test_admins_undo_from_the_merges_list(coordinator_user, admin_user, pair):
    coordinator_client, admin_client = Client(), Client()
    for each in (coordinator_client, admin_client):
        each.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login(coordinator_client, coordinator_user)
    login(admin_client, admin_user)
    data = keep_first()
    coordinator_client.post(merge_url(pair), data)
    merge = ParticipantMerge.objects.get()
    listing = coordinator_client.get(reverse("merging:merges")).content.decode()
    assert reverse("merging:undo", args=[merge.pk]) not in listing
    assert (
        coordinator_client.post(reverse("merging:undo", args=[merge.pk])).status_code
        == 403
    )
    listing = admin_client.get(reverse("merging:merges")).content.decode()
    assert reverse("merging:undo", args=[merge.pk]) in listing
    response = admin_client.post(reverse("merging:undo", args=[merge.pk]))
    assert response["Location"] == pair[1].get_absolute_url()
    assert Participant.objects.count() == 2
    response = admin_client.post(reverse("merging:undo", args=[merge.pk]), follow=True)
    assert "undone already" in response.content.decode()


def test_an_old_link_to_a_merged_record_leads_to_the_kept_one(
    coordinator_client, coordinator_user, pair
):
    kept, other = pair
    participant_merge(survivor=kept, duplicate=other, values={}, user=coordinator_user)
    response = coordinator_client.get(reverse("participants:detail", args=[other.pk]))
    assert response.status_code == 302
    assert response.url == reverse("participants:detail", args=[kept.pk])
    page = coordinator_client.get(response.url)
    assert f"Participant #{other.pk} was merged into #{kept.pk}." in (
        page.content.decode()
    )
    assert (
        coordinator_client.get(reverse("participants:detail", args=[999_999]))
    ).status_code == 404
