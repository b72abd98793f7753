"""A file whose rows all look alike (one agency, "Peserta X 1".."Peserta X N",
or one phone number for everyone) gives a preview of bounded size and time: the
pairs per row are bounded (participants.matching.same_person_in_file) and the
preview lists at most FILE_SUGGESTIONS_SHOWN of them (trainings/imports/plan.py).
Before, 1,200 such rows took 30 s and the server's timeout."""

from http import HTTPStatus

import pytest
from django.conf import settings

from participants.matching import FILE_PAIRS_PER_ROW, MatchKeys, same_person_in_file
from tests.factories import TrainingFactory
from tests.trainings.test_import_views import confirm_data, preview_url, upload, xlsx
from trainings.imports.plan import FILE_SUGGESTIONS_PER_ROW, FILE_SUGGESTIONS_SHOWN

pytestmark = pytest.mark.django_db

HEADER = ["Nama", "L/P", "Instansi", "No. HP"]


def look_alike_sheet(count, *, one_phone=False):
    return xlsx(
        [HEADER]
        + [
            [
                f"Peserta X {i}",
                "P",
                "Dinas Uji",
                "081200000001" if one_phone else f"0812{i:08d}",
            ]
            for i in range(1, count + 1)
        ]
    )


@pytest.mark.parametrize("count", [1200, 2000])
def test_a_file_of_look_alike_names_previews_a_bounded_page(staff_client, count):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    training = TrainingFactory()
    url = preview_url(upload(staff_client, training, look_alike_sheet(count)))
    response = staff_client.get(url)
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    listed = page.split('id="import-file-suggestions"')[1].split("</section>")[0]
    assert listed.count("<li ") == FILE_SUGGESTIONS_SHOWN
    assert "more pairs. So many look-alike names" in listed
    assert len(page) < 1_000_000
    # Suggestions never block: the import can go ahead.
    assert "problems: nothing will be imported" not in page
    assert confirm_data(response)["fingerprint"]


def test_one_phone_for_every_row_is_one_problem_per_row(staff_client):
    """The office's phone typed for everyone: each row after the first is the
    same person as row 2 by the phone (as before), found without pairing every
    row with every other (the bound is tested below; the time is bench/'s)."""
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    training = TrainingFactory()
    sheet = look_alike_sheet(1500, one_phone=True)
    url = preview_url(upload(staff_client, training, sheet))
    page = staff_client.get(url).content.decode()
    assert "1499 problems" in page.replace(",", "")
    assert page.count("This is the same person as row 2 (") == 1499


def test_pairs_per_row_are_bounded_and_keep_the_earliest():
    rows = [MatchKeys(phone="+6281200000001", name=f"peserta x {i}", agency_id=1)
            for i in range(1, 3001)]  # fmt: skip
    pairs = same_person_in_file(rows)
    per_row = {}
    for pair in pairs:
        per_row.setdefault(pair.second, []).append(pair.first)
    assert all(firsts[0] == 0 for firsts in per_row.values())  # the earliest row
    # The earliest of its group, and its closest spellings (one more: ties).
    assert max(map(len, per_row.values())) <= 2 * FILE_PAIRS_PER_ROW + 1
    assert FILE_SUGGESTIONS_PER_ROW <= FILE_PAIRS_PER_ROW
