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
