"""Writes to the referral directory that touch many rows at once, recorded in the
change history with the user who made them."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from .models import ReferralInstitution


@transaction.atomic
def institutions_set_active(
    *, institutions, active: bool, user: AbstractBaseUser
) -> int:
    """List (``active=True``) or unlist the given institutions; return how many
    changed. Each change gets a history record naming ``user``."""
    changed = [i for i in institutions if i.is_active != active]
    for institution in changed:
        institution.is_active = active
    _save(changed, ["is_active"], user)
    return len(changed)


@transaction.atomic
def institutions_mark_verified(
    *, institutions, user: AbstractBaseUser, on: datetime.date | None = None
) -> int:
    """Record that ``user`` checked the given institutions' details on ``on``
    (default: today); return how many were marked."""
    on = on or timezone.localdate()
    institutions = list(institutions)
    for institution in institutions:
        institution.last_verified_on = on
        institution.verified_by = user
    _save(institutions, ["last_verified_on", "verified_by"], user)
    return len(institutions)


def _save(institutions, fields, user) -> None:
    now = timezone.now()
    for institution in institutions:
        institution.updated_at = now
    bulk_update_with_history(
        institutions,
        ReferralInstitution,
        [*fields, "updated_at"],
        default_user=user,
    )
