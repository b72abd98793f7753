"""Every URL of the project, for every role.

``RULES`` says, for each URL name, what anonymous visitors, programme staff,
coordinators and admins get. The walk over the URL resolver (the project's own
URLs, the admin's and i18n's) fails when a URL name has no rule, so a new page
cannot slip in without someone deciding who may open it.

Outcomes: ``OK`` (200), ``FORBIDDEN`` (403), ``NOT_ALLOWED`` (405, wrong method),
``MOVED`` (301, a permanent redirect),
``LOGIN`` (redirect to the login page), ``ADMIN_LOGIN`` (redirect to the admin's
login: the user may not open the Django admin), ``REDIRECT`` (the page's own
redirect, e.g. home to the training list).

Personal data inside pages and files (NIK masked, export columns) is tested where
the pages are (tests/trainings/test_exports.py, tests/participants/); here only
who gets in. Writes get their own test: a role that may not write gets a refusal
on POST and the database is unchanged.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from certificates.models import Certificate
from participants.models import (
    Agency,
    AgencyAlias,
    AgencyMerge,
    ExportLog,
    Participant,
    ParticipantMerge,
)
from referrals.models import ReferralInstitution, ServiceType, TargetGroup
from regions.models import Region
from registrations.models import Registration, RegistrationDesk
from setara import roles
from setara.export_log import export_log_record
from setara.merging import MERGE_FIELDS, participant_merge
from tests.auth import login
from tests.factories import (
    AttendanceFactory,
    CertificateFactory,
    ReferralInstitutionFactory,
    TargetGroupFactory,
    TopicFactory,
    UserFactory,
)
from tests.jobs.tasks_for_tests import finished_job
from trainings.models import Attendance, Enrolment, ImportUpload, Topic, Training

pytestmark = pytest.mark.django_db

ANON, STAFF, COORD, ADMIN = "anonymous", "staff", "coordinator", "admin"
ROLES = (ANON, STAFF, COORD, ADMIN)

OK = HTTPStatus.OK
FORBIDDEN = HTTPStatus.FORBIDDEN
NOT_ALLOWED = HTTPStatus.METHOD_NOT_ALLOWED
MOVED = HTTPStatus.MOVED_PERMANENTLY
NOT_FOUND = HTTPStatus.NOT_FOUND
LOGIN = "login"
ADMIN_LOGIN = "admin login"
REDIRECT = "redirect"


def signed_in(outcome, *, anonymous=LOGIN) -> dict:
    """Every role gets ``outcome``; anonymous visitors are sent to log in."""
    return {ANON: anonymous, STAFF: outcome, COORD: outcome, ADMIN: outcome}


def admin_role_only(outcome=OK) -> dict:
    """A page of the app for the Admin role only: the other roles get 403."""
    return {ANON: LOGIN, STAFF: FORBIDDEN, COORD: FORBIDDEN, ADMIN: outcome}


def coordinators_and_admins(outcome=OK) -> dict:
    """A page for coordinators and admins: programme staff get 403."""
    return {ANON: LOGIN, STAFF: FORBIDDEN, COORD: outcome, ADMIN: outcome}


def admin_only(outcome=OK, *, others=ADMIN_LOGIN, anonymous=LOGIN) -> dict:
    """Only the Admin role opens it; the other roles are sent to the admin's login
    (which tells them they may not enter); anonymous visitors to a login page:
    the app's for the model pages, the admin's for the site's own pages."""
    return {ANON: anonymous, STAFF: others, COORD: others, ADMIN: outcome}


def signed_in_job_page(outcome) -> dict:
    """A page of the admin's own job: others get 404 (not 403)."""
    return {ANON: LOGIN, STAFF: NOT_FOUND, COORD: NOT_FOUND, ADMIN: outcome}


def admin_site_only(outcome=OK, **kwargs) -> dict:
    return admin_only(outcome, anonymous=ADMIN_LOGIN, **kwargs)


@dataclass
class Rule:
    """``url(world)`` builds the URL; ``expect`` maps each role to its outcome."""

    url: Callable[[SimpleNamespace], str]
    expect: dict
    query: dict = field(default_factory=dict)


def page(name: str, *args: Callable[[SimpleNamespace], object]):
    """A URL builder: ``name`` reversed with ``args`` taken from the world."""
    return lambda w: reverse(name, args=[arg(w) for arg in args])


def training_pk(w):
    return w.training.pk


# The project's pages
# ------------------------------------------------------------------------------
RULES: dict[str, Rule] = {
    # The icon browsers ask for: a permanent redirect to the static file, for all.
    "favicon": Rule(page("favicon"), signed_in(MOVED, anonymous=MOVED)),
    "home": Rule(page("home"), signed_in(REDIRECT)),
    "login": Rule(page("login"), signed_in(OK, anonymous=OK)),
    # Logging out is a POST (a link could log people out); a GET is refused.
    "logout": Rule(page("logout"), signed_in(NOT_ALLOWED)),
    # One's own password: every role. The second step of logging in: these
    # sessions have given it (tests.auth.login), so the pages send them on;
    # programme staff need none (tests/test_two_factor.py has the rest).
    "accounts:password_change": Rule(page("accounts:password_change"), signed_in(OK)),
    "accounts:setup": Rule(page("accounts:setup"), signed_in(REDIRECT)),
    "accounts:verify": Rule(page("accounts:verify"), signed_in(REDIRECT)),
    # Changing the language works on the login page too; a GET only redirects.
    "set_language": Rule(page("set_language"), signed_in(REDIRECT, anonymous=REDIRECT)),
    # Recording trainings: every role (staff create and edit trainings,
    # participants, enrolments and attendance).
    "trainings:list": Rule(page("trainings:list"), signed_in(OK)),
    "trainings:detail": Rule(page("trainings:detail", training_pk), signed_in(OK)),
    # The history permissions: coordinators and admins.
    "trainings:history": Rule(
        page("trainings:history", training_pk), coordinators_and_admins()
    ),
    "trainings:create": Rule(page("trainings:create"), signed_in(OK)),
    "trainings:update": Rule(page("trainings:update", training_pk), signed_in(OK)),
    "trainings:delete": Rule(page("trainings:delete", training_pk), signed_in(OK)),
    "trainings:enrol": Rule(page("trainings:enrol", training_pk), signed_in(OK)),
    "trainings:attendance": Rule(
        page("trainings:attendance", training_pk), signed_in(OK)
    ),
    # The score grid: every role (trainings.change_enrolment).
    "trainings:scores": Rule(page("trainings:scores", training_pk), signed_in(OK)),
    "trainings:signin_sheet": Rule(
        page("trainings:signin_sheet", training_pk), signed_in(OK)
    ),
    "trainings:signin_sheet_pdf": Rule(
        page("trainings:signin_sheet_pdf", training_pk), signed_in(OK)
    ),
    "trainings:enrolment_delete": Rule(
        page("trainings:enrolment_delete", lambda w: w.enrolment.pk), signed_in(OK)
    ),
    # Reports and their files: every role; phone numbers, NIK and birth dates are
    # in the participant files only for participants.export_personal_data.
    "trainings:report": Rule(page("trainings:report"), signed_in(OK)),
    "trainings:report_trainings": Rule(
        page("trainings:report_trainings"), signed_in(OK)
    ),
    "trainings:report_export": Rule(
        lambda w: reverse("trainings:report_export", args=["csv"]), signed_in(OK)
    ),
    "trainings:report_participants": Rule(
        lambda w: reverse("trainings:report_participants", args=["xlsx"]),
        signed_in(OK),
    ),
    "trainings:export_participants": Rule(
        lambda w: reverse("trainings:export_participants", args=[w.training.pk, "csv"]),
        signed_in(OK),
    ),
    "trainings:export_summary": Rule(
        page("trainings:export_summary", training_pk), signed_in(OK)
    ),
    # The activity report (.docx): counts and agency names, for every role.
    "trainings:activity_report_docx": Rule(
        page("trainings:activity_report_docx", training_pk), signed_in(OK)
    ),
    "participants:detail": Rule(
        page("participants:detail", lambda w: w.participant.pk), signed_in(OK)
    ),
    "participants:update": Rule(
        page("participants:update", lambda w: w.participant.pk), signed_in(OK)
    ),
    "participants:delete": Rule(
        page("participants:delete", lambda w: w.participant.pk), signed_in(OK)
    ),
    "trainings:import": Rule(page("trainings:import", training_pk), signed_in(OK)),
    # An unknown upload token sends the user back to the upload page.
    "trainings:import_preview": Rule(
        lambda w: reverse("trainings:import_preview", args=[w.training.pk, "x"]),
        signed_in(REDIRECT),
    ),
    # Personal-data rights and deleted records: the Admin role only.
    "privacy:access_request": Rule(
        page("privacy:access_request", lambda w: w.participant.pk),
        admin_role_only(),
    ),
    "privacy:erase": Rule(
        page("privacy:erase", lambda w: w.participant.pk), admin_role_only()
    ),
    "restore:deleted": Rule(page("restore:deleted"), admin_role_only()),
    # Merging two records of one person: coordinators and admins; undoing a
    # merge: admins (a POST, see POST_RULES; a GET is refused).
    "merging:duplicates": Rule(page("merging:duplicates"), coordinators_and_admins()),
    "merging:merge": Rule(
        page("merging:merge", lambda w: w.participant.pk, lambda w: w.namesake.pk),
        coordinators_and_admins(),
    ),
    "merging:merges": Rule(page("merging:merges"), coordinators_and_admins()),
    "merging:undo": Rule(
        lambda w: reverse("merging:undo", args=[w.participant_merge.pk]),
        admin_role_only(NOT_ALLOWED),
    ),
    # Restoring is a POST (see POST_RULES); a GET is refused.
    "restore:restore": Rule(
        lambda w: reverse("restore:restore", args=["training", 1]),
        admin_role_only(NOT_ALLOWED),
    ),
    # The referral directory: every role reads it; only admins change it, and
    # that happens in the admin (below).
    "referrals:directory": Rule(page("referrals:directory"), signed_in(OK)),
    # An institution's change history: coordinators and admins.
    "referrals:history": Rule(
        page("referrals:history", lambda w: w.institution.pk),
        {ANON: LOGIN, STAFF: FORBIDDEN, COORD: OK, ADMIN: OK},
    ),
    "referrals:pathway": Rule(
        page("referrals:pathway", lambda w: w.regency.code), signed_in(OK)
    ),
    "referrals:pathway_xlsx": Rule(
        page("referrals:pathway_xlsx", lambda w: w.regency.code), signed_in(OK)
    ),
    # Regions: the picker's search and the lookup page, for every signed-in role
    # (region names and codes are public facts).
    "regions:autocomplete": Rule(page("regions:autocomplete"), signed_in(OK)),
    "regions:lookup": Rule(page("regions:lookup"), signed_in(OK)),
    # Background jobs: everyone has "My downloads"; a job's page and status are
    # for its starter and admins, its file for its starter only; the others get
    # 404, so a job id does not reveal that the job exists. (The job is the
    # admin's.)
    "jobs:list": Rule(page("jobs:list"), signed_in(OK)),
    "jobs:detail": Rule(
        page("jobs:detail", lambda w: w.job.pk), signed_in_job_page(OK)
    ),
    "jobs:status": Rule(
        page("jobs:status", lambda w: w.job.pk), signed_in_job_page(OK)
    ),
    "jobs:download": Rule(
        page("jobs:download", lambda w: w.job.pk), signed_in_job_page(OK)
    ),
}

# The Django admin: the Admin role only. Programme staff and coordinators are not
# admin users (is_staff off), so every admin URL sends them to the admin's login.
# ------------------------------------------------------------------------------
RULES.update(
    {
        # It logs nobody in: anonymous visitors go to the app's login (with its
        # second factor), other roles read that the admin is for admins only.
        "admin:login": Rule(
            page("admin:login"),
            {ANON: LOGIN, STAFF: OK, COORD: OK, ADMIN: REDIRECT},
        ),
        # The admin sends a non-admin user from its logout page to its index.
        "admin:logout": Rule(
            page("admin:logout"), admin_site_only(NOT_ALLOWED, others=REDIRECT)
        ),
        "admin:index": Rule(page("admin:index"), admin_site_only()),
        "admin:app_list": Rule(
            lambda w: reverse("admin:app_list", args=["trainings"]), admin_site_only()
        ),
        "admin:password_change": Rule(page("admin:password_change"), admin_site_only()),
        "admin:password_change_done": Rule(
            page("admin:password_change_done"), admin_site_only()
        ),
        "admin:autocomplete": Rule(
            page("admin:autocomplete"),
            admin_site_only(),
            query={
                "app_label": "trainings",
                "model_name": "enrolment",
                "field_name": "training",
            },
        ),
        "admin:jsi18n": Rule(page("admin:jsi18n"), admin_site_only()),
        "admin:view_on_site": Rule(
            lambda w: reverse(
                "admin:view_on_site",
                args=[ContentType.objects.get_for_model(Training).pk, w.training.pk],
            ),
            admin_site_only(REDIRECT),
        ),
        "admin:auth_user_password_change": Rule(
            lambda w: reverse("admin:auth_user_password_change", args=[w.user.pk]),
            admin_only(),
        ),
    }
)

#: Admin outcomes for the Admin role on each model's pages.
EDITABLE = {"changelist": OK, "add": OK, "change": OK, "history": OK, "delete": OK}
#: Written by the app only: the admin shows it but refuses changes.
READ_ONLY = {
    "changelist": OK,
    "add": FORBIDDEN,
    "change": OK,
    "history": OK,
    "delete": FORBIDDEN,
}
#: Login attempts recorded by django-axes: read and delete (to unlock), not add.
AXES_RECORDS = {**EDITABLE, "add": FORBIDDEN}

#: Model (app_label, model_name) -> (the world attribute of its object, outcomes).
ADMIN_MODELS = {
    ("auth", "group"): ("group", EDITABLE),
    ("auth", "user"): ("user", EDITABLE),
    ("axes", "accessattempt"): ("access_attempt", AXES_RECORDS),
    ("axes", "accesslog"): ("access_log", {**READ_ONLY, "delete": OK}),
    ("axes", "accessfailurelog"): ("access_failure_log", {**READ_ONLY, "delete": OK}),
    ("regions", "region"): ("regency", EDITABLE),
    ("participants", "agency"): ("agency", EDITABLE),
    ("participants", "participant"): ("participant", EDITABLE),
    ("participants", "agencyalias"): ("alias", EDITABLE),
    ("participants", "exportlog"): ("export_log", READ_ONLY),
    ("participants", "participantmerge"): ("participant_merge", READ_ONLY),
    ("participants", "agencymerge"): ("agency_merge", READ_ONLY),
    ("trainings", "topic"): ("topic", EDITABLE),
    ("trainings", "training"): ("training", EDITABLE),
    ("trainings", "enrolment"): ("enrolment", EDITABLE),
    ("trainings", "attendance"): ("attendance", EDITABLE),
    ("trainings", "importupload"): ("import_upload", {**READ_ONLY, "delete": OK}),
    ("jobs", "job"): ("job", {**READ_ONLY, "delete": OK}),
    ("referrals", "servicetype"): ("service", EDITABLE),
    ("referrals", "targetgroup"): ("target_group", EDITABLE),
    ("referrals", "referralinstitution"): ("institution", EDITABLE),
    # Self-registration: opened, closed and reviewed on the training page.
    ("registrations", "registrationdesk"): ("desk", {**EDITABLE, "add": FORBIDDEN}),
    ("registrations", "registration"): ("registration", {**READ_ONLY, "delete": OK}),
    # Certificates: issued and revoked on the app's pages; the admin reads them.
    ("certificates", "certificate"): ("certificate", READ_ONLY),
    # Two-factor devices: seen, and deleted to reset someone's second factor.
    ("otp_totp", "totpdevice"): ("totp_device", {**READ_ONLY, "delete": OK}),
    ("otp_static", "staticdevice"): ("static_device", {**READ_ONLY, "delete": OK}),
}

#: Models whose admin shows one past version (django-simple-history).
SIMPLE_HISTORY_MODELS = [
    ("participants", "participant"),
    ("trainings", "training"),
    ("trainings", "enrolment"),
    ("trainings", "attendance"),
    ("referrals", "referralinstitution"),
    ("certificates", "certificate"),
]


def _admin_rules() -> dict[str, Rule]:
    rules = {}
    for (app, model), (attr, outcomes) in ADMIN_MODELS.items():
        prefix = f"admin:{app}_{model}"
        rules[f"{prefix}_changelist"] = Rule(
            page(f"{prefix}_changelist"), admin_only(outcomes["changelist"])
        )
        rules[f"{prefix}_add"] = Rule(
            page(f"{prefix}_add"), admin_only(outcomes["add"])
        )
        for action in ("change", "history", "delete"):
            rules[f"{prefix}_{action}"] = Rule(
                page(f"{prefix}_{action}", lambda w, attr=attr: getattr(w, attr).pk),
                admin_only(outcomes[action]),
            )
    for app, model in SIMPLE_HISTORY_MODELS:
        name = f"admin:{app}_{model}_simple_history"
        attr = ADMIN_MODELS[(app, model)][0]
        rules[name] = Rule(
            lambda w, name=name, attr=attr: reverse(
                name,
                args=[
                    getattr(w, attr).pk,
                    getattr(w, attr).history.first().history_id,
                ],
            ),
            admin_only(),
        )
    # The directory's spreadsheet import and export (django-import-export).
    directory = "admin:referrals_referralinstitution"
    rules[f"{directory}_import"] = Rule(page(f"{directory}_import"), admin_only())
    rules[f"{directory}_export"] = Rule(page(f"{directory}_export"), admin_only())
    # Confirming an import is a POST; a GET is refused.
    rules[f"{directory}_process_import"] = Rule(
        page(f"{directory}_process_import"), admin_only(NOT_ALLOWED)
    )
    return rules


RULES.update(_admin_rules())

#: URL patterns without a name, by route. Each is the admin's: a redirect from an
#: object's bare URL to its change page, and the catch-all that sends unknown
#: admin URLs to the admin's login or a 404. They check access like the rest.
UNNAMED_ADMIN_ROUTES = {
    *(f"admin/{app}/{model}/<path:object_id>/" for app, model in ADMIN_MODELS),
    "admin/(?P<url>.*)$",
}


# Self-registration, desk and public form (issue 14, R1): the public pages are
# open to everyone (the world's training has ended, so its open desk answers
# "registration is closed"); the desk's controls are POSTs for those who may enrol
# people, and the poster of a desk that takes no registrations is 404.
# ------------------------------------------------------------------------------
def desk_token(w):
    return w.desk.token


RULES.update(
    {
        "registrations:register": Rule(
            lambda w: reverse("registrations:register", args=[desk_token(w)]),
            signed_in(OK, anonymous=OK),
        ),
        "registrations:thanks": Rule(
            lambda w: reverse("registrations:thanks", args=[desk_token(w)]),
            signed_in(OK, anonymous=OK),
        ),
        "registrations:desk_toggle": Rule(
            page("registrations:desk_toggle", training_pk), signed_in(NOT_ALLOWED)
        ),
        "registrations:desk_settings": Rule(
            page("registrations:desk_settings", training_pk), signed_in(NOT_ALLOWED)
        ),
        "registrations:poster": Rule(
            page("registrations:poster", training_pk), signed_in(NOT_FOUND)
        ),
    }
)


# Check-in (issue 14, R3): the public check-in page is open to everyone (the
# world's training has ended, so it answers "check-in is not open today"); the
# facilitator's screen and the JSON it and the attendance grid poll need a login
# and the attendance permissions every role has.
# ------------------------------------------------------------------------------
RULES.update(
    {
        "registrations:checkin": Rule(
            lambda w: reverse("registrations:checkin", args=[desk_token(w)]),
            signed_in(OK, anonymous=OK),
        ),
        "registrations:checkin_screen": Rule(
            page("registrations:checkin_screen", training_pk), signed_in(OK)
        ),
        "registrations:checkin_code": Rule(
            page("registrations:checkin_code", training_pk), signed_in(OK)
        ),
        "registrations:attendance_live": Rule(
            page("registrations:attendance_live", training_pk), signed_in(OK)
        ),
    }
)

# Review of registrations (issue 14, R2): every role enrols people, so every role
# reviews; accepting and rejecting are POSTs (a GET is refused).
# ------------------------------------------------------------------------------
RULES.update(
    {
        "registrations:review": Rule(
            page("registrations:review", training_pk), signed_in(OK)
        ),
        "registrations:accept_bulk": Rule(
            page("registrations:accept_bulk", training_pk), signed_in(NOT_ALLOWED)
        ),
        "registrations:accept": Rule(
            lambda w: reverse("registrations:accept", args=[w.training.pk, 1]),
            signed_in(NOT_ALLOWED),
        ),
        "registrations:reject": Rule(
            lambda w: reverse("registrations:reject", args=[w.training.pk, 1]),
            signed_in(NOT_ALLOWED),
        ),
    }
)


# Certificates (issue 15, R3): the verification page is public (its code is the
# key); every role issues and prints certificates (issuing is a POST: a GET is
# refused); coordinators and admins list and revoke them.
# ------------------------------------------------------------------------------
RULES.update(
    {
        "certificates:verify": Rule(
            lambda w: reverse("certificates:verify", args=[w.certificate.code]),
            signed_in(OK, anonymous=OK),
        ),
        "certificates:list": Rule(page("certificates:list"), coordinators_and_admins()),
        "certificates:pdf": Rule(
            page("certificates:pdf", lambda w: w.certificate.pk), signed_in(OK)
        ),
        "certificates:revoke": Rule(
            page("certificates:revoke", lambda w: w.certificate.pk),
            coordinators_and_admins(),
        ),
        "certificates:issue": Rule(
            page("certificates:issue", lambda w: w.enrolment.pk),
            signed_in(NOT_ALLOWED),
        ),
        "certificates:issue_all": Rule(
            page("certificates:issue_all", training_pk), signed_in(NOT_ALLOWED)
        ),
    }
)


# The walk
# ------------------------------------------------------------------------------
def url_patterns(patterns=None, namespace="", prefix=""):
    """Yield (name or None, route) for every URL pattern, through every include."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from url_patterns(pattern.url_patterns, inner, route)
        else:
            assert isinstance(pattern, URLPattern)
            yield (f"{namespace}{pattern.name}" if pattern.name else None), route


def test_every_url_name_has_a_rule():
    names = {name for name, _ in url_patterns() if name}
    missing = sorted(names - RULES.keys())
    assert not missing, f"URLs without a rule in RULES: {missing}"
    stale = sorted(RULES.keys() - names)
    assert not stale, f"rules for URLs that no longer exist: {stale}"


def test_every_unnamed_url_is_a_known_admin_one():
    unnamed = {route for name, route in url_patterns() if name is None}
    assert unnamed == UNNAMED_ADMIN_ROUTES


def test_every_rule_covers_every_role():
    for name, rule in RULES.items():
        assert set(rule.expect) == set(ROLES), name


# The objects the URLs need
# ------------------------------------------------------------------------------
@pytest.fixture
def world(admin_user):
    """One object of each kind a URL needs, and an empty axes record of each kind."""
    attendance = AttendanceFactory()
    enrolment = attendance.enrolment
    training = enrolment.training
    participant = enrolment.participant
    agency = participant.agency
    institution = ReferralInstitutionFactory(region=training.region)
    service = ServiceType.objects.first()
    institution.services.add(service)
    return SimpleNamespace(
        attendance=attendance,
        enrolment=enrolment,
        training=training,
        participant=participant,
        agency=agency,
        alias=AgencyAlias.objects.create(agency=agency, name="Dinsos Uji"),
        namesake=Participant.objects.create(
            full_name=participant.full_name, sex=participant.sex, agency=agency
        ),
        participant_merge=ParticipantMerge.objects.create(
            survivor=participant,
            survivor_number=participant.pk,
            duplicate_id=999_999,
            user=admin_user,
        ),
        agency_merge=AgencyMerge.objects.create(
            survivor=agency, duplicate_id=999_999, user=admin_user
        ),
        regency=training.region,
        import_upload=ImportUpload.objects.create(
            token="t" * 32, training=training, user=admin_user, filename="a.xlsx"
        ),
        institution=institution,
        service=service,
        target_group=TargetGroupFactory(),
        topic=TopicFactory(),
        group=Group.objects.get(name=roles.PROGRAMME_STAFF),
        user=UserFactory(username="someone"),
        export_log=export_log_record(
            user=admin_user,
            export="trainings:report_participants",
            filters={},
            row_count=1,
        ),
        access_attempt=AccessAttempt.objects.create(
            username="someone", ip_address="10.0.0.1", failures_since_start=1
        ),
        access_log=AccessLog.objects.create(username="someone", ip_address="10.0.0.1"),
        access_failure_log=AccessFailureLog.objects.create(
            username="someone", ip_address="10.0.0.1"
        ),
        totp_device=TOTPDevice.objects.create(user=admin_user, name="phone"),
        static_device=StaticDevice.objects.create(user=admin_user, name="codes"),
        job=finished_job(admin_user),
        # Of another training: a training with certificates cannot be deleted.
        certificate=CertificateFactory(),
        desk=RegistrationDesk.objects.create(training=training, is_open=True),
        registration=Registration.objects.create(
            training=training,
            full_name="Siti Uji",
            sex="P",
            agency_name="Dinas Uji",
            phone="+6281200000001",
            consent_version="2026-12-v1",
            consented_at=timezone.now(),
        ),
    )


def outcome_of(response):
    """The response as one of the outcomes above."""
    if response.status_code != HTTPStatus.FOUND:
        return HTTPStatus(response.status_code)
    location = response["Location"]
    if location.startswith(reverse("admin:login")):
        return ADMIN_LOGIN
    if location.startswith(reverse("login")):
        return LOGIN
    return REDIRECT


@pytest.fixture
def role_client(request, client):
    """The client of the role in the test's ``role`` parameter."""
    role = request.node.callspec.params["role"]
    if role != ANON:
        user = request.getfixturevalue(
            {STAFF: "staff_user", COORD: "coordinator_user", ADMIN: "admin_user"}[role]
        )
        login(client, user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_each_url_gives_each_role_its_rule(role, role_client, world):
    wrong = []
    for name, rule in sorted(RULES.items()):
        url = rule.url(world)
        response = role_client.get(url, rule.query)
        got = outcome_of(response)
        if response.streaming:  # read a file to its end, which closes it
            b"".join(response.streaming_content)
        if got != rule.expect[role]:
            wrong.append(f"{name} ({url}): expected {rule.expect[role]}, got {got}")
    assert not wrong, "\n".join(wrong)


# Writes: a role that may not write is refused on POST and nothing changes
# ------------------------------------------------------------------------------
STAFF_ADMIN = "staff with admin access"
COORD_ADMIN = "coordinator with admin access"
POST_ROLES = (ANON, STAFF, COORD, STAFF_ADMIN, COORD_ADMIN)


@dataclass
class PostRule:
    """``data(world)`` is what a permitted user would post to change something;
    ``refused`` maps each role that may not to its outcome."""

    url: Callable[[SimpleNamespace], str]
    data: Callable[[SimpleNamespace], dict]
    refused: dict


def nothing(w):
    return {}


def anonymous_refused() -> dict:
    return {ANON: LOGIN}


def admin_role_refused() -> dict:
    return {
        ANON: LOGIN,
        STAFF: FORBIDDEN,
        COORD: FORBIDDEN,
        STAFF_ADMIN: FORBIDDEN,
        COORD_ADMIN: FORBIDDEN,
    }


def admin_site_refused() -> dict:
    """The admin is for the Admin role only (setara/admin_site.py): it sends the
    other roles to its login, with "Staff status" set by mistake too."""
    return {
        ANON: LOGIN,
        STAFF: ADMIN_LOGIN,
        COORD: ADMIN_LOGIN,
        STAFF_ADMIN: ADMIN_LOGIN,
        COORD_ADMIN: ADMIN_LOGIN,
    }


def training_data(w):
    return {
        "title": "Changed title",
        "region": w.training.region_id,
        "start_date": "2023-10-18",
        "end_date": "2023-10-19",
        "venue": "Elsewhere",
    }


def institution_data(w):
    return {
        "name": "Changed institution",
        "level": w.institution.level,
        "region": w.institution.region_id,
        "is_active": "on",
        "services": [w.service.pk],
    }


def user_data(w):
    return {
        "username": "renamed",
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "10:00:00",
    }


POST_RULES: dict[str, PostRule] = {
    "trainings:create": PostRule(
        page("trainings:create"), training_data, anonymous_refused()
    ),
    "trainings:update": PostRule(
        page("trainings:update", training_pk), training_data, anonymous_refused()
    ),
    "trainings:delete": PostRule(
        page("trainings:delete", training_pk), nothing, anonymous_refused()
    ),
    "trainings:enrol": PostRule(
        page("trainings:enrol", training_pk),
        lambda w: {"participant": w.other_participant.pk, "role": "participant"},
        anonymous_refused(),
    ),
    "trainings:attendance": PostRule(
        page("trainings:attendance", training_pk), nothing, anonymous_refused()
    ),
    "trainings:scores": PostRule(
        page("trainings:scores", training_pk),
        lambda w: {f"pre_{w.enrolment.pk}": "75", f"initial-pre_{w.enrolment.pk}": ""},
        anonymous_refused(),
    ),
    "trainings:enrolment_delete": PostRule(
        page("trainings:enrolment_delete", lambda w: w.enrolment.pk),
        nothing,
        anonymous_refused(),
    ),
    "participants:update": PostRule(
        page("participants:update", lambda w: w.participant.pk),
        lambda w: {"full_name": "Renamed Person", "sex": "P"},
        anonymous_refused(),
    ),
    "participants:delete": PostRule(
        page("participants:delete", lambda w: w.other_participant.pk),
        nothing,
        anonymous_refused(),
    ),
    "privacy:erase": PostRule(
        page("privacy:erase", lambda w: w.participant.pk),
        nothing,
        admin_role_refused(),
    ),
    "restore:restore": PostRule(
        lambda w: reverse(
            "restore:restore", args=["referral-institution", w.deleted_history_id]
        ),
        nothing,
        admin_role_refused(),
    ),
    # Merging: programme staff may not; undoing: only the Admin role.
    "merging:merge": PostRule(
        page("merging:merge", lambda w: w.participant.pk, lambda w: w.namesake.pk),
        lambda w: {"keep": "first", **dict.fromkeys(MERGE_FIELDS, "first")},
        {ANON: LOGIN, STAFF: FORBIDDEN, STAFF_ADMIN: FORBIDDEN},
    ),
    "merging:undo": PostRule(
        lambda w: reverse("merging:undo", args=[w.done_merge.pk]),
        nothing,
        admin_role_refused(),
    ),
    # Certificates: anyone signed in issues; only coordinators and admins revoke.
    "certificates:issue": PostRule(
        page("certificates:issue", lambda w: w.enrolment.pk),
        nothing,
        anonymous_refused(),
    ),
    "certificates:issue_all": PostRule(
        page("certificates:issue_all", training_pk), nothing, anonymous_refused()
    ),
    "certificates:revoke": PostRule(
        page("certificates:revoke", lambda w: w.certificate.pk),
        lambda w: {"reason": "Issued by mistake"},
        {ANON: LOGIN, STAFF: FORBIDDEN, STAFF_ADMIN: FORBIDDEN},
    ),
    "admin:referrals_referralinstitution_add": PostRule(
        page("admin:referrals_referralinstitution_add"),
        institution_data,
        admin_site_refused(),
    ),
    "admin:referrals_referralinstitution_change": PostRule(
        page("admin:referrals_referralinstitution_change", lambda w: w.institution.pk),
        institution_data,
        admin_site_refused(),
    ),
    "admin:referrals_referralinstitution_delete": PostRule(
        page("admin:referrals_referralinstitution_delete", lambda w: w.institution.pk),
        lambda w: {"post": "yes"},
        admin_site_refused(),
    ),
    "admin:referrals_referralinstitution_process_import": PostRule(
        page("admin:referrals_referralinstitution_process_import"),
        lambda w: {"import_file_name": "x.csv", "original_file_name": "x.csv"},
        admin_site_refused(),
    ),
    "admin:auth_user_add": PostRule(
        page("admin:auth_user_add"),
        lambda w: {
            "username": "intruder",
            "password1": "A-long-passphrase-42",
            "password2": "A-long-passphrase-42",
            "usable_password": "true",
        },
        admin_site_refused(),
    ),
    "admin:auth_user_change": PostRule(
        page("admin:auth_user_change", lambda w: w.user.pk),
        user_data,
        admin_site_refused(),
    ),
    "admin:auth_user_password_change": PostRule(
        page("admin:auth_user_password_change", lambda w: w.user.pk),
        lambda w: {
            "password1": "A-long-passphrase-42",
            "password2": "A-long-passphrase-42",
        },
        admin_site_refused(),
    ),
    "admin:auth_user_delete": PostRule(
        page("admin:auth_user_delete", lambda w: w.user.pk),
        lambda w: {"post": "yes"},
        admin_site_refused(),
    ),
    "admin:auth_group_change": PostRule(
        page("admin:auth_group_change", lambda w: w.group.pk),
        lambda w: {"name": w.group.name, "permissions": []},
        admin_site_refused(),
    ),
    "admin:participants_exportlog_delete": PostRule(
        page("admin:participants_exportlog_delete", lambda w: w.export_log.pk),
        lambda w: {"post": "yes"},
        admin_site_refused(),
    ),
    "admin:axes_accessattempt_delete": PostRule(
        page("admin:axes_accessattempt_delete", lambda w: w.access_attempt.pk),
        lambda w: {"post": "yes"},
        admin_site_refused(),
    ),
    # Deleting a two-factor device resets someone's second factor.
    "admin:otp_totp_totpdevice_delete": PostRule(
        page("admin:otp_totp_totpdevice_delete", lambda w: w.totp_device.pk),
        lambda w: {"post": "yes"},
        admin_site_refused(),
    ),
    # django-simple-history's past-version page saved a POST after checking the
    # view permission only: a change, and an undelete (issue 17). Revert is off
    # for admins too (tests/test_admin.py).
    "admin:referrals_referralinstitution_simple_history": PostRule(
        lambda w: reverse(
            "admin:referrals_referralinstitution_simple_history",
            args=[w.institution.pk, w.institution.history.first().history_id],
        ),
        institution_data,
        admin_site_refused(),
    ),
    "admin:participants_participant_simple_history": PostRule(
        lambda w: reverse(
            "admin:participants_participant_simple_history",
            args=[w.deleted_participant_id, w.deleted_participant_history_id],
        ),
        lambda w: {
            "full_name": "Orang Terhapus",
            "sex": "P",
            "agency": w.agency.pk,
            "disability": "",
        },
        admin_site_refused(),
    ),
}


def test_post_rules_are_for_known_urls():
    assert not POST_RULES.keys() - RULES.keys()


def database_state() -> dict:
    """Every row a refused POST could touch, with the role groups' permissions."""
    models = [
        Training,
        Enrolment,
        Attendance,
        Participant,
        Agency,
        ParticipantMerge,
        ReferralInstitution,
        ServiceType,
        TargetGroup,
        Topic,
        Region,
        ExportLog,
        AccessAttempt,
        Certificate,
        TOTPDevice,
        StaticDevice,
        get_user_model(),
    ]
    state = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    state["group permissions"] = sorted(
        Group.permissions.through.objects.values_list("group_id", "permission_id")
    )
    return state


@pytest.fixture
def post_client(request, client):
    """The client of the test's ``role``; "with admin access" sets is_staff."""
    role = request.node.callspec.params["role"]
    fixture = {
        STAFF: "staff_user",
        COORD: "coordinator_user",
        STAFF_ADMIN: "staff_user",
        COORD_ADMIN: "coordinator_user",
    }.get(role)
    if fixture:
        user = request.getfixturevalue(fixture)
        if role in (STAFF_ADMIN, COORD_ADMIN):
            user.is_staff = True
            user.save()
        login(client, user)
    return client


@pytest.fixture
def write_world(world):
    """The world plus a person in no training, a deleted person and a deleted
    institution."""
    world.other_participant = Participant.objects.create(
        full_name="Orang Lain", sex="L", agency=world.agency
    )
    gone = Participant.objects.create(
        full_name="Orang Terhapus", sex="P", agency=world.agency
    )
    world.deleted_participant_id = gone.pk
    gone.delete()
    world.deleted_participant_history_id = (
        Participant.history.filter(history_type="-").latest().history_id
    )
    deleted = ReferralInstitutionFactory(region=world.regency)
    deleted.delete()
    world.deleted_history_id = (
        ReferralInstitution.history.filter(history_type="-").latest().history_id
    )
    merged = Participant.objects.create(full_name="Orang Ketiga", agency=world.agency)
    world.done_merge = participant_merge(
        survivor=world.other_participant,
        duplicate=merged,
        values={},
        user=world.participant_merge.user,
    )
    return world


@pytest.mark.parametrize("role", POST_ROLES)
def test_a_refused_post_changes_nothing(role, post_client, write_world):
    wrong = []
    for name, rule in sorted(POST_RULES.items()):
        if role not in rule.refused:
            continue
        before = database_state()
        response = post_client.post(rule.url(write_world), rule.data(write_world))
        got = outcome_of(response)
        if got != rule.refused[role]:
            wrong.append(f"{name}: expected {rule.refused[role]}, got {got}")
        if database_state() != before:
            wrong.append(f"{name}: the database changed")
    assert not wrong, "\n".join(wrong)


def test_the_admin_post_does_change_things(admin_client, write_world):
    """The refusals above are the role's doing: the same POSTs by an admin
    change the database (a few, as a check on the data used)."""
    for name in [
        "trainings:scores",
        "trainings:delete",
        "restore:restore",
        "admin:referrals_referralinstitution_change",
        "admin:auth_user_change",
        "admin:auth_user_delete",
        "admin:auth_group_change",
        # Before the erasure: an erased person is not merged.
        "merging:merge",
        "merging:undo",
        "privacy:erase",
        "certificates:revoke",
    ]:
        rule = POST_RULES[name]
        before = database_state()
        admin_client.post(rule.url(write_world), rule.data(write_world))
        assert database_state() != before, name


def test_language_can_be_changed_before_login(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("login")
    assert response.cookies["django_language"].value == "en"
