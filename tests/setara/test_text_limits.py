"""A title, name or any text over its limit is refused with a message saying the
limit, never cut: no ``maxlength`` on the inputs (a browser cuts pasted text at
``maxlength`` without a word), and the server's check names the limit."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from participants.forms import ParticipantForm
from registrations.models import Registration, RegistrationDesk
from setara.fields import MultiLineFormField, SingleLineFormField
from tests.factories import RegencyFactory, TopicFactory, TrainingFactory
from trainings.forms import TrainingForm
from trainings.models import Training

pytestmark = pytest.mark.django_db

MAXLENGTH = re.compile(r"<(?:input|textarea)[^>]*maxlength", re.IGNORECASE)


def test_the_text_fields_put_no_maxlength_on_their_inputs():
    for field in (
        SingleLineFormField(max_length=10),
        MultiLineFormField(max_length=10),
    ):
        assert "maxlength" not in field.widget_attrs(field.widget)
        assert field.max_length == 10  # still checked by the server


@pytest.mark.parametrize(
    "form",
    [
        lambda: TrainingForm(),
        lambda: ParticipantForm(),
    ],
)
def test_app_forms_render_without_maxlength(form):
    # The NIK box keeps a generous maxlength (40 for 16 digits, with spaces);
    # an e-mail address is at most 254 characters by its standard.
    html = re.sub(r'<input[^>]*name="(nik|email)"[^>]*>', "", str(form()))
    assert not MAXLENGTH.search(html), html


class TestTrainingTitle:
    def _data(self, title):
        return {
            "title": title,
            "topics": [TopicFactory(code="kbgo", name="KBGO").pk],
            "start_date": "2024-03-05",
            "end_date": "2024-03-06",
            "region": RegencyFactory().pk,
            "venue": "Aula Desa",
        }

    def test_a_title_over_300_characters_is_refused_with_the_limit(self, staff_client):
        staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = staff_client.get(reverse("trainings:create")).content.decode()
        title_input = re.search(r'<input[^>]*name="title"[^>]*>', page).group(0)
        assert "maxlength" not in title_input
        title = "Pelatihan Pencegahan dan Penanganan " * 9  # 315 characters
        response = staff_client.post(
            reverse("trainings:create"), self._data(title.strip())
        )
        assert response.status_code == HTTPStatus.OK
        [message] = response.context["form"].errors["title"]
        assert "300" in message and str(len(title.strip())) in message
        assert not Training.objects.exists()  # not saved, not cut

    def test_a_title_of_exactly_300_characters_is_kept_whole(self, staff_client):
        title = ("Pelatihan " * 30)[:299] + "X"
        staff_client.post(reverse("trainings:create"), self._data(title))
        assert Training.objects.get().title == title


class TestPublicRegistration:
    @pytest.fixture(autouse=True)
    def _fresh_rate_limits(self):
        cache.clear()
        yield
        cache.clear()

    def test_a_long_name_is_refused_not_cut(self, client):
        start = timezone.localdate() + datetime.timedelta(days=7)
        desk = RegistrationDesk.objects.create(
            training=TrainingFactory(start_date=start), is_open=True
        )
        url = reverse("registrations:register", args=[desk.token])
        html = client.get(url).content.decode()
        assert not MAXLENGTH.search(
            re.sub(r'<input[^>]*name="(phone|nik|website)"[^>]*>', "", html)
        )
        token = re.search(r'name="submission_token" value="([^"]+)"', html).group(1)
        name = "Andi " * 41  # 205 characters
        response = client.post(
            url,
            {
                "submission_token": token,
                "full_name": name,
                "sex": "P",
                "agency_name": "Dinas Sosial Uji",
                "phone": "0813 5550 1234",
                "consent": "on",
            },
        )
        assert response.status_code == HTTPStatus.OK
        assert "200" in response.content.decode()
        assert not Registration.objects.exists()
