"""A programme officer copies the Maros activity report and downloads it as .docx."""

import io

import docx
import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext
from playwright.sync_api import expect

from setara import roles
from tests.factories import UserFactory
from trainings.activity_report import activity_report_draft, activity_report_numbers
from trainings.models import Training

pytestmark = pytest.mark.django_db(transaction=True)


def test_officer_copies_edits_and_downloads_the_activity_report(page, login):
    call_command("load_demo", stdout=io.StringIO())
    training = Training.objects.select_related("region").get()
    # Drafted here with the same catalogue as the server's (Indonesian).
    with translation.override("id"):
        draft = activity_report_draft(training, activity_report_numbers(training))
        file_prefix = f"{slugify(gettext('activity report'))}-"
    UserFactory(username="officer", role=roles.PROGRAMME_STAFF)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login("officer")

    page.goto(training.get_absolute_url())
    paragraph = page.locator("textarea[data-report-paragraph]")
    expect(paragraph).to_have_value(draft)
    assert "19" in draft and "Kabupaten Maros" in draft

    # Copy: shown because JavaScript runs; the clipboard then holds the text.
    copy = page.locator("#activity-report-copy")
    expect(copy).to_be_visible()
    copy.click()
    expect(page.locator("#activity-report .js-copy-status")).to_have_text(
        copy.get_attribute("data-copied")
    )
    assert page.evaluate("navigator.clipboard.readText()") == draft

    # The download holds the text as edited on the page.
    paragraph.fill("Laporan yang disunting oleh staf.")
    with page.expect_download() as download:
        page.locator("#activity-report-docx").click()
    assert download.value.suggested_filename.startswith(file_prefix)
    assert download.value.suggested_filename.endswith(".docx")
    with open(download.value.path(), "rb") as file:
        document = docx.Document(io.BytesIO(file.read()))
    assert "Laporan yang disunting oleh staf." in [p.text for p in document.paragraphs]
    by_type = document.tables[0]
    assert [cell.text for cell in by_type.rows[-1].cells][1:] == ["4", "15", "19"]
