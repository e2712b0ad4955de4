"""One POST view: one locked read and one write, in one transaction."""

from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from django.urls import path

from .models import Counter


def bump(request, n: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    with transaction.atomic():  # IMMEDIATE on SQLite: the write lock is taken at BEGIN
        row = Counter.objects.select_for_update().get(pk=n)  # FOR UPDATE on PostgreSQL
        row.value += 1
        row.save(update_fields=["value"])
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bare/<int:n>/", bump)]
