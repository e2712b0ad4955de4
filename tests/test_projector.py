"""The projector page and the facilitator's note moderation."""

import pytest
from django.urls import reverse

from workshops import services
from workshops.models import Note, NoteKind, Phase, Signature

pytestmark = pytest.mark.django_db


def projector_url(workshop, key=None) -> str:
    return reverse("projector", args=[workshop.code, key or workshop.projector_secret])


def projector_page(client, workshop, key=None):
    """The projector link, followed: its key is swapped for a cookie on the way."""
    return client.get(projector_url(workshop, key), follow=True)


def test_it_shows_the_join_code_qr_phase_and_participation(client, voting_workshop, participant):
    response = projector_page(client, voting_workshop)
    html = response.content.decode()
    assert response.status_code == 200
    assert voting_workshop.title in html
    assert voting_workshop.code in html
    assert "<svg" in html  # the join QR, drawn on the server
    assert "Äänestys" in html  # the phase, in the workshop's language
    assert "data-joined>1<" in html
    assert (
        f'ws-connect="/ws/workshops/{voting_workshop.code}/projector/"' in html  # no key in the socket's URL
    )


def test_it_answers_404_to_a_wrong_key(client, voting_workshop):
    assert client.get(projector_url(voting_workshop, key="guess")).status_code == 404


def test_it_answers_404_to_an_unknown_code(client, voting_workshop):
    url = reverse("projector", args=["ZZZZZZ", voting_workshop.projector_secret])
    assert client.get(url).status_code == 404


def test_the_owners_session_works_without_the_key(owner_client, voting_workshop):
    assert projector_page(owner_client, voting_workshop, key="guess").status_code == 200


def test_another_facilitators_session_does_not(client, voting_workshop, other_facilitator):
    client.force_login(other_facilitator)
    assert client.get(projector_url(voting_workshop, key="guess")).status_code == 404


def test_it_never_shows_a_name(client, voting_workshop, participant):
    services.sign(voting_workshop, "Maija Meikäläinen")
    assert Signature.objects.count() == 1
    assert "Meikäläinen" not in projector_page(client, voting_workshop).content.decode()


def test_hidden_results_show_participation_but_no_tallies(client, voting_workshop, participant, statements):
    services.set_dots(participant, statements[0].pk, 7)
    services.add_note(participant, statements[0].pk, NoteKind.STRENGTH, "Yhteinen ääni")
    html = projector_page(client, voting_workshop).content.decode()
    assert "data-joined>1<" in html
    assert "p-statement" not in html
    assert "Yhteinen ääni" not in html
    assert "data-dots" not in html


def test_revealed_results_show_every_statement_with_dots_share_and_score(
    client, voting_workshop, participant, statements
):
    services.set_dots(participant, statements[0].pk, 6)
    services.set_dots(participant, statements[1].pk, 4)
    services.set_rating(participant, statements[0].pk, "fully_agree")
    services.set_results_visibility(voting_workshop, "revealed")
    html = projector_page(client, voting_workshop).content.decode()
    assert html.count('class="p-statement"') == 4
    assert 'data-position="1" data-dots="6"' in html
    assert "60 %" in html and "40 %" in html
    assert "+10,0" in html  # one "fully agree": the score, in Finnish number format
    assert 'class="p-flag"' in html  # one rating is too few to read


def test_the_join_code_goes_when_the_workshop_closes(client, voting_workshop):
    services.set_phase(voting_workshop, Phase.CLOSED)
    html = projector_page(client, voting_workshop).content.decode()
    assert "<svg" not in html
    assert "data-code" not in html


def test_the_wall_leaves_out_hidden_notes_and_counts_the_rest(
    client, voting_workshop, participant, statements
):
    services.set_results_visibility(voting_workshop, "live")
    for i in range(10):
        services.add_note(participant, statements[0].pk, NoteKind.OPPORTUNITY, f"Mahdollisuus {i}")
    other = services.join(voting_workshop)  # one phone may write only 10 notes a minute
    rude, _created = services.add_note(other, statements[0].pk, NoteKind.THREAT, "Pekka on tyhmä")
    services.add_note(other, statements[0].pk, NoteKind.WEAKNESS, "<script>alert(1)</script>")
    services.set_note_hidden(voting_workshop, rude.pk, True)
    html = projector_page(client, voting_workshop).content.decode()
    assert "Pekka" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    # Eight are drawn on the statement's slide, newest first, the rest counted (the browser
    # leaves out those that do not fit and counts them too: test_presenter_browser).
    assert "Mahdollisuus 9" in html and "Mahdollisuus 2" in html and "Mahdollisuus 1" not in html
    assert "+2 lisää" in html


def test_a_hidden_note_stays_in_the_data_and_a_push_is_scheduled(
    voting_workshop, participant, statements, django_capture_on_commit_callbacks
):
    note, _created = services.add_note(participant, statements[0].pk, NoteKind.THREAT, "Nimi Nimi")
    with django_capture_on_commit_callbacks() as callbacks:
        services.set_note_hidden(voting_workshop, note.pk, True)
    assert len(callbacks) == 1
    note.refresh_from_db()
    assert note.hidden_on_projector and note.text == "Nimi Nimi"


def test_a_note_of_another_workshop_cannot_be_hidden(voting_workshop, other_facilitator):
    other = services.set_phase(services.create_workshop(other_facilitator, "Toinen"), Phase.VOTING)
    note, _created = services.add_note(
        services.join(other), other.statements.first().pk, NoteKind.STRENGTH, "Vieras"
    )
    with pytest.raises(services.InvalidInput):
        services.set_note_hidden(voting_workshop, note.pk, True)
    assert not Note.objects.get(pk=note.pk).hidden_on_projector


# --- The moderation page -------------------------------------------------------------------------


@pytest.fixture
def note(participant, statements):
    return services.add_note(participant, statements[1].pk, NoteKind.STRENGTH, "Kuntien yhteinen ääni")[0]


def test_it_lists_the_notes_for_the_owner(owner_client, voting_workshop, note):
    response = owner_client.get(reverse("workshop_notes", args=[voting_workshop.code]))
    assert response.status_code == 200
    assert "Kuntien yhteinen ääni" in response.content.decode()


def test_it_is_404_for_another_facilitator(client, other_facilitator, voting_workshop, note):
    client.force_login(other_facilitator)
    assert client.get(reverse("workshop_notes", args=[voting_workshop.code])).status_code == 404
    response = client.post(
        reverse("workshop_notes", args=[voting_workshop.code]), {"note_id": note.pk, "hidden": "1"}
    )
    assert response.status_code == 404
    assert not Note.objects.get(pk=note.pk).hidden_on_projector


def test_it_sends_anonymous_visitors_to_log_in(client, voting_workshop):
    response = client.get(reverse("workshop_notes", args=[voting_workshop.code]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_it_hides_and_shows_a_note_without_javascript(owner_client, voting_workshop, note):
    url = reverse("workshop_notes", args=[voting_workshop.code])
    response = owner_client.post(url, {"note_id": note.pk, "hidden": "1"})
    assert response.status_code == 302 and response.url.endswith(f"#note-{note.pk}")
    assert Note.objects.get(pk=note.pk).hidden_on_projector
    owner_client.post(url, {"note_id": note.pk, "hidden": "0"})
    assert not Note.objects.get(pk=note.pk).hidden_on_projector


def test_it_answers_htmx_with_the_notes_new_row(owner_client, voting_workshop, note):
    url = reverse("workshop_notes", args=[voting_workshop.code])
    response = owner_client.post(url, {"note_id": note.pk, "hidden": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<li id="note-{note.pk}"')
    assert 'name="hidden" value="0"' in html  # the button now puts it back


def test_it_shows_why_an_unknown_note_cannot_be_hidden(owner_client, voting_workshop):
    url = reverse("workshop_notes", args=[voting_workshop.code])
    response = owner_client.post(url, {"note_id": "999999", "hidden": "1"}, follow=True)
    assert 'class="message error"' in response.content.decode()
