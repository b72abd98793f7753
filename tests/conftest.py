"""Shared fixtures: users in each role and logged-in clients."""

import pytest

from setara import roles
from tests.auth import login
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _default_language():
    """Put the default language back after each test: a client request with the
    language cookie "en" leaves English active in the test thread, and a later
    test would then read English where it expects Indonesian."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start each test with an empty cache: the local-memory cache outlives a
    test, and its data (rolled back) would otherwise be counted in the next
    test's cached tables (``setara.data_version``)."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()


@pytest.fixture
def regions_sample(db):
    """The regions of tests/regions/data/sample.csv (Sulawesi Selatan with Maros,
    Jeneponto and Kota Makassar; Nusa Tenggara Timur with Kota Kupang; a district,
    desa and kelurahan in each; two villages named Tompobulu), loaded by
    ``regions.loading.regions_load``; a dict of ``Region`` by code, parents joined.
    Other regions are left active."""
    from pathlib import Path

    from regions.loading import regions_load
    from regions.models import Region

    path = Path(__file__).parent / "regions" / "data" / "sample.csv"
    regions_load(path, deactivate_missing=False)
    return {region.code: region for region in Region.objects.with_parents()}


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff", role=roles.PROGRAMME_STAFF)


@pytest.fixture
def coordinator_user(db):
    return UserFactory(username="coordinator", role=roles.COORDINATOR)


@pytest.fixture
def admin_user(db):
    """An admin-role user who can also open the Django admin."""
    user = UserFactory(username="admin", role=roles.ADMIN)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def staff_client(client, staff_user):
    return login(client, staff_user)


@pytest.fixture
def coordinator_client(client, coordinator_user):
    return login(client, coordinator_user)


@pytest.fixture
def admin_client(client, admin_user):
    return login(client, admin_user)


def pytest_collection_modifyitems(items):
    """Make every transactional test restore the database as it found it.

    A transactional test (browser tests, threads) empties every table when it ends,
    including the rows data migrations seed (regions, topics, role groups, service
    types) that later tests rely on; serialized rollback puts them back.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            item.add_marker(
                pytest.mark.django_db(
                    *marker.args, **{**marker.kwargs, "serialized_rollback": True}
                ),
                append=False,
            )
