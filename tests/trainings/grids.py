"""What the tests of the paged grids (attendance and scores) share: people named
in name order, and a grid's address with its page and search."""

from django.urls import reverse

from tests.factories import EnrolmentFactory, ParticipantFactory


def enrol_named(training, count: int, prefix: str = "Peserta") -> list:
    """``count`` enrolments in ``training`` of people named "<prefix> 000",
    "<prefix> 001"…, so that name order is creation order."""
    return [
        EnrolmentFactory(
            training=training,
            participant=ParticipantFactory(full_name=f"{prefix} {number:03d}"),
        )
        for number in range(count)
    ]


def grid_url(url_name: str, training, **query) -> str:
    """The address of the grid ``url_name`` of ``training`` with ``query``
    (``page=2``, ``q=…``) written as given."""
    url = reverse(url_name, args=[training.pk])
    params = "&".join(f"{name}={value}" for name, value in query.items())
    return f"{url}?{params}" if params else url
