#!/usr/bin/env python
"""A hall of phone sockets held open by one light client process (for bench/phones.py).

    .venv/bin/python bench/phone_sockets.py HOST PORT PATH COOKIES_FILE [--ramp 20] [--client raw]

Opens one WebSocket per line of COOKIES_FILE (a Cookie header each) on ws://HOST:PORT/PATH,
over `--ramp` seconds, and keeps them open: a socket the server closes or refuses reconnects
after 1-10 s, as htmx's ws extension does. `--client raw` speaks the protocol on bare asyncio
streams (a handshake, frame headers, pongs: no parsing of the snapshot, no per-frame objects),
so that the client costs little next to the server it measures; `--client websockets` uses the
websockets library (compression off) for comparison. Both offer permessage-deflate only with
`--deflate`, as a browser would; the server's answer is reported.

Talks to its parent over stdin/stdout, one JSON line per command:
  "status"  -> {"connected", "wanted", "drops", "refused", "deflate", "cpu_s"}
  "clear"   -> forget the frames seen so far (before a phase change)
  "report"  -> {"first": [monotonic time of each socket's first frame since "clear", or null],
                "frames", "bytes", "cpu_s"}
  "quit"
time.monotonic() is CLOCK_MONOTONIC, the same clock in every process of the machine, so the
parent compares these times with the moment it sent its POST.
"""

import argparse
import asyncio
import base64
import json
import os
import random
import resource
import struct
import sys
import threading
import time


class Hall:
    def __init__(self, count: int):
        self.wanted = count
        self.connected = 0
        self.drops = 0
        self.refused = 0
        self.deflate = None
        self.first: list[float | None] = [None] * count
        self.frames = 0
        self.bytes = 0

    def clear(self):
        self.first = [None] * self.wanted
        self.frames = self.bytes = 0

    def frame(self, index: int, size: int):
        if self.first[index] is None:
            self.first[index] = time.monotonic()
        self.frames += 1
        self.bytes += size


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 2)


async def raw_socket(hall: Hall, index: int, host: str, port: int, path: str, cookie: str, deflate: bool):
    """One phone's socket on bare streams: what a browser does, and nothing more."""
    first = True
    while True:
        writer = None
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 60)
            key = base64.b64encode(os.urandom(16)).decode()
            extension = (
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if deflate else ""
            )
            writer.write(
                (
                    f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                    f"{extension}Cookie: {cookie}\r\n\r\n"
                ).encode("latin-1")
            )
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
            if not head.startswith(b"HTTP/1.1 101"):
                raise ConnectionError(head.split(b"\r\n", 1)[0].decode("latin-1"))
            hall.deflate = b"permessage-deflate" in head.lower()
            while True:
                header = await reader.readexactly(2)
                opcode, length = header[0] & 0x0F, header[1] & 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", await reader.readexactly(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", await reader.readexactly(8))
                payload = await reader.readexactly(length)
                if opcode == 0x8:  # close: a 44xx is a refusal, anything else a drop
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    if 4400 <= code < 4500:
                        hall.refused += 1
                    raise ConnectionError(f"closed {code}")
                if opcode == 0x9:  # ping: pong with the same payload (masked with a zero key)
                    writer.write(bytes([0x8A, 0x80 | len(payload)]) + b"\x00\x00\x00\x00" + payload)
                    continue
                if opcode in (0x1, 0x2, 0x0):
                    if first:  # the connect's own snapshot
                        first = False
                        hall.connected += 1
                    else:
                        hall.frame(index, length)
        except (OSError, EOFError, asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            hall.drops += 1
            if not first:
                hall.connected -= 1
                first = True
        finally:
            if writer is not None:
                writer.close()
        await asyncio.sleep(random.uniform(1, 10))  # backoff with jitter, as htmx's ws extension


async def websockets_socket(
    hall: Hall, index: int, host: str, port: int, path: str, cookie: str, deflate: bool
):
    import websockets

    first = True
    while True:
        try:
            async with websockets.connect(
                f"ws://{host}:{port}{path}",
                additional_headers={"Cookie": cookie},
                max_size=None,
                open_timeout=60,
                compression="deflate" if deflate else None,
            ) as ws:
                hall.deflate = bool(ws.protocol.extensions)
                async for message in ws:
                    if first:
                        first = False
                        hall.connected += 1
                    else:
                        hall.frame(index, len(message))
        except (OSError, EOFError, TimeoutError, websockets.WebSocketException) as error:
            code = getattr(getattr(error, "rcvd", None), "code", 0) or 0
            if 4400 <= code < 4500:
                hall.refused += 1
        hall.drops += 1
        if not first:
            hall.connected -= 1
            first = True
        await asyncio.sleep(random.uniform(1, 10))


async def main_async(args) -> None:
    cookies = [line.strip() for line in open(args.cookies) if line.strip()]
    hall = Hall(len(cookies))
    one = raw_socket if args.client == "raw" else websockets_socket
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str] = asyncio.Queue()

    def read_commands():  # a thread: stdin is a pipe, read line by line
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line.strip())
        loop.call_soon_threadsafe(commands.put_nowait, "quit")

    threading.Thread(target=read_commands, daemon=True).start()
    tasks = []

    async def ramp():
        for index, cookie in enumerate(cookies):
            tasks.append(
                asyncio.create_task(one(hall, index, args.host, args.port, args.path, cookie, args.deflate))
            )
            await asyncio.sleep(args.ramp / len(cookies))

    ramping = asyncio.create_task(ramp())
    while True:
        command = await commands.get()
        if command == "status":
            reply = {k: getattr(hall, k) for k in ("connected", "wanted", "drops", "refused", "deflate")}
        elif command == "clear":
            hall.clear()
            reply = {"cleared": True}
        elif command == "report":
            reply = {"first": hall.first, "frames": hall.frames, "bytes": hall.bytes}
        else:
            break
        reply["cpu_s"] = cpu_seconds()
        print(json.dumps(reply), flush=True)
    ramping.cancel()
    for task in tasks:
        task.cancel()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("path")
    parser.add_argument("cookies", help="a file with one Cookie header per line")
    parser.add_argument("--ramp", type=float, default=20.0)
    parser.add_argument("--client", choices=("raw", "websockets"), default="raw")
    parser.add_argument("--deflate", action="store_true", help="offer permessage-deflate, as browsers do")
    args = parser.parse_args()
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
