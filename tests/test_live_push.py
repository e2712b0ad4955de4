"""The push of a change under the ASGI server: handed to the server's loop, never waited for by
the write's thread, failures logged, and a burst of changes followed by one send after the last."""

import asyncio
import logging
import threading

import pytest

from workshops import live


@pytest.fixture
def server_loop(monkeypatch):
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(live, "_server_loop", loop)
    yield loop, thread
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def on_loop(loop, function):
    """Run `function` on the loop and wait for it (to read the loop's state safely)."""
    return asyncio.run_coroutine_threadsafe(_call(function), loop).result(30)


async def _call(function):
    return function()


def test_a_change_is_sent_from_the_server_loop_without_the_writer_waiting(server_loop, monkeypatch):
    loop, thread = server_loop
    gate = on_loop(loop, asyncio.Event)
    started, finished = [], []

    class SlowLayer:  # a channel layer whose sends hang until the gate opens
        async def group_send(self, group, message):
            started.append((group, message["type"], threading.current_thread()))
            try:
                await asyncio.wait_for(gate.wait(), 30)
            finally:
                finished.append(group)

    monkeypatch.setattr(live, "get_channel_layer", lambda: SlowLayer())
    live.workshop_changed(7)
    live.workshop_changed(7)  # two more changes while the first send hangs...
    live.workshop_changed(7)
    assert finished == []  # ...and the writer was not held up by it
    on_loop(loop, gate.set)
    while on_loop(loop, lambda: (loop, "workshop-7") in live._in_flight):
        on_loop(loop, lambda: None)
    # The first change's send, then one more for the two that came while it was in flight.
    assert started == [("workshop-7", "workshop.changed", thread)] * 2
    assert finished == ["workshop-7"] * 2


def test_a_failing_channel_layer_is_logged_on_the_server_loop(server_loop, monkeypatch, caplog):
    loop, _thread = server_loop
    tried = []

    class BrokenLayer:
        async def group_send(self, group, message):
            tried.append(group)
            raise ConnectionError("Redis is down")

    monkeypatch.setattr(live, "get_channel_layer", lambda: BrokenLayer())
    with caplog.at_level(logging.WARNING, logger="workshops.live"):
        live.phase_changed(3)  # does not raise in the writer
        while on_loop(loop, lambda: bool(live._in_flight)):
            pass
    assert tried == ["workshop-3-phones"]
    assert "were not told of a change" in caplog.text
    # The next change is sent again: a failure leaves nothing stuck.
    live.phase_changed(3)
    while on_loop(loop, lambda: bool(live._in_flight)):
        pass
    assert tried == ["workshop-3-phones"] * 2
