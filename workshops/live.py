"""The "something changed" signals from a write to the workshop's live pages.

Services schedule these with `transaction.on_commit`; consumers in a group merge bursts of
them and send one whole snapshot. Two groups per workshop:

- `group_name`: the projector and the facilitator's run screen, told of every change, votes too;
- `phones_group_name`: the participants' phones, told only when what a phone shows of the hall
  changes (the phase, the results' visibility, the countdown, the statements). A vote never
  reaches it, so a hall of a thousand phones costs nothing per vote.
"""

import asyncio
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


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


def _send(group: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    send = async_to_sync(layer.group_send)
    message = (group, {"type": "workshop.changed"})
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        send(*message)  # the usual case: a sync view or command, no loop in this thread
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
