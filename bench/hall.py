#!/usr/bin/env python
"""The hall: 1,000 phones at a human pace, or 300 phones tapping as voting opens (not part of the tests).

    .venv/bin/python bench/hall.py                       # both scenarios, SQLite, one daphne
    .venv/bin/python bench/hall.py --scenario burst --rounds 1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dv_bench_load REDIS_URL=redis://127.0.0.1:6379/4 \\
      .venv/bin/python bench/hall.py --workers 2         # nginx + 2 daphne workers (deploy/run.py)

Scenarios (each phone sends 10 taps once: dots 4/3/2/1, a rating on each of the four statements,
two SWOT notes; see bench/hall.lua):
- `human`: 1,000 phones, each tapping every 15 s on average (67 taps/s in all), carried by 100
  connections that wait a random 0..3 s before each tap (wrk sends a connection's first request
  at once, so a connection per phone would open with a burst of 1,000);
- `burst`: 300 phones, one connection each, a random 0..1 s before each tap after the first:
  all start tapping as voting opens.
HTTP comes from wrk (one thread), which costs the server's 2 cores far less than a Python
client would; a projector listens on its WebSocket from this process (one
socket, a regex per snapshot). The phones join in-process first (services.join, cookies signed
as the join view signs them). Reported per scenario, medians of `--rounds`: vote latency p50/p95
(wrk's, every tap), failures (non-200, an error alert, socket errors), lost (the database's and
the projector's final totals against the sum of what every successful reply saved; a
full run is phones x (10 dots + 4 ratings + 2 notes)) and the
projector's lag p50/p95: from a reply to the first snapshot whose totals include every change
answered by then.
"""

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

LUA = harness.BASE / "bench" / "hall.lua"
# phones, connections, most ms a connection waits before a tap. The hall's 1,000 phones each tap
# every 15 s on average: 67 taps/s, carried by 100 connections that tap every 1.5 s on average.
SCENARIOS = {"human": (1000, 100, 3_000), "burst": (300, 300, 1_000)}
TAPS = 10  # per phone, growing the totals by 10 dots + 4 ratings + 2 notes
PROGRESS = re.compile(r'id="projector-live"[^>]*data-dots="(\d+)" data-ratings="(\d+)" data-notes="(\d+)"')


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def signed_phones(workshop, count: int) -> list[dict]:
    """`count` participants joined through services.join, with the cookies a phone would hold."""
    from django.core import signing
    from django.middleware.csrf import _get_new_csrf_string

    from workshops import services
    from workshops.access import COOKIE_SALT

    name = f"dotvote_{workshop.code}"
    jars = []
    for _ in range(count):
        token = services.join(workshop).token
        csrf = _get_new_csrf_string()
        jars.append({name: signing.get_cookie_signer(salt=name + COOKIE_SALT).sign(token), "csrftoken": csrf})
    return jars


class Projector(threading.Thread):
    """The projector's socket in a thread of its own: (wall-clock time, totals) per snapshot."""

    def __init__(self, url: str, origin: str, cookie: str):
        super().__init__(daemon=True)
        self.url, self.origin, self.cookie = url, origin, cookie
        self.snapshots: list[tuple[float, int]] = []
        self.reconnects = 0
        self.ready, self.stopping = threading.Event(), threading.Event()

    def run(self):
        asyncio.run(self._listen())

    async def _listen(self):
        import websockets

        while not self.stopping.is_set():
            try:
                async with websockets.connect(
                    self.url, origin=self.origin, max_size=None, additional_headers={"Cookie": self.cookie}
                ) as ws:
                    while not self.stopping.is_set():
                        try:
                            html = await asyncio.wait_for(ws.recv(), 0.5)
                        except TimeoutError:
                            continue
                        if found := PROGRESS.search(html):
                            self.snapshots.append((time.time(), sum(int(x) for x in found.groups())))
                        self.ready.set()
            except (OSError, websockets.ConnectionClosed):
                self.reconnects += 1
                time.sleep(0.5)

    def wait_for_total(self, total: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (self.snapshots and self.snapshots[-1][1] >= total):
            time.sleep(0.1)


def lags(changes: list[tuple[float, int]], snapshots: list[tuple[float, int]]) -> tuple[list[float], int]:
    """Per answered change: seconds until a later snapshot showed it (and the ones before it)."""
    out, missed, needed, i = [], 0, 0, 0
    for answered, growth in sorted(changes):
        needed += growth
        while i < len(snapshots) and snapshots[i][0] < answered:
            i += 1
        seen = next((t for t, total in snapshots[i:] if total >= needed), None)
        if seen is None:
            missed += 1
        else:
            out.append(seen - answered)
    return out, missed


def tap_lines(prefix: Path) -> list[tuple[float, int]]:
    changes = []
    for path in prefix.parent.glob(prefix.name + "-*.txt"):
        for line in path.read_text().split("\n"):
            if line and not line.endswith("F"):
                at, growth = line.split()
                changes.append((float(at), int(growth)))
    return changes


def replies(prefix: Path) -> tuple[int, int]:
    """Taps answered so far: (successes, failures), from the Lua script's files."""
    ok = failed = 0
    for path in prefix.parent.glob(prefix.name + "-*.txt"):
        text = path.read_text()
        failed += text.count(" F\n")
        ok += text.count("\n")
    return ok - failed, failed


def run_wrk(url: str, phones_file: Path, phones: int, connections: int, think_ms: int, prefix: Path) -> dict:
    """wrk until every tap has its reply (or nothing moved for 30 s), then SIGINT: wrk prints
    its summary and stops."""
    command = ["wrk", "-t1", f"-c{connections}", "-d900s", "--timeout", "60s", "-s", str(LUA),
               url, "--", str(phones_file), "1", str(think_ms), str(prefix)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started = moved = time.monotonic()
    last = (0, 0)
    while process.poll() is None and time.monotonic() - moved < 30:
        time.sleep(0.5)
        now = replies(prefix)
        if sum(now) >= phones * TAPS:
            break
        if now != last:
            last, moved = now, time.monotonic()
    elapsed = time.monotonic() - started
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    out = process.communicate(timeout=30)[0]
    found = harness.RESULT.search(out)
    if not found:
        raise RuntimeError("wrk printed no RESULT line:\n" + out)
    values = {k: int(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    ok, failed = replies(prefix)
    return {**values, "elapsed": elapsed, "ok": ok, "failed": failed}


def one_round(scenario: str, base_url: str, workdir: Path, n: int) -> dict:
    from django.db.models import Count, Sum

    from workshops.models import Answer, Note

    phones, connections, think_ms = SCENARIOS[scenario]
    workshop = harness.voting_workshop(phones)
    try:
        ids = list(workshop.statements.order_by("position").values_list("pk", flat=True))
        phones_file = harness.phones_file(
            workdir / f"{scenario}-{n}.tsv", workshop.code, signed_phones(workshop, phones), ids
        )
        ws = base_url.replace("http://", "ws://")
        projector = Projector(
            f"{ws}/ws/workshops/{workshop.code}/projector/", base_url, harness.projector_cookie(workshop)
        )
        projector.start()
        if not projector.ready.wait(15):
            raise RuntimeError("the projector's socket did not get a snapshot")
        prefix = workdir / f"{scenario}-{n}-taps"
        wrk = run_wrk(base_url, phones_file, phones, connections, think_ms, prefix)
        print(scenario, "wrk", wrk, file=sys.stderr)
        changes = tap_lines(prefix)
        answered = sum(growth for _, growth in changes)  # what the replies said was saved
        projector.wait_for_total(answered, 15)
        projector.stopping.set()
        projector.join(5)
        answers = Answer.objects.filter(participant__workshop=workshop)
        dots = answers.aggregate(s=Sum("dots"))["s"] or 0
        ratings = answers.exclude(rating=None).aggregate(c=Count("id"))["c"]
        notes = Note.objects.filter(participant__workshop=workshop).count()
        lag, missed = lags(changes, projector.snapshots)
        shown = projector.snapshots[-1][1] if projector.snapshots else 0
        return {
            "taps": wrk["ok"] + wrk["failed"],
            # No reply: lost with a broken connection, or never sent before the run stalled.
            "unanswered": phones * TAPS - wrk["ok"] - wrk["failed"],
            "failures": wrk["failed"],
            "seconds": wrk["elapsed"],
            "p50": wrk["p50_us"] / 1000,
            "p95": wrk["p95_us"] / 1000,
            "p99": wrk["p99_us"] / 1000,
            "lost_db": answered - (dots + ratings + notes),
            "lost_projector": answered - shown,
            "lag_p50": 1000 * percentile(lag, 50),
            "lag_p95": 1000 * percentile(lag, 95),
            "snapshots": len(projector.snapshots),
            "reconnects": projector.reconnects,
            "never_seen": missed,
        }
    finally:
        workshop.delete()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=[*SCENARIOS, "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--workers", type=int, default=1, help="more than 1: nginx + N daphne (PostgreSQL + Redis)"
    )
    parser.add_argument("--server", choices=harness.SERVERS, default="daphne", help="with one process")
    args = parser.parse_args()

    env, workdir = harness.scratch_env()
    os.environ.update(env)
    harness.prepare_dotvote(env)
    import django

    django.setup()
    scenarios = list(SCENARIOS) if args.scenario == "both" else [args.scenario]
    if args.workers > 1:
        if not (env["DATABASE_URL"].startswith("postgres") and env.get("REDIS_URL")):
            parser.error("several workers need DATABASE_URL (PostgreSQL) and REDIS_URL")
        from deploy.run import Layout

        layout = Layout(
            args.workers,
            f"127.0.0.1:{harness.free_port()}",
            workdir / "deploy",
            env,
            Path(env["STATIC_ROOT"]),
        )
        context, url = layout, layout.url
    else:
        port = harness.free_port()
        command = harness.server_command(args.server, "dotvote.asgi:application", port)
        context, url = harness.servers([(command, env, harness.BASE, port)]), f"http://127.0.0.1:{port}"
    results = {s: [] for s in scenarios}
    with context:
        for n in range(args.rounds):
            for scenario in scenarios:
                results[scenario].append(one_round(scenario, url, workdir, n))
                print(scenario, results[scenario][-1], file=sys.stderr)
    where = f"{harness.backend_label()}, " + (
        f"nginx + {args.workers} daphne" if args.workers > 1 else f"1 {args.server}"
    )
    print(f"\nhall, {where}, medians of {args.rounds} rounds, commit {harness.commit()}\n")
    print("| scenario | taps | vote p50 / p95 / p99 ms | failures / no reply | lost (db / projector) "
          "| projector lag p50 / p95 ms | snapshots | seconds |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for scenario, runs in results.items():
        m = {key: median(run[key] for run in runs) for key in runs[0]}
        worst = {
            key: max(run[key] for run in runs)
            for key in ("failures", "unanswered", "lost_db", "lost_projector")
        }
        phones, connections, think_ms = SCENARIOS[scenario]
        print(
            f"| {scenario}: {phones} phones, {connections} connections, 0..{think_ms / 1000:g} s "
            f"between taps | {m['taps']:.0f} "
            f"| {m['p50']:.0f} / {m['p95']:.0f} / {m['p99']:.0f} "
            f"| {worst['failures']} / {worst['unanswered']} "
            f"| {worst['lost_db']} / {worst['lost_projector']} | {m['lag_p50']:.0f} / {m['lag_p95']:.0f} "
            f"| {m['snapshots']:.0f} | {m['seconds']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
