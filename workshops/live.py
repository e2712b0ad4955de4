"""The "something changed" signals from a write to the workshop's live pages.

Services schedule these with `transaction.on_commit`; consumers in a group merge bursts of
them and send one whole snapshot. Two groups per workshop:

- `group_name`: the projector and the facilitator's run screen, told of every change, votes too;
- `phones_group_name`: the participants' phones, told only when what a phone shows of the hall
  changes (the phase, the results' visibility, the countdown, the statements). A vote never
  reaches it, so a hall of a thousand phones costs nothing per vote.
"""

import asyncio
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def group_name(workshop_id: int) -> str:
    return f"workshop-{workshop_id}"


def phones_group_name(workshop_id: int) -> str:
    return f"workshop-{workshop_id}-phones"


def workshop_changed(workshop_id: int) -> None:
    """Tell the projector and the run screen (every change, votes included)."""
    _send(group_name(workshop_id))


def phase_changed(workshop_id: int) -> None:
    """Tell the phones: the phase, visibility, countdown or statements changed (never for a vote)."""
    _send(phones_group_name(workshop_id))


# The ASGI server's event loop, once it has served a request (dotvote.asgi tells us). Under the
# server a change is handed to this loop and the write's thread goes on at once: it does not wait
# for the channel layer (a Redis round trip), and the in-memory layer's queues, which belong to
# this loop, are only ever touched from it. Without it (a command, the test client) we send and wait.
_server_loop: asyncio.AbstractEventLoop | None = None
# (loop, group) with a send in flight on that loop -> whether another change came meanwhile.
_in_flight: dict[tuple[asyncio.AbstractEventLoop, str], bool] = {}
_tasks: set[asyncio.Task] = set()  # the running sends, kept from the garbage collector


def serve_from(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def _send(group: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    if loop is not None and loop.is_running():
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is loop:
            _push(loop, layer, group)
        else:
            loop.call_soon_threadsafe(_push, loop, layer, group)
        return
    _send_and_wait(layer, group)


def _push(loop, layer, group: str) -> None:
    """On the server loop: send, unless a send to this group is in flight; then send once more
    after it. Every change is still followed by an event sent after it was committed (a page
    shows the latest state, never a delta), and a burst of votes costs one send at a time."""
    key = (loop, group)
    if key in _in_flight:
        _in_flight[key] = True
        return
    _in_flight[key] = False
    task = loop.create_task(_sends(layer, key))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _sends(layer, key: tuple) -> None:
    group = key[1]
    try:
        while True:
            try:
                await layer.group_send(group, {"type": "workshop.changed"})
            except Exception:  # the write is saved; the pages heal on their next snapshot or poll
                logger.warning("The live pages of %s were not told of a change.", group, exc_info=True)
            if not _in_flight[key]:
                return
            _in_flight[key] = False
    finally:
        del _in_flight[key]


def _send_and_wait(layer, group: str) -> None:
    send = async_to_sync(layer.group_send)
    message = (group, {"type": "workshop.changed"})
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        send(*message)  # a sync command or the test client: no loop in this thread
        return
    # This thread already runs an event loop (a browser driver in the tests), where
    # async_to_sync may not block: send from a short-lived thread instead.
    failed = []

    def send_from_thread():
        try:
            send(*message)
        except Exception as error:  # raised here, in the caller, as the usual case raises it
            failed.append(error)

    sender = threading.Thread(target=send_from_thread)
    sender.start()
    sender.join()
    if failed:
        raise failed[0]
