"""Static files from the app server: WhiteNoise where the chain is sync (today everywhere).

ServeStatic's middleware is async-only and WhiteNoise's sync-only; this picks the one that fits
the chain. With `dotvote.middleware.OneThreadHop` innermost the chain is sync everywhere (one
thread hop per request under ASGI), so WhiteNoise serves; ServeStatic serves if the chain is ever
made async again. A sync chain needs no event loop (a sync caller may already sit inside one, as
Playwright's does in the tests). Behind nginx (deploy/) static files never reach the workers.
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
