"""Our catalogue overrides Django's and the libraries' awkward or missing
Indonesian (setara/translation_overrides/, locale/id/LC_MESSAGES/djangojs.po), and
the seeded topics, services and target groups read in English under the English
interface (setara/reference_names.py)."""

import ast
import importlib
import json
import re
from pathlib import Path

import polib
import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from referrals.models import ServiceType, TargetGroup
from setara.reference_names import (
    SERVICE_TYPE_NAMES_EN,
    TARGET_GROUP_NAMES_EN,
    TOPIC_NAMES_EN,
)
from tests.factories import (
    ReferralInstitutionFactory,
    TopicFactory,
    TrainingFactory,
)
from trainings.models import Topic

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale" / "id" / "LC_MESSAGES"
OVERRIDES = ROOT / "setara" / "translation_overrides"
SITE_PACKAGES = Path(forms.__file__).resolve().parent.parent.parent
#: The libraries whose messages the overrides replace or add.
LIBRARIES = (
    "django",
    "import_export",
    "django_filters",
    "simple_history",
    "axes",
    "dal_select2",
)


def override_msgids() -> list[tuple[str, str | None]]:
    """``(msgid, msgid_plural)`` of every message the override modules mark, read
    as makemessages reads them (the string arguments of the marking calls)."""
    found = []
    for path in sorted(OVERRIDES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {
                "gettext_noop",
                "ngettext_lazy",
            }:
                strings = [arg.value for arg in node.args]
                found.append((strings[0], strings[1] if len(strings) > 1 else None))
    return found


def library_catalogues(language: str | None, domain: str = "django"):
    """The .po files of the libraries, in ``language`` (None: every language)."""
    for library in LIBRARIES:
        pattern = f"**/locale/{language or '*'}/LC_MESSAGES/{domain}.po"
        yield from (SITE_PACKAGES / library).glob(pattern)


@pytest.fixture(scope="module")
def ours():
    po = polib.pofile(str(LOCALE / "django.po"))
    return {(e.msgid, e.msgid_plural or None): e for e in po if e.msgctxt is None}


@pytest.fixture(scope="module")
def theirs():
    """``(msgid, msgid_plural)`` -> the libraries' Indonesian translations of it
    (several libraries may translate one msgid)."""
    found = {}
    for path in library_catalogues("id"):
        for entry in polib.pofile(str(path)):
            text = entry.msgstr_plural.get(0) if entry.msgid_plural else entry.msgstr
            if text and entry.msgctxt is None:
                key = (entry.msgid, entry.msgid_plural or None)
                found.setdefault(key, set()).add(text)
    return found


def translated(msgid: str, plural: str | None) -> str:
    return (
        translation.ngettext(msgid, plural, 2) if plural else translation.gettext(msgid)
    )


class TestOverrideCatalogue:
    def test_marks_the_overrides_it_is_for(self):
        msgids = dict(override_msgids())
        assert len(msgids) > 150
        assert (
            "Please enter a correct %(username)s and password. Note that both fields "
            "may be case-sensitive." in msgids
        )
        assert "%(counter)s result" in msgids

    def test_every_override_is_a_message_the_libraries_use(self):
        """A msgid with a typo overrides nothing: each one is in some catalogue
        of the libraries (any language), or, newer than their catalogues, written
        in their source."""
        used = set()
        for path in library_catalogues(None):
            used |= {(e.msgid, e.msgid_plural or None) for e in polib.pofile(str(path))}
        sources = " ".join(
            path.read_text(encoding="utf-8")
            for library in LIBRARIES[1:]
            for path in (SITE_PACKAGES / library).rglob("*.py")
        )
        unknown = [
            key
            for key in override_msgids()
            if key not in used
            and repr(key[0]) not in sources
            and f'"{key[0]}"' not in sources
        ]
        assert unknown == []

    def test_every_override_is_translated_better_than_the_library(self, ours, theirs):
        for key in override_msgids():
            entry = ours[key]
            text = entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr
            assert text and not entry.fuzzy, key
            assert theirs.get(key, set()) != {text}, f"as the library has it: {key}"

    def test_our_catalogue_wins_over_the_library(self, ours):
        with translation.override("id"):
            for key in override_msgids():
                entry = ours[key]
                expected = (
                    entry.msgstr_plural[0] if entry.msgid_plural else (entry.msgstr)
                )
                assert translated(*key) == expected, key

    def test_the_english_interface_keeps_the_english_messages(self):
        with translation.override("en"):
            for msgid, plural in override_msgids():
                assert translated(msgid, plural) == (plural or msgid)


class TestPagesReadWell:
    def test_login_error_names_the_username_once(self, client, db):
        response = client.post(
            reverse("login"), {"username": "nobody", "password": "wrong-password"}
        )
        page = response.content.decode()
        assert (
            "Masukkan nama pengguna dan kata sandi yang benar. Huruf besar dan kecil "
            "dibedakan." in page
        )
        assert "nama pengguna nama pengguna" not in page
        assert "sandi yang benar. Huruf besar/kecil pada bidang" not in page

    def test_form_errors_speak_of_isian(self):
        with translation.override("id"), pytest.raises(ValidationError) as error:
            forms.CharField().clean("")
        assert error.value.messages == ["Isian ini wajib diisi."]

    def test_admin_index_links_say_ubah(self, admin_client):
        page = admin_client.get(reverse("admin:index")).content.decode()
        assert ">Ubah</a>" in page
        assert "Rubah" not in page
        assert ">Ganti</a>" not in page
        assert "Tautan ubah atau lihat daftar" in page

    def test_admin_changelist_actions_and_counts(self, admin_client, db):
        ReferralInstitutionFactory()
        url = reverse("admin:referrals_referralinstitution_changelist")
        page = admin_client.get(url + "?q=zzz").content.decode()
        assert "Jalankan tindakan yang dipilih" in page
        assert ">Jalankan</button>" in page
        assert "0 hasil" in page
        assert "Aksi:" not in page
        assert ">Buka</button>" not in page
        assert " buah " not in page

    def test_admin_change_form_has_no_english_choose(self, admin_client):
        institution = ReferralInstitutionFactory()
        url = reverse(
            "admin:referrals_referralinstitution_change", args=[institution.pk]
        )
        page = admin_client.get(url).content.decode()
        assert "Choose" not in page
        assert "Simpan dan lanjutkan mengubah" in page

    def test_admin_selector_script_messages_are_indonesian(self, admin_client):
        """The two-box selector of services and target groups is written by the
        admin's script from the JavaScript catalogue."""
        script = admin_client.get(reverse("admin:jsi18n")).content.decode()
        catalogue = json.loads(
            re.search(r"const newcatalog = (\{.*?\});", script, re.S)[1]
        )
        values = " ".join(
            " ".join(v) if isinstance(v, list) else v for v in catalogue.values()
        )
        assert '"Choose"' not in values
        assert '"Remove"' not in values
        assert "Pindahkan" not in values
        assert catalogue["Remove selected %s"] == "Keluarkan %s yang ditandai"
        assert (
            catalogue[
                'Choose %s by selecting them and then select the "Choose" arrow button.'
            ]
            == 'Pilih %s dengan menandainya, lalu klik tombol panah "Pilih".'
        )

    def test_admin_history_title_says_riwayat_perubahan(self, admin_client, db):
        group = TargetGroup.objects.get(code="children")
        url = reverse("admin:referrals_targetgroup_history", args=[group.pk])
        page = admin_client.get(url).content.decode()
        assert "Riwayat perubahan: Anak" in page
        assert "Ubah riwayat" not in page

    def test_admin_import_and_export_pages_are_indonesian(self, admin_client):
        base = "admin:referrals_referralinstitution_"
        imports = admin_client.get(reverse(base + "import")).content.decode()
        assert "Berkas yang diimpor" in imports
        assert "Impor ini akan membaca kolom berikut" in imports
        assert "File to import" not in imports
        assert 'value="Kirim"' in imports
        exports = admin_client.get(reverse(base + "export")).content.decode()
        assert "Pilih semua" in exports
        assert "Select all" not in exports

    def test_javascript_overrides_are_complete_and_compiled(self):
        po = polib.pofile(str(LOCALE / "djangojs.po"))
        assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
        django_msgids = set()
        for path in library_catalogues("id", "djangojs"):
            django_msgids |= {(e.msgctxt, e.msgid) for e in polib.pofile(str(path))}
        assert [e.msgid for e in po if (e.msgctxt, e.msgid) not in django_msgids] == []
        compiled = {
            (e.msgctxt, e.msgid) for e in polib.mofile(str(LOCALE / "djangojs.mo"))
        }
        assert compiled == {(e.msgctxt, e.msgid) for e in po}


def seeded_codes(app: str, migration: str, name: str) -> set[str]:
    module = importlib.import_module(f"{app}.migrations.{migration}")
    rows = getattr(module, name)
    return {code for code, *_ in rows} if isinstance(rows, list) else set(rows)


class TestReferenceNames:
    def test_every_seeded_row_has_an_english_name(self):
        assert set(TOPIC_NAMES_EN) == seeded_codes(
            "trainings", "0003_seed_topics", "TOPICS"
        )
        assert set(SERVICE_TYPE_NAMES_EN) == seeded_codes(
            "referrals", "0003_seed_service_types", "SERVICE_TYPES"
        )
        assert set(TARGET_GROUP_NAMES_EN) == seeded_codes(
            "referrals", "0003_seed_service_types", "TARGET_GROUPS"
        )

    @pytest.mark.django_db
    def test_seeded_rows_follow_the_interface_language(self):
        topic = Topic.objects.get(code="kbg")
        service = ServiceType.objects.get(code="legal-aid")
        group = TargetGroup.objects.get(code="persons-with-disabilities")
        with translation.override("en"):
            assert str(topic) == "GBV (gender-based violence)"
            assert topic.short_label == "GBV"
            assert str(service) == "Legal aid"
            assert group.display_name == "Persons with disabilities"
        with translation.override("id"):
            assert str(topic) == "KBG (kekerasan berbasis gender)"
            assert topic.short_label == "KBG"
            assert str(service) == "Bantuan hukum"
            assert group.display_name == "Penyandang disabilitas"

    @pytest.mark.django_db
    def test_a_row_admins_added_keeps_its_name(self):
        topic = TopicFactory(code="pengasuhan", name="Pengasuhan positif")
        with translation.override("en"):
            assert str(topic) == "Pengasuhan positif"

    def test_directory_shows_services_and_groups_in_english(self, staff_client):
        institution = ReferralInstitutionFactory(name="LBH Makassar")
        institution.services.set([ServiceType.objects.get(code="legal-aid")])
        institution.target_groups.set([TargetGroup.objects.get(code="children")])
        staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = staff_client.get(reverse("referrals:directory")).content.decode()
        assert ">Legal aid</span>" in page
        assert ">Children</span>" in page
        assert ">Bantuan hukum</span>" not in page
        staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
        page = staff_client.get(reverse("referrals:directory")).content.decode()
        assert ">Bantuan hukum</span>" in page

    def test_training_page_shows_its_topics_in_english(self, staff_client):
        training = TrainingFactory()
        training.topics.set([Topic.objects.get(code="perkawinan-anak")])
        staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        url = reverse("trainings:detail", args=[training.pk])
        page = staff_client.get(url).content.decode()
        assert ">Child marriage</span>" in page
        assert "Perkawinan anak" not in page
