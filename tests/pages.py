"""What the page tests of the cached lists share: the SQL one request runs, and
a page's HTML from its heading on."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_sql(client, url) -> list[str]:
    """The SQL statements of one GET of ``url`` by ``client``, which must answer
    200."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries]


def from_heading(response) -> str:
    """The page from its heading on (the layout above holds a per-request CSRF
    token, so two views of one page differ there)."""
    html = response.content.decode()
    return html[html.index("<h1") :]
