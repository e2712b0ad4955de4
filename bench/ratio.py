#!/usr/bin/env python
"""The ratio benchmark: Dotvote's vote against a bare Django POST, same server, same machine.

    .venv/bin/python bench/ratio.py                                  # daphne, SQLite
    .venv/bin/python bench/ratio.py --server uvicorn                 # or granian (`pip install .[bench]`)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dv_bench REDIS_URL=redis://127.0.0.1:6379/4 \\
      .venv/bin/python bench/ratio.py                                # PostgreSQL + Redis, 1 process

Starts two servers of the same kind on 127.0.0.1: Dotvote (`dotvote.asgi`) and the bare baseline
(`bench/baseline`: no middleware, one POST view doing one locked read and one write on the same
database with the same options). 200 phones join Dotvote over HTTP first, as a browser does. Then
wrk (2 threads, 32 connections, `bench/vote.lua`) runs, alternating: bare POST, dot vote, rating,
`--rounds` times; every reply is checked (200, no error alert) and failures are counted. Prints
medians as a Markdown table, plus the queries one vote and one rating cost (counted in-process
with Django's test client on the same database).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402


def count_queries(jar: dict, code: str, statement_id: int) -> dict:
    """Queries of one dot vote and one rating, with their replies, as htmx sends them."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HX_REQUEST="true")
    client.cookies.load(jar)
    counts = {}
    for name, path, data in (
        ("dots", f"/{code}/me/{statement_id}/dots/", {"dots": 1}),
        ("rating", f"/{code}/me/{statement_id}/rating/", {"rating": "neutral"}),
    ):
        client.post(path, data)  # once to warm caches (translations, templates)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(path, data)
        if response.status_code != 200 or b'role="alert"' in response.content:
            raise RuntimeError(f"{name}: the in-process request failed ({response.status_code})")
        counts[name] = len(queries)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=harness.SERVERS, default="daphne")
    parser.add_argument("--seconds", type=float, default=10, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each kind; medians are reported")
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", action="store_true", help="also print every run as JSON")
    args = parser.parse_args()

    env, workdir = harness.scratch_env()
    os.environ.update(env)
    harness.prepare_dotvote(env)
    harness.prepare_baseline(env, args.participants)

    import django

    django.setup()
    workshop = harness.voting_workshop(args.participants)
    statement_ids = list(workshop.statements.order_by("position").values_list("pk", flat=True))

    vote_port, bare_port = harness.free_port(), harness.free_port()
    specs = [
        (harness.server_command(args.server, "dotvote.asgi:application", vote_port), env, harness.BASE,
         vote_port),
        (harness.server_command(args.server, "bare.asgi:application", bare_port),
         harness.baseline_env(env), harness.BASELINE, bare_port),
    ]  # fmt: skip
    runs = {"bare": [], "dots": [], "rating": []}
    try:
        with harness.servers(specs) as (vote_server, bare_server):
            phones = [harness.join_phone(vote_port, workshop.code) for _ in range(args.participants)]
            queries = count_queries(phones[0], workshop.code, statement_ids[0])
            votes = harness.phones_file(workdir / "phones.tsv", workshop.code, phones, statement_ids)
            counters = workdir / "counters.tsv"
            counters.write_text("".join(f"{n}\n" for n in range(1, args.participants + 1)))
            urls = {"bare": f"http://127.0.0.1:{bare_port}", "dots": f"http://127.0.0.1:{vote_port}"}
            urls["rating"] = urls["dots"]
            files = {"bare": counters, "dots": votes, "rating": votes}
            pids = {"bare": bare_server.pid, "dots": vote_server.pid, "rating": vote_server.pid}
            for mode in runs:  # warm-up, not counted
                harness.wrk(urls[mode], mode, files[mode], 2, args.threads, args.connections)
            for _ in range(args.rounds):
                for mode in runs:  # alternating, so that a neighbour's load hits all kinds alike
                    cpu = harness.cpu_seconds(pids[mode])
                    run = harness.wrk(
                        urls[mode], mode, files[mode], args.seconds, args.threads, args.connections
                    )
                    # The server's own CPU per request: steadier than req/s when neighbours load the machine.
                    run["cpu_ms"] = 1000 * (harness.cpu_seconds(pids[mode]) - cpu) / max(1, run["requests"])
                    runs[mode].append(run)
                    time.sleep(1)
    finally:
        workshop.delete()

    bare, dots, rating = (harness.med(runs[m], "rps") for m in ("bare", "dots", "rating"))
    failures = {m: sum(r["failures"] for r in runs[m]) for m in runs}
    label = f"{args.server}, {harness.backend_label()}, 1 process"
    print(f"\n{args.rounds} rounds of {args.seconds:g} s, wrk -t{args.threads} -c{args.connections}, "
          f"{args.participants} phones, commit {harness.commit()}\n")  # fmt: skip
    print("| server, back end | bare POST req/s | Dotvote vote req/s | ratio |")
    print("|---|---|---|---|")
    print(f"| {label} | {bare:.0f} | {dots:.0f} | {100 * dots / bare:.0f} % |")
    print()
    print(
        "| server, back end | rating req/s | ratio | vote p50 / p99 ms | queries per vote / rating "
        "| failures bare / vote / rating |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| {label} | {rating:.0f} | {100 * rating / bare:.0f} % "
        f"| {harness.med(runs['dots'], 'p50_ms'):.0f} / {harness.med(runs['dots'], 'p99_ms'):.0f} "
        f"| {queries['dots']} / {queries['rating']} "
        f"| {failures['bare']} / {failures['dots']} / {failures['rating']} |"
    )
    cpu = {m: harness.med(runs[m], "cpu_ms") for m in runs}
    print()
    print("| server, back end | server CPU ms per bare POST / vote / rating | bare / vote | load average |")
    print("|---|---|---|---|")
    print(
        f"| {label} | {cpu['bare']:.1f} / {cpu['dots']:.1f} / {cpu['rating']:.1f} "
        f"| {100 * cpu['bare'] / cpu['dots']:.0f} % | {' '.join(f'{x:.1f}' for x in os.getloadavg())} |"
    )
    if args.json:
        print(json.dumps({"runs": runs, "queries": queries}, indent=2))
    return 1 if any(failures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
