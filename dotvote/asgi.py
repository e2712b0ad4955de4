import asyncio
import gc
import os
from urllib.parse import urlsplit

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dotvote.settings")
# Django must be set up before the consumers (and so the models) are imported.
django_asgi_app = get_asgi_application()

# A hall's thousand open phone sockets are some 120,000 long-lived objects, and every full pass of
# the cyclic garbage collector walks them all: with the default thresholds the votes' short-lived
# objects set one off every few seconds, which made each vote ~15 % dearer with 1,000 phones
# connected (bench/phones.py). A larger first generation lets a request's objects die young
# instead of being promoted, so the full passes stay rare. Only the server processes are tuned.
gc.set_threshold(10_000, 10, 10)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from workshops import live  # noqa: E402
from workshops.routing import websocket_urlpatterns  # noqa: E402


class SameOriginValidator:
    """Refuse a socket opened by a page of another site (close code 4403).

    ALLOWED_HOSTS is "*" by default (a laptop's LAN address is not known in advance), so
    AllowedHostsOriginValidator alone lets any web page's script connect. A browser always
    sends Origin, and it must name the host the socket was opened to (or a trusted origin).
    Without an Origin it is not a browser, which cannot be tricked into using someone's session.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", []))
        origin = headers.get(b"origin", b"").decode("latin-1")
        host = headers.get(b"host", b"").decode("latin-1").lower()
        if origin and not (
            urlsplit(origin).netloc.lower() == host or origin in settings.CSRF_TRUSTED_ORIGINS
        ):
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": 4403})
            return None
        return await self.app(scope, receive, send)


router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)


# At most this many HTTP requests inside Django at once; the rest wait on the event loop, where
# waiting costs nothing. Each request runs in a thread of its own, and with hundreds of them
# runnable in a burst, the projector's snapshot (one more thread) got a few hundredths of the
# interpreter and fell seconds behind (bench/README.md). Sockets are not counted: they stay open.
HTTP_AT_ONCE = settings.HTTP_REQUESTS_AT_ONCE
_http_slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


async def application(scope, receive, send):
    """The router, once it has told workshops.live which loop serves the live pages' sockets."""
    loop = asyncio.get_running_loop()
    live.serve_from(loop)
    if scope["type"] != "http":
        return await router(scope, receive, send)
    slots = _http_slots.get(loop)
    if slots is None:
        slots = _http_slots[loop] = asyncio.Semaphore(HTTP_AT_ONCE)
    async with slots:
        return await router(scope, receive, send)
