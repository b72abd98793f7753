"""Disaggregation by sex: every count of people is split L (laki-laki), P
(perempuan) and not recorded, with a total counted on its own, the way every
Indonesian programme report counts participants (see ../shared/DOMAIN.md).

One home for the split, whatever the report: ``by_sex`` builds the database
aggregates, ``count_by_sex`` counts people not yet in the database (an import
preview). The stored values are those of ``participants.models.Participant.Sex``
("L", "P", "" for not recorded; a CHECK constraint keeps them so).
"""

from collections.abc import Iterable

from django.db.models import Case, Count, IntegerField, Q, Value, When

from .models import Agency

#: Report key -> the value of ``Participant.sex`` it counts, in column order. Every
#: count by sex has these three parts and a total counted on its own, so that
#: L + P + not recorded = total can be checked on paper.
SEX_KEYS = {"male": "L", "female": "P", "not_recorded": ""}
#: The keys of a count split by sex, in column order: the three parts, then total.
SEX_COLUMNS = (*SEX_KEYS, "total")


def by_sex(make, *, field: str = "participant__sex", prefix: str = "", where=None):
    """Aggregates split by sex, for ``aggregate()`` or ``annotate()``: a dict
    ``{<prefix>male, <prefix>female, <prefix>not_recorded, <prefix>total}``.

    ``make(condition)`` builds one aggregate from a Q (or None, for everyone), for
    example ``counting()``; it is called once per sex, ``field`` being the lookup
    that reaches ``Participant.sex``, and once for the total, each narrowed to
    ``where`` (a Q) when given.
    """
    aggregates = {}
    for key, sex in SEX_KEYS.items():
        condition = Q(**{field: sex})
        aggregates[f"{prefix}{key}"] = make(condition & where if where else condition)
    aggregates[f"{prefix}total"] = make(where)
    return aggregates


def counting(field: str = "id", *, distinct: bool = False):
    """A ``make`` for ``by_sex``: ``Count(field)`` of the rows meeting the condition,
    of distinct values of ``field`` when ``distinct``."""
    return lambda condition: Count(field, distinct=distinct, filter=condition)


def count_by_sex(sexes: Iterable[str]) -> dict[str, int]:
    """``{"male", "female", "not_recorded", "total"}`` counted in Python from values
    of ``Participant.sex`` ("L", "P", ""), for people not (yet) in the database,
    such as the rows of an import preview."""
    sexes = list(sexes)
    counts = {key: sexes.count(sex) for key, sex in SEX_KEYS.items()}
    counts["total"] = len(sexes)
    return counts


def agency_type_rank(field: str) -> Case:
    """The place of the agency type at ``field`` (a lookup to ``Agency.type``) in
    ``Agency.Type``'s order, the order of every agency-type table and file; no
    agency (NULL) after every type. For ``order_by``."""
    types = Agency.Type.values
    return Case(
        *(When(**{field: value}, then=Value(rank)) for rank, value in enumerate(types)),
        default=Value(len(types)),
        output_field=IntegerField(),
    )
