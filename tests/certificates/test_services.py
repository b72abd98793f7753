"""Issuing and revoking: numbers, codes, the name as printed, issuing twice,
refusals, one valid certificate per enrolment, revocations in the history."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from certificates.models import Certificate, number_prefix
from certificates.services import (
    CertificateRefused,
    certificate_issue,
    certificate_revoke,
    certificates_issue_qualifying,
)
from tests.factories import TrainingFactory
from trainings.models import Enrolment

pytestmark = pytest.mark.django_db


class TestIssue:
    def test_issues_a_numbered_certificate_with_the_name_as_written(
        self, training, enrol, staff_user
    ):
        enrolment = enrol("Hj. Sitti Aminah, S.Sos")
        certificate = certificate_issue(enrolment=enrolment, user=staff_user)
        assert certificate.number == f"SETARA/2023/{training.pk:04d}/001"
        assert certificate.name == "Hj. Sitti Aminah, S.Sos"
        assert certificate.issued_by == staff_user
        assert not certificate.is_revoked
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", certificate.code)
        assert certificate.get_absolute_url() == f"/c/{certificate.code}/"

    def test_codes_are_unguessable_and_distinct(self, training, enrol, staff_user):
        codes = {
            certificate_issue(enrolment=enrol(f"Peserta {n}"), user=staff_user).code
            for n in range(5)
        }
        assert len(codes) == 5

    def test_issuing_twice_returns_the_same_certificate(
        self, training, enrol, staff_user, coordinator_user
    ):
        enrolment = enrol()
        first = certificate_issue(enrolment=enrolment, user=staff_user)
        second = certificate_issue(enrolment=enrolment, user=coordinator_user)
        assert second.pk == first.pk
        assert Certificate.objects.count() == 1
        assert Certificate.history.count() == 1

    def test_serials_follow_per_training(self, training, enrol, staff_user):
        numbers = [
            certificate_issue(enrolment=enrol(f"Peserta {n}"), user=staff_user).number
            for n in range(3)
        ]
        assert [number.rsplit("/", 1)[1] for number in numbers] == ["001", "002", "003"]
        other = TrainingFactory(
            programme="SETARA Sulsel", start_date=training.start_date
        )
        elsewhere = certificate_issue(
            enrolment=enrol("Lain", on=other), user=staff_user
        )
        assert elsewhere.number == f"SETARA-SULSEL/2023/{other.pk:04d}/001"

    def test_the_printed_name_stays_when_the_registry_is_corrected(
        self, training, enrol, staff_user
    ):
        enrolment = enrol("Andi Baso")
        certificate = certificate_issue(enrolment=enrolment, user=staff_user)
        enrolment.participant.full_name = "Andi Baso, S.H."
        enrolment.participant.save()
        certificate.refresh_from_db()
        assert certificate.name == "Andi Baso"

    def test_refuses_someone_who_does_not_qualify(self, training, enrol, staff_user):
        enrolment = enrol("Sitti Aminah", days=2)
        with translation.override("en"), pytest.raises(CertificateRefused) as error:
            certificate_issue(enrolment=enrolment, user=staff_user)
        assert error.value.messages == [
            "Sitti Aminah does not qualify for a certificate: present 2 of 3 days, "
            "needs 3."
        ]
        assert not Certificate.objects.exists()

    @pytest.mark.parametrize(
        "role", [Enrolment.Role.FACILITATOR, Enrolment.Role.COMMITTEE]
    )
    def test_refuses_facilitators_and_committee(
        self, training, enrol, staff_user, role
    ):
        enrolment = enrol("Fasilitator", role=role)
        with pytest.raises(CertificateRefused):
            certificate_issue(enrolment=enrolment, user=staff_user)
        assert not Certificate.objects.exists()

    def test_the_database_keeps_one_valid_certificate_per_enrolment(
        self, training, enrol, staff_user
    ):
        certificate = certificate_issue(enrolment=enrol(), user=staff_user)
        copy = Certificate(
            enrolment=certificate.enrolment,
            serial=2,
            number="SETARA/2023/X/002",
            name=certificate.name,
            issued_at=certificate.issued_at,
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            copy.save()

    def test_number_prefix_of_a_programme(self):
        assert number_prefix("SETARA") == "SETARA"
        assert number_prefix("Setara / Sulsel 2") == "SETARA-SULSEL-2"
        assert number_prefix("—") == "SETARA"


class TestIssueQualifying:
    def test_issues_to_everyone_who_qualifies_and_has_none(
        self, training, enrol, staff_user
    ):
        andi = enrol("Andi Baso")
        first = certificate_issue(enrolment=andi, user=staff_user)
        enrol("Sitti Aminah")
        enrol("Nurhaeda", days=1)
        enrol("Fasilitator", role=Enrolment.Role.FACILITATOR)
        assert certificates_issue_qualifying(training=training, user=staff_user) == 1
        valid = Certificate.objects.valid().of_training(training).order_by("serial")
        assert [(c.name, c.serial) for c in valid] == [
            ("Andi Baso", 1),
            ("Sitti Aminah", 2),
        ]
        assert valid[0].pk == first.pk
        # In the history too, with the user.
        row = Certificate.history.get(name="Sitti Aminah")
        assert (row.history_type, row.history_user) == ("+", staff_user)
        # Again: nothing more to issue.
        assert certificates_issue_qualifying(training=training, user=staff_user) == 0


class TestRevoke:
    def test_revokes_with_a_reason_and_keeps_it_in_the_history(
        self, training, enrol, staff_user, coordinator_user
    ):
        certificate = certificate_issue(enrolment=enrol(), user=staff_user)
        certificate_revoke(
            certificate=certificate, user=coordinator_user, reason="  Wrong person "
        )
        certificate.refresh_from_db()
        assert certificate.is_revoked
        assert certificate.revoked_by == coordinator_user
        assert certificate.revoke_reason == "Wrong person"
        latest = certificate.history.first()
        assert latest.history_type == "~"
        assert latest.history_user == coordinator_user
        assert latest.revoked_at == certificate.revoked_at
        assert latest.revoke_reason == "Wrong person"

    def test_a_reason_is_required(self, training, enrol, staff_user):
        certificate = certificate_issue(enrolment=enrol(), user=staff_user)
        with pytest.raises(ValidationError):
            certificate_revoke(
                certificate=certificate, user=staff_user, reason=" \u200b "
            )
        certificate.refresh_from_db()
        assert not certificate.is_revoked

    def test_revoking_twice_changes_nothing(self, training, enrol, staff_user):
        certificate = certificate_issue(enrolment=enrol(), user=staff_user)
        first = certificate_revoke(certificate=certificate, user=staff_user, reason="a")
        again = certificate_revoke(certificate=certificate, user=staff_user, reason="b")
        assert again.revoke_reason == "a"
        assert again.revoked_at == first.revoked_at
        assert certificate.history.count() == 2

    def test_a_new_certificate_after_a_revocation_gets_a_new_number(
        self, training, enrol, staff_user
    ):
        enrolment = enrol()
        old = certificate_issue(enrolment=enrolment, user=staff_user)
        certificate_revoke(certificate=old, user=staff_user, reason="Typo in name")
        new = certificate_issue(enrolment=enrolment, user=staff_user)
        assert new.pk != old.pk
        assert new.serial == 2
        assert new.code != old.code
