"""A page number past the end or that is not a number never gives "not found" on
the app's paginated lists (setara/pagination.py): past the end shows the last
page, anything else that is not a page shows the first."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from certificates.views import CertificateListView
from jobs.models import Job
from jobs.views import JobListView
from referrals.views import ReferralInstitutionDirectoryView
from setara.merge_pages import MergeListView
from setara.merging import participant_merge
from setara.pagination import ForgivingPaginationMixin
from tests.factories import (
    CertificateFactory,
    ParticipantFactory,
    ReferralInstitutionFactory,
    TrainingFactory,
)
from trainings.views.records import TrainingListView

pytestmark = pytest.mark.django_db


def _trainings(user):
    TrainingFactory.create_batch(2)


def _directory(user):
    ReferralInstitutionFactory.create_batch(2)


def _jobs(user):
    for _number in range(2):
        Job.objects.create(kind="export", task_name="export", created_by=user)


def _merges(user):
    for _number in range(2):
        kept, other = ParticipantFactory.create_batch(2)
        participant_merge(survivor=kept, duplicate=other, values={}, user=user)


def _certificates(user):
    CertificateFactory.create_batch(2)


#: (URL name, view, a function that makes two rows of its list for ``user``).
LISTS = [
    ("trainings:list", TrainingListView, _trainings),
    ("referrals:directory", ReferralInstitutionDirectoryView, _directory),
    ("jobs:list", JobListView, _jobs),
    ("merging:merges", MergeListView, _merges),
    ("certificates:list", CertificateListView, _certificates),
]


@pytest.fixture
def two_pages(monkeypatch, admin_user):
    """For a ``(url name, view, make)`` of ``LISTS``: the list with two rows, one
    per page; returns the list's URL."""

    def make(url_name, view, make_rows):
        monkeypatch.setattr(view, "paginate_by", 1)
        make_rows(admin_user)
        return reverse(url_name)

    return make


@pytest.mark.parametrize(("url_name", "view", "make_rows"), LISTS)
class TestEveryPaginatedList:
    @pytest.mark.parametrize(
        ("page", "shown"),
        [
            ("1", 1),
            ("2", 2),
            ("3", 2),
            ("99999999999999999999", 2),
            ("last", 2),
            ("abc", 1),
            ("2.5", 1),
            ("0", 1),
            ("-4", 1),
            ("", 1),
        ],
    )
    def test_any_page_number_shows_a_page(
        self, admin_client, two_pages, url_name, view, make_rows, page, shown
    ):
        url = two_pages(url_name, view, make_rows)
        response = admin_client.get(url, {"page": page})
        assert response.status_code == HTTPStatus.OK
        page_obj = response.context["page_obj"]
        assert page_obj.paginator.num_pages == 2
        assert page_obj.number == shown

    def test_the_view_uses_the_shared_mixin(self, url_name, view, make_rows):
        assert issubclass(view, ForgivingPaginationMixin)


def test_an_empty_list_shows_its_one_empty_page(admin_client):
    response = admin_client.get(reverse("trainings:list"), {"page": "7"})
    assert response.status_code == HTTPStatus.OK
    assert response.context["page_obj"].number == 1
    assert list(response.context["page_obj"]) == []


def test_the_duplicates_list_takes_any_page_number_too(admin_client):
    """The duplicates list pages its pairs itself (``pair_page``), with
    ``Paginator.get_page``: never "not found" either."""
    for page in ("99999999999999999999", "abc"):
        response = admin_client.get(reverse("merging:duplicates"), {"page": page})
        assert response.status_code == HTTPStatus.OK
