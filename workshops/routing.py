from django.urls import path

from . import consumers

# The live pages' sockets; each sends whole snapshots of its page's live partial.
websocket_urlpatterns = [
    path("ws/workshops/<str:code>/projector/<str:key>/", consumers.ProjectorConsumer.as_asgi()),
]
