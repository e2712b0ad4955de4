"""The "something changed" signal from a write to the workshop's live pages.

Services schedule `workshop_changed` with `transaction.on_commit`; consumers in the
workshop's group merge bursts of these and send one whole snapshot.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def group_name(workshop_id: int) -> str:
    return f"workshop-{workshop_id}"


def workshop_changed(workshop_id: int) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group_name(workshop_id), {"type": "workshop.changed"})
