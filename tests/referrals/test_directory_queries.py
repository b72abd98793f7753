"""The directory's cost does not grow with the directory: a fixed number of
queries whatever the number of institutions, trained staff counted for the
page's agencies only, a plain count for the paginator, and the list kept for
the data version and the reader's permission (never stale, never showing an
admin's links to someone else)."""

import pytest
from django.test import Client
from django.urls import reverse

from referrals.models import ReferralInstitution
from setara.data_version import data_changed
from tests.auth import login
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    ParticipantFactory,
    ReferralInstitutionFactory,
    ServiceTypeFactory,
)
from tests.pages import from_heading, page_sql

pytestmark = pytest.mark.django_db

URL = "referrals:directory"


def _directory(institutions: int) -> list[ReferralInstitution]:
    """``institutions`` institutions, each with a service and an agency of which
    two staff (L, P) attended a training."""
    service = ServiceTypeFactory()
    made = []
    for _ in range(institutions):
        agency = AgencyFactory()
        institution = ReferralInstitutionFactory(agency=agency)
        institution.services.add(service)
        for sex in ("L", "P"):
            AttendanceFactory(
                enrolment__participant=ParticipantFactory(agency=agency, sex=sex)
            )
        made.append(institution)
    return made


class TestQueryCount:
    def test_same_number_of_queries_for_3_and_60_institutions(self, staff_client):
        url = reverse(URL)
        staff_client.get(url)  # what a process reads once (content types)
        _directory(3)
        few = len(page_sql(staff_client, url))
        _directory(57)
        many = len(page_sql(staff_client, url))
        data_changed()  # nothing cached from the page before
        last_page = len(page_sql(staff_client, url + "?page=3"))
        assert few == many == last_page

    def test_the_paginator_counts_institutions_without_joins(self, staff_client):
        _directory(3)
        counts = [
            sql for sql in page_sql(staff_client, reverse(URL)) if "COUNT(*)" in sql
        ]
        assert len(counts) == 1
        assert "JOIN" not in counts[0]

    def test_trained_staff_are_counted_for_the_page_only(self, staff_client):
        _directory(30)
        queries = page_sql(staff_client, reverse(URL))
        (counting,) = [sql for sql in queries if "participants_participant" in sql]
        shown = ReferralInstitution.objects.active().by_level()[:25]
        agencies = sorted(i.agency_id for i in shown)
        in_list = counting.split('"agency_id" IN (')[1].split(")")[0]
        assert sorted(int(pk) for pk in in_list.split(",")) == agencies


class TestTrainedStaff:
    def test_counts_match_with_trained_staff(self):
        institutions = _directory(4)
        ReferralInstitutionFactory()  # no agency: zeros
        AttendanceFactory(
            enrolment__participant=ParticipantFactory(
                agency=institutions[0].agency, sex=""
            ),
            present=False,
        )
        keys = ("male", "female", "not_recorded", "total")
        expected = {
            i.pk: tuple(getattr(i, f"trained_{key}") for key in keys)
            for i in ReferralInstitution.objects.with_trained_staff()
        }
        listed = {
            i.pk: tuple(getattr(i, f"trained_{key}") for key in keys)
            for i in ReferralInstitution.objects.for_directory()
        }
        assert listed == expected
        assert sorted(listed.values())[0] == (0, 0, 0, 0)

    def test_second_page_shows_its_trained_staff(self, staff_client):
        institutions = _directory(26)
        last = sorted(institutions, key=lambda i: (i.region.code, i.name, i.pk))[-1]
        ParticipantFactory(agency=last.agency)  # not trained: not counted
        AttendanceFactory(enrolment__participant=ParticipantFactory(agency=last.agency))
        html = from_heading(staff_client.get(reverse(URL), {"page": "2"}))
        assert last.name in html
        assert html.count("trained-marker") == 1
        assert "3 staf" in html  # "3 staf dilatih" / "3 staff trained"


class TestCachedDirectory:
    def test_a_second_view_reads_the_directory_from_the_cache(self, staff_client):
        _directory(3)
        url = reverse(URL)
        first = from_heading(staff_client.get(url))
        queries = page_sql(staff_client, url)
        assert not [sql for sql in queries if "participants_participant" in sql]
        assert from_heading(staff_client.get(url)) == first

    def test_a_new_trained_person_shows_at_once(self, staff_client):
        (institution,) = _directory(1)
        url = reverse(URL)
        staff_client.get(url)
        AttendanceFactory(
            enrolment__participant=ParticipantFactory(agency=institution.agency)
        )
        html = from_heading(staff_client.get(url))
        assert "3 staf" in html  # "3 staf dilatih" / "3 staff trained"

    @pytest.mark.parametrize("first", ["staff", "coordinator"])
    def test_history_links_follow_the_reader(self, staff_user, coordinator_user, first):
        _directory(2)
        readers = {
            "staff": login(Client(), staff_user),
            "coordinator": login(Client(), coordinator_user),
        }
        order = [first, *(name for name in readers if name != first)]
        pages = {name: from_heading(readers[name].get(reverse(URL))) for name in order}
        assert "/history/" not in pages["staff"]
        assert pages["coordinator"].count("/history/") == 2

    def test_a_search_is_drawn_without_the_cache(self, staff_client):
        """Free text has too many values to be worth keeping: a searched page
        is drawn each time, and made-up parameters share the plain page's
        entry."""
        from django.core.cache import caches

        def fragments():
            return sum(
                1 for key in caches["data"]._cache if "referral-directory" in key
            )

        _directory(2)
        staff_client.get(reverse(URL), {"q": "dinsos"})
        assert fragments() == 0
        staff_client.get(reverse(URL))
        staff_client.get(reverse(URL), {"x": "1"})
        assert fragments() == 1
