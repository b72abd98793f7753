"""The "Desa/Kelurahan" and "Kecamatan" columns of an import: read, matched to the
villages of the training's regency, shown in the preview with the candidates to
choose from, written as the person's village region, never blocking."""

import re
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from participants.models import Participant
from participants.normalisation import DISTRICT_PREFIXES, place_key
from participants.sheets import header_field
from regions.models import Region, level_of_code, parent_code
from tests.factories import TrainingFactory
from tests.trainings.imports.files import DAYS, xlsx
from trainings.forms import ParticipantImportDecisionForm
from trainings.imports.plan import ImportOptions, plan_import
from trainings.imports.rows import read_participant_file
from trainings.services import enrolments_import

pytestmark = pytest.mark.django_db

TOMPOBULU = "73.09.11.2001"  # desa Tompobulu, Kec. Tompobulu, Kab. Maros
HASANUDDIN = "73.09.01.1001"  # kelurahan Hasanuddin, Kec. Mandai, Kab. Maros
#: Two villages of Maros whose names differ only by a space, in two districts.
BONTO_BAHARI_MANDAI = "73.09.01.2010"
BONTO_BAHARI_TOMPOBULU = "73.09.11.2010"


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def regions(regions_sample):
    """The sample regions plus two villages of Maros named alike."""
    for code, name in [
        (BONTO_BAHARI_MANDAI, "Bonto Bahari"),
        (BONTO_BAHARI_TOMPOBULU, "Bontobahari"),
    ]:
        Region.objects.create(
            code=code,
            name=name,
            level=level_of_code(code),
            parent=Region.objects.get(code=parent_code(code)),
        )
    return {region.code: region for region in Region.objects.with_parents()}


@pytest.fixture
def maros_training(regions):
    return TrainingFactory(
        region=regions["73.09"], start_date=DAYS[0], end_date=DAYS[-1]
    )


def _rows(*villages, district=None):
    """A sheet with one person per village (and district, when given)."""
    header = ["Nama", "L/P", "Desa/Kelurahan"]
    if district is not None:
        header.append("Kecamatan")
    rows = [header]
    for number, village in enumerate(villages):
        row = [f"Peserta {number}", "P", village]
        if district is not None:
            row.append(district[number] if isinstance(district, list) else district)
        rows.append(row)
    return rows


def _plan(training, rows, options=None):
    parsed = read_participant_file(xlsx(rows), "l.xlsx", days=training.days)
    return plan_import(
        training=training, parsed=parsed, options=options or ImportOptions()
    )


class TestColumns:
    @pytest.mark.parametrize(
        ("header", "field"),
        [
            ("Desa/Kelurahan", "village"),
            ("Desa", "village"),
            ("Kelurahan", "village"),
            ("Village", "village"),
            ("Kecamatan", "district"),
            ("Kec.", "district"),
            ("District", "district"),
        ],
    )
    def test_headers(self, header, field):
        assert header_field(header) == field

    @pytest.mark.parametrize(
        ("written", "key"),
        [
            ("Desa Tompobulu", "tompobulu"),
            ("TOMPOBULU", "tompobulu"),
            ("Ds. Tompo Bulu", "tompobulu"),
            ("Kel. Bontorannu", "bontorannu"),
            ("Kelurahan  Bonto-Rannu", "bontorannu"),
            ("Desa", "desa"),
        ],
    )
    def test_village_names_compare_without_case_space_or_prefix(self, written, key):
        assert place_key(written) == key

    def test_district_prefixes(self):
        assert place_key("Kec. Tompobulu", DISTRICT_PREFIXES) == "tompobulu"
        assert place_key("Kecamatan Mandai", DISTRICT_PREFIXES) == "mandai"

    def test_district_is_kept_with_the_text(self):
        parsed = read_participant_file(
            xlsx(_rows("Tompobulu", "", district=["Kecamatan Tompobulu", "Mandai"])),
            "l.xlsx",
            days=DAYS,
        )
        written = [row.village_as_written for row in parsed.rows]
        assert written == ["Tompobulu, Kec. Tompobulu", "Kec. Mandai"]

    def test_village_and_district_too_long_together_is_a_row_problem(self):
        parsed = read_participant_file(
            xlsx(_rows("A" * 100, district="B" * 30)), "l.xlsx", days=DAYS
        )
        assert parsed.rows == []
        (problem,) = parsed.problems
        assert (problem.row, problem.column) == (2, "D")
        assert "at most 120 characters" in problem.message


class TestPlan:
    @pytest.mark.parametrize(
        ("written", "code"),
        [
            ("Desa Tompobulu", TOMPOBULU),
            ("TOMPOBULU", TOMPOBULU),
            ("Kel. Hasanuddin", HASANUDDIN),
        ],
    )
    def test_unambiguous_village_gets_its_code(self, maros_training, written, code):
        plan = _plan(maros_training, _rows(written))
        assert plan.rows[0].village.code == code
        assert plan.problems == []

    def test_same_name_in_another_regency_is_not_taken(self, regions):
        """Tompobulu of Jeneponto (73.04.10.2006) is not looked at for Maros, nor
        Maros's for Jeneponto."""
        jeneponto = TrainingFactory(
            region=regions["73.04"], start_date=DAYS[0], end_date=DAYS[-1]
        )
        plan = _plan(jeneponto, _rows("Tompobulu"))
        assert plan.rows[0].village.code == "73.04.10.2006"

    def test_ambiguous_village_lists_candidates_and_keeps_text(self, maros_training):
        plan = _plan(maros_training, _rows("Bonto Bahari"))
        (village,) = plan.villages
        assert [v.code for v in village.candidates] == [
            BONTO_BAHARI_MANDAI,
            BONTO_BAHARI_TOMPOBULU,
        ]
        assert plan.rows[0].village is None
        assert plan.problems == []  # a village never holds up the import

    def test_ambiguous_village_takes_the_users_choice(self, maros_training):
        (village,) = _plan(maros_training, _rows("Bonto Bahari")).villages
        options = ImportOptions(village_choices={village.key: BONTO_BAHARI_TOMPOBULU})
        plan = _plan(maros_training, _rows("Bonto Bahari", "bontobahari"), options)
        assert [p.village.code for p in plan.rows] == [BONTO_BAHARI_TOMPOBULU] * 2
        assert plan.villages[0].chosen

    def test_a_choice_that_is_not_a_candidate_is_ignored(self, maros_training):
        (village,) = _plan(maros_training, _rows("Bonto Bahari")).villages
        options = ImportOptions(village_choices={village.key: TOMPOBULU})
        plan = _plan(maros_training, _rows("Bonto Bahari"), options)
        assert plan.rows[0].village is None

    def test_district_narrows_an_ambiguous_name(self, maros_training):
        plan = _plan(
            maros_training,
            _rows(
                "Bonto Bahari", "Bonto Bahari", district=["Kec. Mandai", "TOMPOBULU"]
            ),
        )
        assert [p.village.code for p in plan.rows] == [
            BONTO_BAHARI_MANDAI,
            BONTO_BAHARI_TOMPOBULU,
        ]

    def test_a_district_that_does_not_match_is_not_overruled(self, maros_training):
        """Tompobulu is a village of Kec. Tompobulu; written under Kec. Mandai it
        is offered, not taken."""
        plan = _plan(maros_training, _rows("Tompobulu", district="Mandai"))
        assert plan.rows[0].village is None
        assert [v.code for v in plan.villages[0].candidates] == [TOMPOBULU]

    def test_not_found_keeps_the_text(self, maros_training):
        plan = _plan(maros_training, _rows("Kampung Entah", district="Entah"))
        assert plan.rows[0].village is None
        assert plan.villages[0].candidates == []
        enrolments_import(training=maros_training, plan=plan)
        person = Participant.objects.get()
        assert (person.village_region, person.village) == (
            None,
            "Kampung Entah, Kec. Entah",
        )

    def test_training_without_a_region_keeps_text_only(self, maros_training):
        """The database requires a region; the plan still copes without one."""
        training = maros_training
        training.region = None
        plan = _plan(training, _rows("Tompobulu"))
        assert plan.rows[0].village is None
        assert plan.villages[0].candidates == []

    def test_training_in_a_district_matches_in_its_regency(self, regions):
        training = TrainingFactory(
            region=regions["73.09.11"], start_date=DAYS[0], end_date=DAYS[-1]
        )
        plan = _plan(training, _rows("Hasanuddin"))
        assert plan.rows[0].village.code == HASANUDDIN

    def test_import_writes_the_village_region_and_the_text(self, maros_training):
        plan = _plan(maros_training, _rows("Ds. Tompobulu", district="Tompobulu"))
        enrolments_import(training=maros_training, plan=plan)
        person = Participant.objects.get()
        assert person.village_region.code == TOMPOBULU
        assert person.village == "Ds. Tompobulu, Kec. Tompobulu"

    def test_choice_changes_the_fingerprint(self, maros_training):
        plan = _plan(maros_training, _rows("Bonto Bahari"))
        key = plan.villages[0].key
        chosen = _plan(
            maros_training,
            _rows("Bonto Bahari"),
            ImportOptions(village_choices={key: BONTO_BAHARI_MANDAI}),
        )
        assert plan.fingerprint() != chosen.fingerprint()

    def test_options_keep_the_choices_through_the_session(self):
        options = ImportOptions(village_choices={"a|": "73.09.11.2001"})
        assert ImportOptions.from_dict(options.to_dict()) == options
        assert ImportOptions.from_dict({}).village_choices == {}

    def test_queries_do_not_grow_with_rows(self, maros_training):
        names = ["Tompobulu", "Bonto Bahari", "Hasanuddin", "Entah", "Benteng Gajah"]

        def count(rows):
            parsed = read_participant_file(
                xlsx(rows), "l.xlsx", days=maros_training.days
            )
            with CaptureQueriesContext(connection) as queries:
                plan_import(
                    training=maros_training, parsed=parsed, options=ImportOptions()
                )
            return len(queries)

        few = count(_rows(*names[:2], district=["Tompobulu", ""]))
        many = count(_rows(*(names * 40), district=["Tompobulu", "Mandai"] * 100))
        assert few == many


class TestDecisionForm:
    def test_form_offers_the_candidates_and_text_only(self, maros_training):
        plan = _plan(maros_training, _rows("Bonto Bahari", "Tompobulu"))
        form = ParticipantImportDecisionForm(plan=plan, agencies=[])
        ((village, field),) = form.bound_village_fields()
        assert village.village == "Bonto Bahari"
        assert [value for value, _label in field.field.choices] == [
            "",
            BONTO_BAHARI_MANDAI,
            BONTO_BAHARI_TOMPOBULU,
        ]
        assert field.field.choices[1][1] == (
            f"Bonto Bahari, Kec. Mandai, Kab. Maros ({BONTO_BAHARI_MANDAI})"
        )
        assert field.field.choices[0][1] == "Keep as text only"

    def test_form_choice_becomes_the_option(self, maros_training):
        plan = _plan(maros_training, _rows("Bonto Bahari"))
        form = ParticipantImportDecisionForm(plan=plan, agencies=[], data={})
        name = form.village_fields[0][1]
        form = ParticipantImportDecisionForm(
            {name: BONTO_BAHARI_MANDAI}, plan=plan, agencies=[]
        )
        assert form.is_valid(), form.errors
        assert form.options().village_choices == {
            plan.villages[0].key: BONTO_BAHARI_MANDAI
        }

    def test_form_refuses_a_code_that_is_not_a_candidate(self, maros_training):
        plan = _plan(maros_training, _rows("Bonto Bahari"))
        name = ParticipantImportDecisionForm(plan=plan, agencies=[]).village_fields[0][
            1
        ]
        form = ParticipantImportDecisionForm({name: TOMPOBULU}, plan=plan, agencies=[])
        assert not form.is_valid()


class TestPreviewPage:
    def _upload(self, client, training, rows):
        response = client.post(
            reverse("trainings:import", args=[training.pk]),
            {"file": SimpleUploadedFile("l.xlsx", xlsx(rows))},
        )
        assert response.status_code == HTTPStatus.FOUND, response.content[:1000]
        return response.url

    def test_preview_shows_codes_and_candidates_then_imports_the_choice(
        self, staff_client, maros_training
    ):
        url = self._upload(
            staff_client, maros_training, _rows("Tompobulu", "Bonto Bahari")
        )
        preview = staff_client.get(url)
        content = preview.content.decode()
        assert 'id="import-villages"' in content
        assert f"<code>{TOMPOBULU}</code>" in content
        assert "Keep as text only" in content
        assert f"Bonto Bahari, Kec. Mandai, Kab. Maros ({BONTO_BAHARI_MANDAI})" in (
            content
        )
        assert f'data-village-code="{TOMPOBULU}"' in content
        name = preview.context["form"].village_fields[0][1]
        staff_client.post(url, {"refresh": "1", name: BONTO_BAHARI_TOMPOBULU})
        preview = staff_client.get(url)
        assert preview.context["plan"].villages[1].code == BONTO_BAHARI_TOMPOBULU
        fingerprint = preview.context["form"].initial["fingerprint"]
        response = staff_client.post(
            url,
            {"confirm": "1", name: BONTO_BAHARI_TOMPOBULU, "fingerprint": fingerprint},
        )
        assert response.status_code == HTTPStatus.FOUND
        codes = dict(
            Participant.objects.values_list("full_name", "village_region__code")
        )
        assert codes == {
            "Peserta 0": TOMPOBULU,
            "Peserta 1": BONTO_BAHARI_TOMPOBULU,
        }

    def test_preview_shows_the_villages_as_written(self, staff_client, maros_training):
        rows = _rows(
            "Desa Tompobulu",
            "TOMPOBULU",
            "Desa Tompobulu",
            "Bonto Bahari",
            "Ds. Bonto Bahari",
            district=["", "", "", "", "Kec. Tompo"],
        )
        url = self._upload(staff_client, maros_training, rows)
        content = staff_client.get(url).content.decode()
        section = content[content.index('id="import-villages"') :]
        section = section[: section.index("</section>")]
        written = re.findall(r"<span class=\"d-block\" data-written>([^<]*)<", section)
        # Each spelling once, as written, never the compared form ("tompobulu").
        assert sorted(written) == sorted(
            ["Desa Tompobulu", "TOMPOBULU", "Bonto Bahari", "Ds. Bonto Bahari"]
        )
        assert "Kec. Tompo" in section


class TestCommand:
    def test_command_applies_unambiguous_and_keeps_ambiguous_as_text(
        self, maros_training, tmp_path
    ):
        path = tmp_path / "list.xlsx"
        path.write_bytes(xlsx(_rows("Tompobulu", "Bonto Bahari")))
        call_command(
            "import_participants", str(path), training=maros_training.pk, stdout=None
        )
        people = {p.full_name: p for p in Participant.objects.all()}
        assert people["Peserta 0"].village_region.code == TOMPOBULU
        assert people["Peserta 1"].village_region is None
        assert people["Peserta 1"].village == "Bonto Bahari"
