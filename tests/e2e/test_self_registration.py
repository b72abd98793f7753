"""Self-registration end to end (issue 14, requirement 8): staff open registration
on a training, three people register on 360 px phones (one already in the
registry), staff review them, each phone checks in on day 1 with the code of the
facilitator's screen, and the attendance grid (live), the training page and the
report count the three with the right sex and disability figures."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from participants.models import Participant
from regions.models import Region
from registrations.models import CheckIn, Registration, RegistrationDesk
from setara import roles
from tests.factories import AgencyFactory, ParticipantFactory, UserFactory
from trainings.models import Attendance, Training

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}

#: name, sex, phone typed, WG-SS answers (1 no difficulty .. 4 cannot do at all).
PEOPLE = [
    ("Andi Baso", "L", "0852-9900-1122", {}),  # WG-SS not answered
    ("Sitti Aminah", "P", "0813 5550 1234", {"wg_walking": 3}),  # a lot: disability
    # Already in the registry with this phone, without her titles.
    ("Nurhaeda Rahman", "P", "0812-3456-7890", {"wg_seeing": 1, "wg_hearing": 1}),
]


@pytest.fixture
def phones(browser, live_server):
    """One 360x740 phone (its own browser context) per person in ``PEOPLE``;
    closed at the end, failing the test if one logged an error."""
    errors, contexts = [], []
    for _ in PEOPLE:
        context = browser.new_context(
            base_url=live_server.url, locale="id-ID", viewport=PHONE, is_mobile=True
        )
        contexts.append(context)
        phone = context.new_page()
        phone.set_default_timeout(10_000)
        phone.on(
            "console",
            lambda m, p=phone: (
                errors.append(f"{p.url}: {m.text}") if m.type == "error" else None
            ),
        )
        phone.on("pageerror", lambda error, p=phone: errors.append(f"{p.url}: {error}"))
    yield [context.pages[0] for context in contexts]
    for context in contexts:
        context.close()
    assert errors == [], "a phone's browser logged errors"


@pytest.fixture
def grid_page(browser, live_server):
    """A second staff window, for the attendance grid."""
    context = browser.new_context(base_url=live_server.url, locale="id-ID")
    yield context.new_page()
    context.close()


def _fits_the_screen(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _register(phone, link, name, sex, number, answers):
    phone.goto(link)
    assert _fits_the_screen(phone)
    phone.fill("#id_full_name", name)
    phone.check(f"input[name=sex][value={sex}]")
    phone.fill("#id_agency_name", "Dinas Sosial Kabupaten Maros")
    phone.fill("#id_phone", number)
    for field, value in answers.items():
        phone.check(f"input[name={field}][value='{value}']")
    phone.check("input[name=consent]")
    phone.locator("form button[type=submit]").last.click()
    phone.wait_for_url("**/thanks/**")
    text = phone.locator("main").inner_text()
    assert name not in text and number not in text  # nothing shown back


def _table(page, key) -> list[list[str]]:
    """The numbers of the report table ``data-table=<key>``, row by row."""
    rows = page.locator(f"[data-table={key}] tbody tr")
    assert rows.count(), f"the report has no table data-table={key}"
    return [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in rows.all()
    ]


def _check_in(phone, url, number):
    phone.goto(url)
    assert _fits_the_screen(phone)
    if phone.locator("input[name=phone]").count():
        phone.fill("input[name=phone]", number)
    phone.locator("form[data-checkin-form] button[type=submit]").click()
    expect(phone.locator("[data-checkin-result=created]")).to_be_visible()
    assert number not in phone.locator("main").inner_text()


def test_register_review_check_in_and_count(
    live_server, page, login, phones, grid_page
):
    maros = Region.objects.get(code="73.09")  # WITA, seeded
    today = timezone.localtime(timezone.now(), ZoneInfo("Asia/Makassar")).date()
    training = Training.objects.create(
        title="Pelatihan Pencegahan Kekerasan terhadap Anak",
        region=maros,
        venue="Aula Kantor Bupati Maros",
        start_date=today,
        end_date=today + datetime.timedelta(days=1),
    )
    AgencyFactory(name="Dinas Sosial Kabupaten Maros", region=maros)
    existing = ParticipantFactory(
        full_name="Hj. Nurhaeda Rahman, S.Sos", sex="P", phone="+6281234567890"
    )
    UserFactory(username="officer", role=roles.PROGRAMME_STAFF)

    # 1. Staff open registration on the training page and read the link.
    login("officer")
    page.goto(f"/trainings/{training.pk}/")
    page.locator("form[data-registration-toggle] button[value=open]").click()
    link = page.locator("[data-registration-link]").get_attribute("href")
    desk = RegistrationDesk.objects.get(training=training)
    assert desk.is_open and link == f"{live_server.url}/r/{desk.token}/"

    # 2. Three people register, each on their own phone.
    for phone, (name, sex, number, answers) in zip(phones, PEOPLE, strict=True):
        _register(phone, link, name, sex, number, answers)
    assert Registration.objects.filter(training=training).count() == 3
    nurhaeda = Registration.objects.get(full_name="Nurhaeda Rahman")
    assert nurhaeda.match == existing

    # 3. Staff review: accept the two new people together, link the third.
    page.goto(f"/trainings/{training.pk}/registrations/")
    for registration in Registration.objects.exclude(pk=nurhaeda.pk):
        page.check(f"input[name=selected][value='{registration.pk}']")
    page.locator("#bulk-accept button[type=submit]").click()
    page.wait_for_load_state()
    row = page.locator(f"form[data-accept='{nurhaeda.pk}']")
    row.locator("input[value=link]").check()
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert Registration.objects.accepted().count() == 3
    assert Participant.objects.count() == 3  # the match was linked, not copied
    assert training.enrolments.count() == 3

    # 4. The attendance grid is open while people check in (live ticks).
    grid_page.context.add_cookies(page.context.cookies())
    grid_page.goto(f"/trainings/{training.pk}/attendance/")
    assert grid_page.locator("#attendance-form input:checked").count() == 0

    # 5. The facilitator's screen shows today's code and its QR code's link.
    page.goto(f"/trainings/{training.pk}/registrations/check-in-screen/")
    code = page.locator("[data-checkin-code]").inner_text().strip()
    assert len(code) == 6 and code.isdigit()
    assert (
        page.locator("img.js-checkin-qr")
        .get_attribute("src")
        .startswith("data:image/svg+xml")
    )
    checkin_url = page.locator(".js-checkin-url").get_attribute("href")
    assert checkin_url.endswith(f"/r/{desk.token}/check-in/?code={code}")
    page.goto(f"/trainings/{training.pk}/")  # stop the screen's polling

    # 6. Each checks in on day 1: two from the phone they registered with (its
    # cookie), the third from a phone without it (the number they registered).
    phones[2].context.clear_cookies()
    for phone, (_name, _sex, number, _answers) in zip(phones, PEOPLE, strict=True):
        _check_in(phone, checkin_url, number)
    methods = CheckIn.objects.filter(date=today).values_list("method", flat=True)
    assert sorted(methods) == ["code", "device", "device"]

    # 7. The grid ticks the three without a reload and says so.
    expect(grid_page.locator("#attendance-form input:checked")).to_have_count(
        3, timeout=25_000
    )
    expect(grid_page.locator(".js-attendance-live")).to_contain_text("3")
    grid_page.goto("about:blank")  # stop its polling
    present = Attendance.objects.filter(enrolment__training=training, present=True)
    assert present.filter(date=today).count() == 3

    # The facilitator's screen refreshes itself (its script asks for the state).
    page.goto(f"/trainings/{training.pk}/registrations/check-in-screen/")
    page.locator(".js-checkin-count").evaluate("element => element.textContent = '?'")
    expect(page.locator(".js-checkin-count")).to_have_text("3", timeout=5_000)

    # 8. The training page and the report count them.
    page.goto(f"/trainings/{training.pk}/")
    assert page.locator("[data-stat=total]").inner_text().strip() == "3"
    assert page.locator("[data-stat=male]").inner_text().strip() == "1"
    assert page.locator("[data-stat=female]").inner_text().strip() == "2"
    day_1 = page.locator("tr[data-day='1'] [data-stat=day-total]")
    assert day_1.inner_text().strip() == "3"
    page.goto("/trainings/report/")
    # Per sex (L, P, not recorded, total): yes, no, not asked, total persons;
    # the recorded disability (taken from the WG-SS answers on accepting) and
    # the WG-SS disaggregation itself agree.
    for key in ("disability", "wg"):
        rows = _table(page, key)
        assert rows[0] == ["0", "0", "1", "1"], key  # Andi: not asked
        assert rows[1] == ["1", "1", "0", "2"], key  # Sitti: yes; Nurhaeda: no
        assert rows[-1] == ["1", "1", "1", "3"], key
