"""Project-wide middleware."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
