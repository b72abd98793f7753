"""No NIK oracle (issue 17): programme staff, who see NIKs masked, must not learn
or confirm a NIK through any page.

The attack, as a staff account would run it: the first four digits of a NIK are
the province and regency (public); try each next digit and keep the one whose
page differs. Through the enrol search (a door that matches part of a NIK) every
digit must give the same page. The doors that take a whole NIK (the new-person
form, the import preview, the self-registration review) must say that a NIK is
taken (NIKs are unique: the database refuses a second one), but never whose: the
page for the NIK of the person attacked must be the page for the NIK of somebody
else. Each test runs the same requests as a coordinator, who may find people by
NIK, and checks that the page does differ there, so the test can fail.
"""

import io
import re
from http import HTTPStatus

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from participants.models import Participant
from registrations.models import RegistrationDesk
from registrations.services import registration_submit
from tests.auth import login
from tests.factories import AgencyFactory, ParticipantFactory, TrainingFactory
from trainings.models import Enrolment

pytestmark = pytest.mark.django_db

#: The NIK attacked, and another registry person's NIK with the same last four
#: digits (the masked form, "****************", is the same for both).
NIK = "7309015708900012"
DECOY_NIK = "7309024101850012"
#: What the attacker knows: the province and regency code.
KNOWN = NIK[:4]


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def training():
    return TrainingFactory()


@pytest.fixture
def owner():
    """The person attacked: nothing but the NIK leads to her (her phone shares no
    run of digits with the NIK)."""
    return ParticipantFactory(
        full_name="Rahmawati Owner",
        phone="+6285211114444",
        nik=NIK,
        agency=AgencyFactory(name="Dinas Owner Maros"),
    )


@pytest.fixture
def decoy():
    return ParticipantFactory(
        full_name="Decoy Person",
        phone="+6285233336666",
        nik=DECOY_NIK,
        agency=AgencyFactory(name="Dinas Decoy Maros"),
    )


def normalised(response, *typed: str) -> str:
    """The page without what differs between two requests anyway: one-time tokens
    (CSRF, submission, upload), CSP nonces, and the values the user typed."""
    html = response.content.decode()
    html = re.sub(
        r'(name="(?:csrfmiddlewaretoken|submission_token)"\s+value=")[^"]*', r"\1", html
    )
    html = re.sub(
        r'(value="[^"]*"\s+name="(?:csrfmiddlewaretoken|submission_token)")', "", html
    )
    html = re.sub(r'nonce="[^"]*"', "", html)
    html = re.sub(r"/import/[A-Za-z0-9_\-]{20,}/", "/import/TOKEN/", html)
    for value in sorted(typed, key=len, reverse=True):
        html = html.replace(value, "TYPED")
    return html


def _identity(person: Participant) -> list[str]:
    """What would tell the attacker who holds the NIK (not the agency's name:
    the agency box lists every agency)."""
    return [person.full_name, person.get_absolute_url(), f"#{person.pk}", "5211114444"]


# The enrol search: a part of a NIK
# ------------------------------------------------------------------------------
def _search_pages(client, training, prefix: str) -> dict[str, tuple]:
    """Digit -> (normalised page, people found) for the query ``prefix + digit``."""
    url = reverse("trainings:enrol", args=[training.pk])
    pages = {}
    for digit in "0123456789":
        query = prefix + digit
        response = client.get(url, {"q": query})
        assert response.status_code == HTTPStatus.OK
        people = [p.pk for p in response.context["results"]]
        pages[digit] = (normalised(response, query), people)
    return pages


def test_staff_learn_no_digit_through_the_enrol_search(
    staff_client, training, owner, decoy
):
    for length in range(len(KNOWN), len(NIK)):
        pages = _search_pages(staff_client, training, NIK[:length])
        assert len({page for page, _people in pages.values()}) == 1, length
        assert all(people == [] for _page, people in pages.values())
    page = staff_client.get(
        reverse("trainings:enrol", args=[training.pk]), {"q": NIK}
    ).content.decode()
    assert owner.full_name not in page
    assert "Searching by NIK is for coordinators" in page


def test_the_same_attack_recovers_the_nik_as_a_coordinator(
    coordinator_client, training, owner, decoy
):
    """The attack works where NIK search is allowed: the test above can fail."""
    recovered = KNOWN
    while len(recovered) < len(NIK):
        pages = _search_pages(coordinator_client, training, recovered)
        hits = [d for d, (_page, people) in pages.items() if owner.pk in people]
        assert len({page for page, _people in pages.values()}) > 1
        [digit] = hits
        recovered += digit
    assert recovered == NIK


def test_staff_search_results_ignore_the_nik_part_of_a_query(
    staff_client, coordinator_user, training, owner
):
    """The NIK part of a query is ignored for staff: a NIK gives the results of a
    query without it; her agency still finds her, and a coordinator her NIK."""
    url = reverse("trainings:enrol", args=[training.pk])
    assert list(staff_client.get(url, {"q": NIK}).context["results"]) == []
    by_agency = staff_client.get(url, {"q": "Dinas Owner"}).context["results"]
    assert list(by_agency) == [owner]
    coordinator = login(Client(), coordinator_user)
    assert list(coordinator.get(url, {"q": NIK}).context["results"]) == [owner]


# The new-person form: a whole NIK
# ------------------------------------------------------------------------------
def _new_person(client, training, nik: str, full_name: str = "Tebakan Saja"):
    return client.post(
        reverse("trainings:enrol", args=[training.pk]),
        {
            "role": "participant",
            "full_name": full_name,
            "sex": "P",
            "agency_name": "",
            "agency_type": "other",
            "position": "",
            "village": "",
            "phone": "",
            "nik": nik,
            "email": "",
            "birth_date": "",
            "disability": "not_asked",
        },
    )


def test_staff_are_told_a_nik_is_taken_never_whose_on_the_new_person_form(
    staff_client, training, owner, decoy
):
    theirs = _new_person(staff_client, training, NIK)
    others = _new_person(staff_client, training, DECOY_NIK)
    assert theirs.status_code == others.status_code == HTTPStatus.OK
    assert theirs.context["matches"] == []
    assert "Another participant already has this NIK." in theirs.content.decode()
    assert normalised(theirs, NIK) == normalised(others, DECOY_NIK)
    page = theirs.content.decode()
    assert not [value for value in _identity(owner) if value in page]
    assert Participant.objects.count() == 2


def test_a_coordinator_is_shown_whose_nik_it_is_on_the_new_person_form(
    coordinator_client, training, owner, decoy
):
    theirs = _new_person(coordinator_client, training, NIK)
    others = _new_person(coordinator_client, training, DECOY_NIK)
    assert [m.participant for m in theirs.context["matches"]] == [owner]
    assert owner.full_name in theirs.content.decode()
    assert normalised(theirs, NIK) != normalised(others, DECOY_NIK)


def test_staff_typing_the_name_too_are_shown_the_person(staff_client, training, owner):
    """The name typed leads to her anyway: naming her tells nothing new."""
    response = _new_person(staff_client, training, NIK, full_name=owner.full_name)
    assert [m.participant for m in response.context["matches"]] == [owner]


# The import preview: a whole NIK in a row
# ------------------------------------------------------------------------------
def _preview(client, training, nik: str):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Nama", "L/P", "NIK"])
    workbook.active.append(["Tebakan Saja", "P", nik])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(
        reverse("trainings:import", args=[training.pk]),
        {"file": SimpleUploadedFile("guess.xlsx", buffer.getvalue())},
    )
    assert response.status_code == HTTPStatus.FOUND, response.content[-2000:]
    return client.get(response.url)


def test_staff_import_preview_names_no_one_for_a_nik_alone(
    staff_client, training, owner, decoy
):
    theirs = _preview(staff_client, training, NIK)
    others = _preview(staff_client, training, DECOY_NIK)
    page = theirs.content.decode()
    assert "Another participant already has this NIK." in page
    assert not [value for value in _identity(owner) if value in page]
    assert normalised(theirs, NIK) == normalised(others, DECOY_NIK)
    # Nothing to confirm: the row is a problem, and the owner is not enrolled.
    plan = theirs.context["plan"]
    assert plan.problems and not plan.to_enrol
    response = staff_client.post(theirs.wsgi_request.path, {"confirm": "1"})
    assert response.status_code == HTTPStatus.OK
    assert not Enrolment.objects.filter(participant=owner).exists()


def test_a_coordinator_import_preview_names_the_nik_match(
    coordinator_client, training, owner, decoy
):
    theirs = _preview(coordinator_client, training, NIK)
    others = _preview(coordinator_client, training, DECOY_NIK)
    assert owner.full_name in theirs.content.decode()
    assert normalised(theirs, NIK) != normalised(others, DECOY_NIK)


# The self-registration review: a whole NIK typed in the public form
# ------------------------------------------------------------------------------
def _registration(training, nik: str, phone: str):
    desk, _created = RegistrationDesk.objects.get_or_create(
        training=training, defaults={"is_open": True}
    )
    data = {
        "full_name": "Tebakan Saja",
        "sex": "P",
        "agency_name": "Lain",
        "phone": phone,
    }
    return registration_submit(
        desk=desk, data={**data, "nik": nik}, submission_token=None
    )


def test_staff_review_names_no_one_for_a_nik_alone(
    staff_client, training, owner, decoy
):
    AgencyFactory(name="Lain")  # the agency typed is known: no choice to make
    theirs = _registration(training, NIK, "+6281200000001")
    others = _registration(training, DECOY_NIK, "+6281200000002")
    assert theirs.match == owner and others.match == decoy
    review = reverse("registrations:review", args=[training.pk])
    response = staff_client.get(review)
    page = response.content.decode()
    assert not [value for value in _identity(owner) if value in page]
    # No match for either (found without the NIK); both NIKs are said taken.
    assert [row["match"] for row in response.context["rows"]] == [None, None]
    assert f'data-nik-taken="{theirs.pk}"' in page
    assert f'data-nik-taken="{others.pk}"' in page
    assert response.context["counts"]["match"] == 0
    # Linking, a new person, in bulk: refused alike, naming no one.
    accept = reverse("registrations:accept", args=[training.pk, theirs.pk])
    linked = staff_client.post(accept, {f"r{theirs.pk}-decision": "link"}, follow=True)
    assert not [value for value in _identity(owner) if value in linked.content.decode()]
    told = {}
    for registration in (theirs, others):
        url = reverse("registrations:accept", args=[training.pk, registration.pk])
        new = staff_client.post(url, follow=True)
        told[registration.pk] = [str(m) for m in new.context["messages"]]
        assert not [value for value in _identity(owner) if value in str(told)]
    assert (
        told[theirs.pk]
        == told[others.pk]
        == ["Tebakan Saja: Another participant already has this NIK."]
    )
    bulk = reverse("registrations:accept_bulk", args=[training.pk])
    bulked = staff_client.post(bulk, {"selected": [theirs.pk, others.pk]}, follow=True)
    assert not [value for value in _identity(owner) if value in bulked.content.decode()]
    assert not Enrolment.objects.filter(participant=owner).exists()
    assert Participant.objects.count() == 2


def test_a_coordinator_review_names_the_nik_match(coordinator_client, training, owner):
    _registration(training, NIK, "+6281200000001")
    review = reverse("registrations:review", args=[training.pk])
    page = coordinator_client.get(review).content.decode()
    assert owner.full_name in page
    assert "data-nik-conflict" not in page


# Confirming a guessed NIK for a named person (issue 17, requirement 1)
# ------------------------------------------------------------------------------
#: The attacker types her name and phone (known) with a guessed NIK. Her NIK is
#: ``NIK``; the wrong guess is another registry person's NIK (so both are taken
#: and the page may say only that), and ``FREE_NIK`` a NIK nobody holds.
FREE_NIK = "7309014101900099"


@pytest.fixture
def nurhaeda():
    return ParticipantFactory(
        full_name="Hj. Nurhaeda Rahman, S.Sos",
        phone="+6285255557777",
        nik=NIK,
        agency=AgencyFactory(name="Dinas Nurhaeda Maros"),
    )


def _named_guess(client, training, person, nik: str):
    """The enrol page's new-person form with ``person``'s name and phone and a
    guessed ``nik``, not confirmed as a new person."""
    return client.post(
        reverse("trainings:enrol", args=[training.pk]),
        {
            "role": "participant",
            "full_name": person.full_name,
            "sex": "P",
            "agency_name": "",
            "agency_type": "other",
            "phone": "0852-5555-7777",
            "nik": nik,
            "disability": "not_asked",
            "submission_token": "guess-token",
        },
    )


def _reasons(response) -> list[tuple[int, list[str]]]:
    return [(m.participant.pk, m.reasons) for m in response.context["matches"]]


def test_staff_cannot_confirm_a_named_persons_nik_on_the_enrol_form(
    staff_client, training, nurhaeda, decoy
):
    right = _named_guess(staff_client, training, nurhaeda, NIK)
    wrong = _named_guess(staff_client, training, nurhaeda, DECOY_NIK)
    free = _named_guess(staff_client, training, nurhaeda, FREE_NIK)
    assert right.status_code == wrong.status_code == free.status_code == 200
    # Her name and phone find her, whatever NIK was typed; the NIK is no reason.
    assert _reasons(right) == _reasons(wrong) == _reasons(free)
    assert _reasons(right) == [(nurhaeda.pk, ["phone", "name_elsewhere"])]
    assert "Another participant already has this NIK." in right.content.decode()
    assert normalised(right, NIK) == normalised(wrong, DECOY_NIK)
    assert "same NIK" not in right.content.decode()
    assert Participant.objects.count() == 2


def test_a_coordinator_is_shown_the_nik_match_on_the_enrol_form(
    coordinator_client, training, nurhaeda, decoy
):
    right = _named_guess(coordinator_client, training, nurhaeda, NIK)
    wrong = _named_guess(coordinator_client, training, nurhaeda, DECOY_NIK)
    assert _reasons(right) == [(nurhaeda.pk, ["nik", "phone", "name_elsewhere"])]
    assert nurhaeda.pk not in [pk for pk, _reasons in _reasons(wrong)]
    assert normalised(right, NIK) != normalised(wrong, DECOY_NIK)


def _named_preview(client, training, person, nik: str):
    """The import preview of a CSV with ``person``'s name and phone and ``nik``."""
    csv = f'Nama,L/P,No HP,NIK\n"{person.full_name}",P,085255557777,{nik}\n'
    response = client.post(
        reverse("trainings:import", args=[training.pk]),
        {"file": SimpleUploadedFile("guess.csv", csv.encode(), "text/csv")},
    )
    assert response.status_code == HTTPStatus.FOUND, response.content[-2000:]
    return client.get(response.url)


def _row_summary(response) -> list[tuple]:
    plan = response.context["plan"]
    rows = [
        (p.action, getattr(p.match, "pk", None), p.match_reasons) for p in plan.rows
    ]
    return [*rows, sorted(type(problem).__name__ for problem in plan.problems)]


def test_staff_cannot_confirm_a_named_persons_nik_in_the_import_preview(
    staff_client, training, nurhaeda, decoy
):
    right = _named_preview(staff_client, training, nurhaeda, NIK)
    wrong = _named_preview(staff_client, training, nurhaeda, DECOY_NIK)
    free = _named_preview(staff_client, training, nurhaeda, FREE_NIK)
    assert _row_summary(right) == _row_summary(wrong)
    assert _row_summary(right)[0] == ("match", nurhaeda.pk, ["phone", "name_elsewhere"])
    # A NIK nobody holds: the same row, and nothing to report.
    assert _row_summary(free) == [_row_summary(right)[0], []]
    assert normalised(right, NIK) == normalised(wrong, DECOY_NIK)
    assert "same NIK" not in right.content.decode()


def test_a_coordinator_import_preview_shows_the_nik_match(
    coordinator_client, training, nurhaeda, decoy
):
    right = _named_preview(coordinator_client, training, nurhaeda, NIK)
    wrong = _named_preview(coordinator_client, training, nurhaeda, DECOY_NIK)
    assert _row_summary(right)[0] == (
        "match",
        nurhaeda.pk,
        ["nik", "phone", "name_elsewhere"],
    )
    assert _row_summary(right) != _row_summary(wrong)
    assert normalised(right, NIK) != normalised(wrong, DECOY_NIK)


def _named_registration(training, person, nik: str):
    desk, _created = RegistrationDesk.objects.get_or_create(
        training=training, defaults={"is_open": True}
    )
    data = {"full_name": person.full_name, "sex": "P", "agency_name": "Lain"}
    data = {**data, "phone": "085255557777", "nik": nik}
    return registration_submit(desk=desk, data=data, submission_token=None)


def _review_row(client, training) -> tuple[str, dict, str]:
    """The review page with its one row: normalised (the registration's id, in
    attributes, form prefixes and addresses, made "PK"), the row, the page."""
    page = client.get(reverse("registrations:review", args=[training.pk]))
    [row] = page.context["rows"]
    html = page.content.decode()
    pk = row["registration"].pk
    marks = r'[_"]r|data-(?:registration|accept|reject|nik-taken)="|registrations/'
    marks += r'|name="selected" value="'
    text = re.sub(rf"({marks}){pk}(-|\"|/)", r"\1PK\2", normalised(page))
    return text, row, html


def test_staff_cannot_confirm_a_named_persons_nik_in_the_registration_review(
    staff_client, training, nurhaeda, decoy
):
    guess = _named_registration(training, nurhaeda, NIK)
    right, right_row, right_html = _review_row(staff_client, training)
    guess.delete()
    guess = _named_registration(training, nurhaeda, DECOY_NIK)
    wrong, wrong_row, _html = _review_row(staff_client, training)
    assert right_row["match_reasons"] == wrong_row["match_reasons"]
    assert right_row["match"].participant == wrong_row["match"].participant
    assert right_row["match"].participant == nurhaeda  # her name and phone
    assert "same NIK" not in right_html
    assert right.replace(NIK, "TYPED") == wrong.replace(DECOY_NIK, "TYPED")
    # Linking her is not refused for a NIK that is not hers (that would
    # confirm the right one); her NIK stays hers.
    accept = reverse("registrations:accept", args=[training.pk, guess.pk])
    staff_client.post(accept, {f"r{guess.pk}-decision": "link"})
    guess.refresh_from_db()
    nurhaeda.refresh_from_db()
    assert guess.participant == nurhaeda and nurhaeda.nik == NIK


def test_a_coordinator_registration_review_shows_the_nik_match(
    coordinator_client, training, nurhaeda, decoy
):
    guess = _named_registration(training, nurhaeda, NIK)
    _page, right_row, _html = _review_row(coordinator_client, training)
    guess.delete()
    _named_registration(training, nurhaeda, DECOY_NIK)
    _page, wrong_row, _html = _review_row(coordinator_client, training)
    assert right_row["registration"].match == nurhaeda
    assert wrong_row["registration"].match != nurhaeda
