"""The public verification page the QR code opens: the name, the training and
its dates (and the number), nothing else; "revoked" when revoked; an unknown
code is a 404 that says nothing; no login, not indexed, rate limited; and a
person's erasure withdraws their certificates."""

from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_revoke
from participants.models import Agency
from setara.privacy import participant_erase

pytestmark = pytest.mark.django_db

NIK = "7309015505900012"
PHONE = "+6281234567890"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certificate(training, enrol, staff_user):
    enrolment = enrol("Hj. Sitti Aminah, S.Sos")
    participant = enrolment.participant
    participant.nik = NIK
    participant.phone = PHONE
    participant.position = "Kepala Seksi Perlindungan"
    participant.sex = "P"
    participant.agency.name = "UPTD PPA Kabupaten Maros"
    participant.agency.type = Agency.Type.GOVERNMENT
    participant.agency.save()
    participant.save()
    return certificate_issue(enrolment=enrolment, user=staff_user)


def verify_url(certificate) -> str:
    return reverse("certificates:verify", args=[certificate.code])


def test_shows_the_name_training_and_dates_and_nothing_else(client, certificate):
    client.cookies["django_language"] = "en"
    response = client.get(verify_url(certificate))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "This certificate is valid." in html
    assert "Hj. Sitti Aminah, S.Sos" in html
    assert certificate.enrolment.training.title in html
    assert "18–20 October 2023" in html
    assert certificate.number in html
    for private in (
        NIK,
        PHONE,
        "0812",
        "UPTD PPA",
        "Kepala Seksi",
        "Perempuan",
        "Female",
        "Aula Kantor Bupati",
        certificate.enrolment.training.region.name,
    ):
        assert private not in html, private
    # Exactly the four facts.
    assert html.count("<dd") == 4
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert (
        "no-store" in response["Cache-Control"]
        or "max-age=0" in response["Cache-Control"]
    )


def test_the_dates_are_indonesian_by_default(client, certificate):
    html = client.get(verify_url(certificate)).content.decode()
    assert "18–20 Oktober 2023" in html
    assert 'lang="id"' in html


def test_a_revoked_certificate_says_so(client, certificate, coordinator_user):
    certificate_revoke(
        certificate=certificate, user=coordinator_user, reason="Wrong person, NIK typo"
    )
    client.cookies["django_language"] = "en"
    html = client.get(verify_url(certificate)).content.decode()
    assert 'data-certificate-status="revoked"' in html
    assert "withdrawn (revoked)" in html
    assert "This certificate is valid." not in html
    assert "Wrong person" not in html  # the reason stays inside


def test_an_unknown_code_is_a_404_that_reveals_nothing(client, certificate):
    client.cookies["django_language"] = "en"
    code = certificate.code[:-1] + ("A" if certificate.code[-1] != "A" else "B")
    response = client.get(reverse("certificates:verify", args=[code]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    html = response.content.decode()
    assert "Certificate not found" in html
    assert certificate.enrolment.training.title not in html
    assert certificate.name not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize(
    "path", ["/c/short/", "/c/" + "a" * 70 + "/", "/c/abc.def.ghi.jklmnop/"]
)
def test_malformed_codes_match_no_page(client, path):
    assert client.get(path).status_code == HTTPStatus.NOT_FOUND


def test_unknown_codes_are_rate_limited(client, certificate):
    for number in range(20):
        response = client.get(f"/c/{'x' * 20}{number:02d}/")
        assert response.status_code == HTTPStatus.NOT_FOUND
    # The address has spent its unknown codes: even a real one waits.
    response = client.get(verify_url(certificate))
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    other = client.get(verify_url(certificate), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == HTTPStatus.OK


class TestErasure:
    def test_erasure_revokes_and_removes_the_printed_name(
        self, client, certificate, admin_user
    ):
        participant = certificate.enrolment.participant
        participant_erase(participant=participant, user=admin_user)
        certificate.refresh_from_db()
        assert certificate.is_revoked
        assert certificate.revoked_by == admin_user
        assert certificate.name == ""
        assert not Certificate.history.filter(name__contains="Sitti").exists()
        assert certificate.history.first().revoked_at == certificate.revoked_at
        client.cookies["django_language"] = "en"
        html = client.get(verify_url(certificate)).content.decode()
        assert 'data-certificate-status="revoked"' in html
        assert "Sitti" not in html
        assert 'data-certificate="name"' not in html

    def test_an_already_revoked_certificate_keeps_its_revocation(
        self, certificate, coordinator_user, admin_user
    ):
        revoked = certificate_revoke(
            certificate=certificate, user=coordinator_user, reason="Typo"
        )
        participant_erase(
            participant=certificate.enrolment.participant, user=admin_user
        )
        certificate.refresh_from_db()
        assert (certificate.revoked_by, certificate.revoke_reason) == (
            coordinator_user,
            "Typo",
        )
        assert certificate.revoked_at == revoked.revoked_at
        assert certificate.name == ""

    def test_an_erased_person_gets_no_new_certificate(
        self, certificate, coordinator_user, admin_user
    ):
        from certificates.services import CertificateRefused

        participant_erase(
            participant=certificate.enrolment.participant, user=admin_user
        )
        with pytest.raises(CertificateRefused):
            certificate_issue(enrolment=certificate.enrolment, user=coordinator_user)


def test_an_access_request_lists_the_persons_certificates(
    admin_client, certificate, coordinator_user
):
    import json

    certificate_revoke(certificate=certificate, user=coordinator_user, reason="Typo")
    response = admin_client.get(
        reverse("privacy:access_request", args=[certificate.enrolment.participant_id])
    )
    [row] = json.loads(response.content)["certificates"]
    assert row["number"] == certificate.number
    assert row["name"] == "Hj. Sitti Aminah, S.Sos"
    assert row["enrolment_id"] == certificate.enrolment_id
    assert row["revoke_reason"] == "Typo"
    assert row["revoked_at"]
