"""One phone sending ideas in a burst (or twice over shaky wifi): the cap per participant holds."""

import threading

import pytest
from django.db import connections

from workshops import services
from workshops.models import Phase, Proposal

pytestmark = pytest.mark.django_db(transaction=True)


def test_twelve_ideas_sent_at_once_never_pass_the_cap(owner):
    workshop = services.create_workshop(owner, "Ideat", template="blank")
    services.update_workshop(workshop, collect_ideas=True)
    services.set_phase(workshop, Phase.IDEAS)
    participant = services.join(workshop)
    barrier = threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()

    def send(i: int) -> None:
        try:
            barrier.wait()
            services.propose(participant, "", f"Idea {i}")
            outcome = "ok"
        except services.InvalidInput:
            outcome = "over the cap"
        except Exception as exc:  # anything else (a lock error) is a failure of the rule
            outcome = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    cap = services.IDEAS_PER_PARTICIPANT
    assert sorted(outcomes) == ["ok"] * cap + ["over the cap"] * (12 - cap), outcomes
    assert Proposal.objects.filter(participant=participant).count() == cap
