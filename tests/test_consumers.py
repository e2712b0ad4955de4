"""The projector's WebSocket: who may listen, the first state, updates after votes, coalescing."""

import json
import re
import threading
from functools import partial

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from dotvote.asgi import application
from workshops import access, services
from workshops.models import Phase, Workshop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    # The in-memory layer's queues belong to the event loop that made them; every test has its own.
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        run(layer.flush)
    yield


def run(coroutine_function):
    """Run a test's coroutine on a thread of its own: Playwright's event loop may own this one."""
    outcome = {}

    def target():
        try:
            outcome["value"] = async_to_sync(coroutine_function)()
        except BaseException as error:  # handed back to the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()  # the connections this thread opened

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def socket(path: str, origin: str | None = "http://testserver", cookie: str = "") -> WebsocketCommunicator:
    headers = [(b"host", b"testserver")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def projector_path(workshop) -> str:
    return f"/ws/workshops/{workshop.code}/projector/"


def projector_cookie(workshop, key=None) -> str:
    """The signed cookie that the projector link's first visit leaves (holding `key`)."""
    response = HttpResponse()
    name = access.projector_cookie(workshop)
    response.set_signed_cookie(name, key or workshop.projector_secret, salt=access.PROJECTOR_SALT)
    return f"{name}={response.cookies[name].value}"


def projector_socket(workshop, key=None, cookie="", **kwargs) -> WebsocketCommunicator:
    cookies = "; ".join(c for c in [projector_cookie(workshop, key) if key != "" else "", cookie] if c)
    return socket(projector_path(workshop), cookie=cookies, **kwargs)


def total_dots(html: str) -> int | None:
    found = re.search(r'id="projector-live"[^>]*data-dots="(\d+)"', html)
    return int(found.group(1)) if found else None


async def refused_with(communicator) -> int | None:
    """The close code of a refused socket (accepted first, so that the browser sees the code)."""
    connected, code = await communicator.connect()
    if connected:
        message = await communicator.receive_output(timeout=3)
        code = message.get("code") if message["type"] == "websocket.close" else None
    await communicator.disconnect()
    return code


@pytest.fixture
def live_workshop(voting_workshop):
    return services.set_results_visibility(voting_workshop, "live")


def test_it_sends_the_whole_state_on_connect(live_workshop, participant, statements):
    services.set_dots(participant, statements[0].pk, 4)

    async def main():
        communicator = projector_socket(live_workshop)
        connected, _ = await communicator.connect()
        assert connected
        html = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return html

    html = run(main)
    assert 'id="projector-live"' in html
    assert total_dots(html) == 4
    assert "vertaispalveluverkosto" in html.lower()


def test_it_sends_a_new_state_after_a_vote(live_workshop, participant, statements):
    async def main():
        communicator = projector_socket(live_workshop)
        await communicator.connect()
        first = await communicator.receive_from(timeout=3)
        await database_sync_to_async(services.set_dots)(participant, statements[1].pk, 3)
        second = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return first, second

    first, second = run(main)
    assert total_dots(first) == 0
    assert total_dots(second) == 3
    assert re.search(r'data-position="2" data-dots="3"', second)


def test_a_burst_of_votes_gives_few_snapshots_and_the_last_is_right(live_workshop, statements):
    people = [services.join(live_workshop) for _ in range(10)]

    def burst():
        # 40 separate commits, each telling the group, as 10 phones voting at once would.
        for person in people:
            for statement in statements:
                services.set_dots(person, statement.pk, 2)

    async def main():
        communicator = projector_socket(live_workshop)
        await communicator.connect()
        await communicator.receive_from(timeout=3)
        await database_sync_to_async(burst)()
        snapshots = []
        while not await communicator.receive_nothing(timeout=1.5):
            snapshots.append(await communicator.receive_from())
        await communicator.disconnect()
        return snapshots

    snapshots = run(main)
    assert 1 <= len(snapshots) <= 10, len(snapshots)
    assert total_dots(snapshots[-1]) == 80


def test_hidden_results_show_participation_only_until_revealed(voting_workshop, participant, statements):
    async def main():
        communicator = projector_socket(voting_workshop)
        await communicator.connect()
        await communicator.receive_from(timeout=3)
        await database_sync_to_async(services.set_dots)(participant, statements[0].pk, 5)
        hidden = await communicator.receive_from(timeout=3)
        await database_sync_to_async(services.set_results_visibility)(voting_workshop, "revealed")
        revealed = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return hidden, revealed

    hidden, revealed = run(main)
    assert re.search(r"data-joined>1<", hidden)
    assert "p-statement" not in hidden and total_dots(hidden) is None
    assert revealed.count("p-statement") == 4 and total_dots(revealed) == 5


def test_it_refuses_a_wrong_key(voting_workshop):
    code = run(partial(refused_with, projector_socket(voting_workshop, key="not-the-key")))
    assert code == 4403


def test_it_refuses_another_workshops_key(voting_workshop, other_facilitator):
    other = services.create_workshop(other_facilitator, "Toinen")
    code = run(partial(refused_with, projector_socket(voting_workshop, key=other.projector_secret)))
    assert code == 4403


def test_it_refuses_an_unknown_workshop(voting_workshop):
    path = "/ws/workshops/ZZZZZZ/projector/"
    assert run(partial(refused_with, socket(path, cookie=projector_cookie(voting_workshop)))) == 4403


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_the_owners_session_needs_no_key(voting_workshop, owner):
    cookie = session_cookie(owner)  # here, not in the event loop's thread, which keeps no connection

    async def main():
        communicator = projector_socket(voting_workshop, key="x", cookie=cookie)
        connected, _ = await communicator.connect()
        html = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return html

    assert 'id="projector-live"' in run(main)


def test_another_facilitators_session_is_refused(voting_workshop, other_facilitator):
    communicator = projector_socket(voting_workshop, key="x", cookie=session_cookie(other_facilitator))
    assert run(partial(refused_with, communicator)) == 4403


@pytest.mark.parametrize("origin", ["http://evil.example", "http://testserver:8080", "null"])
def test_it_refuses_a_page_from_another_origin(voting_workshop, origin):
    assert run(partial(refused_with, projector_socket(voting_workshop, origin=origin))) == 4403


def test_a_client_without_an_origin_is_not_a_browser_and_may_connect(voting_workshop):
    async def main():
        communicator = projector_socket(voting_workshop, origin=None)
        connected, _ = await communicator.connect()
        html = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return html

    assert 'id="projector-live"' in run(main)


def test_a_socket_never_hears_another_workshops_votes(live_workshop, statements, other_facilitator):
    other = services.create_workshop(other_facilitator, "Toinen", template="ped")
    services.set_phase(other, Phase.VOTING)
    stranger = services.join(other)
    own = services.join(live_workshop)
    other_statement = other.statements.first()

    async def main():
        communicator = projector_socket(live_workshop)
        await communicator.connect()
        await communicator.receive_from(timeout=3)
        await database_sync_to_async(services.set_dots)(stranger, other_statement.pk, 6)
        quiet = await communicator.receive_nothing(timeout=1)
        await database_sync_to_async(services.set_dots)(own, statements[0].pk, 1)
        update = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return quiet, update

    quiet, update = run(main)
    assert quiet
    assert total_dots(update) == 1


def test_it_closes_when_the_workshop_is_deleted(live_workshop):
    async def main():
        communicator = projector_socket(live_workshop)
        await communicator.connect()
        await communicator.receive_from(timeout=3)
        pk = live_workshop.pk
        await database_sync_to_async(live_workshop.delete)()
        from workshops import live

        await database_sync_to_async(live.workshop_changed)(pk)
        message = await communicator.receive_output(timeout=3)
        await communicator.disconnect()
        return message

    assert run(main) == {"type": "websocket.close", "code": 4404}


def test_deleting_a_workshop_on_its_page_closes_its_projector_socket(live_workshop, owner):
    client = Client()
    client.force_login(owner)
    url = reverse("workshop_delete", args=[live_workshop.code])

    async def main():
        communicator = projector_socket(live_workshop)
        await communicator.connect()
        await communicator.receive_from(timeout=3)
        response = await database_sync_to_async(client.post)(url)
        assert response.status_code == 302
        message = await communicator.receive_output(timeout=3)
        await communicator.disconnect()
        return message

    assert run(main) == {"type": "websocket.close", "code": 4404}
    assert not Workshop.objects.filter(pk=live_workshop.pk).exists()


# --- The facilitator's run screen ----------------------------------------------------------------


def test_the_run_screen_socket_sends_the_owner_the_live_counters(voting_workshop, owner, statements):
    cookie = session_cookie(owner)

    async def main():
        communicator = socket(f"/ws/workshops/{voting_workshop.code}/run/", cookie=cookie)
        await communicator.connect()
        first = await communicator.receive_from(timeout=3)
        await database_sync_to_async(services.join)(voting_workshop)
        second = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return first, second

    first, second = run(main)
    assert 'id="run-live"' in first and re.search(r"<dd>0</dd>", first)
    assert re.search(r"<dd>1</dd>", second)


@pytest.mark.parametrize("who", ["other facilitator", "anonymous"])
def test_the_run_screen_socket_refuses_anyone_but_the_owner(voting_workshop, other_facilitator, who):
    cookie = session_cookie(other_facilitator) if who == "other facilitator" else ""
    communicator = socket(f"/ws/workshops/{voting_workshop.code}/run/", cookie=cookie)
    assert run(partial(refused_with, communicator)) == 4403


# --- The participant's waiting screen ------------------------------------------------------------


def joined_cookie(client, workshop) -> str:
    client.post(f"/{workshop.code}")
    name = f"dotvote_{workshop.code}"
    return f"{name}={client.cookies[name].value}"


def test_the_waiting_screen_follows_the_phase(workshop, statements):
    services.set_phase(workshop, Phase.PAIR_TALK_1)
    cookie = joined_cookie(Client(), workshop)

    async def main():
        communicator = socket(f"/ws/{workshop.code}/phone/", cookie=cookie)
        await communicator.connect()
        first = await communicator.receive_from(timeout=3)
        await database_sync_to_async(services.set_phase)(workshop, Phase.VOTING)
        second = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return first, second

    first, second = run(main)
    assert 'id="phone-live"' in first and 'data-page="waiting"' in first
    assert 'data-page="vote"' in second


def test_the_waiting_screen_needs_this_workshops_participant_cookie(workshop, other_facilitator):
    services.set_phase(workshop, Phase.PAIR_TALK_1)
    other = services.set_phase(services.create_workshop(other_facilitator, "Toinen"), Phase.PAIR_TALK_1)
    strangers_cookie = joined_cookie(Client(), other).replace(other.code, workshop.code)
    for cookie in ("", f"dotvote_{workshop.code}=forged", strangers_cookie):
        communicator = socket(f"/ws/{workshop.code}/phone/", cookie=cookie)
        assert run(partial(refused_with, communicator)) == 4403


def test_it_refuses_a_socket_with_no_projector_cookie(voting_workshop):
    assert run(partial(refused_with, socket(projector_path(voting_workshop)))) == 4403


def test_a_new_projector_link_closes_an_open_projector_and_refuses_the_old_key(voting_workshop):
    old_key = voting_workshop.projector_secret

    async def main():
        communicator = projector_socket(voting_workshop)
        await communicator.connect()
        await communicator.receive_from(timeout=3)
        await database_sync_to_async(services.new_projector_key)(voting_workshop)
        message = await communicator.receive_output(timeout=3)
        await communicator.disconnect()
        return message

    assert run(main) == {"type": "websocket.close", "code": 4403}
    assert run(partial(refused_with, projector_socket(voting_workshop, key=old_key))) == 4403
    voting_workshop.refresh_from_db()
    assert voting_workshop.projector_secret != old_key


def test_the_clicker_on_the_projector_moves_the_slide_for_everyone(live_workshop, statements):
    slide = f"st-{statements[1].pk}"

    async def main():
        communicator = projector_socket(live_workshop)
        await communicator.connect()
        await communicator.receive_from(timeout=3)
        await communicator.send_to(text_data=json.dumps({"slide": slide}))
        html = await communicator.receive_from(timeout=3)
        await communicator.send_to(text_data='{"slide": "st-999999"}')  # unknown: ignored
        quiet = await communicator.receive_nothing(timeout=0.6)
        await communicator.disconnect()
        return html, quiet

    html, quiet = run(main)
    assert f'data-slide="{slide}"' in html and quiet
    assert Workshop.objects.get(pk=live_workshop.pk).projector_slide == slide
