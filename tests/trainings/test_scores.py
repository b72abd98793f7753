"""Pre-test and post-test scores: reading them, ``scores_save``, the score grid
page, and the training form's maximum and pass mark (``trainings.scores``)."""

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.auth import login
from tests.factories import (
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
    UserFactory,
)
from trainings.models import Enrolment, Training
from trainings.scores import format_score, parse_score, scores_save

pytestmark = pytest.mark.django_db

HUNDRED = Decimal(100)


@pytest.fixture(autouse=True)
def english(client):
    """Messages and numbers in English, in the tests and in the pages."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _enrol(training, names, **kwargs):
    """Participants named ``names`` enrolled in ``training``, in name order."""
    return [
        EnrolmentFactory(
            training=training, participant=ParticipantFactory(full_name=name), **kwargs
        )
        for name in names
    ]


def _url(training):
    return reverse("trainings:scores", args=[training.pk])


def _scores(enrolment):
    enrolment.refresh_from_db()
    return enrolment.pre_score, enrolment.post_score


# Reading a score ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "score"),
    [
        ("75", Decimal("75")),
        ("75,5", Decimal("75.5")),
        ("75.5", Decimal("75.5")),
        (" 80 ", Decimal("80")),
        ("0", Decimal("0")),
        ("100", Decimal("100")),
        ("100,00", Decimal("100")),
        (",5", Decimal("0.5")),
        ("66,666", Decimal("66.67")),  # two decimals, rounded half up
        (75.5, Decimal("75.5")),  # a number cell
        (80, Decimal("80")),
        (Decimal("12.345"), Decimal("12.35")),
        ("", None),
        ("  ", None),
        ("-", None),  # a dash: no score
        (None, None),
    ],
)
def test_a_score_is_read_as_people_write_it(typed, score):
    assert parse_score(typed, maximum=HUNDRED) == score


@pytest.mark.parametrize(
    "typed", ["abc", "75%", "1.000,5", "-5", "1e2", "7 5", "nan", float("nan"), True]
)
def test_what_is_not_a_number_is_refused_naming_the_range(typed):
    with pytest.raises(ValidationError) as caught:
        parse_score(typed, maximum=HUNDRED)
    assert caught.value.code == "score_invalid"
    assert "from 0 to 100" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "maximum", "shown"),
    [("100,5", HUNDRED, "0 to 100"), ("60", Decimal(50), "0 to 50")],
)
def test_a_score_above_the_maximum_is_refused_naming_the_range(typed, maximum, shown):
    with pytest.raises(ValidationError) as caught:
        parse_score(typed, maximum=maximum)
    assert caught.value.code == "score_range"
    assert caught.value.messages == [f"The score must be from {shown}."]


def test_a_score_is_shown_with_the_languages_decimal_mark():
    assert format_score(Decimal("75.50")) == "75.5"
    assert format_score(Decimal("100.00")) == "100"
    assert format_score(None) == ""
    with translation.override("id"):
        assert format_score(Decimal("75.50")) == "75,5"
        assert format_score(Decimal("37.25")) == "37,25"


# scores_save ---------------------------------------------------------------------


@pytest.fixture
def training():
    return TrainingFactory()


@pytest.fixture
def people(training):
    """Three participants: No. 1 Andi, No. 2 Budi, No. 3 Citra."""
    return _enrol(training, ["Citra", "Andi", "Budi"])


def test_scores_are_saved_with_history_naming_the_user(training, people):
    user = UserFactory()
    citra, andi, _budi = people
    changed = scores_save(
        training=training,
        changes={
            andi.pk: {"pre_score": "60", "post_score": "85,5"},
            citra.pk: {"post_score": Decimal(90)},
        },
        user=user,
    )
    assert changed == 2
    assert _scores(andi) == (Decimal(60), Decimal("85.5"))
    assert _scores(citra) == (None, Decimal(90))
    latest = andi.history.first()
    assert latest.history_user == user
    assert latest.post_score == Decimal("85.5")


def test_saving_the_same_scores_twice_changes_nothing_the_second_time(training, people):
    andi = people[1]
    changes = {andi.pk: {"pre_score": "60", "post_score": "80"}}
    assert scores_save(training=training, changes=changes) == 1
    history = andi.history.count()
    assert scores_save(training=training, changes=changes) == 0
    assert andi.history.count() == history


def test_an_empty_value_clears_a_score(training, people):
    andi = people[1]
    Enrolment.objects.filter(pk=andi.pk).update(pre_score=50, post_score=70)
    scores_save(training=training, changes={andi.pk: {"pre_score": ""}})
    assert _scores(andi) == (None, Decimal(70))


def test_a_bad_score_names_the_row_and_test_and_saves_nothing(training, people):
    citra, andi, budi = people
    with pytest.raises(ValidationError) as caught:
        scores_save(
            training=training,
            changes={
                andi.pk: {"pre_score": "60"},  # fine, but not saved either
                budi.pk: {"post_score": "120"},
                citra.pk: {"pre_score": "banyak"},
            },
        )
    assert caught.value.messages == [
        "No. 2 (Budi), post-test: The score must be from 0 to 100.",
        "No. 3 (Citra), pre-test: Write the score as a number from 0 to 100, "
        "such as 75 or 75,5.",
    ]
    assert Enrolment.objects.exclude(pre_score=None).count() == 0
    assert Enrolment.objects.exclude(post_score=None).count() == 0


def test_the_training_maximum_applies(people):
    training = people[0].training
    Training.objects.filter(pk=training.pk).update(test_max_score=20)
    training.refresh_from_db()
    andi = people[1]
    with pytest.raises(ValidationError, match="from 0 to 20"):
        scores_save(training=training, changes={andi.pk: {"post_score": "25"}})
    scores_save(training=training, changes={andi.pk: {"post_score": "17,5"}})
    assert _scores(andi) == (None, Decimal("17.5"))


def test_enrolments_of_another_training_are_refused(training, people):
    other = EnrolmentFactory()
    with pytest.raises(ValidationError, match=f"#{other.pk} is not a participant"):
        scores_save(
            training=training,
            changes={people[0].pk: {"pre_score": "50"}, other.pk: {"pre_score": "50"}},
        )
    assert _scores(other) == (None, None)
    assert _scores(people[0]) == (None, None)


def test_facilitators_are_refused(training, people):
    facilitator = EnrolmentFactory(training=training, role=Enrolment.Role.FACILITATOR)
    with pytest.raises(ValidationError, match="not a participant"):
        scores_save(training=training, changes={facilitator.pk: {"pre_score": "50"}})
    assert _scores(facilitator) == (None, None)


# The grid page -------------------------------------------------------------------


def test_the_grid_lists_participants_in_order_with_maximum_and_pass_mark(
    staff_client, training, people
):
    Training.objects.filter(pk=training.pk).update(
        test_max_score=Decimal("50"), test_pass_mark=Decimal("37.5")
    )
    EnrolmentFactory(
        training=training,
        role=Enrolment.Role.FACILITATOR,
        participant=ParticipantFactory(full_name="Fasilitator Satu"),
    )
    response = staff_client.get(_url(training))
    assert response.status_code == 200
    page = response.content.decode()
    rows = response.context["rows"]
    assert [(r["number"], r["enrolment"].participant.full_name) for r in rows] == [
        (1, "Andi"),
        (2, "Budi"),
        (3, "Citra"),
    ]
    assert "Fasilitator Satu" not in page
    assert "data-score-maximum>50<" in page
    assert "data-pass-mark>37.5<" in page
    assert reverse("trainings:update", args=[training.pk]) in page
    andi = people[1]
    assert f'name="pre_{andi.pk}"' in page
    assert 'inputmode="decimal"' in page
    assert 'tabindex="0"' in page


def test_the_grid_saves_typed_scores_in_one_post(staff_client, staff_user, people):
    citra, andi, budi = people
    training = andi.training
    response = staff_client.post(
        _url(training),
        {
            f"pre_{andi.pk}": "60",
            f"post_{andi.pk}": "85,5",
            f"pre_{budi.pk}": "",
            f"post_{budi.pk}": "70.25",
            f"pre_{citra.pk}": "",
            f"post_{citra.pk}": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _url(training)
    assert _scores(andi) == (Decimal(60), Decimal("85.5"))
    assert _scores(budi) == (None, Decimal("70.25"))
    assert _scores(citra) == (None, None)
    assert andi.history.first().history_user == staff_user
    page = staff_client.get(_url(training)).content.decode()
    assert "Scores saved for 2 participants." in page
    assert f'name="post_{andi.pk}" value="85.5"' in page


def test_a_bad_box_shows_the_grid_again_and_saves_nothing(staff_client, people):
    citra, andi, budi = people
    training = andi.training
    data = {
        f"pre_{andi.pk}": "60",
        f"post_{andi.pk}": "80",
        f"pre_{budi.pk}": "55",
        f"post_{budi.pk}": "150",
        f"pre_{citra.pk}": "lima",
        f"post_{citra.pk}": "",
    }
    response = staff_client.post(_url(training), data)
    assert response.status_code == 200
    assert all(_scores(e) == (None, None) for e in people)
    page = response.content.decode()
    # Every value as typed, the errors next to their boxes and at the top.
    assert f'name="pre_{andi.pk}" value="60"' in page
    assert f'name="post_{budi.pk}" value="150"' in page
    assert f'name="pre_{citra.pk}" value="lima"' in page
    assert f'id="id_post_{budi.pk}_error"' in page
    assert f'aria-describedby="id_post_{budi.pk}_error"' in page
    assert 'id="score-errors"' in page
    summary = response.context["form"].error_summary()
    assert [(item["row"], str(item["test"])) for item in summary] == [
        ("No. 2 (Budi)", "post-test"),
        ("No. 3 (Citra)", "pre-test"),
    ]
    assert f'href="#id_post_{budi.pk}"' in page


def test_indonesian_pages_show_and_read_the_decimal_comma(staff_client, people):
    andi = people[1]
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    staff_client.post(_url(andi.training), {f"pre_{andi.pk}": "75,5"})
    assert _scores(andi) == (Decimal("75.5"), None)
    page = staff_client.get(_url(andi.training)).content.decode()
    assert f'name="pre_{andi.pk}" value="75,5"' in page
    # The value shown is the one the page compares with: saving it again is no change.
    response = staff_client.post(
        _url(andi.training),
        {f"pre_{andi.pk}": "75,5", f"initial-pre_{andi.pk}": "75,5"},
    )
    assert response.status_code == 302
    assert andi.history.count() == 2  # created, then the one change


def test_a_box_left_alone_keeps_what_someone_saved_meanwhile(staff_client, people):
    andi = people[1]
    training = andi.training
    # The page was opened with no scores; someone else then saved Andi's pre-test.
    Enrolment.objects.filter(pk=andi.pk).update(pre_score=40)
    staff_client.post(
        _url(training),
        {
            f"pre_{andi.pk}": "",
            f"initial-pre_{andi.pk}": "",
            f"post_{andi.pk}": "90",
            f"initial-post_{andi.pk}": "",
        },
    )
    assert _scores(andi) == (Decimal(40), Decimal(90))


def test_saving_the_grid_twice_is_harmless(staff_client, people):
    andi = people[1]
    training = andi.training
    data = {f"pre_{andi.pk}": "60", f"initial-pre_{andi.pk}": ""}
    staff_client.post(_url(training), data)
    history = andi.history.count()
    response = staff_client.post(_url(training), data, follow=True)
    assert _scores(andi) == (Decimal(60), None)
    assert andi.history.count() == history
    assert "Scores saved; nothing had changed." in response.content.decode()


def test_boxes_of_another_training_in_the_post_are_ignored(staff_client, people):
    other = EnrolmentFactory()
    andi = people[1]
    staff_client.post(
        _url(andi.training),
        {f"pre_{other.pk}": "99", f"pre_{andi.pk}": "50"},
    )
    assert _scores(other) == (None, None)
    assert _scores(andi) == (Decimal(50), None)


def test_without_change_enrolment_the_grid_is_refused(client, people):
    andi = people[1]
    user = UserFactory(username="reader")
    user.groups.clear()
    user.user_permissions.add(Permission.objects.get(codename="view_training"))
    login(client, user)
    assert client.get(_url(andi.training)).status_code == 403
    assert client.post(_url(andi.training), {f"pre_{andi.pk}": "50"}).status_code == (
        403
    )
    assert _scores(andi) == (None, None)
    detail = client.get(andi.training.get_absolute_url()).content.decode()
    assert _url(andi.training) not in detail


def test_the_training_page_links_to_the_grid(staff_client, training):
    page = staff_client.get(training.get_absolute_url()).content.decode()
    assert f'href="{_url(training)}"' in page


def test_an_empty_training_says_whom_to_enrol(staff_client, training):
    page = staff_client.get(_url(training)).content.decode()
    assert "Nobody is enrolled as a participant yet." in page


def _grid_queries(client, training) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(training)).status_code == 200
    return len(queries)


def test_the_grid_runs_the_same_queries_for_3_or_30_people(
    staff_client, django_assert_num_queries
):
    small, large = TrainingFactory(), TrainingFactory()
    _enrol(small, [f"Peserta {i}" for i in range(3)])
    _enrol(large, [f"Peserta {i}" for i in range(30)])
    _grid_queries(staff_client, small)  # the session and permissions cached
    expected = _grid_queries(staff_client, small)
    with django_assert_num_queries(expected):
        staff_client.get(_url(large))


def test_the_grid_works_on_the_maros_demo(staff_client):
    call_command("load_demo", stdout=io.StringIO())
    training = Training.objects.get()
    response = staff_client.get(_url(training))
    assert len(response.context["rows"]) == 19
    first = response.context["rows"][0]["enrolment"]
    response = staff_client.post(_url(training), {f"post_{first.pk}": "80"})
    assert response.status_code == 302
    assert _scores(first) == (None, Decimal(80))


# The training form: maximum and pass mark -----------------------------------------


def _training_data(training, **scores):
    return {
        "title": training.title,
        "region": training.region_id,
        "start_date": training.start_date.isoformat(),
        "end_date": training.end_date.isoformat(),
        "venue": training.venue,
        **scores,
    }


def _update(client, training, **scores):
    url = reverse("trainings:update", args=[training.pk])
    return client.post(url, _training_data(training, **scores))


def test_the_form_takes_a_maximum_and_pass_mark_with_a_decimal_comma(
    staff_client, training
):
    response = _update(
        staff_client, training, test_max_score="40", test_pass_mark="27,5"
    )
    assert response.status_code == 302
    training.refresh_from_db()
    assert (training.test_max_score, training.test_pass_mark) == (40, Decimal("27.5"))
    page = staff_client.get(
        reverse("trainings:update", args=[training.pk])
    ).content.decode()
    assert 'name="test_pass_mark" value="27.5"' in page
    assert 'inputmode="decimal"' in page


@pytest.mark.parametrize(
    ("scores", "field", "message"),
    [
        (
            {"test_max_score": "50", "test_pass_mark": "60"},
            "test_pass_mark",
            "The pass mark cannot be above the maximum score (50).",
        ),
        # An empty maximum is 100.
        (
            {"test_pass_mark": "120"},
            "test_pass_mark",
            "The pass mark cannot be above the maximum score (100).",
        ),
        ({"test_max_score": "0"}, "test_max_score", "must be more than 0"),
        ({"test_max_score": "abc"}, "test_max_score", "Write the score as a number"),
    ],
)
def test_the_form_refuses_bad_settings_next_to_the_field(
    staff_client, training, scores, field, message
):
    response = _update(staff_client, training, **scores)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert "__all__" not in errors
    training.refresh_from_db()
    assert training.test_max_score is None
    assert training.test_pass_mark is None


def test_the_maximum_cannot_go_below_a_recorded_score(staff_client, people):
    andi = people[1]
    training = andi.training
    Enrolment.objects.filter(pk=andi.pk).update(post_score=Decimal("85.5"))
    response = _update(staff_client, training, test_max_score="80")
    assert "Scores up to 85.5 are already recorded" in " ".join(
        response.context["form"].errors["test_max_score"]
    )
    assert _update(staff_client, training, test_max_score="90").status_code == 302
