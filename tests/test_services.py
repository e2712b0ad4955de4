"""The rules of a vote, as the service layer enforces them."""

import pytest
from django.db import IntegrityError, transaction

from workshops import services
from workshops.models import (
    Answer,
    Note,
    Participant,
    Phase,
    Rating,
    Signature,
    Workshop,
    normalise_join_code,
)

pytestmark = pytest.mark.django_db


def test_it_spends_exactly_the_budget_and_refuses_one_more(participant, statements):
    for statement, dots in zip(statements, [4, 3, 2, 1], strict=True):
        services.set_dots(participant, statement.pk, dots)
    with pytest.raises(services.OverBudget) as refused:
        services.set_dots(participant, statements[3].pk, 2)
    assert "0" in refused.value.message
    assert sum(Answer.objects.filter(participant=participant).values_list("dots", flat=True)) == 10
    assert Answer.objects.get(participant=participant, statement=statements[3]).dots == 1


def test_it_lets_dots_move_between_statements(participant, statements):
    services.set_dots(participant, statements[0].pk, 10)
    services.set_dots(participant, statements[0].pk, 6)
    services.set_dots(participant, statements[1].pk, 4)
    assert services.set_dots(participant, statements[1].pk, 4).dots == 4


def test_it_refuses_negative_and_non_numeric_dots(participant, statements):
    with pytest.raises(services.InvalidInput):
        services.set_dots(participant, statements[0].pk, -1)
    with pytest.raises(services.InvalidInput):
        services.set_dots(participant, statements[0].pk, "many")
    assert not Answer.objects.exists()


def test_it_enforces_the_cap_per_statement(voting_workshop, statements):
    voting_workshop.max_dots_per_statement = 3
    voting_workshop.save()
    participant = services.join(voting_workshop)
    services.set_dots(participant, statements[0].pk, 3)
    with pytest.raises(services.OverStatementCap):
        services.set_dots(participant, statements[0].pk, 4)


def test_it_refuses_a_statement_of_another_workshop(participant, owner):
    elsewhere = services.create_workshop(owner, "Toinen", template="ped")
    foreign = elsewhere.statements.first()
    with pytest.raises(services.UnknownStatement):
        services.set_dots(participant, foreign.pk, 1)
    with pytest.raises(services.UnknownStatement):
        services.set_rating(participant, foreign.pk, Rating.NEUTRAL)
    with pytest.raises(services.UnknownStatement):
        services.add_note(participant, foreign.pk, "S", "Hyvä")
    assert not Answer.objects.exists() and not Note.objects.exists()


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.PAIR_TALK_1, Phase.PAIR_TALK_2, Phase.CLOSED])
def test_it_refuses_every_write_outside_voting(participant, statements, phase):
    services.set_dots(participant, statements[0].pk, 2)
    note, _created = services.add_note(participant, statements[0].pk, "S", "Hyvä")
    services.set_phase(participant.workshop, phase)
    with pytest.raises(services.VotingNotOpen):
        services.set_dots(participant, statements[0].pk, 3)
    with pytest.raises(services.VotingNotOpen):
        services.set_rating(participant, statements[0].pk, Rating.NEUTRAL)
    with pytest.raises(services.VotingNotOpen):
        services.add_note(participant, statements[0].pk, "W", "Heikko")
    with pytest.raises(services.VotingNotOpen):
        services.edit_note(participant, note.pk, "W", "Muutettu")
    with pytest.raises(services.VotingNotOpen):
        services.delete_note(participant, note.pk)
    assert Answer.objects.get().dots == 2
    assert Note.objects.get().text == "Hyvä"


def test_it_refuses_long_or_empty_notes_and_unknown_kinds(participant, statements):
    services.add_note(participant, statements[0].pk, "O", "ä" * 500)
    with pytest.raises(services.InvalidInput) as refused:
        services.add_note(participant, statements[0].pk, "O", "ä" * 501)
    assert "500" in refused.value.message
    with pytest.raises(services.InvalidInput):
        services.add_note(participant, statements[0].pk, "O", "   ")
    with pytest.raises(services.InvalidInput):
        services.add_note(participant, statements[0].pk, "X", "Jotain")
    assert Note.objects.count() == 1


def test_a_participant_cannot_touch_another_participants_note(voting_workshop, statements):
    alice, bob = services.join(voting_workshop), services.join(voting_workshop)
    note, _created = services.add_note(alice, statements[0].pk, "T", "Uhka")
    with pytest.raises(services.InvalidInput):
        services.edit_note(bob, note.pk, "T", "Kaapattu")
    with pytest.raises(services.InvalidInput):
        services.delete_note(bob, note.pk)
    assert Note.objects.get().text == "Uhka"


def test_the_author_edits_and_deletes_a_note_while_voting(participant, statements):
    note, _created = services.add_note(participant, statements[0].pk, "S", "Vahvuus")
    services.edit_note(participant, note.pk, "O", "Mahdollisuus")
    note.refresh_from_db()
    assert (note.kind, note.text) == ("O", "Mahdollisuus")
    services.delete_note(participant, note.pk)
    assert not Note.objects.exists()


def test_a_rating_is_one_per_statement_and_can_be_cleared(participant, statements):
    services.set_rating(participant, statements[0].pk, Rating.FULLY_AGREE)
    services.set_rating(participant, statements[0].pk, Rating.CANT_SAY)
    assert Answer.objects.get().rating == Rating.CANT_SAY
    services.set_rating(participant, statements[0].pk, "")
    assert Answer.objects.get().rating is None
    with pytest.raises(services.InvalidInput):
        services.set_rating(participant, statements[0].pk, "sort_of")


def test_participants_are_numbered_in_joining_order(voting_workshop, owner):
    numbers = [services.join(voting_workshop).number for _ in range(3)]
    other = services.create_workshop(owner, "Toinen", template="ped")
    assert numbers == [1, 2, 3]
    assert services.join(other).number == 1


def test_joining_stops_at_the_participant_limit(voting_workshop):
    voting_workshop.participant_limit = 2
    voting_workshop.save()
    services.join(voting_workshop)
    services.join(voting_workshop)
    with pytest.raises(services.WorkshopFull):
        services.join(voting_workshop)
    assert Participant.objects.count() == 2


def test_signatures_are_kept_apart_from_answers(voting_workshop):
    services.sign(voting_workshop, "  Maija   Meikäläinen ")
    assert Signature.objects.get().name == "Maija Meikäläinen"
    assert not any(f.name == "participant" for f in Signature._meta.get_fields())
    with pytest.raises(services.InvalidInput):
        services.sign(voting_workshop, "x" * 81)


def test_join_codes_are_unique_and_match_case_insensitively(owner):
    codes = {services.create_workshop(owner, f"W{i}", template="blank").code for i in range(50)}
    assert len(codes) == 50
    assert all(set(code) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for code in codes)
    code = next(iter(codes))
    typed = " " + code[:3].lower() + " " + code[3:].lower()
    assert Workshop.objects.get(code=normalise_join_code(typed)).code == code
    with pytest.raises(IntegrityError), transaction.atomic():
        Workshop.objects.filter(code=code).update(code=next(iter(codes - {code})))


def test_the_database_refuses_negative_dots_and_double_rows(participant, statements):
    services.set_dots(participant, statements[0].pk, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(participant=participant, statement=statements[0], dots=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.filter(participant=participant).update(dots=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.filter(participant=participant).update(rating="sort_of")


def test_a_vote_tells_the_live_group_after_commit(
    participant, statements, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        services.set_dots(participant, statements[0].pk, 1)
    assert len(callbacks) == 1
