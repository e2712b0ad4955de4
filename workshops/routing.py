from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path, re_path

from . import consumers


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any other socket path: closed at once with 4404, like a 404 (htmx does not retry 4xxx).

    Without it, URLRouter raises "No route found" and the server logs a traceback per attempt.
    """

    async def connect(self):
        await self.accept()
        await self.close(code=4404)


# The live pages' sockets; each sends whole snapshots of its page's live partial.
websocket_urlpatterns = [
    # The projector's key is in its cookie, never in the socket's URL (which lands in logs).
    path("ws/workshops/<str:code>/projector/", consumers.ProjectorConsumer.as_asgi()),
    path("ws/workshops/<str:code>/run/", consumers.RunConsumer.as_asgi()),
    path("ws/workshops/<str:code>/ideas/", consumers.IdeasConsumer.as_asgi()),
    path("ws/<str:code>/phone/", consumers.PhoneConsumer.as_asgi()),
    re_path(r"", UnknownPathConsumer.as_asgi()),  # last: catches every other path
]
