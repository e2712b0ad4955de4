from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .access import page_language


class LanguageMiddleware(LocaleMiddleware):
    """Finnish unless the person picked another language with the switcher (access.page_language).

    A participant page may switch to the workshop's language itself.
    """

    def process_request(self, request):
        translation.activate(page_language(request.COOKIES))
        request.LANGUAGE_CODE = translation.get_language()
