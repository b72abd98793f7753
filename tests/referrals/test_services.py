import datetime

import pytest

from referrals.services import institutions_mark_verified, institutions_set_active
from tests.factories import ReferralInstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_set_active_changes_only_what_differs_and_records_the_user():
    user = UserFactory()
    active, inactive = (
        ReferralInstitutionFactory(),
        ReferralInstitutionFactory(is_active=False),
    )
    assert (
        institutions_set_active(
            institutions=[active, inactive], active=False, user=user
        )
        == 1
    )
    inactive.refresh_from_db()
    active.refresh_from_db()
    assert not active.is_active and not inactive.is_active
    assert active.history.latest().history_user == user


def test_mark_verified_sets_date_and_verifier():
    user = UserFactory()
    institution = ReferralInstitutionFactory()
    day = datetime.date(2025, 3, 1)
    assert (
        institutions_mark_verified(institutions=[institution], user=user, on=day) == 1
    )
    institution.refresh_from_db()
    assert (institution.last_verified_on, institution.verified_by) == (day, user)
    assert institution.history.latest().last_verified_on == day
