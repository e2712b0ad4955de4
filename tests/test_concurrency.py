"""Two phones, or one phone tapping twice: the budget holds under real concurrency (PostgreSQL)."""

import threading

import pytest
from django.db import connections

from workshops import services
from workshops.models import Answer, Phase, Statement

from .conftest import on_postgres

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_threads_never_exceed_the_budget(owner):
    if not on_postgres():
        pytest.skip("row locks are tested on PostgreSQL; SQLite serialises writers with IMMEDIATE")
    workshop = services.create_workshop(owner, "Kuormitus", template="blank")
    statements = [
        Statement.objects.create(workshop=workshop, position=i, short_name=f"S{i}", text=f"Väite {i}")
        for i in range(1, 21)
    ]
    services.set_phase(workshop, Phase.VOTING)
    participant = services.join(workshop)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def vote(statement) -> None:
        try:
            barrier.wait()
            # 20 requests of one dot each, on 20 different statements, against a budget of 10.
            services.set_dots(participant, statement.pk, 1)
            outcome = "ok"
        except services.OverBudget:
            outcome = "over budget"
        except Exception as exc:  # anything else is a failure of the rule
            outcome = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=vote, args=(s,)) for s in statements]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["ok"] * 10 + ["over budget"] * 10, outcomes
    assert sum(Answer.objects.filter(participant=participant).values_list("dots", flat=True)) == 10


def test_sqlite_takes_concurrent_votes_without_locking_errors(voting_workshop, statements):
    people = [services.join(voting_workshop) for _ in range(8)]
    errors: list[str] = []

    def vote(person) -> None:
        try:
            for statement in statements:
                services.set_dots(person, statement.pk, 2)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Answer.objects.filter(dots=2).count() == 32
