"""The activity report (laporan kegiatan): its numbers, the drafted paragraph in
Indonesian and English, the panel on the training page and the .docx."""

import datetime
import io
from decimal import Decimal
from http import HTTPStatus

import docx
import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from participants.models import Agency, ExportLog
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
)
from trainings.activity_report import (
    activity_report_draft,
    activity_report_numbers,
    format_number,
    join_words,
)
from trainings.models import Enrolment, Training

pytestmark = pytest.mark.django_db

MAROS_AGENCIES = [
    "UPTD PPA Kabupaten Maros",
    "PUSPAGA Kabupaten Maros",
    "Dinas Pemberdayaan Perempuan dan Perlindungan Anak Kabupaten Maros",
    "Dinas Sosial Kabupaten Maros",
    "Dinas Pendidikan Kabupaten Maros",
    "Kepolisian Resor Maros",
    "Kejaksaan Negeri Maros",
    "PATBM Desa Bonto Marannu",
    "PATBM Desa Tompobulu",
    "PATBM Desa Jenetaesa",
    "PATBM Desa Baji Mangai",
]


@pytest.fixture
def maros():
    """The Maros demo training (19 participants, 4 L, 15 P; 19, 18 and 19
    present on its three days)."""
    call_command("load_demo", stdout=io.StringIO())
    return Training.objects.get()


def draft(training: Training, language: str = "id") -> str:
    with translation.override(language):
        return activity_report_draft(training, activity_report_numbers(training))


def enrol(training, count=1, *, agency=..., sex="P", role="participant", days=()):
    """``count`` new people enrolled in ``training``, each present on ``days``."""
    enrolments = []
    for _ in range(count):
        person = (
            ParticipantFactory(sex=sex)
            if agency is ...
            else ParticipantFactory(sex=sex, agency=agency)
        )
        enrolment = EnrolmentFactory(training=training, participant=person, role=role)
        for day in days:
            AttendanceFactory(enrolment=enrolment, date=day)
        enrolments.append(enrolment)
    return enrolments


class TestFormatting:
    def test_thousands_take_a_dot_and_decimals_a_comma_in_indonesian(self):
        with translation.override("id"):
            assert format_number(1250) == "1.250"
            assert format_number(1250000) == "1.250.000"
            assert format_number(19) == "19"
            assert format_number(Decimal("55.25"), 1) == "55,3"
            assert format_number(Decimal("1250.04"), 1) == "1.250,0"

    def test_english_readers_get_a_comma_and_a_point(self):
        with translation.override("en"):
            assert format_number(1250) == "1,250"
            assert format_number(Decimal("55.25"), 1) == "55.3"

    def test_rounds_half_up_and_never_writes_minus_zero(self):
        with translation.override("id"):
            assert format_number(Decimal("23.15"), 1) == "23,2"
            assert format_number(Decimal("-0.04"), 1) == "0,0"
            assert format_number(Decimal("-2.25"), 1) == "-2,3"

    def test_lists_are_joined_with_dan(self):
        with translation.override("id"):
            assert join_words([]) == ""
            assert join_words(["A"]) == "A"
            assert join_words(["A", "B"]) == "A dan B"
            assert join_words(["A", "B", "C"]) == "A, B dan C"
        with translation.override("en"):
            assert join_words(["A", "B", "C"]) == "A, B and C"


class TestMarosDraft:
    def test_reads_like_the_seed_sentence(self, maros):
        text = draft(maros)
        assert (
            "Kegiatan ini diikuti oleh 19 orang peserta "
            "(laki-laki 4 orang, perempuan 15 orang)." in text
        )
        assert text.startswith(
            "Yayasan BaKTI bekerja sama dengan UNICEF Indonesia dan Pemerintah "
            "Kabupaten Maros telah menyelenggarakan Pelatihan Pencegahan"
        )
        assert "di Kabupaten Maros pada tanggal 18–20 Oktober 2023." in text
        assert (
            "Pada hari pertama hadir 19 orang, hari kedua 18 orang dan hari ketiga "
            "19 orang." in text
        )

    def test_names_its_agencies_grouped_by_type_in_plain_words(self, maros):
        text = draft(maros)
        for name in MAROS_AGENCIES:
            assert name in text
        assert (
            "Peserta berasal dari perwakilan penyedia layanan (PUSPAGA Kabupaten "
            "Maros dan UPTD PPA Kabupaten Maros), Dinas terkait (Dinas "
            "Pemberdayaan Perempuan dan Perlindungan Anak Kabupaten Maros, Dinas "
            "Pendidikan Kabupaten Maros dan Dinas Sosial Kabupaten Maros), aparat "
            "penegak hukum (Kepolisian Resor Maros dan Kejaksaan Negeri Maros) dan "
            "kelompok masyarakat (PATBM Desa Bonto Marannu, PATBM Desa Baji "
            "Mangai, PATBM Desa Jenetaesa dan PATBM Desa Tompobulu)." in text
        )
        assert "lainnya" not in text
        assert "tidak tercatat" not in text  # every sex and agency is recorded

    def test_english_paragraph_under_the_english_interface(self, maros):
        text = draft(maros, "en")
        assert "This activity was attended by 19 participants (4 male, 15 female)." in (
            text
        )
        assert "in Kabupaten Maros on 18–20 October 2023." in text
        assert "The participants came from representatives of service providers" in (
            text
        )
        assert (
            "19 participants were present on the first day, 18 on the second day "
            "and 19 on the third day." in text
        )
        assert "orang" not in text

    def test_facilitators_and_committee_are_not_counted_as_participants(self, maros):
        elsewhere = AgencyFactory(name="Yayasan Pendamping", type=Agency.Type.NGO)
        enrol(maros, 2, agency=elsewhere, sex="L", role="facilitator", days=maros.days)
        enrol(maros, agency=elsewhere, sex="P", role="committee", days=maros.days)
        numbers = activity_report_numbers(maros)
        assert numbers["participants"] == {
            "male": 4,
            "female": 15,
            "not_recorded": 0,
            "total": 19,
        }
        assert [day["total"] for day in numbers["days"]] == [19, 18, 19]
        assert (numbers["facilitators"], numbers["committee"]) == (2, 1)
        text = draft(maros)
        assert "diikuti oleh 19 orang peserta (laki-laki 4 orang" in text
        assert "Yayasan Pendamping" not in text
        assert "Kegiatan ini didampingi oleh 2 orang fasilitator." in text
        assert "Kegiatan ini didukung oleh 1 orang panitia." in text
        with translation.override("en"):
            english = activity_report_draft(maros, numbers)
        assert "accompanied by 2 facilitators." in english
        assert "1 committee member supported the activity." in english


class TestEdgeCases:
    def test_no_participants(self):
        training = TrainingFactory(organiser="", partners="")
        enrol(training, role="facilitator")
        text = draft(training, "en")
        assert text == (
            f"The training “{training.title}” was held in Aula Kantor Bupati, "
            f"{training.region.name} on 18–20 October 2023. No participants are "
            "recorded for this activity yet. The activity was accompanied by 1 "
            "facilitator."
        )

    def test_one_day_training_and_one_participant(self):
        training = TrainingFactory(end_date=datetime.date(2023, 10, 18))
        enrol(training, days=training.days)
        text = draft(training, "en")
        assert "on 18 October 2023." in text
        assert "attended by 1 participant (0 male, 1 female)." in text
        assert "The participant came from" in text
        assert "1 participant was present on the day." in text
        assert "Pada hari pelaksanaan hadir 1 orang peserta." in draft(training)

    def test_days_after_the_tenth_are_numbered(self):
        start = datetime.date(2024, 1, 1)
        training = TrainingFactory(
            start_date=start, end_date=start + datetime.timedelta(days=10)
        )
        enrol(training, days=training.days[9:])
        assert "hari kesepuluh 1 orang dan hari ke-11 1 orang." in draft(training)
        assert "1 on the tenth day and 1 on day 11." in draft(training, "en")

    def test_attendance_not_recorded_yet(self):
        training = TrainingFactory()
        enrol(training)
        assert "Attendance has not been recorded yet." in draft(training, "en")

    def test_a_day_with_nobody_present_says_zero(self):
        training = TrainingFactory()
        enrol(training, 2, days=[training.days[0], training.days[2]])
        assert "hari kedua 0 orang" in draft(training)

    def test_participants_without_agency_or_sex_are_said_honestly(self):
        training = TrainingFactory()
        enrol(training, 2, agency=None, sex="", days=training.days)
        enrol(training, agency=AgencyFactory(name="Dinas Sosial Kota Kupang"))
        text = draft(training, "en")
        assert (
            "attended by 3 participants (0 male, 1 female, 2 with no sex "
            "recorded)." in text
        )
        assert (
            "The participants came from related government offices (Dinas Sosial "
            "Kota Kupang)." in text
        )
        assert "The agencies of 2 participants are not recorded." in text
        indonesian = draft(training)
        assert "jenis kelamin tidak tercatat 2 orang)" in indonesian
        assert "Instansi 2 orang peserta tidak tercatat." in indonesian

    def test_nobody_with_an_agency_gives_no_origin_sentence(self):
        training = TrainingFactory()
        enrol(training, agency=None)
        text = draft(training, "en")
        assert "came from" not in text
        assert "The agency of 1 participant is not recorded." in text

    def test_an_agency_of_unknown_type_counts_as_other(self):
        training = TrainingFactory()
        odd = AgencyFactory(name="Forum Anak Maros")
        Agency.objects.filter(pk=odd.pk).update(type="")
        enrol(training, agency=odd)
        numbers = activity_report_numbers(training)
        assert [row["type"] for row in numbers["agency_types"]] == ["other"]
        assert "other institutions (Forum Anak Maros)" in draft(training, "en")

    def test_at_most_four_agencies_per_type_are_named(self):
        training = TrainingFactory()
        big = AgencyFactory(name="Dinas Z Besar")
        enrol(training, 3, agency=big)
        for letter in "ABCDE":
            enrol(training, agency=AgencyFactory(name=f"Dinas {letter}"))
        text = draft(training, "en")
        assert (
            "related government offices (Dinas Z Besar, Dinas A, Dinas B, Dinas C "
            "and 2 others)." in text
        )
        assert "Dinas D" not in text
        assert "Dinas Z Besar, Dinas A, Dinas B, Dinas C dan 2 lainnya)" in draft(
            training
        )

    def test_large_numbers_are_written_with_a_thousands_dot(self):
        training = TrainingFactory()
        numbers = activity_report_numbers(training)
        numbers["participants"] = {
            "male": 250,
            "female": 1000,
            "not_recorded": 0,
            "total": 1250,
        }
        with translation.override("id"):
            text = activity_report_draft(training, numbers)
        assert "diikuti oleh 1.250 orang peserta (laki-laki 250 orang, " in text
        assert "perempuan 1.000 orang)" in text
        with translation.override("en"):
            text = activity_report_draft(training, numbers)
        assert "attended by 1,250 participants (250 male, 1,000 female)" in text

    def test_organiser_without_partners(self):
        training = TrainingFactory(organiser="Yayasan BaKTI", partners="")
        assert draft(training).startswith(
            f"Yayasan BaKTI telah menyelenggarakan {training.title} di Aula Kantor "
            f"Bupati, {training.region.name} pada tanggal 18–20 Oktober 2023."
        )


class TestScores:
    def scored(self, pairs, *, pass_mark=None):
        """A training whose participants have these ``(pre, post)`` scores."""
        training = TrainingFactory(test_pass_mark=pass_mark)
        for pre, post in pairs:
            (enrolment,) = enrol(training, days=training.days)
            Enrolment.objects.filter(pk=enrolment.pk).update(
                pre_score=pre, post_score=post
            )
        return training

    def test_averages_and_improvement_with_missing_scores_counted_apart(self):
        training = self.scored(
            [(50, 80), (60, 70), (40, 40), (30, None), (None, 90), (None, None)]
        )
        text = draft(training)
        # Among the three with both scores: pre 50,0, post 63,3, gain 13,3.
        assert (
            "Rata-rata nilai pre-test 50,0 dan post-test 63,3, naik 13,3 poin; 2 "
            "dari 3 peserta mengalami peningkatan." in text
        )
        assert (
            "2 orang peserta hanya memiliki salah satu nilai (hanya pre-test: 1, "
            "hanya post-test: 1) dan tidak dihitung dalam perubahan nilai." in text
        )
        english = draft(training, "en")
        assert (
            "The average pre-test score was 50.0 and the average post-test score "
            "63.3, a rise of 13.3 points; 2 of 3 participants improved." in english
        )
        assert "2 participants have only one of the two scores" in english
        assert "pass mark" not in english

    def test_pass_mark_and_a_fall(self):
        training = self.scored([(80, 75), (70, 60)], pass_mark=Decimal("62.5"))
        english = draft(training, "en")
        assert "a fall of 7.5 points; 0 of 2 participants improved." in english
        assert "1 of 2 participants reached the pass mark of 62.5." in english
        assert "1 dari 2 peserta mencapai nilai lulus 62,5." in draft(training)

    def test_unchanged(self):
        training = self.scored([(70, 70)], pass_mark=Decimal(70))
        english = draft(training, "en")
        assert "post-test score 70.0, unchanged; 0 of 1 participant improved." in (
            english
        )
        assert "1 of 1 participant reached the pass mark of 70." in english

    def test_only_single_scores(self):
        training = self.scored([(30, None), (None, 90), (None, 80)])
        text = draft(training, "en")
        assert "average" not in text
        assert (
            "No participant has both a pre-test and a post-test score yet (pre-test "
            "only: 1, post-test only: 2)." in text
        )

    def test_no_scores_no_sentence(self):
        training = self.scored([(None, None)])
        assert "test" not in draft(training, "en").replace(training.title, "")


class TestQueries:
    def test_numbers_take_four_queries_whatever_the_size(
        self, django_assert_num_queries
    ):
        small = TrainingFactory()
        enrol(small, days=small.days[:1])
        large = TrainingFactory()
        for index in range(6):
            enrol(
                large,
                3,
                agency=AgencyFactory(type=Agency.Type.values[index]),
                days=large.days,
            )
        enrol(large, 2, role="facilitator", days=large.days)
        for training in (small, large):
            with django_assert_num_queries(4):
                activity_report_numbers(training)

    def test_the_panel_takes_the_same_four_queries(
        self, maros, django_assert_num_queries
    ):
        template = Template(
            "{% load activity_report_tags %}{% activity_report_panel training %}"
        )
        maros = Training.objects.select_related("region").get()  # as the page has it
        with django_assert_num_queries(4):
            html = template.render(Context({"training": maros, "csrf_token": "t"}))
        assert "data-report-paragraph" in html
        assert "hari kedua 18 orang" in html

    def test_on_the_training_page_the_panel_reuses_its_days(
        self, maros, django_assert_num_queries
    ):
        days = activity_report_numbers(maros)["days"]
        days[1] = {**days[1], "total": 7}  # not counted again: taken as given
        template = Template(
            "{% load activity_report_tags %}{% activity_report_panel training %}"
        )
        maros = Training.objects.select_related("region").get()
        context = Context({"training": maros, "attendance_days": days})
        with django_assert_num_queries(3):
            html = template.render(context)
        assert "hari kedua 7 orang" in html


class TestPanel:
    def test_training_page_shows_the_editable_paragraph(self, maros, staff_client):
        response = staff_client.get(maros.get_absolute_url())
        html = response.content.decode()
        assert (
            '<textarea id="activity-report-paragraph" name="paragraph" '
            'class="form-control mb-2" rows="9" data-report-paragraph>' in html
        )
        assert "diikuti oleh 19 orang peserta (laki-laki 4 orang" in html
        assert reverse("trainings:activity_report_docx", args=[maros.pk]) in html
        assert "js/copy-text.js" in html
        assert "onclick" not in html

    def test_english_page(self, maros, staff_client):
        staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = staff_client.get(maros.get_absolute_url()).content.decode()
        assert "attended by 19 participants (4 male, 15 female)" in html


def read_docx(response) -> docx.document.Document:
    return docx.Document(io.BytesIO(response.content))


def table_cells(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


class TestDocx:
    def test_downloads_with_the_draft_and_the_numbers(self, maros, staff_client):
        url = reverse("trainings:activity_report_docx", args=[maros.pk])
        with translation.override("id"):
            expected = activity_report_draft(maros, activity_report_numbers(maros))
        response = staff_client.get(url)
        assert response.status_code == HTTPStatus.OK
        assert "no-store" in response["Cache-Control"]
        disposition = response["Content-Disposition"]
        # The scheme of every export (trainings.exports.training_file_stem).
        assert disposition == (
            'attachment; filename="laporan-kegiatan-pelatihan-pencegahan-dan-'
            'penanganan-maros-2023-10-18.docx"'
        )
        document = read_docx(response)
        texts = [paragraph.text for paragraph in document.paragraphs]
        assert texts[0] == maros.title
        assert texts[1] == "18–20 Oktober 2023 · Kabupaten Maros"
        assert expected in texts
        objective = (
            "Meningkatkan pengetahuan dan pemahaman tentang konsep KBG, KBGO dan OCSEA."
        )
        assert texts[texts.index("Tujuan") + 1] == objective
        by_type, by_day = document.tables
        assert table_cells(by_type) == [
            ["Jenis instansi", "L", "P", "Jumlah"],
            ["Penyedia layanan", "0", "4", "4"],
            ["Instansi pemerintah", "1", "6", "7"],
            ["Aparat penegak hukum (APH)", "2", "1", "3"],
            ["Kelompok masyarakat (mis. PATBM)", "1", "4", "5"],
            ["Jumlah", "4", "15", "19"],
        ]
        assert table_cells(by_day) == [
            ["Hari", "Tanggal", "L", "P", "Jumlah"],
            ["Hari 1", "18/10/2023", "4", "15", "19"],
            ["Hari 2", "19/10/2023", "4", "14", "18"],
            ["Hari 3", "20/10/2023", "4", "15", "19"],
        ]

    def test_a_posted_edit_is_what_the_file_holds(self, maros, staff_client):
        url = reverse("trainings:activity_report_docx", args=[maros.pk])
        edited = "Paragraf yang disunting\u200b.\x00\r\nBaris kedua."
        response = staff_client.post(url, {"paragraph": edited})
        assert response.status_code == HTTPStatus.OK
        texts = [paragraph.text for paragraph in read_docx(response).paragraphs]
        assert "Paragraf yang disunting." in texts
        assert "Baris kedua." in texts
        assert not any("diikuti oleh" in text for text in texts)

    def test_an_empty_post_gives_the_draft(self, maros, staff_client):
        url = reverse("trainings:activity_report_docx", args=[maros.pk])
        response = staff_client.post(url, {"paragraph": "  "})
        texts = [paragraph.text for paragraph in read_docx(response).paragraphs]
        assert any("diikuti oleh 19 orang peserta" in text for text in texts)

    def test_a_too_long_paragraph_goes_back_to_the_page(self, maros, staff_client):
        url = reverse("trainings:activity_report_docx", args=[maros.pk])
        response = staff_client.post(url, {"paragraph": "x" * 20_001}, follow=True)
        assert response.redirect_chain[-1][0] == maros.get_absolute_url()
        assert "paling banyak 20.000 karakter" in response.content.decode()

    def test_english_file_and_no_objectives_heading_without_objectives(
        self, staff_client
    ):
        training = TrainingFactory(objectives="")
        enrol(training, agency=None, sex="", days=training.days)
        staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = staff_client.get(
            reverse("trainings:activity_report_docx", args=[training.pk])
        )
        assert (
            'filename="activity-report-pelatihan-' in (response["Content-Disposition"])
        )
        document = read_docx(response)
        assert "Objectives" not in [p.text for p in document.paragraphs]
        by_type, by_day = document.tables
        assert table_cells(by_type) == [
            ["Agency type", "L", "P", "Not recorded", "Total"],
            ["No agency", "0", "0", "1", "1"],
            ["Total", "0", "0", "1", "1"],
        ]
        assert table_cells(by_day)[1] == ["Day 1", "18/10/2023", "0", "0", "1", "1"]

    def test_holds_no_personal_data_so_is_not_logged(self, maros, staff_client):
        before = ExportLog.objects.count()
        response = staff_client.get(
            reverse("trainings:activity_report_docx", args=[maros.pk])
        )
        document = read_docx(response)
        text = "\n".join(p.text for p in document.paragraphs)
        text += "\n".join(
            c.text for t in document.tables for r in t.rows for c in r.cells
        )
        assert "Rahmawati" not in text and "Nurhaeda" not in text
        assert ExportLog.objects.count() == before

    def test_unknown_training_is_not_found(self, staff_client):
        response = staff_client.get(
            reverse("trainings:activity_report_docx", args=[999_999])
        )
        assert response.status_code == HTTPStatus.NOT_FOUND
