"""The import preview says which rows of the file it means: its tables name the
column "Row in the file" (and "Rows in the file"), not a bare "Row" a reader may
take for the sheet's own "No." column."""

import re

import pytest
from django.conf import settings

from tests.factories import TrainingFactory
from tests.trainings.test_import_views import preview_url, upload, xlsx

pytestmark = pytest.mark.django_db


def test_row_numbers_are_named_as_rows_of_the_file(staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    training = TrainingFactory()
    rows = [
        ["No", "Nama", "L/P", "Instansi", "No HP"],
        [1, "Andi Baso", "L", "Dinas Baru", "0812-1111-2222"],
        [2, "Siti Aminah", "X", "Dinas Baru", "0812-1111-3333"],
    ]
    page = staff_client.get(preview_url(upload(staff_client, training, xlsx(rows))))
    html = page.content.decode()
    headers = re.findall(r'<th scope="col">([^<]*)</th>', html)
    assert "Row" not in headers and "Rows" not in headers
    assert headers.count("Row in the file") == 2  # the problems and new people
    assert "Rows in the file" in headers  # the new agency's rows
    assert '<tr data-row="3">' in html and "<td>3</td>" in html
    # The phone of a new person as people write it.
    assert "0812-1111-2222" in html and "+6281211112222" not in html
