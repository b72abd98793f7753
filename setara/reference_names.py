"""English names of the reference rows the migrations seed, by their stable codes:
training topics (trainings migration 0003), service types and target groups
(referrals migration 0003).

These rows are data, stored in Indonesian as the programme reads them, so the
catalogue (gettext) cannot translate them. Under the English interface
``localised_name`` gives the English name of a seeded row instead; the models'
``display_name`` (and ``__str__``) use it. A row an admin added has no English
name here and shows its stored name in both languages; an admin who renames a
seeded row renames its Indonesian name only.
"""

from collections.abc import Mapping

from django.utils.translation import get_language

#: ``Topic.code`` -> English name; the part before " (" is the short label.
TOPIC_NAMES_EN = {
    "ocsea": "OCSEA (online child sexual exploitation and abuse)",
    "kbg": "GBV (gender-based violence)",
    "kbgo": "Online GBV (online gender-based violence)",
    "perkawinan-anak": "Child marriage",
    "manajemen-kasus": "Case management and referral",
    "akta-kelahiran": "Birth registration (birth certificates)",
}

#: ``ServiceType.code`` -> English name.
SERVICE_TYPE_NAMES_EN = {
    "hotline": "Complaints service (hotline)",
    "psychosocial-support": "Mental health and psychosocial support (MHPSS)",
    "health": "Health services and medical examination",
    "police-reporting": "Reporting to the police",
    "prosecution": "Prosecution (public prosecutor)",
    "legal-aid": "Legal aid",
    "safe-house": "Safe house (shelter)",
    "civil-registration": "Civil registration and birth certificates",
    "education": "Education",
    "social-rehabilitation": "Social rehabilitation",
    "online-exploitation-reporting": "Reporting online child sexual exploitation",
    "family-counselling": "Family counselling",
}

#: ``TargetGroup.code`` -> English name.
TARGET_GROUP_NAMES_EN = {
    "children": "Children",
    "women": "Women",
    "persons-with-disabilities": "Persons with disabilities",
}


def localised_name(name: str, code: str, english: Mapping[str, str]) -> str:
    """The name to show of a reference row stored as ``name`` with ``code``: its
    English name from ``english`` (one of the mappings above) when the active
    language is English and the row is a seeded one, else ``name``."""
    if (get_language() or "").split("-")[0] == "en":
        return english.get(code, name)
    return name
