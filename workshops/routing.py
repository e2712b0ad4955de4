from django.urls import path  # noqa: F401

# The live pages' consumers (projector, run screen, participant waiting screen) go here.
websocket_urlpatterns: list = []
