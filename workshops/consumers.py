"""The live pages' WebSockets: the projector, the facilitator's run screen, the participants' phones.

A socket joins its workshop's group (`live.group_name`: every change, votes too; the phones join
`live.phones_group_name`, which only phase, visibility, countdown and statement changes reach)
and gets one complete snapshot at once,
so a reconnect after a wifi drop resynchronises everything. A "workshop changed" event starts a
short pause; then one whole snapshot, rendered from the same partial template the page used on
first load, goes out. Bursts merge, the latest state wins, and a message the channel layer drops
is healed by the next one: never a delta. htmx's ws extension swaps the snapshot's root by id.
"""

import asyncio
import hashlib
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import access, live, qr, screens, services
from .models import Workshop

logger = logging.getLogger(__name__)

# Wait this long after the first change event, so that a burst of votes becomes one snapshot.
COALESCE_SECONDS = 0.25
# The phones' group hears no votes, only the facilitator's clicks (a phase change and its timer
# arrive within a few milliseconds of each other): a short pause merges those, and the hall
# follows the click sooner. A connecting phone still waits COALESCE_SECONDS (connect bursts).
PHONE_CHANGE_SECONDS = 0.05

# Close codes: htmx's extension retries only 1006/1011/1012/1013, so a refused page stays quiet.
NOT_ALLOWED = 4403
GONE = 4404

# What a render returns when this socket may no longer listen (the projector's key was renewed).
REFUSED = "\x00refused"

# Snapshots being rendered in this process, by what they show: sockets that show the same thing
# (a hall of waiting screens) share one render instead of each querying the database. One entry
# per workshop and page: the newest render, kept so that late sockets can still reuse it.
_renders: dict[tuple, tuple[float, asyncio.Future]] = {}


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


class LiveConsumer(AsyncWebsocketConsumer):
    template_name = ""

    async def connect(self):
        self.workshop_id = None
        self.pending = None
        self.changed_at = asyncio.get_running_loop().time()
        self.sending = asyncio.Lock()
        workshop = await database_sync_to_async(self.allowed_workshop)()
        # Accept first, then close: only an accepted socket can carry a close code to the browser.
        await self.accept()
        if workshop is None:
            await self.close(code=NOT_ALLOWED)
            return
        self.workshop_id = workshop.pk
        self.language = self.snapshot_language(workshop)
        await self.join()

    async def join(self):
        # Join before the first snapshot, so that no change falls between the two.
        await self.channel_layer.group_add(self.group_name(), self.channel_name)
        await self.send_snapshot()

    async def disconnect(self, code):
        if self.pending is not None:
            self.pending.cancel()
        if self.workshop_id is not None:
            await self.leave()

    async def leave(self):
        await self.channel_layer.group_discard(self.group_name(), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        pass  # the live pages only listen

    async def workshop_changed(self, event):
        self.changed_at = asyncio.get_running_loop().time()
        if self.pending is None:
            self.pending = asyncio.create_task(self._send_after_pause())

    async def _send_after_pause(self):
        await asyncio.sleep(COALESCE_SECONDS)
        # From here on a new change needs a newer snapshot than the one about to be rendered.
        self.pending = None
        await self.send_snapshot()

    async def send_snapshot(self):
        async with self.sending:
            html = await self._shared_render()
            if html is None:  # the workshop was deleted
                await self.close(code=GONE)
                return
            if html == REFUSED:
                await self.close(code=NOT_ALLOWED)
                return
            await self.send(text_data=html)

    async def _shared_render(self) -> str | None:
        key = self.snapshot_key()
        if key is None:
            return await database_sync_to_async(self._render)()
        entry = _renders.get(key)
        # A render that started after this socket's latest change already shows that change.
        if entry is None or entry[0] < self.changed_at:
            started = asyncio.get_running_loop().time()
            entry = _renders[key] = (started, asyncio.ensure_future(database_sync_to_async(self._render)()))
        return await asyncio.shield(entry[1])

    def _render(self) -> str | None:
        workshop = Workshop.objects.filter(pk=self.workshop_id).select_related("owner").first()
        if workshop is None:
            return None
        with translation.override(self.language):
            return render_to_string(self.template_name, self.snapshot_context(workshop))

    # --- What each live page defines -------------------------------------------------------------

    def group_name(self) -> str:
        """The group whose change events this page follows: by default every change, votes too."""
        return live.group_name(self.workshop_id)

    def allowed_workshop(self) -> Workshop | None:
        """The workshop this socket may listen to, or None to refuse it. Runs in a thread."""
        raise NotImplementedError

    def snapshot_context(self, workshop: Workshop) -> dict:
        raise NotImplementedError

    def snapshot_key(self) -> tuple | None:
        """Sockets with equal keys receive identical snapshots, so share a render; None: never share."""
        return None

    def snapshot_language(self, workshop: Workshop) -> str:
        return access.page_language(self.scope.get("cookies", {}))  # as the middleware

    def workshop_by_code(self) -> Workshop | None:
        return access.workshop_by_code(self.scope["url_route"]["kwargs"].get("code", ""))


def _join_address(scope) -> qr.JoinAddress:
    """Where phones join, from the socket's Host as a request's (qr.join_address)."""
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    host = _header(scope, b"host")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
    return qr.join_address(scheme, host)


class TimedConsumer(LiveConsumer):
    """A live page with the phase's countdown: when it runs out, one more snapshot says "time's
    up" (and a workshop that closes itself then is closed), though nothing else changed."""

    time_up_task = None

    async def send_snapshot(self):
        await super().send_snapshot()
        left = await database_sync_to_async(self._seconds_to_time_up)()
        if self.time_up_task is not None:
            self.time_up_task.cancel()
            self.time_up_task = None
        if left is not None:
            self.time_up_task = asyncio.create_task(self._at_time_up(left))

    def _seconds_to_time_up(self) -> float | None:
        workshop = Workshop.objects.filter(pk=self.workshop_id).first()
        if workshop is None or not workshop.timer_running:
            return None
        return max(0.0, (workshop.phase_ends_at - timezone.now()).total_seconds())

    async def _at_time_up(self, seconds: float):
        await asyncio.sleep(seconds + 0.3)
        self.time_up_task = None
        closed = await database_sync_to_async(services.apply_time_up)(self.workshop_id)
        if not closed:  # closing pushes a snapshot to everyone anyway
            await self.workshop_changed({})

    async def disconnect(self, code):
        if self.time_up_task is not None:
            self.time_up_task.cancel()
        await super().disconnect(code)


class ProjectorConsumer(TimedConsumer):
    """The big screen: the projector cookie holding the workshop's current key, or the owner's
    session. A new key closes it on the next snapshot (4403)."""

    template_name = "workshops/projector/page.html#live"

    def allowed_workshop(self):
        workshop = self.workshop_by_code()
        if workshop is None:
            return None
        cookies = self.scope.get("cookies", {})
        self.key = access.projector_key_from_cookies(cookies, workshop)
        self.by_owner = access.owns(self.scope.get("user"), workshop)
        if not access.may_project_from_cookies(cookies, workshop, self.scope.get("user")):
            return None
        return workshop

    def snapshot_language(self, workshop):
        return workshop.language  # as the projector page: the hall reads the workshop's language

    def join_address(self) -> qr.JoinAddress:
        return _join_address(self.scope)

    def snapshot_key(self):
        # Sockets share a render only when they hold the same key (or are the owner's).
        who = "owner" if self.by_owner else hashlib.sha256(self.key.encode()).hexdigest()[:16]
        return ("projector", self.workshop_id, self.language, self.join_address(), who)

    def _render(self):
        workshop = Workshop.objects.filter(pk=self.workshop_id).only("projector_secret").first()
        if workshop is not None and not self.by_owner and not access.may_project(workshop, self.key, None):
            return REFUSED
        return super()._render()

    def snapshot_context(self, workshop):
        return screens.projector_context(workshop, self.join_address())

    async def receive(self, text_data=None, bytes_data=None):
        """The clicker on the big screen moves the slide for every projector and the console."""
        try:
            slide = json.loads(text_data or "{}").get("slide")
        except (ValueError, AttributeError):
            return
        if isinstance(slide, str):
            await database_sync_to_async(self._set_slide)(slide)

    def _set_slide(self, slide: str) -> None:
        workshop = Workshop.objects.filter(pk=self.workshop_id).first()
        if workshop is None:
            return
        try:
            services.set_projector_slide(workshop, slide)
        except services.WorkshopError:
            pass  # an unknown slide: the next snapshot shows the right one again


class RunConsumer(TimedConsumer):
    """The live part of the facilitator's console: the owner's (or staff's) session only."""

    template_name = "workshops/facilitator/run.html#live"

    def allowed_workshop(self):
        workshop = self.workshop_by_code()
        if workshop is None or not access.owns(self.scope.get("user"), workshop):
            return None
        return workshop

    def snapshot_context(self, workshop):
        return screens.run_live_context(workshop, _join_address(self.scope))


class PhoneHall:
    """This process's phone sockets of one workshop, and the one fan-out they share.

    A hall of a thousand phones must follow a phase change within a second. Were each socket its
    own member of the phones' group, every change would be a thousand channel-layer messages, a
    thousand handler dispatches (each with a database-connection check in a thread) and a
    thousand pauses, all before the one shared render. Instead one channel per process and
    workshop joins the group; on a change it waits the pause once, renders once per language
    and writes the snapshot to every local socket in turn. The rules stay a socket's own: a
    whole snapshot, the latest state wins (one send at a time, each rendered after the change
    that started it), a new socket gets its first snapshot after the same pause, so a burst of
    connecting phones shares one render without re-sending it to the phones already in sync.
    """

    def __init__(self, key: tuple, group: str, channel_layer):
        self.key, self.group, self.layer = key, group, channel_layer
        self.sockets: set[PhoneConsumer] = set()
        self.waiting: set[PhoneConsumer] = set()  # sockets owed a snapshot
        self.pending: asyncio.Task | None = None
        self.due = 0.0  # when the pending task's pause ends, while it still pauses
        self.sending = asyncio.Lock()
        self.channel = ""
        self.joined = asyncio.Event()
        self.listener = asyncio.create_task(self._listen())

    async def _listen(self):
        try:
            self.channel = await self.layer.new_channel()
            await self.layer.group_add(self.group, self.channel)
            self.joined.set()
            while True:
                message = await self.layer.receive(self.channel)
                if message.get("type") == "workshop.changed":
                    self.changed(self.sockets, PHONE_CHANGE_SECONDS)
        except Exception:
            # The channel layer failed (Redis restarting): close the sockets with 1011, which
            # htmx retries, so that they reconnect to a new hall and resynchronise.
            logger.exception("the phones' hall of workshop %s lost its channel layer", self.key[1])
            if _halls.get(self.key) is self:
                del _halls[self.key]
            self.joined.set()
            for socket in list(self.sockets):
                await socket.close(code=1011)

    async def add(self, socket: "PhoneConsumer"):
        self.sockets.add(socket)
        await self.joined.wait()  # in the group before the first snapshot: no change falls between
        if self.listener.done():
            await socket.close(code=1011)
            return
        self.changed({socket}, COALESCE_SECONDS)

    async def remove(self, socket: "PhoneConsumer"):
        self.sockets.discard(socket)
        self.waiting.discard(socket)
        if not self.sockets and _halls.get(self.key) is self:
            del _halls[self.key]
            self.listener.cancel()
            if self.pending is not None:
                self.pending.cancel()
            if self.channel:
                await self.layer.group_discard(self.group, self.channel)

    def changed(self, sockets, pause: float):
        self.waiting |= sockets
        due = asyncio.get_running_loop().time() + pause
        if self.pending is not None and self.due and due < self.due:
            self.pending.cancel()  # still pausing for a connect burst: a change goes out sooner
            self.pending = None
        if self.pending is None:
            self.due = due
            self.pending = asyncio.create_task(self._send_after_pause(pause))

    async def _send_after_pause(self, pause: float):
        await asyncio.sleep(pause)
        self.due = 0.0
        async with self.sending:
            # From here on a new change needs a newer snapshot than the one about to be rendered.
            self.pending = None
            targets, self.waiting = self.waiting, set()
            by_language: dict[str, list[PhoneConsumer]] = {}
            for socket in targets:
                by_language.setdefault(socket.language, []).append(socket)
            for sockets in by_language.values():
                html = await database_sync_to_async(sockets[0]._render)()
                for socket in sockets:
                    if socket not in self.sockets:
                        continue  # gone while the snapshot was rendered
                    try:
                        if html is None:  # the workshop was deleted
                            await socket.close(code=GONE)
                        else:
                            await socket.send(text_data=html)
                    except Exception:  # one broken socket must not keep the others waiting
                        continue


# This process's phone halls, by event loop and workshop (a test's loop never meets another's).
_halls: dict[tuple, PhoneHall] = {}


class PhoneConsumer(LiveConsumer):
    """A participant's phone, on any of its pages (waiting, vote, closed): the hall's phase,
    countdown, instruction and pair-talk statements. Only a phone holding the workshop's
    participant cookie; it listens to the phones' group, which no vote reaches, through its
    process's PhoneHall, which renders once for every phone of the workshop and language."""

    template_name = "workshops/participant/_phone_live.html"
    # No channel of its own: the hall's one channel hears the phones' group for every socket, and
    # a thousand idle channels would each cost a vote something (the in-memory layer walks all its
    # channels on every send; the Redis layer keeps a receive pending for each).
    channel_layer_alias = None

    def allowed_workshop(self):
        workshop = self.workshop_by_code()
        if workshop is None:
            return None
        cookies = self.scope.get("cookies", {})
        return workshop if access.participant_from_cookies(cookies, workshop) else None

    def group_name(self):
        return live.phones_group_name(self.workshop_id)

    def snapshot_language(self, workshop):
        # As the participant's pages: the switcher's choice, else the workshop's language.
        return access.page_language(self.scope.get("cookies", {}), workshop.language)

    async def join(self):
        # A hall's phones connect (and reconnect after a wifi drop) in a burst: the first
        # snapshot waits the same short pause as a change, so that every phone connecting within
        # it shares one render, instead of each rendering its own and the handshakes queueing
        # past daphne's connect timeout. The page already shows the state it was served with.
        key = (asyncio.get_running_loop(), self.workshop_id)
        self.hall = _halls.get(key)
        if self.hall is None:
            self.hall = _halls[key] = PhoneHall(key, self.group_name(), get_channel_layer())
        await self.hall.add(self)

    async def leave(self):
        await self.hall.remove(self)

    def snapshot_context(self, workshop):
        return screens.phone_live_context(workshop)


class IdeasConsumer(RunConsumer):
    """The facilitator's ideas page: the ideas as they arrive, the owner's (or staff's) session only."""

    template_name = "workshops/facilitator/ideas.html#live"

    def snapshot_context(self, workshop):
        return screens.ideas_console(workshop)
