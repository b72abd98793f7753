"""The Indonesian catalogue is complete, consistent and compiled."""

import re
from pathlib import Path

import polib
import pytest
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
