"""Static files from the app server: ServeStatic under ASGI, WhiteNoise where the chain is sync.

ServeStatic's middleware is async-only and WhiteNoise's sync-only. Under daphne the chain is
async throughout, so ServeStatic serves there and no request pays a thread hop around a sync
middleware. Django's test client and a WSGI server run the chain sync: WhiteNoise serves there,
so that they need no event loop (a sync caller may already sit inside one, as Playwright's does).
Both read the same hashed, compressed files (one ManifestStaticFilesStorage).
"""

from asgiref.sync import iscoroutinefunction
from django.utils.decorators import sync_and_async_middleware


@sync_and_async_middleware
def StaticFilesMiddleware(get_response):
    if iscoroutinefunction(get_response):
        from servestatic.middleware import ServeStaticMiddleware

        return ServeStaticMiddleware(get_response)
    from whitenoise.middleware import WhiteNoiseMiddleware

    return WhiteNoiseMiddleware(get_response)
