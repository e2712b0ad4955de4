import pytest
from django.contrib import admin
from django.urls import reverse

from workshops import services
from workshops.models import (
    Answer,
    Note,
    PaperSheetEdit,
    Participant,
    PhaseRecord,
    Proposal,
    Signature,
    Statement,
    Workshop,
)

pytestmark = pytest.mark.django_db

EVERY_MODEL = [
    Workshop,
    Statement,
    Participant,
    Signature,
    Answer,
    Note,
    Proposal,
    PaperSheetEdit,
    PhaseRecord,
]


def test_the_admin_lists_every_model_and_finds_a_workshop_by_join_code(client, admin_user, workshop, owner):
    for model in EVERY_MODEL:
        assert admin.site.is_registered(model)
    services_other = Workshop.objects.create(title="Toinen", owner=owner)
    client.force_login(admin_user)
    for model in EVERY_MODEL:
        url = reverse(f"admin:workshops_{model._meta.model_name}_changelist")
        assert client.get(url, {"q": workshop.code}).status_code == 200
    found = client.get(reverse("admin:workshops_workshop_changelist"), {"q": workshop.code.lower()})
    assert workshop.title in found.text
    assert services_other.title not in found.text


def test_the_paper_audit_log_and_phase_records_cannot_be_rewritten_in_the_admin(client, admin_user, workshop):
    services.set_phase(workshop, "voting")
    edit = PaperSheetEdit.objects.create(
        workshop=workshop, participant_number=1, action="entered", edited_by_name="apu"
    )
    record = PhaseRecord.objects.get(workshop=workshop, phase="voting")
    client.force_login(admin_user)
    listing = client.get(reverse("admin:workshops_papersheetedit_changelist"), {"q": workshop.code})
    assert "apu" in listing.text
    for name, pk in [("papersheetedit", edit.pk), ("phaserecord", record.pk)]:
        assert client.get(reverse(f"admin:workshops_{name}_add")).status_code == 403
        assert (
            client.post(reverse(f"admin:workshops_{name}_delete", args=[pk]), {"post": "yes"}).status_code
            == 403
        )
    assert PaperSheetEdit.objects.filter(pk=edit.pk).exists()
    assert PhaseRecord.objects.filter(pk=record.pk).exists()
