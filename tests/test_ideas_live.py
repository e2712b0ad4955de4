"""Issue 17 end to end: three phones propose five ideas, the facilitator's page shows them live over
its socket, the facilitator shapes them, and voting opens with exactly the accepted statements."""

import json
import re
from functools import partial

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from workshops import services
from workshops.models import Phase, Proposal

from .test_consumers import refused_with, run, session_cookie, socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_rate_limits")]

IDEAS = [
    (0, "Peer services", "Share agreements and good practice between municipalities."),
    (0, "Learning", "Learn together in workshops twice a year."),
    (1, "Influence", "Speak with one voice to the ministries."),
    (1, "Lobbying", "Lobby the ministries together."),
    (2, "Off topic", "Better coffee at the seminars."),
]


@pytest.fixture
def ideas_workshop(owner):
    workshop = services.create_workshop(owner, "Ideas day", template="blank", language="en")
    services.update_workshop(workshop, collect_ideas=True)
    return services.set_phase(workshop, Phase.IDEAS)


def ideas_path(workshop) -> str:
    return f"/ws/workshops/{workshop.code}/ideas/"


def test_three_phones_propose_five_ideas_and_the_facilitator_shapes_the_statements(ideas_workshop, owner):
    phones = [Client() for _phone in range(3)]
    for phone in phones:
        phone.post(f"/{ideas_workshop.code}")
    cookie = f"{session_cookie(owner)}; django_language=en"  # the facilitator's switcher: English
    propose = reverse("participant_idea_add", args=[ideas_workshop.code])

    async def main():
        communicator = socket(ideas_path(ideas_workshop), cookie=cookie)
        await communicator.connect()
        snapshots = [await communicator.receive_from(timeout=3)]
        for phone_index, short_name, text in IDEAS:
            post = sync_to_async(phones[phone_index].post)
            await post(propose, {"short_name": short_name, "text": text}, HTTP_HX_REQUEST="true")
        # Bursts merge into one snapshot: read until the one that shows all five.
        while "5 ideas so far" not in snapshots[-1]:
            snapshots.append(await communicator.receive_from(timeout=3))
        await communicator.disconnect()
        return snapshots

    snapshots = run(main)
    assert 'id="ideas-live"' in snapshots[0] and "0 ideas so far" in snapshots[0]
    for _phone_index, short_name, text in IDEAS:
        assert short_name in snapshots[-1] and text in snapshots[-1]
    assert set(re.findall(r"Participant (\d)", snapshots[-1])) == {"1", "2", "3"}

    # The facilitator: accept two (one in their own wording), merge two into one, set one aside.
    facilitator = Client()
    facilitator.force_login(owner)
    peer, learning, influence, lobbying, coffee = Proposal.objects.order_by("created_at", "id")

    def accept(proposal, **data):
        url = reverse("idea_accept", args=[ideas_workshop.code, proposal.pk])
        assert facilitator.post(url, data).status_code == 302

    accept(peer, short_name="Peer services", text=peer.text)
    accept(learning, short_name="Learning together", text="The network should learn together twice a year.")
    accept(
        influence,
        short_name="Influence",
        text="The network should speak with one voice.",
        merge=[lobbying.pk],
    )
    aside = reverse("idea_set_aside", args=[ideas_workshop.code, coffee.pk])
    assert facilitator.post(aside).status_code == 302

    # Nothing else reached the statements; voting opens with exactly the accepted ones.
    run_url = reverse("workshop_phase", args=[ideas_workshop.code])
    assert facilitator.post(run_url, {"phase": Phase.VOTING, "minutes": 10}).status_code == 302
    ideas_workshop.refresh_from_db()
    assert ideas_workshop.phase == Phase.VOTING
    assert list(ideas_workshop.statements.order_by("position").values_list("short_name", "text")) == [
        ("Peer services", peer.text),
        ("Learning together", "The network should learn together twice a year."),
        ("Influence", "The network should speak with one voice."),
    ]
    vote_page = phones[0].get(f"/{ideas_workshop.code}/me/").content.decode()
    assert "Learning together" in vote_page and "Better coffee" not in vote_page

    # The export lists all five ideas with what became of each.
    export = json.loads(facilitator.get(reverse("export", args=[ideas_workshop.code, "json"])).content)
    outcomes = [(p["participant"], p["short_name"], p["outcome_text"]) for p in export["proposals"]]
    assert outcomes == [
        (1, "Peer services", "Accepted as statement 1"),
        (1, "Learning", "Accepted as statement 2"),
        (2, "Influence", "Merged into statement 3"),
        (2, "Lobbying", "Merged into statement 3"),
        (3, "Off topic", "Set aside"),
    ]


@pytest.mark.parametrize("who", ["other facilitator", "anonymous"])
def test_the_ideas_socket_refuses_anyone_but_the_owner(ideas_workshop, other_facilitator, who):
    cookie = session_cookie(other_facilitator) if who == "other facilitator" else ""
    communicator = socket(ideas_path(ideas_workshop), cookie=cookie)
    assert run(partial(refused_with, communicator)) == 4403


def test_a_pushed_idea_is_escaped(ideas_workshop, owner):
    cookie = session_cookie(owner)
    participant = services.join(ideas_workshop)

    async def main():
        communicator = socket(ideas_path(ideas_workshop), cookie=cookie)
        await communicator.connect()
        await communicator.receive_from(timeout=3)
        await sync_to_async(services.propose)(participant, "<b>bold</b>", "<script>alert(1)</script>")
        pushed = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return pushed

    pushed = run(main)
    assert "<script>alert(1)</script>" not in pushed and "&lt;script&gt;alert(1)&lt;/script&gt;" in pushed
    assert "<b>bold</b>" not in pushed
