#!/usr/bin/env python
"""Load test: a hall of phones voting while the projector watches (not part of the test suite).

    .venv/bin/python bench/load.py [--participants 300] [--processes N]

Starts real servers (daphne, as `make run` does) on 127.0.0.1, creates a PED workshop in voting
with live results, connects a projector WebSocket, then lets N participants join and vote at
once over HTTP, each: 4 dot requests (10 dots in all), 4 ratings and 2 SWOT notes, as htmx
sends them. With PostgreSQL + Redis (DATABASE_URL and REDIS_URL set) it starts two daphne
processes and splits the phones between them, while the projector listens on the first: a vote
reaches it only through Redis. Without them it uses a fresh SQLite file and one process.

Reports requests/s, vote latency (p50/p95/p99), the projector's lag (p50/p95) and errors. The lag
of a vote is the time from its response to the first snapshot whose totals (dots + ratings +
notes) reach the sum of every change answered by then: a snapshot rendered after the response.
Only the Python standard library and `websockets` (the test extra) are needed.
"""

import argparse
import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
DOTS = [4, 3, 2, 1]  # each participant's 10 dots over the four statements
RATINGS = ["fully_agree", "partly_agree", "neutral", "cant_say"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- A minimal HTTP/1.1 client with keep-alive (no third-party client is installed) -----------


class Http:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        body = "&".join(f"{k}={v}" for k, v in (form or {}).items()).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile: once more
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                self.writer.write(data)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt == 2:
                    raise

    async def _response(self):
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        headers = []
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip().lower(), value.strip()))
        found = dict(headers)
        if "content-length" in found:
            body = await self.reader.readexactly(int(found["content-length"]))
        elif found.get("transfer-encoding") == "chunked":
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                body += await self.reader.readexactly(size + 2)
                body = body[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            body = await self.reader.read()
            self.writer = None
        for name, value in headers:
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if found.get("connection", "").lower() == "close":
            self.writer.close()
            self.writer = None
        return status, body

    def close(self):
        if self.writer is not None:
            self.writer.close()


# --- The simulated hall ------------------------------------------------------------------------


class Results:
    def __init__(self):
        self.latencies: list[float] = []
        self.changes: list[tuple[float, int]] = []  # (response time, how much the totals grew)
        self.errors: list[str] = []
        self.requests = 0


async def participant(n: int, port: int, code: str, statement_ids: list[int], results: Results, think: float):
    http = Http("127.0.0.1", port)
    try:
        await asyncio.sleep(random.uniform(0, think))
        status, _ = await http.request("GET", f"/{code}")
        results.requests += 1
        token = http.cookies.get("csrftoken", "")
        status, _ = await http.request("POST", f"/{code}", {}, {"X-CSRFToken": token})
        results.requests += 1
        if status != 302:
            results.errors.append(f"join {n}: HTTP {status}")
            return
        votes = [
            (f"/{code}/me/{sid}/dots/", {"dots": d}, d) for sid, d in zip(statement_ids, DOTS, strict=True)
        ]
        votes += [
            (f"/{code}/me/{sid}/rating/", {"rating": r}, 1)
            for sid, r in zip(statement_ids, RATINGS, strict=True)
        ]
        votes += [
            (f"/{code}/me/{statement_ids[0]}/notes/", {"kind": "S", "text": f"Vahvuus+{n}"}, 1),
            (f"/{code}/me/{statement_ids[3]}/notes/", {"kind": "T", "text": f"Uhka+{n}"}, 1),
        ]
        for path, form, growth in votes:
            await asyncio.sleep(random.uniform(0, think))
            started = time.monotonic()
            status, body = await http.request(
                "POST", path, form, {"X-CSRFToken": token, "HX-Request": "true"}
            )
            answered = time.monotonic()
            results.requests += 1
            if status != 200 or b'role="alert"' in body:
                results.errors.append(f"{path}: HTTP {status}")
                continue
            results.latencies.append(answered - started)
            results.changes.append((answered, growth))
    except Exception as error:  # counted, not raised: the report lists every failure
        results.errors.append(f"participant {n}: {error!r}")
    finally:
        http.close()


PROGRESS = re.compile(r'id="projector-live"[^>]*data-dots="(\d+)" data-ratings="(\d+)" data-notes="(\d+)"')


async def projector(url: str, snapshots: list[tuple[float, int]], ready: asyncio.Event, stop: asyncio.Event):
    """The projector's socket; like the page, it reconnects when dropped and counts the drop."""
    import websockets

    drops = 0
    while not stop.is_set():
        try:
            async with websockets.connect(url, max_size=None) as ws:
                while not stop.is_set():
                    try:
                        html = await asyncio.wait_for(ws.recv(), 0.5)
                    except TimeoutError:
                        continue
                    found = PROGRESS.search(html)
                    if found:
                        snapshots.append((time.monotonic(), sum(int(x) for x in found.groups())))
                    ready.set()
        except (OSError, websockets.ConnectionClosed):
            drops += 1
            await asyncio.sleep(0.5)
    return drops


def projector_lags(changes, snapshots) -> tuple[list[float], int]:
    lags, missed, needed, i = [], 0, 0, 0
    for answered, growth in sorted(changes):
        needed += growth
        while i < len(snapshots) and snapshots[i][0] < answered:
            i += 1
        seen = next((t for t, total in snapshots[i:] if total >= needed), None)
        if seen is None:
            missed += 1
        else:
            lags.append(seen - answered)
    return lags, missed


async def hall(args, ports, code, key, statement_ids) -> dict:
    results, snapshots = Results(), []
    ready, stop = asyncio.Event(), asyncio.Event()
    listener = asyncio.create_task(
        projector(f"ws://127.0.0.1:{ports[0]}/ws/workshops/{code}/projector/{key}/", snapshots, ready, stop)
    )
    await asyncio.wait_for(ready.wait(), 10)
    started = time.monotonic()
    await asyncio.gather(
        *(
            participant(n, ports[n % len(ports)], code, statement_ids, results, args.think)
            for n in range(args.participants)
        )
    )
    elapsed = time.monotonic() - started
    expected = args.participants * (sum(DOTS) + len(RATINGS) + 2)
    for _ in range(50):  # the final snapshot: every change on the projector
        if snapshots and snapshots[-1][1] >= expected:
            break
        await asyncio.sleep(0.1)
    stop.set()
    drops = await listener
    lags, missed = projector_lags(results.changes, snapshots)
    if not snapshots or snapshots[-1][1] != expected:
        results.errors.append(
            f"projector's last totals {snapshots[-1][1] if snapshots else None} != {expected}"
        )
    ms = lambda v: round(v * 1000, 1)  # noqa: E731
    return {
        "participants": args.participants,
        "processes": len(ports),
        "database": "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite",
        "channel_layer": "redis" if os.environ.get("REDIS_URL") else "in-memory",
        "requests": results.requests,
        "seconds": round(elapsed, 2),
        "requests_per_second": round(results.requests / elapsed, 1),
        "vote_latency_ms": {
            p: ms(percentile(results.latencies, q)) for p, q in (("p50", 50), ("p95", 95), ("p99", 99))
        },
        "projector_lag_ms": {p: ms(percentile(lags, q)) for p, q in (("p50", 50), ("p95", 95))},
        "projector_snapshots": len(snapshots),
        "projector_reconnects": drops,
        "changes_never_seen_on_projector": missed,
        "errors": len(results.errors),
        "first_errors": results.errors[:5],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument(
        "--processes", type=int, help="daphne processes (default: 2 on PostgreSQL + Redis, else 1)"
    )
    parser.add_argument("--think", type=float, default=1.0, help="most seconds a phone waits between taps")
    args = parser.parse_args()

    env = dict(os.environ, DEBUG="false", DJANGO_SETTINGS_MODULE="dotvote.settings", LOG_LEVEL="ERROR")
    workdir = Path(tempfile.mkdtemp(prefix="dotvote-bench-"))
    env.setdefault("STATIC_ROOT", str(workdir / "static"))
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    production = env["DATABASE_URL"].startswith("postgres") and env.get("REDIS_URL")
    processes = args.processes or (2 if production else 1)
    if processes > 1 and not env.get("REDIS_URL"):
        parser.error("several processes need REDIS_URL (the in-memory channel layer is one process)")
    os.environ.update(env)
    manage = [sys.executable, str(BASE / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=BASE)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=BASE)

    sys.path.insert(0, str(BASE))
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from workshops import services
    from workshops.models import Phase

    user, _ = get_user_model().objects.get_or_create(username="bench-facilitator")
    workshop = services.create_workshop(user, "Kuormitustesti", template="ped")
    workshop.participant_limit = args.participants + 10
    workshop.save(update_fields=["participant_limit"])
    services.set_phase(workshop, Phase.VOTING, minutes=30)
    services.set_results_visibility(workshop, "live")
    statement_ids = list(workshop.statements.order_by("position").values_list("pk", flat=True))

    ports = [free_port() for _ in range(processes)]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-v",
                "0",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "dotvote.asgi:application",
            ],
            env=env,
            cwd=BASE,
        )
        for port in ports
    ]
    try:
        for port in ports:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
        report = asyncio.run(hall(args, ports, workshop.code, workshop.projector_secret, statement_ids))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        workshop.delete()
    print(json.dumps(report, indent=2))
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
