"""The Indonesian catalogue is complete, consistent and compiled."""

import re
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "id" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]|\{(\w*)\}")


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(LOCALE / "django.po"))


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


def test_translations_keep_the_placeholders(po):
    for entry in po.translated_entries():
        translated = entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr
        assert set(PLACEHOLDER.findall(entry.msgid)) == set(
            PLACEHOLDER.findall(translated)
        ), entry.msgid


def test_compiled_catalogue_matches_the_po_file(po):
    mo = polib.mofile(str(LOCALE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in mo}
    source = {
        (e.msgctxt, e.msgid): e.msgstr
        or {int(k): v for k, v in e.msgstr_plural.items()}
        for e in po.translated_entries()
    }
    assert compiled == source


def test_interface_speaks_indonesian_by_default():
    with translation.override("id"):
        assert translation.gettext("Trainings") == "Pelatihan"


#: A ``%`` that is not a Python placeholder ("% of maximum"): xgettext takes it
#: for one (``% o``) unless the call has ``# xgettext:no-python-format``.
STRAY_PERCENT = re.compile(r"%(?!%|\(\w+\)|[sdif])")


def test_no_stray_percent_sign_is_marked_as_a_placeholder(po):
    trapped = [
        entry.msgid
        for entry in po
        if "python-format" in entry.flags
        and STRAY_PERCENT.search(re.sub(r"%\(\w+\)[sdifr]|%%", "", entry.msgid))
    ]
    assert trapped == []


def test_filter_buttons_say_saring_and_the_admin_filter_heading_stays_filter(
    admin_client,
):
    """Our filter buttons use ``context "button"``; the plain "Filter" stays the
    admin's own sidebar heading, which Indonesian calls "Filter"."""
    listing = admin_client.get(reverse("trainings:list")).content.decode()
    assert re.search(r'<button type="submit"[^>]*>Saring</button>', listing)
    admin = admin_client.get(reverse("admin:regions_region_changelist"))
    assert '<h2 id="changelist-filter-header">Filter</h2>' in admin.content.decode()
