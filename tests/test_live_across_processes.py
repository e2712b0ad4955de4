"""With REDIS_URL set, a vote handled by one process reaches a projector connected to another."""

import asyncio

import pytest
from django.conf import settings
from django.db import connections

from tests.conftest import projector_cookie_header
from workshops import services

from .test_consumers import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_vote_in_this_process_reaches_a_projector_on_a_daphne_process(
    daphne_server, voting_workshop, participant, statements
):
    if "redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"].lower():
        pytest.skip("the in-memory channel layer is one process by design; set REDIS_URL")
    import websockets

    services.set_results_visibility(voting_workshop, "live")
    ws_url = daphne_server.replace("http://", "ws://")
    path = f"/ws/workshops/{voting_workshop.code}/projector/"  # the key rides in the cookie
    cookie = {"Cookie": projector_cookie_header(voting_workshop)}

    def vote():
        try:
            services.set_dots(participant, statements[2].pk, 7)
        finally:
            connections.close_all()  # this thread's own connection

    async def listen():
        async with websockets.connect(
            ws_url + path, origin=daphne_server, additional_headers=cookie
        ) as projector:
            first = await asyncio.wait_for(projector.recv(), 10)
            # Written here, in the test process; the socket lives in the daphne process.
            await asyncio.to_thread(vote)
            second = await asyncio.wait_for(projector.recv(), 10)
            return first, second

    first, second = run(listen)
    assert 'id="projector-live"' in first and 'data-dots="0"' in first
    assert 'data-position="3" data-dots="7"' in second
