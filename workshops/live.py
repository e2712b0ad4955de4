"""The "something changed" signal from a write to the workshop's live pages.

Services schedule `workshop_changed` with `transaction.on_commit`; consumers in the
workshop's group merge bursts of these and send one whole snapshot.
"""

import asyncio
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def group_name(workshop_id: int) -> str:
    return f"workshop-{workshop_id}"


def workshop_changed(workshop_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    send = async_to_sync(layer.group_send)
    message = (group_name(workshop_id), {"type": "workshop.changed"})
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
