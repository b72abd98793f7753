import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from participants.normalisation import InvalidPhoneNumber
from referrals.models import (
    ReferralInstitution,
    ServiceType,
    normalise_directory_phone,
    verification_cutoff,
)
from regions.models import Region
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    EnrolmentFactory,
    NationalInstitutionFactory,
    ParticipantFactory,
    ProvinceFactory,
    ProvincialInstitutionFactory,
    ReferralInstitutionFactory,
    RegencyFactory,
    TargetGroupFactory,
)
from trainings.models import Enrolment

pytestmark = pytest.mark.django_db


class TestPhoneNormalisation:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("129", "129"),
            (" 1-2-9 ", "129"),
            ("110", "110"),
            ("1500-771", "1500771"),
            ("14045", "14045"),
            ("0411-371 234", "+62411371234"),
            ("+62 812 3456 7890", "+6281234567890"),
            ("", ""),
        ],
    )
    def test_directory_phones(self, raw, expected):
        assert normalise_directory_phone(raw) == expected

    @pytest.mark.parametrize("raw", ["12", "999", "call us", "+62 12"])
    def test_refuses_what_is_neither(self, raw):
        with pytest.raises(InvalidPhoneNumber):
            normalise_directory_phone(raw)


class TestValidation:
    def test_full_clean_normalises_contacts(self):
        institution = ReferralInstitutionFactory.build(
            region=Region.objects.get(code="73.09"),
            phone="0411 371234",
            whatsapp="0812-3456-7890",
            website="maroskab.go.id",
            name="  UPTD   PPA  Maros ",
        )
        institution.full_clean()
        assert institution.phone == "+62411371234"
        assert institution.whatsapp == "+6281234567890"
        assert institution.whatsapp_url == "https://wa.me/6281234567890"
        assert institution.website == "https://maroskab.go.id"
        assert institution.name == "UPTD PPA Maros"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("phone", "kantor"),
            ("whatsapp", "0411-371234"),  # a landline has no WhatsApp
            ("whatsapp", "129"),
            ("email", "uptd.maros"),
            ("website", "http://"),
        ],
    )
    def test_invalid_contacts_are_field_errors(self, field, value):
        institution = ReferralInstitutionFactory.build(
            region=Region.objects.get(code="73.09"), **{field: value}
        )
        with pytest.raises(ValidationError) as error:
            institution.full_clean()
        assert field in error.value.message_dict

    def test_database_refuses_an_unnormalised_phone(self):
        institution = ReferralInstitutionFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            ReferralInstitution.objects.filter(pk=institution.pk).update(
                phone="0411371234"
            )

    def test_region_level_must_match_institution_level(self):
        institution = ReferralInstitutionFactory.build(
            level=ReferralInstitution.Level.PROVINCE,
            region=Region.objects.get(code="73.09"),
        )
        with pytest.raises(ValidationError) as error:
            institution.full_clean()
        assert "region" in error.value.message_dict

    def test_national_institution_cannot_have_a_region(self):
        institution = NationalInstitutionFactory.build(
            region=Region.objects.get(code="73")
        )
        with pytest.raises(ValidationError):
            institution.full_clean()


class TestUniqueName:
    def test_same_name_in_one_region_ignoring_case_and_spaces(self):
        first = ReferralInstitutionFactory(name="Dinas Sosial Maros")
        duplicate = ReferralInstitution(
            name="dinas sosial  maros", level=first.level, region=first.region
        )
        with pytest.raises(ValidationError):
            duplicate.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            ReferralInstitution.objects.create(
                name="DinasSosial Maros", level=first.level, region=first.region
            )

    def test_same_name_allowed_in_another_region(self):
        first = ReferralInstitutionFactory(name="UPTD PPA")
        ProvincialInstitutionFactory(name="UPTD PPA")
        assert ReferralInstitution.objects.filter(name="UPTD PPA").count() == 2
        assert first.pk

    def test_national_names_are_unique_too(self):
        NationalInstitutionFactory(name="SAPA 129 Kementerian PPPA")
        duplicate = ReferralInstitution(
            name="sapa 129 kementerian pppa", level=ReferralInstitution.Level.NATIONAL
        )
        with pytest.raises(ValidationError):
            duplicate.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            ReferralInstitution.objects.create(
                name="SAPA 129  Kementerian PPPA",
                level=ReferralInstitution.Level.NATIONAL,
            )


class TestVerification:
    def test_cutoff_is_twelve_months_back(self):
        assert verification_cutoff(datetime.date(2024, 5, 10)) == datetime.date(
            2023, 5, 10
        )
        assert verification_cutoff(datetime.date(2024, 2, 29)) == datetime.date(
            2023, 2, 28
        )

    @pytest.mark.parametrize(
        ("verified", "stale"),
        [
            (None, True),
            (datetime.date(2023, 5, 10), False),
            (datetime.date(2023, 5, 9), True),
            (datetime.date(2024, 5, 1), False),
        ],
    )
    def test_stale_after_twelve_months(self, verified, stale):
        institution = ReferralInstitutionFactory(last_verified_on=verified)
        today = datetime.date(2024, 5, 10)
        assert institution.is_verification_stale(today) is stale
        assert (
            ReferralInstitution.objects.stale(today).filter(pk=institution.pk).exists()
            is stale
        )


class TestTrainedStaff:
    def test_counts_distinct_staff_present_as_participants(self):
        agency = AgencyFactory()
        institution = ReferralInstitutionFactory(agency=agency)
        twice = ParticipantFactory(agency=agency, sex="P")
        for _ in range(2):  # two trainings, two days each: still one person
            enrolment = EnrolmentFactory(participant=twice)
            AttendanceFactory(enrolment=enrolment)
            AttendanceFactory(
                enrolment=enrolment,
                date=enrolment.training.start_date + datetime.timedelta(days=1),
            )
        AttendanceFactory(
            enrolment__participant=ParticipantFactory(agency=agency, sex="L")
        )
        AttendanceFactory(  # absent every day
            enrolment__participant=ParticipantFactory(agency=agency), present=False
        )
        AttendanceFactory(  # a facilitator, not a trainee
            enrolment__participant=ParticipantFactory(agency=agency),
            enrolment__role=Enrolment.Role.FACILITATOR,
        )
        AttendanceFactory()  # another agency
        row = ReferralInstitution.objects.with_trained_staff().get(pk=institution.pk)
        assert (row.trained_total, row.trained_male, row.trained_female) == (2, 1, 1)

    def test_no_agency_means_zero(self):
        institution = ReferralInstitutionFactory(agency=None)
        AttendanceFactory()
        row = ReferralInstitution.objects.with_trained_staff().get(pk=institution.pk)
        assert row.trained_total == 0


def test_loading_a_fixture_adds_no_history():
    """A restored backup (loaddata) keeps the history as it was dumped."""
    from django.core import serializers

    from referrals.models import ServiceType

    institution = ReferralInstitutionFactory()
    institution.services.add(ServiceType.objects.get(code="hotline"))
    records = institution.history.count()
    dumped = serializers.serialize("json", [institution])
    # As in an emptied database: the link is missing until the fixture adds it.
    ReferralInstitution.services.through.objects.all().delete()
    for obj in serializers.deserialize("json", dumped):
        obj.save()
    assert institution.history.count() == records
    assert institution.services.count() == 1


class TestServing:
    def test_a_regency_gets_its_own_its_province_and_national_institutions(self):
        maros = Region.objects.get(code="73.09")
        own = ReferralInstitutionFactory(region=maros)
        province = ProvincialInstitutionFactory(region=maros.parent)
        national = NationalInstitutionFactory()
        ReferralInstitutionFactory(region=RegencyFactory(parent=maros.parent))
        served = set(ReferralInstitution.objects.serving(maros))
        assert served == {own, province, national}

    def test_a_province_gets_its_own_its_regencies_and_national_institutions(self):
        maros = Region.objects.get(code="73.09")
        regency = ReferralInstitutionFactory(region=maros)
        province = ProvincialInstitutionFactory(region=maros.parent)
        national = NationalInstitutionFactory()
        sulbar = ProvinceFactory(code="76", name="Sulawesi Barat")
        ReferralInstitutionFactory(region=RegencyFactory(parent=sulbar, code="76.01"))
        ProvincialInstitutionFactory(region=sulbar)
        served = set(ReferralInstitution.objects.serving(maros.parent))
        assert served == {regency, province, national}


class TestQueryCounts:
    @pytest.fixture
    def directory(self):
        """Three institutions, each with two services, a target group and an agency
        whose three staff attended a training (L, P, not recorded)."""
        services = list(ServiceType.objects.all()[:2])
        group = TargetGroupFactory()
        for _ in range(3):
            agency = AgencyFactory()
            institution = ReferralInstitutionFactory(agency=agency)
            institution.services.set(services)
            institution.target_groups.add(group)
            for sex in ("L", "P", ""):
                AttendanceFactory(
                    enrolment__participant=ParticipantFactory(agency=agency, sex=sex)
                )

    def test_with_trained_staff_runs_one_query(
        self, directory, django_assert_num_queries
    ):
        keys = ("trained_male", "trained_female", "trained_not_recorded")
        with django_assert_num_queries(1):
            rows = [
                (*(getattr(i, key) for key in keys), i.trained_total)
                for i in ReferralInstitution.objects.with_trained_staff()
            ]
        assert rows == [(1, 1, 1, 3)] * 3

    def test_for_directory_runs_four_queries(
        self, directory, django_assert_num_queries
    ):
        # Institutions with regions, their agencies' trained staff, services,
        # target groups.
        with django_assert_num_queries(4):
            rows = [
                (
                    str(i.region),
                    i.verified_by,
                    [s.name for s in i.services.all()],
                    [g.name for g in i.target_groups.all()],
                    i.trained_total,
                )
                for i in ReferralInstitution.objects.for_directory()
            ]
        assert [(len(services), total) for *_, services, _, total in rows] == [
            (2, 3)
        ] * 3
