"""The run screen: join code and QR, phases and their countdown, results visibility, live counters."""

from datetime import timedelta

import pytest
import segno
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from workshops import services
from workshops.models import Phase, ResultsVisibility
from workshops.screens import run_live_context

pytestmark = pytest.mark.django_db


def run_url(workshop):
    return reverse("workshop_run", args=[workshop.code])


def post(client, name, workshop, data, **headers):
    return client.post(reverse(name, args=[workshop.code]), data, **headers)


def test_the_run_screen_shows_the_join_code_and_the_join_url(owner_client, workshop):
    page = owner_client.get(run_url(workshop)).text
    assert f'<p class="join-code">{workshop.code}</p>' in page
    assert f'href="http://testserver/{workshop.code}"' in page


def test_the_qr_code_is_made_from_the_exact_join_url(owner_client, workshop):
    page = owner_client.get(run_url(workshop), HTTP_HOST="192.168.1.20:8000").text
    join_url = f"http://192.168.1.20:8000/{workshop.code}"
    assert join_url in page
    expected = segno.make(join_url, error="m").svg_inline(scale=8, dark="#000", light="#fff", border=4)
    assert expected in page
    # ... and not from some other text: the code alone draws another symbol.
    assert (
        segno.make(workshop.code, error="m").svg_inline(scale=8, dark="#000", light="#fff", border=4)
        not in page
    )


@pytest.mark.parametrize("phase", [Phase.PAIR_TALK_1, Phase.PAIR_TALK_2, Phase.VOTING])
def test_a_timed_phase_starts_its_countdown(owner_client, workshop, phase):
    before = timezone.now()
    response = post(owner_client, "workshop_phase", workshop, {"phase": phase, "minutes": "7"})
    assert response.status_code == 302 and response.url == run_url(workshop)
    workshop.refresh_from_db()
    assert workshop.phase == phase
    assert before + timedelta(minutes=7) <= workshop.phase_ends_at <= timezone.now() + timedelta(minutes=7)
    assert workshop.timer_paused_seconds is None


def test_the_countdown_defaults_to_the_methods_ten_minutes(owner_client, workshop):
    post(owner_client, "workshop_phase", workshop, {"phase": Phase.PAIR_TALK_1, "minutes": ""})
    workshop.refresh_from_db()
    assert 9 * 60 < workshop.seconds_left() <= 10 * 60
    assert (
        'name="minutes" id="id_phase_minutes" min="1" max="180" value="10"'
        in owner_client.get(run_url(workshop)).text
    )


def test_closing_stops_the_countdown(owner_client, voting_workshop):
    post(
        owner_client,
        "workshop_phase",
        voting_workshop,
        {"phase": Phase.CLOSED, "minutes": "10", "confirm": "1"},
    )
    voting_workshop.refresh_from_db()
    assert voting_workshop.phase == Phase.CLOSED
    assert voting_workshop.seconds_left() is None


def test_it_goes_straight_from_draft_to_voting(owner_client, workshop):
    post(owner_client, "workshop_phase", workshop, {"phase": Phase.VOTING})
    workshop.refresh_from_db()
    assert workshop.phase == Phase.VOTING


@pytest.mark.parametrize("data", [{"phase": "lunch"}, {"phase": Phase.VOTING, "minutes": "0"}])
def test_it_refuses_an_unknown_phase_or_length(owner_client, workshop, data):
    response = post(owner_client, "workshop_phase", workshop, data, follow=True)
    assert 'class="message error"' in response.text
    workshop.refresh_from_db()
    assert workshop.phase == Phase.DRAFT


def test_a_workshop_without_statements_cannot_start(owner_client, owner):
    blank = services.create_workshop(owner, "Tyhjä", template="blank")
    response = post(owner_client, "workshop_phase", blank, {"phase": Phase.VOTING}, follow=True)
    blank.refresh_from_db()
    assert blank.phase == Phase.DRAFT
    with pytest.raises(services.InvalidInput) as refused:
        services.set_phase(blank, Phase.VOTING)
    assert refused.value.message in response.text


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.PAIR_TALK_1, Phase.PAIR_TALK_2, Phase.CLOSED])
def test_voting_writes_are_refused_outside_the_voting_phase(voting_workshop, statements, phase):
    participant = services.join(voting_workshop)
    services.set_dots(participant, statements[0].pk, 2)
    note, _created = services.add_note(participant, statements[0].pk, "S", "Vahvuus")
    services.set_phase(voting_workshop, phase)
    writes = [
        lambda: services.set_dots(participant, statements[0].pk, 5),
        lambda: services.set_rating(participant, statements[0].pk, "fully_agree"),
        lambda: services.add_note(participant, statements[0].pk, "W", "Heikkous"),
        lambda: services.edit_note(participant, note.pk, "O", "Muutettu"),
        lambda: services.delete_note(participant, note.pk),
    ]
    for write in writes:
        with pytest.raises(services.VotingNotOpen):
            write()
    answer = participant.answers.get()
    assert (answer.dots, answer.rating) == (2, None)
    assert [(n.kind, n.text) for n in participant.notes.all()] == [("S", "Vahvuus")]


def test_pause_resume_and_extend(owner_client, voting_workshop):
    post(owner_client, "workshop_timer", voting_workshop, {"action": "pause"})
    voting_workshop.refresh_from_db()
    paused = voting_workshop.timer_paused_seconds
    assert paused is not None and 9 * 60 < paused <= 10 * 60
    assert f'data-paused-seconds="{paused}"' in owner_client.get(run_url(voting_workshop)).text

    post(owner_client, "workshop_timer", voting_workshop, {"minutes": "5"})
    voting_workshop.refresh_from_db()
    assert voting_workshop.timer_paused_seconds == paused + 5 * 60

    post(owner_client, "workshop_timer", voting_workshop, {"action": "resume"})
    voting_workshop.refresh_from_db()
    assert voting_workshop.timer_paused_seconds is None
    assert abs(voting_workshop.seconds_left() - (paused + 300)) <= 2

    post(owner_client, "workshop_timer", voting_workshop, {"minutes": "1"})
    voting_workshop.refresh_from_db()
    assert abs(voting_workshop.seconds_left() - (paused + 360)) <= 2


def test_an_unknown_timer_control_changes_nothing(owner_client, voting_workshop):
    ends = voting_workshop.phase_ends_at
    response = post(owner_client, "workshop_timer", voting_workshop, {"action": "rewind"}, follow=True)
    assert 'class="message error"' in response.text
    voting_workshop.refresh_from_db()
    assert voting_workshop.phase_ends_at == ends


def test_results_are_hidden_by_default_and_can_go_live_or_be_revealed(owner_client, workshop):
    assert workshop.results_visibility == ResultsVisibility.HIDDEN
    page = owner_client.get(run_url(workshop)).text
    assert 'value="hidden" class="" aria-pressed="true"' in page
    for visibility in [ResultsVisibility.LIVE, ResultsVisibility.REVEALED, ResultsVisibility.HIDDEN]:
        post(owner_client, "workshop_results", workshop, {"visibility": visibility})
        workshop.refresh_from_db()
        assert workshop.results_visibility == visibility
    post(owner_client, "workshop_results", workshop, {"visibility": "everyone"})
    workshop.refresh_from_db()
    assert workshop.results_visibility == ResultsVisibility.HIDDEN


def test_an_htmx_control_answers_with_the_controls_and_the_live_part_out_of_band(owner_client, workshop):
    response = post(
        owner_client, "workshop_phase", workshop, {"phase": Phase.PAIR_TALK_1}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="run-controls"')
    assert (
        '<section id="run-live" class="run-live" aria-labelledby="run-live-heading" hx-swap-oob="true">'
        in (response.text)
    )
    assert 'aria-current="step"' in response.text


def test_an_htmx_refusal_is_shown_in_the_controls(owner_client, owner):
    blank = services.create_workshop(owner, "Tyhjä", template="blank")
    response = post(owner_client, "workshop_phase", blank, {"phase": Phase.VOTING}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'class="message error" role="alert"' in response.text


def test_the_counters_are_correct_on_every_load(owner_client, voting_workshop, statements):
    a, b, c = (services.join(voting_workshop) for _ in range(3))
    for statement, dots in zip(statements, [5, 2, 2, 1], strict=True):  # the seed's participant A
        services.set_dots(a, statement.pk, dots)
        services.set_rating(a, statement.pk, "fully_agree")
    services.set_dots(b, statements[0].pk, 10)
    services.set_rating(b, statements[1].pk, "neutral")
    services.add_note(c, statements[0].pk, "S", "Hyvä")
    services.add_note(c, statements[1].pk, "T", "Uhka")
    html = owner_client.get(run_url(voting_workshop)).text
    counters = html[html.index('<dl class="counters">') : html.index("</dl>")]
    values = [int(part.split("</dd>")[0]) for part in counters.split("<dd>")[1:]]
    # joined, spent all dots, finished, ratings, notes
    assert values == [3, 2, 1, 5, 2]


def test_the_live_part_renders_without_a_request(voting_workshop):
    # The projector's consumer renders the same partial from the same context, with no request.
    html = render_to_string("workshops/facilitator/run.html#live", run_live_context(voting_workshop))
    assert html.lstrip().startswith('<section id="run-live"')
    assert "data-countdown" in html


def test_the_run_screen_costs_the_same_queries_however_many_voted(owner_client, voting_workshop, statements):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(run_url(voting_workshop)).status_code == 200
        return len(captured)

    services.add_note(services.join(voting_workshop), statements[0].pk, "S", "Ensimmäinen")
    few = queries()
    for _ in range(20):
        participant = services.join(voting_workshop)
        services.set_dots(participant, statements[1].pk, 3)
        services.set_rating(participant, statements[1].pk, "partly_agree")
        services.add_note(participant, statements[2].pk, "W", "Heikkous")
    assert queries() == few
