"""Project-wide middleware."""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, TooManyFieldsSent
from django.http import Http404
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.defaults import bad_request, page_not_found


class IndonesianFirstLocaleMiddleware(LocaleMiddleware):
    """Speak Indonesian unless the user chose another language with the switch.

    Django's LocaleMiddleware follows the browser's Accept-Language header, so a
    laptop set up in English would show the English interface; programme staff
    expect Indonesian (the product's default) and switch deliberately. The choice
    of the language switch (``set_language``) is kept in the language cookie.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


#: A query value (or name) longer than this is refused: no filter or search of the
#: app needs more, and a picker's region code or a search term is far shorter.
MAX_QUERY_VALUE_LENGTH = 1000
#: More query values than this are refused (every list page takes a handful).
MAX_QUERY_VALUES = 100


def query_is_usable(request) -> bool:
    """False when a query name or value holds a NUL (PostgreSQL cannot store or
    compare one: the query would fail with a server error), when a name or value
    is longer than ``MAX_QUERY_VALUE_LENGTH`` characters, or when there are more
    than ``MAX_QUERY_VALUES`` values (or more than Django's
    ``DATA_UPLOAD_MAX_NUMBER_FIELDS``, which it refuses itself)."""
    try:
        query = list(request.GET.lists())
    except TooManyFieldsSent:
        return False
    if sum(len(values) for _, values in query) > MAX_QUERY_VALUES:
        return False
    return not any(
        "\x00" in text or len(text) > MAX_QUERY_VALUE_LENGTH
        for name, values in query
        for text in (name, *values)
    )


class QueryGuardMiddleware:
    """Answer 400 (the 400.html page) to a request whose query string cannot be
    used (``query_is_usable``), and 404 to a path with a NUL (no page has one),
    before any view sees them, so a NUL or an overlong value never reaches a
    query or a form. Values of the wrong type (a word where a number goes) are
    the views' and filters' business: they answer 400 or an empty list."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            return page_not_found(request, Http404())
        if not query_is_usable(request):
            return bad_request(request, SuspiciousOperation("unusable query"))
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every response it sees, added to
    what the view set (never loosening it: a "public" goes, other directives stay).

    Pages and downloads hold personal data (names, phones, NIK), and even the
    public registration pages show a name; no browser or proxy cache should keep
    any of them. It sits below WhiteNoise in ``MIDDLEWARE``, so static files,
    which WhiteNoise answers before it, keep their long caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
