"""factory_boy factories for every model, shared by all test modules."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from participants.models import Agency, Participant
from referrals.models import ReferralInstitution, ServiceType, TargetGroup
from regions.models import Region
from setara import roles
from trainings.models import Attendance, Enrolment, Topic, Training


class ProvinceFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = "73"
    name = "Sulawesi Selatan"
    level = Region.Level.PROVINCE


class RegencyFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    parent = factory.SubFactory(ProvinceFactory)
    # Regency codes are 01-69 (71-99 are cities); 73.09 is the seeded Maros.
    code = factory.LazyAttributeSequence(
        lambda o, n: f"{o.parent.code}.{n % 60 + 10:02d}"
    )
    name = factory.Sequence(lambda n: f"Kabupaten Uji {n}")
    level = Region.Level.REGENCY


class DistrictFactory(DjangoModelFactory):
    """A district (kecamatan) of a new test regency."""

    class Meta:
        model = Region
        django_get_or_create = ["code"]

    parent = factory.SubFactory(RegencyFactory)
    code = factory.LazyAttributeSequence(
        lambda o, n: f"{o.parent.code}.{n % 99 + 1:02d}"
    )
    name = factory.Sequence(lambda n: f"Kecamatan Uji {n}")
    level = Region.Level.DISTRICT


class VillageFactory(DjangoModelFactory):
    """A village (desa) of a new test district; ``VillageFactory(urban=True)`` is
    a kelurahan (code 1xxx)."""

    class Meta:
        model = Region
        django_get_or_create = ["code"]

    class Params:
        urban = factory.Trait(
            level=Region.Level.URBAN_VILLAGE,
            code=factory.LazyAttributeSequence(
                lambda o, n: f"{o.parent.code}.{n % 999 + 1001}"
            ),
        )

    parent = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttributeSequence(
        lambda o, n: f"{o.parent.code}.{n % 999 + 2001}"
    )
    name = factory.Sequence(lambda n: f"Desa Uji {n}")
    level = Region.Level.VILLAGE


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Dinas Uji {n}")
    type = Agency.Type.GOVERNMENT
    region = factory.SubFactory(RegencyFactory)


class ParticipantFactory(DjangoModelFactory):
    class Meta:
        model = Participant

    full_name = factory.Faker("name", locale="id_ID")
    sex = factory.Iterator([Participant.Sex.FEMALE, Participant.Sex.MALE])
    agency = factory.SubFactory(AgencyFactory)
    position = "Staf"


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")


class TrainingFactory(DjangoModelFactory):
    class Meta:
        model = Training

    title = factory.Sequence(lambda n: f"Pelatihan Perlindungan Anak {n}")
    region = factory.SubFactory(RegencyFactory)
    start_date = datetime.date(2023, 10, 18)
    end_date = factory.LazyAttribute(
        lambda o: o.start_date + datetime.timedelta(days=2)
    )
    venue = "Aula Kantor Bupati"


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrolment

    training = factory.SubFactory(TrainingFactory)
    participant = factory.SubFactory(ParticipantFactory)
    role = Enrolment.Role.PARTICIPANT


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = Attendance

    enrolment = factory.SubFactory(EnrolmentFactory)
    date = factory.LazyAttribute(lambda o: o.enrolment.training.start_date)
    present = True


class ServiceTypeFactory(DjangoModelFactory):
    class Meta:
        model = ServiceType
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")


class ReferralInstitutionFactory(DjangoModelFactory):
    class Meta:
        model = ReferralInstitution

    name = factory.Sequence(lambda n: f"UPTD PPA Uji {n}")
    level = ReferralInstitution.Level.REGENCY
    region = factory.SubFactory(RegencyFactory)


class UserFactory(DjangoModelFactory):
    """A user in a role group: ``UserFactory(role=roles.COORDINATOR)``; the default
    role is programme staff and the password is ``test-password``."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=extracted or roles.PROGRAMME_STAFF))

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "test-password")
        if create:
            self.save()


class TargetGroupFactory(DjangoModelFactory):
    class Meta:
        model = TargetGroup
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"group-{n}")
    name = factory.Sequence(lambda n: f"Group {n}")


class ProvincialInstitutionFactory(ReferralInstitutionFactory):
    """A referral institution at province level (Sulawesi Selatan by default)."""

    name = factory.Sequence(lambda n: f"UPTD PPA Provinsi Uji {n}")
    level = ReferralInstitution.Level.PROVINCE
    region = factory.SubFactory(ProvinceFactory)


class NationalInstitutionFactory(ReferralInstitutionFactory):
    """A national referral institution (no region)."""

    name = factory.Sequence(lambda n: f"Lembaga Nasional Uji {n}")
    level = ReferralInstitution.Level.NATIONAL
    region = None


class RegistrationDeskFactory(DjangoModelFactory):
    """An open registration desk of a new training (18-20 October 2023: tests
    that submit must move the clock or pass a training that has not ended)."""

    class Meta:
        model = "registrations.RegistrationDesk"

    training = factory.SubFactory(TrainingFactory)
    is_open = True


class RegistrationFactory(DjangoModelFactory):
    """A registration waiting for review, with the current consent version."""

    class Meta:
        model = "registrations.Registration"

    training = factory.SubFactory(TrainingFactory)
    full_name = factory.Faker("name", locale="id_ID")
    sex = "P"
    agency_name = "Dinas Sosial"
    phone = factory.Sequence(lambda n: f"+62812{n:08d}")
    consent_version = "2026-12-v1"
    consented_at = factory.LazyFunction(lambda: datetime.datetime.now(tz=datetime.UTC))


class CertificateFactory(DjangoModelFactory):
    """A certificate of a new participant enrolment, issued now, numbered as
    ``certificates.services.certificate_number`` numbers them (tests of the rule
    issue through the service instead)."""

    class Meta:
        model = "certificates.Certificate"

    enrolment = factory.SubFactory(EnrolmentFactory)
    serial = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(
        lambda o: f"SETARA/2023/{o.enrolment.training_id:04d}/{o.serial:03d}"
    )
    name = factory.LazyAttribute(lambda o: o.enrolment.participant.full_name)
    issued_at = factory.LazyFunction(lambda: datetime.datetime.now(tz=datetime.UTC))
