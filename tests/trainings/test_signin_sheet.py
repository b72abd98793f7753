"""The sign-in sheet for walk-ins: blank rows to the end of the last A4 page, a
blank sheet for N people, readable column widths, an optional No. HP column.
The PDF tests draw the sheet with WeasyPrint and count its pages, so the
heights ``trainings.signin`` counts with are those the sheet has."""

import datetime
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import ExportLog
from tests.factories import (
    AgencyFactory,
    EnrolmentFactory,
    ParticipantFactory,
    RegistrationDeskFactory,
    TrainingFactory,
)
from trainings import signin
from trainings.signin import (
    HEAD_MM,
    MAX_BLANK_SHEET,
    MIN_BLANK_ROWS,
    PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM,
    ROW_MM,
    TITLE_MM,
    blank_row_count,
    column_widths,
    lines_needed,
    sheet_layout,
    title_height,
)

pytestmark = pytest.mark.django_db

FULL_FIRST_PAGE = int((PAGE_HEIGHT_MM - HEAD_MM - TITLE_MM) // ROW_MM)
FULL_PAGE = int((PAGE_HEIGHT_MM - HEAD_MM) // ROW_MM)


def sheet_url(training):
    return reverse("trainings:signin_sheet", args=[training.pk])


def blank_numbers(response) -> list[int]:
    layout = response.context["layout"]
    return [layout.first_blank + n for n in layout.blank_rows]


class TestLayout:
    """``trainings.signin`` without a page: widths, lines and the count."""

    @pytest.mark.parametrize("days", range(1, 13))
    @pytest.mark.parametrize("phone", [False, True])
    def test_columns_fill_the_page_width(self, days, phone):
        widths = column_widths(days, phone=phone)
        total = sum(w for k, w in widths.items() if k != "day") + days * widths["day"]
        assert ("phone" in widths) == phone
        if days <= 9:  # more days than fit make a wider table
            assert total == pytest.approx(PAGE_WIDTH_MM)
            assert widths["day"] >= signin.MIN_SIGN_MM
        assert widths["number"] == signin.NUMBER_MM  # never narrowed
        assert widths["name"] >= 0.4 * signin.NAME_MM

    def test_an_empty_training_gets_readable_widths(self):
        widths = column_widths(3, phone=False)
        assert widths["name"] >= 50 and widths["agency"] >= 40
        assert widths["day"] >= 30

    @pytest.mark.parametrize(
        "text, width, lines",
        [
            ("", 50, 1),
            ("Siti Aminah", 50, 1),
            ("Dinas Pemberdayaan Perempuan dan Perlindungan Anak", 52, 2),
            # Capitals are wider: the same letters take more lines.
            ("DINAS PEMBERDAYAAN PEREMPUAN DAN PERLINDUNGAN ANAK", 52, 3),
            ("X" * 60, 30, 5),  # a word wider than the cell breaks
        ],
    )
    def test_lines_needed(self, text, width, lines):
        assert lines_needed(text, width) == lines

    def test_an_empty_training_gets_a_full_first_page(self):
        assert blank_row_count([], title_mm=TITLE_MM) == FULL_FIRST_PAGE

    def test_blank_rows_fill_the_last_page(self):
        heights = [ROW_MM] * (FULL_FIRST_PAGE + 5)  # five on the second page
        assert blank_row_count(heights, title_mm=TITLE_MM) == FULL_PAGE - 5

    def test_too_little_room_left_adds_a_page(self):
        heights = [ROW_MM] * (FULL_FIRST_PAGE - 1)  # one row left on page 1
        expected = 1 + FULL_PAGE
        assert blank_row_count(heights, title_mm=TITLE_MM) == expected
        assert expected - FULL_PAGE < MIN_BLANK_ROWS

    def test_a_tall_row_moves_to_the_next_page(self):
        room = FULL_FIRST_PAGE - 1
        heights = [ROW_MM] * room + [ROW_MM * 2]  # does not fit in the last row
        assert blank_row_count(heights, title_mm=TITLE_MM) == FULL_PAGE - 2

    def test_a_long_title_takes_more_room(self):
        assert title_height("Pelatihan", "Maros") == TITLE_MM
        assert title_height("Pelatihan " * 30, "Aula " * 40) > TITLE_MM + 5

    def test_a_blank_sheet_has_exactly_the_rows_asked_for(self):
        layout = sheet_layout(days=3, title="T", place="P", people=[], blank_for=40)
        assert len(layout.blank_rows) == 40 and layout.first_blank == 1


class TestPage:
    def test_an_empty_training_gets_a_full_page_of_numbered_rows(self, staff_client):
        training = TrainingFactory()
        response = staff_client.get(sheet_url(training))
        assert response.status_code == HTTPStatus.OK
        assert blank_numbers(response) == list(range(1, FULL_FIRST_PAGE + 1))
        html = response.content.decode()
        assert html.count('class="blank-row"') == FULL_FIRST_PAGE

    def test_walk_in_rows_are_numbered_after_the_people(self, staff_client):
        training = TrainingFactory()
        EnrolmentFactory.create_batch(4, training=training)
        response = staff_client.get(sheet_url(training))
        numbers = blank_numbers(response)
        assert numbers[0] == 5
        assert len(numbers) == FULL_FIRST_PAGE - 4

    def test_readable_widths_with_a_dot_in_every_language(self, staff_client):
        training = TrainingFactory()
        for language in ("id", "en"):
            staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            html = staff_client.get(sheet_url(training)).content.decode()
            assert '<col style="width: 52.0mm">' in html  # the name column
            assert "52,0mm" not in html
            assert "table-layout: fixed" in html

    def test_a_blank_sheet_for_n_people_lists_no_one(self, staff_client):
        training = TrainingFactory()
        EnrolmentFactory(training=training, participant__full_name="Andi Baso")
        response = staff_client.get(sheet_url(training), {"blank_for": "40"})
        html = response.content.decode()
        assert "Andi Baso" not in html
        assert blank_numbers(response) == list(range(1, 41))
        assert response.context["pdf_url"].endswith("?blank_for=40")

    @pytest.mark.parametrize("value", ["0", "-3", "501", "abc", "1e3", "4.5"])
    def test_a_bad_number_is_an_error_next_to_the_field(self, staff_client, value):
        training = TrainingFactory()
        EnrolmentFactory(training=training, participant__full_name="Andi Baso")
        query = {"blank_for": value, "phone": "on"}
        response = staff_client.get(sheet_url(training), query)
        assert response.status_code == HTTPStatus.OK
        assert list(response.context["form"].errors) == ["blank_for"]
        html = response.content.decode()
        block = html[html.index('id="div_id_blank_for"') :]
        assert "invalid-feedback" in block[: block.index("</div>\n") + 200]
        assert "Andi Baso" in html  # the usual sheet meanwhile
        assert response.context["layout"].phone  # the other option still applies
        pdf = reverse("trainings:signin_sheet_pdf", args=[training.pk])
        assert response.context["pdf_url"] == pdf + "?phone=on"

    def test_the_largest_blank_sheet(self, staff_client):
        training = TrainingFactory()
        response = staff_client.get(
            sheet_url(training), {"blank_for": str(MAX_BLANK_SHEET)}
        )
        assert len(blank_numbers(response)) == MAX_BLANK_SHEET

    def test_the_phone_column_is_blank_for_everyone(self, staff_client):
        training = TrainingFactory()
        EnrolmentFactory(
            training=training,
            participant__full_name="Andi Baso",
            participant__phone="+6281242317710",
        )
        staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        plain = staff_client.get(sheet_url(training)).content.decode()
        response = staff_client.get(sheet_url(training), {"phone": "on"})
        html = response.content.decode()
        assert "No. HP" in html and "No. HP" not in plain.split("<table")[1]
        assert "0812" not in html and "6281242317710" not in html
        # One more cell in every row: 6 + phone + 3 days.
        body = html.split("<tbody>")[1].split("</tbody>")[0]
        rows = body.split("<tr")[1:]
        assert {row.count("<td") for row in rows} == {10}
        assert response.context["pdf_url"].endswith("?phone=on")

    def test_the_options_add_no_query(self, staff_client):
        training = TrainingFactory()
        EnrolmentFactory.create_batch(3, training=training)
        url = sheet_url(training)
        staff_client.get(url)
        counts = []
        for query in ({}, {"phone": "on"}, {"blank_for": "20", "phone": "on"}):
            with CaptureQueriesContext(connection) as queries:
                assert staff_client.get(url, query).status_code == HTTPStatus.OK
            counts.append(len(queries))
        assert counts[1] == counts[0]
        assert counts[2] <= counts[0]  # no roster to read

    def test_the_pdf_of_bad_options_goes_to_the_page_that_says_why(self, staff_client):
        training = TrainingFactory()
        pdf = reverse("trainings:signin_sheet_pdf", args=[training.pk])
        response = staff_client.get(pdf, {"blank_for": "9999"})
        assert response.status_code == HTTPStatus.FOUND
        assert response.url == sheet_url(training) + "?blank_for=9999"
        assert not ExportLog.objects.exists()


weasyprint = pytest.importorskip("weasyprint")


def pages(response, *, extra_blank: int = 0) -> int:
    """The pages of the PDF drawn from the sheet page's context, with
    ``extra_blank`` more blank rows."""
    context = {}
    for layer in reversed(list(response.context)):
        context.update(layer.flatten())
    layout = context["layout"]
    layout.blank_rows = range(len(layout.blank_rows) + extra_blank)
    html = render_to_string(
        "trainings/training_signin_sheet_pdf.html",
        context,
        request=response.wsgi_request,
    )
    return len(weasyprint.HTML(string=html).render().pages)


LONG_TEXTS = [
    (
        "Hj. Andi Nurhaeda Rahmawati Sulaiman Daeng Matene, S.Sos., M.Si.",
        "Dinas Pemberdayaan Perempuan dan Perlindungan Anak Kabupaten Maros",
        "Kepala Bidang Perlindungan Hak Perempuan dan Anak",
    ),
    (
        "HJ. ST. NURHAYATI MUHAMMAD WARDANI, S.KEP., NERS",
        "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KABUPATEN MAROS",
        "KEPALA SEKSI PELAYANAN",
    ),
    ("Siti", "UPTD PPA", "Staf"),
]


@pytest.mark.parametrize(
    "people, days, query, desk",
    [
        (0, 3, {}, False),
        (0, 3, {}, True),  # the registration QR code beside the title
        (30, 3, {}, False),
        (12, 1, {"phone": "on"}, True),
        (21, 8, {"phone": "on"}, False),
        (0, 3, {"blank_for": "45"}, False),
    ],
)
def test_the_blank_rows_exactly_fill_the_last_page(
    staff_client, people, days, query, desk
):
    today = datetime.date.today()
    training = TrainingFactory(
        title="Pelatihan Pencegahan dan Penanganan Eksploitasi dan Kekerasan Seksual "
        "Anak di Ranah Daring bagi Penyedia Layanan dan APH, Kabupaten Maros",
        start_date=today,
        end_date=today + datetime.timedelta(days=days - 1),
    )
    if desk:
        RegistrationDeskFactory(training=training)
    for n in range(people):
        name, agency, position = LONG_TEXTS[n % len(LONG_TEXTS)]
        person = ParticipantFactory(
            full_name=f"{name} {n}",
            agency=AgencyFactory(name=f"{agency} {n}"),
            position=position,
            village="Bonto Marannu, Kec. Lau",
        )
        EnrolmentFactory(training=training, participant=person)
    response = staff_client.get(sheet_url(training), query)
    assert ("signin-qr" in response.content.decode().split("</style>")[-1]) == desk
    drawn = pages(response)
    if "blank_for" not in query:
        # One more blank row does not fit: the page is full.
        assert pages(response, extra_blank=1) == drawn + 1
    if people == 0 and "blank_for" not in query:
        assert drawn == 1


def test_the_pdf_download_is_the_drawn_sheet(staff_client):
    training = TrainingFactory()
    EnrolmentFactory.create_batch(3, training=training)
    url = reverse("trainings:signin_sheet_pdf", args=[training.pk])
    response = staff_client.get(url, {"phone": "on"})
    if response.status_code == HTTPStatus.FOUND:  # no Pango on this machine
        pytest.skip("WeasyPrint cannot draw PDFs here")
    assert response["Content-Type"] == "application/pdf"
    assert ExportLog.objects.get().row_count == 3
    # A blank sheet names no one: not an export of personal data.
    blank = staff_client.get(url, {"blank_for": "30"})
    assert blank["Content-Type"] == "application/pdf"
    assert ExportLog.objects.count() == 1
