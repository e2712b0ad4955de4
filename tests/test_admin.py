import pytest
from django.contrib import admin
from django.urls import reverse

from workshops.models import Answer, Note, Participant, Signature, Statement, Workshop

pytestmark = pytest.mark.django_db


def test_the_admin_lists_every_model_and_finds_a_workshop_by_join_code(client, admin_user, workshop, owner):
    for model in [Workshop, Statement, Participant, Signature, Answer, Note]:
        assert admin.site.is_registered(model)
    services_other = Workshop.objects.create(title="Toinen", owner=owner)
    client.force_login(admin_user)
    for model in [Workshop, Statement, Participant, Signature, Answer, Note]:
        url = reverse(f"admin:workshops_{model._meta.model_name}_changelist")
        assert client.get(url, {"q": workshop.code}).status_code == 200
    found = client.get(reverse("admin:workshops_workshop_changelist"), {"q": workshop.code.lower()})
    assert workshop.title in found.text
    assert services_other.title not in found.text
