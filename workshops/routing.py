from django.urls import path

from . import consumers

# The live pages' sockets; each sends whole snapshots of its page's live partial.
websocket_urlpatterns = [
    # The projector's key is in its cookie, never in the socket's URL (which lands in logs).
    path("ws/workshops/<str:code>/projector/", consumers.ProjectorConsumer.as_asgi()),
    path("ws/workshops/<str:code>/run/", consumers.RunConsumer.as_asgi()),
    path("ws/<str:code>/waiting/", consumers.WaitingConsumer.as_asgi()),
]
