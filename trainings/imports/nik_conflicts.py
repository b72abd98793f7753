"""Rows of an import whose NIK is already in the registry, in the plan of a user
who may not see full NIKs (``participants.nik_access``).

Such a user's rows are matched with the registry without their NIKs (as if the
NIK cells were empty), so neither the rows matched nor their reasons tell whose a
NIK is. A row matched to a registry person enrols that person as she is (the NIK
in the file is not written onto her). A row that would add a new person with a
NIK already taken would be refused by the database: it becomes a
``NikConflictProblem`` with the same words whoever holds the NIK, naming no one,
and blocks the import. The user checks the NIK in the file (or leaves the cell
empty), or a coordinator, who sees the match, imports the file.
"""

from dataclasses import dataclass

from django.utils.translation import gettext

from participants.matching import lookup_chunk
from participants.models import Participant
from participants.sheets import Problem

#: ``RowPlan.action`` of a row turned into a ``NikConflictProblem``.
CONFLICT = "conflict"


@dataclass(frozen=True)
class NikConflictProblem(Problem):
    """A row that would add a new person with a NIK already in the registry;
    ``value`` is the row's NIK, masked. Names no one."""


def nik_conflicts(plans: list) -> list[NikConflictProblem]:
    """For each ``RowPlan`` of ``plans`` (matched without their NIKs) that would
    create a new person (``action`` "create") with a NIK a registry person
    already has, make its ``action`` ``CONFLICT`` (neither created nor enrolled)
    and return one problem per such row, in the rows' order. One query per
    ``lookup_chunk()`` NIKs, none when no such row has a NIK."""
    niks = sorted({p.row.nik for p in plans if p.action == "create" and p.row.nik})
    taken = set()
    size = lookup_chunk()
    for start in range(0, len(niks), size):
        chunk = niks[start : start + size]
        people = Participant.objects.filter(nik__in=chunk)
        taken.update(people.values_list("nik", flat=True))
    problems = []
    for plan in plans:
        if plan.action != "create" or plan.row.nik not in taken:
            continue
        plan.action = CONFLICT
        problems.append(
            NikConflictProblem(
                message=gettext("Another participant already has this NIK."),
                row=plan.row.row,
                value=plan.row.nik_masked,
            )
        )
    return problems
