#!/usr/bin/env python
"""1 vs 2 daphne workers behind nginx (deploy/run.py), PostgreSQL + Redis (not part of the tests).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dv_bench_load REDIS_URL=redis://127.0.0.1:6379/4 \\
      .venv/bin/python bench/scale.py [--workers 1 2] [--rounds 3] [--seconds 10]

Starts one layout per worker count (nginx + N daphne, as deploy/run.py does), lets 200 phones join
through the first proxy, then runs wrk (2 threads, 32 connections, bench/vote.lua's dot votes)
against each layout in turn, `--rounds` times, and prints the medians.
"""

import argparse
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--participants", type=int, default=200)
    args = parser.parse_args()
    env, workdir = harness.scratch_env()
    if not (env["DATABASE_URL"].startswith("postgres") and env.get("REDIS_URL")):
        parser.error("the workers share state through PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    os.environ.update(env)
    harness.prepare_dotvote(env)
    import django

    django.setup()
    from deploy.run import Layout

    workshop = harness.voting_workshop(args.participants)
    ids = list(workshop.statements.order_by("position").values_list("pk", flat=True))
    runs = {n: [] for n in args.workers}
    try:
        with ExitStack() as stack:
            layouts = {
                n: stack.enter_context(
                    Layout(
                        n,
                        f"127.0.0.1:{harness.free_port()}",
                        workdir / f"deploy-{n}",
                        env,
                        Path(env["STATIC_ROOT"]),
                    )  # fmt: skip
                )
                for n in args.workers
            }
            first = layouts[args.workers[0]]
            port = int(first.url.rsplit(":", 1)[1])
            phones = [harness.join_phone(port, workshop.code) for _ in range(args.participants)]
            votes = harness.phones_file(workdir / "phones.tsv", workshop.code, phones, ids)
            for layout in layouts.values():  # warm-up
                harness.wrk(layout.url, "dots", votes, 2, 2, args.connections)
            for _ in range(args.rounds):
                for n, layout in layouts.items():
                    runs[n].append(harness.wrk(layout.url, "dots", votes, args.seconds, 2, args.connections))
                    time.sleep(1)
    finally:
        workshop.delete()
    label = f"{harness.backend_label()}, wrk -t2 -c{args.connections}"
    print(f"\nbehind nginx, {label}, medians of {args.rounds}, commit {harness.commit()}\n")
    print("| daphne workers | vote req/s | vote p50 / p99 ms | failures |")
    print("|---|---|---|---|")
    for n, rs in runs.items():
        rps, p50, p99 = (median(r[k] for r in rs) for k in ("rps", "p50_ms", "p99_ms"))
        print(f"| {n} | {rps:.0f} | {p50:.0f} / {p99:.0f} | {sum(r['failures'] for r in rs)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
