"""The one tally function: the seed's worked example, a brute-force recount, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshops import services
from workshops.models import Answer, Rating
from workshops.tallies import NO_OPINION, SCORE_WEIGHTS, tally

pytestmark = pytest.mark.django_db


def test_the_worked_example_of_the_seed(worked_example):
    # Participant A: 5 dots on 1 at "fully agree", 2 on 2, 2 on 3, 1 on 4 at "fully disagree".
    result = tally(worked_example)

    assert [s.dots for s in result.statements] == [5, 2, 2, 1]
    assert [s.share for s in result.statements] == [50.0, 20.0, 20.0, 10.0]
    assert [s.supporters for s in result.statements] == [1, 1, 1, 1]
    first, second, _third, fourth = result.statements
    assert (first.columns[Rating.FULLY_AGREE].ticks, first.columns[Rating.FULLY_AGREE].dots) == (1, 5)
    assert first.score == 10 and fourth.score == -10
    assert (fourth.columns[Rating.FULLY_DISAGREE].ticks, fourth.columns[Rating.FULLY_DISAGREE].dots) == (1, 1)
    assert second.columns[NO_OPINION].dots == 2 and second.score is None and second.ratings == 0
    assert result.total_dots == 10 and result.participants == 1
    assert result.spent_all_dots == 1 and result.finished == 0  # two statements are unrated


def test_supporters_tell_one_big_giver_from_many_small_ones(voting_workshop, statements):
    one = services.join(voting_workshop)
    services.set_dots(one, statements[0].pk, 5)
    for _ in range(5):
        services.set_dots(services.join(voting_workshop), statements[1].pk, 1)
    first, second = tally(voting_workshop).statements[:2]
    assert (first.dots, first.supporters) == (5, 1)
    assert (second.dots, second.supporters) == (5, 5)


def test_flags_too_few_to_read_and_unclear(voting_workshop, statements):
    people = [services.join(voting_workshop) for _ in range(4)]
    for person in people[:3]:
        services.set_rating(person, statements[0].pk, Rating.CANT_SAY)
    services.set_rating(people[3], statements[0].pk, Rating.PARTLY_AGREE)
    for person in people[:3]:
        services.set_rating(person, statements[1].pk, Rating.PARTLY_AGREE)
    first, second = tally(voting_workshop).statements[:2]
    assert first.unclear and first.cant_say == 3
    assert first.score == 5  # "can't say" is never folded into the score
    assert first.too_few_to_read  # one scored rating out of four participants
    assert not second.too_few_to_read  # three of four is over two thirds
    assert not second.unclear


def test_finished_needs_every_dot_and_every_rating(participant, statements):
    services.set_dots(participant, statements[0].pk, 10)
    for statement in statements:
        services.set_rating(participant, statement.pk, Rating.NEUTRAL)
    result = tally(participant.workshop)
    assert (result.spent_all_dots, result.finished) == (1, 1)


def test_the_number_of_queries_does_not_grow_with_participants(voting_workshop, statements):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            tally(voting_workshop)
        return len(ctx.captured_queries)

    person = services.join(voting_workshop)
    services.set_dots(person, statements[0].pk, 3)
    services.add_note(person, statements[0].pk, "S", "Hyvä")
    few = queries()
    for i in range(20):
        person = services.join(voting_workshop)
        services.set_dots(person, statements[i % 4].pk, 3)
        services.set_rating(person, statements[i % 4].pk, Rating.PARTLY_AGREE)
        services.add_note(person, statements[i % 4].pk, "WSOT"[i % 4], f"Huomio {i}")
    assert queries() == few


ratings = st.one_of(st.none(), st.sampled_from(Rating.values))
participant_answers = st.lists(
    st.tuples(st.integers(min_value=0, max_value=6), ratings), min_size=4, max_size=4
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(participant_answers, min_size=1, max_size=6))
def test_tallies_equal_a_brute_force_recount(owner, people):
    workshop = services.create_workshop(owner, "Ominaisuustesti", template="ped")
    services.set_phase(workshop, "voting")
    statement_ids = list(workshop.statements.order_by("position").values_list("pk", flat=True))
    for answers in people:
        person = services.join(workshop)
        for statement_id, (dots, rating) in zip(statement_ids, answers, strict=True):
            try:
                services.set_dots(person, statement_id, dots)
            except services.OverBudget:
                pass
            services.set_rating(person, statement_id, rating)

    # Nobody ever spends more than the budget.
    for person in workshop.participants.all():
        assert sum(a.dots for a in person.answers.all()) <= workshop.dots_per_participant

    result = tally(workshop)
    rows = list(Answer.objects.filter(statement__workshop=workshop))
    total = sum(a.dots for a in rows)
    assert result.total_dots == total
    for st_tally in result.statements:
        mine = [a for a in rows if a.statement_id == st_tally.statement.pk]
        assert st_tally.dots == sum(a.dots for a in mine)
        assert st_tally.supporters == sum(1 for a in mine if a.dots > 0)
        for key in Rating.values:
            assert st_tally.columns[key].ticks == sum(1 for a in mine if a.rating == key)
            assert st_tally.columns[key].dots == sum(a.dots for a in mine if a.rating == key)
        assert st_tally.columns[NO_OPINION].dots == sum(a.dots for a in mine if a.rating is None)
        scored = [a for a in mine if a.rating in SCORE_WEIGHTS]
        expected = sum(SCORE_WEIGHTS[a.rating] for a in scored) / len(scored) if scored else None
        assert st_tally.score == expected
        if total:
            assert st_tally.share == pytest.approx(100 * st_tally.dots / total)


def test_the_projectors_tally_reads_only_the_newest_wall_notes_and_counts_the_same(
    voting_workshop, statements
):
    from workshops.models import Note

    for i in range(12):
        person = services.join(voting_workshop)
        services.set_dots(person, statements[i % 2].pk, 2)
        services.add_note(person, statements[0].pk, "SWOT"[i % 4], f"Huomio {i}")
        services.add_note(person, statements[1].pk, "S", f"Vahvuus {i}")
    first_notes = list(Note.objects.filter(statement=statements[0]).order_by("id"))
    Note.objects.filter(pk__in=[first_notes[-1].pk, first_notes[-3].pk]).update(hidden_on_projector=True)
    Note.objects.filter(pk=first_notes[-2].pk).update(awaiting_approval=True)

    full, wall = tally(voting_workshop), tally(voting_workshop, wall_notes=2)

    def on_wall(notes):
        return [n.pk for n in notes if not n.hidden_on_projector and not n.awaiting_approval]

    assert (wall.participants, wall.total_dots, wall.ratings, wall.notes) == (
        full.participants,
        full.total_dots,
        full.ratings,
        full.notes,
    )
    assert full.notes == 24
    for whole, newest in zip(full.statements, wall.statements, strict=True):
        assert (newest.dots, newest.share, newest.score) == (whole.dots, whole.share, whole.score)
        assert (newest.wall_so, newest.wall_wt) == (
            len(on_wall(whole.notes_so)),
            len(on_wall(whole.notes_wt)),
        )
        assert [n.pk for n in newest.notes_so] == on_wall(whole.notes_so)[:2]
        assert [n.pk for n in newest.notes_wt] == on_wall(whole.notes_wt)[:2]
    first = wall.statements[0]
    assert (first.wall_so, first.wall_wt) == (5, 4)  # 6 + 6 notes, 3 of the newest kept off the wall
