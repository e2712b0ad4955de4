from django.urls import path

from . import consumers

# The live pages' sockets; each sends whole snapshots of its page's live partial.
websocket_urlpatterns = [
    path("ws/workshops/<str:code>/projector/<str:key>/", consumers.ProjectorConsumer.as_asgi()),
    path("ws/workshops/<str:code>/run/", consumers.RunConsumer.as_asgi()),
    path("ws/<str:code>/phone/", consumers.PhoneConsumer.as_asgi()),
]
