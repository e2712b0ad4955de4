#!/usr/bin/env python
"""Phones benchmark: what a hall of connected phones costs the votes, and how fast they follow a
phase change (not part of the test suite).

    .venv/bin/python bench/phones.py [--phones 1000] [--participants 150] [--think 0.2] [--trials 6]

Starts one daphne process on 127.0.0.1 (PostgreSQL + Redis when DATABASE_URL and REDIS_URL are
set, else a fresh SQLite file and the in-memory layer), then:

1. votes: `load.hall` (N participants joining and voting, a projector socket listening) on a
   workshop with no phone sockets;
2. the same on a second workshop with `--phones` phone sockets connected (each a participant with
   its own cookie, on the page's socket `/ws/<code>/phone/`), idle while the hall votes: a vote
   must not reach them;
3. phase changes: the facilitator's POST to /phase/ (a real session), `--trials` times, with the
   time from sending the POST to each phone socket's snapshot.

Prints the two vote runs' requests/s and latency, the throughput drop, and the phase change's
lag to every socket (p50/p95/max), and how many snapshots the phones got during the votes (0).
"""

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402  (bench/load.py: the HTTP client and the voting hall)

PHASES = ["pair_talk_1", "pair_talk_2", "voting"]
KEPT = ("requests_per_second", "vote_latency_ms", "errors")
DAPHNE = [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1"]


async def phone(url: str, cookie: str, ready: asyncio.Event, inbox: list, count: list):
    """One phone's socket; like the page, it reconnects when dropped (and the drop is counted)."""
    import websockets

    first = True
    while True:
        try:
            async with websockets.connect(
                url, additional_headers={"Cookie": cookie}, max_size=None, open_timeout=60
            ) as ws:
                await ws.recv()  # the first snapshot
                if first:
                    first = False
                    count[0] += 1
                    if count[0] == count[1]:
                        ready.set()
                async for _message in ws:
                    inbox.append(time.monotonic())
        except (OSError, EOFError, TimeoutError, websockets.WebSocketException) as error:
            count[2] += 1
            if count[2] <= 3:
                print(f"a phone's socket failed: {error!r}", file=sys.stderr)
            await asyncio.sleep(random.uniform(1, 10))  # backoff with jitter, as htmx's ws extension


async def facilitator_post(port: int, session: str, code: str, phase: str):
    http = load.Http("127.0.0.1", port)
    http.cookies["sessionid"] = session
    status, _ = await http.request("GET", f"/workshops/{code}/")
    assert status == 200, status
    started = time.monotonic()
    status, _ = await http.request(
        "POST", f"/workshops/{code}/phase/", {"phase": phase}, {"X-CSRFToken": http.cookies["csrftoken"]}
    )
    http.close()
    assert status in (200, 302), status
    return started


async def run(args, port, warm, quiet, busy, cookies, session, ids) -> dict:
    vote_args = argparse.Namespace(participants=args.participants, think=args.think)
    # A first round warms the server (templates, connections) so that both measured runs start equal.
    await load.hall(
        argparse.Namespace(participants=30, think=args.think),
        [port],
        warm.code,
        warm.projector_secret,
        ids[warm.pk],
    )
    without = await load.hall(vote_args, [port], quiet.code, quiet.projector_secret, ids[quiet.pk])
    print(f"without phones: {without['requests_per_second']} requests/s", file=sys.stderr)

    inboxes = [[] for _ in cookies]
    ready, count = asyncio.Event(), [0, len(cookies), 0]  # connected, wanted, drops
    url = f"ws://127.0.0.1:{port}/ws/{busy.code}/phone/"
    phones = []
    for cookie, inbox in zip(cookies, inboxes, strict=True):
        phones.append(asyncio.create_task(phone(url, cookie, ready, inbox, count)))
        await asyncio.sleep(args.ramp / len(cookies))  # a hall arriving, not one burst of handshakes
    waited = 0
    while not ready.is_set():
        await asyncio.sleep(5)
        waited += 5
        print(f"{count[0]} of {count[1]} phones connected ({count[2]} drops)", file=sys.stderr)
        if waited > 600:
            raise TimeoutError("the phones did not all connect within 10 minutes")
    await asyncio.sleep(1)
    with_phones = await load.hall(vote_args, [port], busy.code, busy.projector_secret, ids[busy.pk])
    during_votes = sum(len(inbox) for inbox in inboxes)

    lags = []
    for trial in range(args.trials):
        for inbox in inboxes:
            inbox.clear()
        started = await facilitator_post(port, session, busy.code, PHASES[trial % len(PHASES)])
        deadline = time.monotonic() + 10
        while sum(1 for inbox in inboxes if inbox) < len(inboxes) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        lags += [inbox[0] - started for inbox in inboxes if inbox]
        missed = sum(1 for inbox in inboxes if not inbox)
        if missed:
            print(f"trial {trial}: {missed} phones got nothing within 10 s", file=sys.stderr)
        await asyncio.sleep(1)
    for task in phones:
        task.cancel()
    await asyncio.gather(*phones, return_exceptions=True)
    ms = lambda v: round(v * 1000, 1)  # noqa: E731
    drop = 1 - with_phones["requests_per_second"] / without["requests_per_second"]
    return {
        "phones": len(cookies),
        "votes_without_phones": {k: without[k] for k in KEPT},
        "votes_with_phones": {k: with_phones[k] for k in KEPT},
        "throughput_drop_percent": round(100 * drop, 1),
        "phone_snapshots_during_votes": during_votes,
        "phone_socket_drops": count[2],
        "phase_change_lag_ms": {
            "p50": ms(load.percentile(lags, 50)),
            "p95": ms(load.percentile(lags, 95)),
            "max": ms(max(lags)) if lags else None,
            "received": len(lags),
            "expected": len(cookies) * args.trials,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--participants", type=int, default=150)
    parser.add_argument("--think", type=float, default=0.2)
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds over which the phones connect")
    args = parser.parse_args()

    env = dict(os.environ, DEBUG="false", DJANGO_SETTINGS_MODULE="dotvote.settings", LOG_LEVEL="ERROR")
    workdir = Path(tempfile.mkdtemp(prefix="dotvote-phones-"))
    env.setdefault("STATIC_ROOT", str(workdir / "static"))
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.update(env)
    manage = [sys.executable, str(BASE / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=BASE)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=BASE)

    sys.path.insert(0, str(BASE))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core import signing

    from workshops import access, services
    from workshops.models import Participant, Phase

    user, _ = get_user_model().objects.get_or_create(username="bench-phones")
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    workshops = []
    for title in ("Lämmittely", "Ilman puhelimia", "Tuhat puhelinta"):
        workshop = services.create_workshop(user, title, template="ped")
        workshop.participant_limit = args.phones + args.participants + 10
        workshop.save(update_fields=["participant_limit"])
        services.set_phase(workshop, Phase.VOTING, minutes=30)
        services.set_results_visibility(workshop, "live")
        workshops.append(workshop)
    warm, quiet, busy = workshops
    Participant.objects.bulk_create(Participant(workshop=busy, number=n) for n in range(1, args.phones + 1))
    name = access.participant_cookie(busy)
    signer = signing.get_cookie_signer(salt=name + access.COOKIE_SALT)
    cookies = [f"{name}={signer.sign(token)}" for token in busy.participants.values_list("token", flat=True)]

    port = load.free_port()
    server = subprocess.Popen(
        [*DAPHNE, "-p", str(port), "dotvote.asgi:application"],
        env=env,
        cwd=BASE,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        ids = {w.pk: list(w.statements.order_by("position").values_list("pk", flat=True)) for w in workshops}
        report = asyncio.run(run(args, port, warm, quiet, busy, cookies, session.session_key, ids))
    finally:
        server.terminate()
        server.wait(timeout=10)
        for workshop in workshops:
            workshop.delete()
        user.delete()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
