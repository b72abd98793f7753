"""Shared fixtures: users in each role and logged-in clients."""

import pytest

from setara import roles
from tests.factories import UserFactory


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
    client.force_login(staff_user)
    return client


@pytest.fixture
def coordinator_client(client, coordinator_user):
    client.force_login(coordinator_user)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


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
