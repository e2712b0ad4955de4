#!/usr/bin/env python
"""Phones benchmark: what a hall of connected phones costs the votes, and how fast they follow a
phase change (not part of the test suite).

    .venv/bin/python bench/phones.py [--phones 1000] [--server daphne|uvicorn|granian]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dv_phones REDIS_URL=redis://127.0.0.1:6379/4 \\
      .venv/bin/python bench/phones.py --workers 2          # nginx + 2 daphne (deploy/run.py)

Two twin servers on 127.0.0.1, started alike and sharing one database: one process of
`--server` each (SQLite and the in-memory layer unless DATABASE_URL/REDIS_URL are set), or with
`--workers N` nginx in front of N daphne processes each, as deploy/run.py starts them
(PostgreSQL + Redis). One voting workshop; `--participants` phones join it over HTTP (they vote),
`--phones` more are made in the database with their cookies (they only listen). Then:

1. a separate light client process (bench/phone_sockets.py, raw asyncio streams) opens the
   `--phones` sockets on `/ws/<code>/phone/` of the second server over `--ramp` seconds and holds
   them open; the first server has none;
2. votes: wrk (bench/vote.lua's dot votes, -t2 -c32, `--seconds` a run) on the first server, then
   on the second, `--rounds` times alternating (so that a neighbour's load hits both alike); no
   snapshot may reach a phone;
3. phase changes: the facilitator's POST to /phase/ on the second server (a real session),
   `--trials` times, timing each socket's snapshot from the moment the POST was sent.

Prints a Markdown row and the whole report as JSON: requests/s, the drop, the lag p50/p95/max,
the CPU seconds the server and the phone client spent during the phase changes, the load average.
"""

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

PHASES = ["pair_talk_1", "pair_talk_2", "voting"]
CLIENT = Path(__file__).resolve().parent / "phone_sockets.py"
TICK = os.sysconf("SC_CLK_TCK")


def process_tree_cpu(roots: list[int]) -> float:
    """CPU seconds (user + system) of processes and all their descendants, from /proc."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    total, todo = 0, list(roots)
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0))[1]
        todo += [child for child, (parent, _) in stats.items() if parent == pid]
    return total / TICK


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class PhoneClient:
    """bench/phone_sockets.py in its own process, spoken to over its stdin/stdout."""

    def __init__(self, host, port, path, cookies_file, ramp, client, deflate):
        command = [sys.executable, str(CLIENT), host, str(port), path, str(cookies_file), "--ramp", str(ramp),
                   "--client", client] + (["--deflate"] if deflate else [])  # fmt: skip
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def wait_connected(self, seconds: float) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            status = self.ask("status")
            if status["connected"] == status["wanted"]:
                return status
            if time.monotonic() > deadline:
                raise TimeoutError(f"the phones did not all connect: {status}")
            print(
                f"  {status['connected']} of {status['wanted']} sockets ({status['drops']} drops)",
                file=sys.stderr,
            )
            time.sleep(5)

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


class Facilitator:
    """The owner's session, changing the phase as the console's form does."""

    def __init__(self, port: int, session: str, code: str):
        self.port, self.code = port, code
        self.jar = {"sessionid": session}
        response = self._request("GET", f"/workshops/{code}/")
        assert response.status == 200, response.status

    def _request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = dict(headers or {}, Cookie="; ".join(f"{k}={v}" for k, v in self.jar.items()))
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        harness._cookies(response, self.jar)
        conn.close()
        return response

    def set_phase(self, phase: str) -> float:
        """POST the phase; returns the monotonic time the request was sent."""
        headers = {
            "X-CSRFToken": self.jar["csrftoken"],
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{self.port}",
        }
        started = time.monotonic()
        response = self._request("POST", f"/workshops/{self.code}/phase/", f"phase={phase}", headers)
        assert response.status in (200, 302), response.status
        return started


def session_for(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = (
        str(user.pk),
        settings.AUTHENTICATION_BACKENDS[-1],
    )  # the model backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def listening_cookies(workshop, count: int) -> list[str]:
    """`count` participants made in the database, and each one's signed cookie, as joining sets it."""
    from django.core import signing

    from workshops import access
    from workshops.models import Participant

    start = (workshop.participants.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    made = Participant.objects.bulk_create(
        Participant(workshop=workshop, number=n) for n in range(start, start + count)
    )
    name = access.participant_cookie(workshop)
    signer = signing.get_cookie_signer(salt=name + access.COOKIE_SALT)
    tokens = Participant.objects.filter(pk__in=[p.pk for p in made]).values_list("token", flat=True)
    return [f"{name}={signer.sign(token)}" for token in tokens]


def votes(server, file, args, runs: list, label: str) -> None:
    """One wrk run of dot votes; it also gets the server's CPU ms per vote (steadier than votes/s
    when neighbours load the machine)."""
    cpu = process_tree_cpu(server.pids)
    run = harness.wrk(server.url, "dots", file, args.seconds, 2, args.connections)
    run["cpu_ms"] = 1000 * (process_tree_cpu(server.pids) - cpu) / max(1, run["requests"])
    runs.append(run)
    print(f"  {label}: {run['rps']:.0f} votes/s, {run['cpu_ms']:.1f} ms CPU a vote", file=sys.stderr)
    time.sleep(1)


def phase_changes(facilitator: Facilitator, client: PhoneClient, server_pids: int, args) -> dict:
    lags, missed, sizes = [], 0, []
    cpu_server, cpu_client = process_tree_cpu(server_pids), client.ask("status")["cpu_s"]
    for trial in range(args.trials):
        client.ask("clear")
        started = facilitator.set_phase(PHASES[trial % len(PHASES)])
        deadline = started + 10
        while True:
            time.sleep(0.2)
            report = client.ask("report")
            got = [t for t in report["first"] if t is not None]
            if len(got) == len(report["first"]) or time.monotonic() > deadline:
                break
        lags += [t - started for t in got]
        missed += len(report["first"]) - len(got)
        if report["frames"]:
            sizes.append(report["bytes"] / report["frames"])
        print(
            f"  trial {trial}: p95 {1000 * percentile([t - started for t in got], 95):.0f} ms",
            file=sys.stderr,
        )
        time.sleep(1)
    ms = lambda v: None if v is None else round(v * 1000)  # noqa: E731
    return {
        "p50_ms": ms(percentile(lags, 50)),
        "p95_ms": ms(percentile(lags, 95)),
        "max_ms": ms(max(lags) if lags else None),
        "received": len(lags),
        "missed": missed,
        "frame_bytes": round(median(sizes)) if sizes else None,
        "server_cpu_s_per_change": round((process_tree_cpu(server_pids) - cpu_server) / args.trials, 3),
        "client_cpu_s_per_change": round((client.ask("status")["cpu_s"] - cpu_client) / args.trials, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--server", choices=harness.SERVERS, default="daphne")
    parser.add_argument("--workers", type=int, default=0, help="nginx + N daphne (needs PostgreSQL + Redis)")
    parser.add_argument("--participants", type=int, default=200, help="phones that vote (over HTTP)")
    parser.add_argument("--seconds", type=float, default=10, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs on each server, alternating")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--trials", type=int, default=9, help="phase changes")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds over which the sockets connect")
    parser.add_argument("--client", choices=("raw", "websockets"), default="raw")
    parser.add_argument("--deflate", action="store_true", help="the sockets offer permessage-deflate")
    parser.add_argument("--no-votes", action="store_true", help="only the phase changes")
    args = parser.parse_args()

    env, workdir = harness.scratch_env()
    if args.workers and not (env["DATABASE_URL"].startswith("postgres") and env.get("REDIS_URL")):
        parser.error("the workers share state through PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    os.environ.update(env)
    harness.prepare_dotvote(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    workshop = harness.voting_workshop(args.participants + args.phones)
    ids = list(workshop.statements.order_by("position").values_list("pk", flat=True))
    owner = get_user_model().objects.get(username="bench-facilitator")
    cookies_file = workdir / "cookies.txt"
    cookies_file.write_text("\n".join(listening_cookies(workshop, args.phones)) + "\n")
    load_before = os.getloadavg()
    report = {"date": date.today().isoformat(), "commit": harness.commit(), "phones": args.phones,
              "backend": harness.backend_label(), "client": args.client}  # fmt: skip
    without, with_ = [], []
    try:
        with (
            ExitServers(args, env, workdir / "quiet") as quiet,
            ExitServers(args, env, workdir / "hall") as hall,
        ):
            report["server"] = hall.label
            print(f"server pids: {' '.join(map(str, hall.pids))}", file=sys.stderr)  # for py-spy
            voters = [harness.join_phone(quiet.port, workshop.code) for _ in range(args.participants)]
            vote_file = harness.phones_file(workdir / "phones.tsv", workshop.code, voters, ids)
            facilitator = Facilitator(hall.port, session_for(owner), workshop.code)
            client = PhoneClient("127.0.0.1", hall.port, f"/ws/{workshop.code}/phone/", cookies_file,
                                 args.ramp, args.client, args.deflate)  # fmt: skip
            try:
                status = client.wait_connected(args.ramp + 300)
                report["connect_drops"], report["deflate"] = status["drops"], status["deflate"]
                time.sleep(2)
                if not args.no_votes:
                    for server in (quiet, hall):  # warm-up
                        harness.wrk(server.url, "dots", vote_file, 2, 2, args.connections)
                    client.ask("clear")
                    for _ in range(args.rounds):  # alternating, so that a neighbour's load hits both alike
                        votes(quiet, vote_file, args, without, "without phone sockets")
                        votes(hall, vote_file, args, with_, f"with {args.phones} phone sockets")
                    report["snapshots_to_phones_during_votes"] = client.ask("report")["frames"]
                idle_server, idle_client = process_tree_cpu(hall.pids), client.ask("status")["cpu_s"]
                time.sleep(5)
                report["idle_cpu_percent"] = {
                    "server": round(20 * (process_tree_cpu(hall.pids) - idle_server)),
                    "client": round(20 * (client.ask("status")["cpu_s"] - idle_client)),
                }
                print("phase changes", file=sys.stderr)
                report["phase_change"] = phase_changes(facilitator, client, hall.pids, args)
            finally:
                client.close()
    finally:
        workshop.delete()
    report["load_average"] = [round(x, 1) for x in (*load_before, *os.getloadavg())]
    if without:
        rps = lambda runs: median(r["rps"] for r in runs)  # noqa: E731
        report["votes"] = {
            "without_rps": round(rps(without)),
            "with_rps": round(rps(with_)),
            "drop_percent": round(100 * (1 - rps(with_) / rps(without)), 1),
            "without_runs": [round(r["rps"]) for r in without],
            "with_runs": [round(r["rps"]) for r in with_],
            "cpu_ms_per_vote_without_with": [
                round(median(r["cpu_ms"] for r in runs), 1) for runs in (without, with_)
            ],
            "p99_ms_without_with": [median(r["p99_ms"] for r in runs) for runs in (without, with_)],
            "failures": sum(r["failures"] for r in without + with_),
        }
    print(json.dumps(report, indent=2))
    lag = report["phase_change"]
    v = report.get("votes", {})
    print(
        f"\n| {report['date']} | {report['commit']} | {report['server']}, {report['backend']} "
        f"| {report['load_average'][0]}-{report['load_average'][3]} "
        f"| {v.get('without_rps', '-')} / {v.get('with_rps', '-')} ({v.get('drop_percent', '-')} %) "
        f"| {' / '.join(map(str, v.get('cpu_ms_per_vote_without_with', ['-'])))} "
        f"| {report.get('snapshots_to_phones_during_votes', '-')} "
        f"| {lag['p50_ms']} / {lag['p95_ms']} / {lag['max_ms']} "
        f"({lag['received']} of {lag['received'] + lag['missed']}) "
        f"| {lag['frame_bytes']} | {lag['server_cpu_s_per_change']} / {lag['client_cpu_s_per_change']} |"
    )
    return 0


class ExitServers:
    """One server under test: a process of `--server`, or nginx + `--workers` daphne processes.
    Gives its port, url, pids and label."""

    def __init__(self, args, env, workdir: Path):
        self.args, self.env, self.workdir = args, env, workdir
        self.context = None

    def __enter__(self):
        if self.args.workers:
            from deploy.run import Layout

            listen = f"127.0.0.1:{harness.free_port()}"
            static = Path(self.env["STATIC_ROOT"])
            self.context = Layout(self.args.workers, listen, self.workdir, self.env, static)
            layout = self.context.__enter__()
            self.port = int(layout.url.rsplit(":", 1)[1])
            self.pids = [p.pid for p in layout.processes]
            self.label = f"nginx + {self.args.workers} daphne"
        else:
            self.port = harness.free_port()
            command = harness.server_command(self.args.server, "dotvote.asgi:application", self.port)
            self.context = harness.servers([(command, self.env, harness.BASE, self.port)])
            (process,) = self.context.__enter__()
            self.pids, self.label = [process.pid], f"{self.args.server}, 1 process"
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc):
        return self.context.__exit__(*exc)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())
