#!/usr/bin/env python
"""The projector's snapshot cost at 10, 100, 1,000 and 5,000 participants (not part of the tests).

    .venv/bin/python bench/snapshot.py                 # scratch SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dv_bench .venv/bin/python bench/snapshot.py
    .venv/bin/python bench/snapshot.py --sizes 10 100 --repeat 50

For each size it fills a PED workshop in voting with live results: every participant spends 10
dots (4/3/2/1, rotated over the statements), rates every statement and writes one SWOT note. It
then renders the projector's live partial exactly as the projector's socket does
(`ProjectorConsumer._render`: the workshop read, `projector.live_context`, the `_live.html`
template) and reports the median and p95 milliseconds of `--repeat` renders, the queries per
render and the snapshot's size. The join QR code is part of it, as on the socket.
"""

import argparse
import os
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

RATINGS = ["fully_agree", "partly_agree", "neutral", "partly_disagree", "fully_disagree", "cant_say"]


def filled_workshop(size: int):
    from workshops.models import Answer, Note, Participant

    workshop = harness.voting_workshop(size)
    statements = list(workshop.statements.order_by("position"))
    Participant.objects.bulk_create(Participant(workshop=workshop, number=n + 1) for n in range(size))
    people = list(workshop.participants.order_by("number"))
    answers, notes = [], []
    for n, person in enumerate(people):
        for i, statement in enumerate(statements):
            dots = [4, 3, 2, 1][(i + n) % 4]
            answers.append(
                Answer(participant=person, statement=statement, dots=dots, rating=RATINGS[(n + i) % 6])
            )
        notes.append(
            Note(participant=person, statement=statements[n % 4], kind="SWOT"[n % 4], text=f"Huomio {n}")
        )
    Answer.objects.bulk_create(answers, batch_size=2000)
    Note.objects.bulk_create(notes, batch_size=2000)
    return workshop


def snapshot_cost(workshop, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workshops.consumers import ProjectorConsumer

    consumer = ProjectorConsumer()
    consumer.scope = {"headers": [(b"host", b"192.168.1.10:8000")], "scheme": "ws"}
    consumer.workshop_id = workshop.pk
    consumer.language = workshop.language
    consumer.by_owner, consumer.key = False, workshop.projector_secret  # as a projector's cookie
    html = consumer._render()  # warm: templates compiled, translations loaded
    assert html and 'id="projector-live"' in html
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            consumer._render()
            times.append(time.perf_counter() - started)
    times.sort()
    return {
        "ms_median": 1000 * median(times),
        "ms_p95": 1000 * times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "queries": len(queries),
        "kb": len(html.encode()) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    env, _workdir = harness.scratch_env()
    os.environ.update(env)
    harness.prepare_dotvote(env)

    import django

    django.setup()
    rows = []
    for size in args.sizes:
        workshop = filled_workshop(size)
        try:
            rows.append((size, snapshot_cost(workshop, args.repeat)))
        finally:
            workshop.delete()
    label = harness.backend_label()
    print(f"\nprojector snapshot, {label}, {args.repeat} renders each, commit {harness.commit()}\n")
    print("| participants | render ms median / p95 | queries | snapshot KiB |")
    print("|---|---|---|---|")
    for size, cost in rows:
        ms = f"{cost['ms_median']:.1f} / {cost['ms_p95']:.1f}"
        print(f"| {size:,} | {ms} | {cost['queries']} | {cost['kb']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
