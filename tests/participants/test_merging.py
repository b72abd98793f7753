"""Merging two records of one agency, and the admin action (participants/merging.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from participants.merging import agency_merge, agency_merge_undo
from participants.models import Agency, AgencyAlias, AgencyMerge, Participant
from referrals.models import ReferralInstitution
from tests.factories import (
    AgencyFactory,
    ParticipantFactory,
    ReferralInstitutionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages in English, whatever the Indonesian catalogue holds."""
    with translation.override("en"):
        yield


@pytest.fixture
def agencies(admin_user):
    kept = AgencyFactory(name="Dinas Sosial Kabupaten Maros", short_name="Dinsos")
    other = AgencyFactory(name="Dinsos Kab. Maros", region=kept.region)
    AgencyAlias.objects.create(agency=other, name="Dinas Sosial Maros")
    staff = ParticipantFactory.create_batch(2, agency=other)
    institution = ReferralInstitutionFactory(agency=other, region=kept.region)
    return {"kept": kept, "other": other, "staff": staff, "institution": institution}


def state():
    return {
        "agencies": list(Agency.objects.order_by("pk").values()),
        "aliases": list(AgencyAlias.objects.order_by("pk").values()),
        "participants": list(
            Participant.objects.order_by("pk").values_list("pk", "agency_id")
        ),
        "institutions": list(
            ReferralInstitution.objects.order_by("pk").values_list("pk", "agency_id")
        ),
    }


def test_merge_repoints_everything_and_keeps_the_names(agencies, admin_user):
    kept, other = agencies["kept"], agencies["other"]
    agency_merge(survivor=kept, duplicate=other, user=admin_user)
    assert not Agency.objects.filter(pk=other.pk).exists()
    assert set(kept.participants.all()) == set(agencies["staff"])
    agencies["institution"].refresh_from_db()
    assert agencies["institution"].agency == kept
    assert set(kept.aliases.values_list("name", flat=True)) == {
        "Dinas Sosial Maros",
        "Dinsos Kab. Maros",
    }
    assert Agency.objects.resolve("Dinsos Kab. Maros")[0] == kept
    row = agencies["staff"][0].history.latest()
    assert row.history_change_reason == f"merged agency #{other.pk} into #{kept.pk}"
    assert row.history_user == admin_user


def test_undo_restores_the_former_state(agencies, admin_user):
    before = state()
    merge = agency_merge(
        survivor=agencies["kept"], duplicate=agencies["other"], user=admin_user
    )
    restored = agency_merge_undo(merge=merge, user=admin_user)
    assert restored.pk == agencies["other"].pk
    assert state() == before
    with pytest.raises(ValidationError, match="undone already"):
        agency_merge_undo(merge=merge, user=admin_user)


def test_a_merged_pair_is_refused_the_second_time(agencies, admin_user):
    agency_merge(
        survivor=agencies["kept"], duplicate=agencies["other"], user=admin_user
    )
    with pytest.raises(ValidationError, match="no longer exists"):
        agency_merge(
            survivor=agencies["kept"], duplicate=agencies["other"], user=admin_user
        )


def test_undo_is_refused_when_the_survivor_is_gone(agencies, admin_user):
    merge = agency_merge(
        survivor=agencies["kept"], duplicate=agencies["other"], user=admin_user
    )
    third = AgencyFactory()
    agency_merge(survivor=third, duplicate=agencies["kept"], user=admin_user)
    with pytest.raises(ValidationError, match="deleted or merged"):
        agency_merge_undo(merge=AgencyMerge.objects.get(pk=merge.pk), user=admin_user)


class TestAdminAction:
    def post(self, client, agencies, **extra):
        return client.post(
            reverse("admin:participants_agency_changelist"),
            {
                "action": "merge_agencies",
                "_selected_action": [agencies["kept"].pk, agencies["other"].pk],
                **extra,
            },
        )

    def test_asks_for_confirmation_first(self, admin_client, agencies):
        response = self.post(admin_client, agencies)
        assert response.status_code == 200
        assert b'name="keep"' in response.content
        assert Agency.objects.filter(pk=agencies["other"].pk).exists()

    def test_merges_into_the_agency_chosen(self, admin_client, agencies):
        response = self.post(
            admin_client, agencies, confirm="yes", keep=agencies["other"].pk
        )
        assert response.status_code == 302
        assert not Agency.objects.filter(pk=agencies["kept"].pk).exists()
        assert AgencyMerge.objects.get().survivor == agencies["other"]

    def test_undo_action(self, admin_client, agencies, admin_user):
        merge = agency_merge(
            survivor=agencies["kept"], duplicate=agencies["other"], user=admin_user
        )
        admin_client.post(
            reverse("admin:participants_agencymerge_changelist"),
            {"action": "undo_merges", "_selected_action": [merge.pk]},
        )
        assert Agency.objects.filter(pk=agencies["other"].pk).exists()
