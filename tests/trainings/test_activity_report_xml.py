"""The activity report's .docx never fails on characters XML refuses (U+FFFE,
U+FFFF, C0 controls), whether they come in the posted text or from a name stored
before the text cleaning dropped them."""

import io

import docx
import pytest
from django.urls import reverse

from participants.models import Agency
from tests.factories import AgencyFactory, EnrolmentFactory, TrainingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def training():
    training = TrainingFactory()
    agency = AgencyFactory(name="Dinas Uji")
    EnrolmentFactory(training=training, participant__agency=agency)
    # A name stored before the cleaning rule existed (update() skips it).
    Agency.objects.filter(pk=agency.pk).update(name="Dinas Uji\uffff\x01")
    return training


def _text(response) -> str:
    document = docx.Document(io.BytesIO(response.content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_stored_name_with_a_noncharacter_downloads(staff_client, training):
    url = reverse("trainings:activity_report_docx", args=[training.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert "Dinas Uji" in _text(response)


@pytest.mark.parametrize("bad", ["\ufffe", "\uffff", "\x00", "\x01", "\x1f"])
def test_posted_text_with_characters_xml_refuses_downloads(staff_client, training, bad):
    url = reverse("trainings:activity_report_docx", args=[training.pk])
    response = staff_client.post(url, {"paragraph": f"abc{bad}def"})
    assert response.status_code == 200
    assert "abcdef" in _text(response).replace(" ", "")  # \x1f reads as a space
