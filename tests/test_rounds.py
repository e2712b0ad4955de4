"""Rounds: the same statements voted on again, phones carried over by their cookie."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from workshops import screens, services
from workshops.models import Answer, Participant, Phase, Rating, ResultsVisibility, Workshop

pytestmark = pytest.mark.django_db


def test_round_2_has_the_same_statements_and_settings_and_takes_the_join_code(worked_example, owner):
    round_1 = worked_example
    services.update_workshop(round_1, participant_limit=77)
    Workshop.objects.filter(pk=round_1.pk).update(notes_need_approval=True, close_when_time_is_up=True)
    round_1.helpers.add(
        type(owner).objects.create_user("carol", password="carol-pass-123"),
    )
    code = round_1.code
    with pytest.raises(services.InvalidInput):
        services.start_next_round(round_1)  # still voting
    services.set_phase(round_1, Phase.CLOSED)
    round_2 = services.start_next_round(round_1)
    round_1.refresh_from_db()

    assert (round_2.code, round_2.round_number, round_2.previous_round) == (code, 2, round_1)
    assert round_1.code != code and round_1.phase == Phase.CLOSED
    assert round_2.phase == Phase.DRAFT and not round_2.participants.exists()
    assert round_2.participant_limit == 77 and round_2.projector_secret == round_1.projector_secret
    assert round_2.notes_need_approval and round_2.close_when_time_is_up
    assert [(s.position, s.short_name, s.text) for s in round_2.statements.all()] == [
        (s.position, s.short_name, s.text) for s in round_1.statements.all()
    ]
    assert [u.username for u in round_2.helpers.all()] == ["carol"]
    assert Answer.objects.filter(participant__workshop=round_1).count() == 4
    with pytest.raises(services.InvalidInput):
        services.start_next_round(round_1)  # only one next round
    # Round 1 is now closed for good: its paper sheets can no longer change.
    with pytest.raises(services.VotingNotOpen):
        services.ensure_paper_editable(round_1)


def test_a_round_1_phone_lands_in_round_2_by_its_cookie(owner_client, voting_workshop):
    phone = Client()
    code = voting_workshop.code
    assert phone.post(reverse("join", args=[code])).status_code == 302
    round_1_participant = Participant.objects.get(workshop=voting_workshop)
    statement = voting_workshop.statements.order_by("position").first()
    phone.post(reverse("participant_dots", args=[code, statement.pk]), {"dots": 3})

    services.set_phase(voting_workshop, Phase.CLOSED)
    response = owner_client.post(reverse("next_round", args=[code]))
    assert response.status_code == 302 and response.url == reverse("workshop_run", args=[code])
    round_2 = Workshop.objects.get(code=code)
    services.set_phase(round_2, Phase.VOTING)

    # The same phone, nothing typed: its cookie opens round 2's vote page.
    page = phone.get(reverse("participant_home", args=[code]))
    assert page.status_code == 200
    assert page.templates[0].name == "workshops/participant/vote.html"
    carried = Participant.objects.get(workshop=round_2)
    assert carried.number == 1
    new_statement = round_2.statements.order_by("position").first()
    assert (
        phone.post(reverse("participant_dots", args=[code, new_statement.pk]), {"dots": 6}).status_code == 302
    )
    assert Answer.objects.get(participant=carried).dots == 6
    # Round 1's answers stay with round 1.
    assert Answer.objects.get(participant=round_1_participant).dots == 3
    # A second visit does not make a second participant.
    phone.get(reverse("participant_home", args=[code]))
    assert round_2.participants.count() == 1
    # A phone that was never here still has to join.
    assert Client().get(reverse("participant_home", args=[code])).status_code == 302


def test_a_cookie_of_another_workshop_does_not_carry(voting_workshop, owner):
    other = services.set_phase(services.create_workshop(owner, "Other"), Phase.VOTING)
    stranger = services.join(other)
    services.set_phase(voting_workshop, Phase.CLOSED)
    round_2 = services.set_phase(services.start_next_round(voting_workshop), Phase.VOTING)
    assert services.carry_into_round(round_2, stranger.token) is None


def test_round_2_of_the_worked_example_shows_the_changes_in_the_report(
    owner_client, worked_example, statements
):
    services.set_phase(worked_example, Phase.CLOSED)
    round_2 = services.set_phase(services.start_next_round(worked_example), Phase.VOTING)
    # Participant A again, with other votes: 2/3/3/2, partly agree on 1, nothing ticked on 4.
    a = services.join(round_2)
    new = list(round_2.statements.order_by("position"))
    for statement, dots in zip(new, [2, 3, 3, 2], strict=True):
        services.set_dots(a, statement.pk, dots)
    services.set_rating(a, new[0].pk, Rating.PARTLY_AGREE)

    rows = screens.round_comparison(round_2)["rows"]
    assert [(r["before"].tally.dots, r["now"].tally.dots, r["dots"]["arrow"]) for r in rows] == [
        (5, 2, "▼"),
        (2, 3, "▲"),
        (2, 3, "▲"),
        (1, 2, "▲"),
    ]
    assert screens.round_comparison(worked_example) is None

    html = owner_client.get(reverse("report", args=[round_2.code])).content.decode()
    assert "Kierros 2" in html or "Round 2" in html
    # Statement 1: dots 5 -> 2, share 50.0 % -> 20.0 %, score +10.0 -> +5.0 (Finnish decimals).
    assert '▼</span> <span class="visually-hidden">' in html
    for text in ["−3", "−30,0", "−5,0", "+1", "+10,0", "+5,0"]:
        assert text in html, text
    # Statement 4 had a score in round 1 and none in round 2: no change can be read.
    assert rows[3]["score"]["text"] == "–"

    # The projector: hidden results hide the rounds too.
    hidden = owner_client.get(reverse("projector_screen", args=[round_2.code])).content.decode()
    assert 'data-slide-key="rounds"' not in hidden and "−30,0" not in hidden
    # Once results are shown: the rounds slide after the overview, with the report's figures.
    services.set_results_visibility(round_2, ResultsVisibility.REVEALED)
    services.set_projector_slide(round_2, "rounds")
    page = owner_client.get(reverse("projector_screen", args=[round_2.code]))
    slide = _slide(page.content.decode(), "rounds")
    keys = re.findall(r'data-slide-key="([^"]+)"', page.content.decode())
    assert keys.index("rounds") == keys.index("overview") + 1
    assert "Kierros 2 ja kierros 1 rinnakkain" in slide or "Round 2 beside round 1" in slide
    figures = {
        (position, figure): _words(cell)
        for position, row in re.findall(r'<tr data-position="(\d+)">(.*?)</tr>', slide, re.S)
        for figure, cell in re.findall(r'data-figure="(\w+)">(.*?)</td>', row, re.S)
    }
    # Before → now, then the arrow, the word for screen readers and the signed change.
    assert figures[("1", "dots")] == "5 → 2 ▼ laski −3"
    assert figures[("1", "share")] == "50,0 → 20,0 ▼ laski −30,0"
    assert figures[("1", "score")] == "+10,0 → +5,0 ▼ laski −5,0"
    assert figures[("2", "dots")] == "2 → 3 ▲ nousi +1"
    assert figures[("2", "share")] == "20,0 → 30,0 ▲ nousi +10,0"
    assert figures[("2", "score")] == "– → – –"
    assert figures[("4", "dots")] == "1 → 2 ▲ nousi +1"
    assert figures[("4", "score")] == "−10,0 → – –"
    # The console's slide list offers it too.
    run = owner_client.get(reverse("workshop_run", args=[round_2.code])).content.decode()
    assert 'value="rounds"' in run


def _slide(html: str, key: str) -> str:
    start = html.index(f'data-slide-key="{key}"')
    return html[start : html.index("</section>", start)]


def _words(cell: str) -> str:
    """A cell's text as read aloud and seen, without the hidden round names: tags dropped."""
    cell = re.sub(r'<span class="visually-hidden">Kierros \d+:</span>', "", cell)
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def test_only_the_owner_starts_a_round(client, other_facilitator, workshop):
    services.set_phase(workshop, Phase.CLOSED)
    client.force_login(other_facilitator)
    assert client.post(reverse("next_round", args=[workshop.code])).status_code == 404
    assert not Workshop.objects.filter(previous_round=workshop).exists()


def test_the_console_offers_the_next_round_once_closed(owner_client, workshop):
    url = reverse("next_round", args=[workshop.code])
    assert url not in owner_client.get(reverse("workshop_run", args=[workshop.code])).content.decode()
    services.set_phase(workshop, Phase.CLOSED)
    assert url in owner_client.get(reverse("workshop_run", args=[workshop.code])).content.decode()


def test_a_reworded_statement_is_still_its_slot_and_many_statements_take_two_rounds_slides(workshop):
    from workshops import qr, tallies

    for i in range(5, 9):  # eight statements in all
        services.add_statement(workshop, f"Lisä {i}", f"Lisäväite {i}.")
    services.set_phase(workshop, Phase.VOTING)
    a = services.join(workshop)
    first = list(workshop.statements.order_by("position"))
    services.set_dots(a, first[1].pk, 4)
    services.set_phase(workshop, Phase.CLOSED)
    round_2 = services.start_next_round(Workshop.objects.get(pk=workshop.pk))
    second = list(round_2.statements.order_by("position"))
    services.edit_statement(round_2, second[1].pk, "Uusi nimi", "Toisin sanottu väite.")
    services.set_phase(round_2, Phase.VOTING)
    services.set_dots(services.join(round_2), second[1].pk, 1)
    services.set_results_visibility(round_2, ResultsVisibility.REVEALED)

    rows = screens.round_comparison(round_2)["rows"]
    assert len(rows) == 8
    assert (rows[1]["statement"].short_name, rows[1]["before"].tally.dots, rows[1]["dots"]["text"]) == (
        "Uusi nimi",
        4,
        "−3",
    )
    slides, _current = screens.projector_deck(round_2, tallies.tally(round_2), qr.JoinAddress("http://x/"))
    rounds = [s for s in slides if s.partial == "rounds"]
    assert [s.key for s in rounds] == ["rounds", "rounds-2"]
    assert [len(s.data["rows"]) for s in rounds] == [screens.ROUNDS_PER_SLIDE, 8 - screens.ROUNDS_PER_SLIDE]
    with translation.override("en"):
        run = screens.run_live_context(round_2)
    assert [s["short"] for s in run["slides"] if s["key"].startswith("rounds")] == [
        "Rounds 1/2",
        "Rounds 2/2",
    ]


def test_a_second_click_on_start_round_2_says_the_round_has_started(owner_client, workshop):
    services.set_phase(workshop, Phase.CLOSED)
    url = reverse("next_round", args=[workshop.code])
    owner_client.post(url)
    again = owner_client.post(url)  # the join code now belongs to round 2
    assert "Kierros 2 on jo aloitettu" in again.content.decode()
    assert Workshop.objects.filter(round_number=3).count() == 0
