"""The phones' socket: it follows phase, visibility, countdown and statements, and no vote wakes it."""

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from workshops import live, services
from workshops.models import Phase

from .test_consumers import joined_cookie, run, socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        run(layer.flush)


@pytest.fixture
def sent(monkeypatch):
    """The groups told of a change, in order, instead of a channel layer."""
    groups = []
    monkeypatch.setattr(live, "_send", groups.append)
    return groups


def test_a_vote_sends_nothing_to_the_phones_group_and_a_phase_change_does(voting_workshop, statements, sent):
    participant = services.join(voting_workshop)
    sent.clear()
    services.set_dots(participant, statements[0].pk, 3)
    services.set_rating(participant, statements[0].pk, "neutral")
    note, _created = services.add_note(participant, statements[0].pk, "S", "Vahvuus")
    services.edit_note(participant, note.pk, "W", "Heikkous")
    services.delete_note(participant, note.pk)
    phones = live.phones_group_name(voting_workshop.pk)
    assert phones not in sent
    assert sent == [live.group_name(voting_workshop.pk)] * 5  # the projector still hears every vote

    services.set_phase(voting_workshop, Phase.CLOSED)
    assert phones in sent


@pytest.mark.parametrize(
    "change",
    [
        lambda w, s: services.set_results_visibility(w, "revealed"),
        lambda w, s: services.extend_timer(w, 5),
        lambda w, s: services.pause_timer(w),
        lambda w, s: services.set_phase(w, Phase.PAIR_TALK_2),
    ],
    ids=["visibility", "extend", "pause", "phase"],
)
def test_visibility_timer_and_phase_changes_reach_the_phones(voting_workshop, statements, sent, change):
    sent.clear()
    change(voting_workshop, statements)
    assert live.phones_group_name(voting_workshop.pk) in sent


def test_a_statement_change_reaches_the_phones_during_pair_talk(workshop, statements, sent):
    services.set_phase(workshop, Phase.PAIR_TALK_1)
    sent.clear()
    services.edit_statement(workshop, statements[0].pk, "Uusi nimi", "Uusi väite kokonaan.")
    assert live.phones_group_name(workshop.pk) in sent


def test_a_phone_socket_hears_a_phase_change_but_not_a_vote(voting_workshop, statements):
    cookie = joined_cookie(Client(), voting_workshop)
    voter = services.join(voting_workshop)

    async def main():
        communicator = socket(f"/ws/{voting_workshop.code}/phone/", cookie=cookie)
        connected, _ = await communicator.connect()
        assert connected
        first = await communicator.receive_from(timeout=3)
        await database_sync_to_async(services.set_dots)(voter, statements[0].pk, 2)
        quiet = await communicator.receive_nothing(timeout=0.6)
        await database_sync_to_async(services.set_phase)(voting_workshop, Phase.CLOSED)
        closed = await communicator.receive_from(timeout=3)
        await database_sync_to_async(services.set_results_visibility)(voting_workshop, "revealed")
        revealed = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return first, quiet, closed, revealed

    first, quiet, closed, revealed = run(main)
    assert 'id="phone-live"' in first and 'data-page="vote"' in first
    assert quiet  # nothing was pushed to the phone for the vote
    assert 'data-page="closed"' in closed
    assert 'data-page="closed-results"' in revealed


def test_a_halls_phones_share_one_render_and_a_new_phone_does_not_resend_to_the_others(
    voting_workshop, monkeypatch
):
    from workshops import consumers

    monkeypatch.setattr(
        consumers, "COALESCE_SECONDS", 1.0
    )  # a slow machine's two connects still fall within it
    renders = []
    render = consumers.PhoneConsumer._render
    monkeypatch.setattr(consumers.PhoneConsumer, "_render", lambda self: renders.append(1) or render(self))
    cookies = [joined_cookie(Client(), voting_workshop) for _ in range(3)]
    path = f"/ws/{voting_workshop.code}/phone/"

    async def main():
        phones = [socket(path, cookie=cookie) for cookie in cookies[:2]]
        for phone in phones:
            assert (await phone.connect())[0]
        firsts = [await phone.receive_from(timeout=3) for phone in phones]  # one connect burst
        burst_renders = len(renders)
        late = socket(path, cookie=cookies[2])
        assert (await late.connect())[0]
        late_first = await late.receive_from(timeout=3)
        others_quiet = [await phone.receive_nothing(timeout=0.5) for phone in phones]
        await database_sync_to_async(services.set_phase)(voting_workshop, Phase.CLOSED)
        closed = [await phone.receive_from(timeout=3) for phone in [*phones, late]]
        for phone in [*phones, late]:
            await phone.disconnect()
        return firsts, burst_renders, late_first, others_quiet, closed

    firsts, burst_renders, late_first, others_quiet, closed = run(main)
    assert all('data-page="vote"' in first for first in firsts + [late_first])
    assert burst_renders == 1  # the two phones connecting together shared one render
    assert all(others_quiet)  # the late phone's first snapshot went to it alone
    assert all('data-page="closed"' in page for page in closed)  # the change reached every phone
    assert len(renders) == 3  # the burst, the late phone, the change: one render each


def test_in_pair_talk_the_phone_shows_the_question_and_the_statements_in_full(workshop, statements):
    services.set_phase(workshop, Phase.PAIR_TALK_1)
    cookie = joined_cookie(Client(), workshop)

    async def main():
        communicator = socket(f"/ws/{workshop.code}/phone/", cookie=cookie)
        await communicator.connect()
        html = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return html

    html = run(main)
    workshop.refresh_from_db()
    assert workshop.pair_talk_1_question and workshop.pair_talk_1_question.split("\n")[0] in html
    for statement in statements:
        assert statement.text.split("\n")[0] in html  # in full, not truncated


def test_in_draft_the_phone_says_waiting_for_the_start_not_draft(workshop):
    client = Client()
    client.cookies["django_language"] = "en"
    client.post(f"/{workshop.code}")
    page = client.get(f"/{workshop.code}/me/").content.decode()
    assert "Waiting for the start" in page
    assert "Draft" not in page
