"""Writes to the referral directory that touch many rows at once, recorded in the
change history with the user who made them, and restoring a deleted institution."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from setara.history import deleted_row, reinsert

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


@transaction.atomic
def referral_institution_restore(*, history_id: int, user) -> ReferralInstitution:
    """Bring back the referral institution deleted in history row ``history_id``,
    with its original id, services and target groups; ValidationError when it
    exists again or another institution has taken its name in the region."""
    row = deleted_row(ReferralInstitution, history_id)
    row.instance.full_clean()
    [institution] = reinsert(ReferralInstitution, [row], user)
    # The deletion row has no services: Django removes the links first. The
    # row before it has them.
    before = (
        ReferralInstitution.history.filter(
            id=row.id, history_date__lte=row.history_date
        )
        .exclude(history_type="-")
        .order_by("-history_date", "-history_id")
        .first()
    )
    if before is not None:
        institution.services.set([s.servicetype_id for s in before.services.all()])
        institution.target_groups.set(
            [t.targetgroup_id for t in before.target_groups.all()]
        )
    return institution
