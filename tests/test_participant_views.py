"""The participant's phone without a browser: joining, the no-JavaScript forms, htmx partials, the cookie."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import HTMX, english_client
from workshops import services
from workshops.models import Answer, Note, Participant, Phase, Rating, ResultsVisibility, Signature
from workshops.views import participant as participant_views

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]


def joined(workshop, client=None) -> Client:
    client = client or english_client()
    response = client.post(reverse("join", args=[workshop.code]))
    assert response.status_code == 302, response.content
    return client


def me(workshop) -> str:
    return reverse("participant_home", args=[workshop.code])


def dots_url(workshop, statement) -> str:
    return reverse("participant_dots", args=[workshop.code, statement.pk])


def answers_of(participant) -> dict:
    return {a.statement.position: (a.dots, a.rating) for a in participant.answers.select_related("statement")}


# --- Joining ----------------------------------------------------------------------------------


def test_it_shows_the_workshop_on_a_get_and_creates_nobody(voting_workshop):
    response = english_client().get(f"/{voting_workshop.code}")
    assert response.status_code == 200
    page = response.content.decode()
    assert voting_workshop.title in page
    assert "Voting" in page
    assert ">Join</button>" in page
    assert f"/privacy/?workshop={voting_workshop.code}" in page
    assert Participant.objects.count() == 0


def test_joining_binds_the_participant_to_a_signed_httponly_cookie(voting_workshop):
    client = english_client()
    response = client.post(f"/{voting_workshop.code}")
    assert response.status_code == 302
    assert response["Location"] == me(voting_workshop)
    participant = Participant.objects.get()
    cookie = response.cookies[f"dotvote_{voting_workshop.code}"]
    assert cookie["httponly"]
    assert cookie.value != participant.token and cookie.value.startswith(participant.token + ":")  # signed
    assert client.get(me(voting_workshop)).status_code == 200


def test_coming_back_resumes_the_same_participant(voting_workshop):
    client = joined(voting_workshop)
    again = client.post(f"/{voting_workshop.code}")
    assert again.status_code == 302
    assert client.get(f"/{voting_workshop.code}")["Location"] == me(voting_workshop)
    assert Participant.objects.count() == 1


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{spaced}", "{hyphen}"])
def test_the_code_is_case_insensitive_and_tolerates_spaces(voting_workshop, typed):
    code = voting_workshop.code
    path = "/" + typed.format(
        code=code, lower=code.lower(), spaced=f"{code[:3]} {code[3:]}", hyphen=f"{code[:3]}-{code[3:]}"
    )
    response = english_client().get(path)
    assert response.status_code == 200
    assert voting_workshop.title in response.content.decode()


def test_an_unknown_code_gets_a_friendly_page_with_the_field(voting_workshop):
    response = english_client().get("/ZZZZZZ" if voting_workshop.code != "ZZZZZZ" else "/YYYYYY")
    assert response.status_code == 404
    page = response.content.decode()
    assert "No workshop with that code" in page
    assert 'name="code"' in page


def test_the_join_url_does_not_shadow_other_root_urls(voting_workshop):
    assert english_client().get("/privacy/").status_code == 200
    # Not the join code's shape: Django's own 404, not our join page.
    assert "No workshop with that code" not in english_client().get("/not-a-code-at-all").content.decode()


def test_the_front_page_field_leads_to_the_join_page(voting_workshop):
    client = english_client()
    response = client.get("/", {"code": f" {voting_workshop.code.lower()[:3]} {voting_workshop.code[3:]} "})
    assert response.status_code == 302
    assert response["Location"] == f"/{voting_workshop.code}"
    wrong = client.get("/", {"code": "abc"})
    assert wrong.status_code == 200
    assert "A join code has 6 letters and numbers" in wrong.content.decode()


def test_a_full_workshop_says_so(voting_workshop):
    voting_workshop.participant_limit = 1
    voting_workshop.save()
    joined(voting_workshop)
    response = english_client().post(f"/{voting_workshop.code}")
    assert response.status_code == 409
    assert "This workshop is full" in response.content.decode()
    assert Participant.objects.count() == 1


def test_a_closed_workshop_cannot_be_joined(workshop):
    services.set_phase(workshop, Phase.CLOSED)
    response = english_client().post(f"/{workshop.code}")
    assert "This workshop has closed." in response.content.decode()
    assert Participant.objects.count() == 0


# --- The rate limit ---------------------------------------------------------------------------


def test_joining_is_rate_limited_with_a_clear_page(voting_workshop, monkeypatch):
    monkeypatch.setattr(participant_views, "JOIN_RATE", "3/h")  # an hour: no window edge inside the test
    for _ in range(3):
        assert english_client().post(f"/{voting_workshop.code}").status_code == 302
    refused = english_client().post(f"/{voting_workshop.code}")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert Participant.objects.count() == 3


def test_the_rate_limit_never_blocks_a_hall_of_a_thousand_behind_one_address():
    from django_ratelimit.core import _split_rate

    count, seconds = _split_rate(participant_views.JOIN_RATE)
    # 1,000 joins within two minutes from one NAT address fall into windows of this length
    # without any one window passing the limit; a script is still held to a few per second.
    assert seconds >= 120 and count >= 1000 * 1.5
    assert count / seconds <= 5


def test_a_returning_phone_is_not_counted_against_the_limit(voting_workshop, monkeypatch):
    monkeypatch.setattr(participant_views, "JOIN_RATE", "1/h")
    client = joined(voting_workshop)
    for _ in range(3):
        assert client.post(f"/{voting_workshop.code}").status_code == 302


# --- Voting without JavaScript ----------------------------------------------------------------


def test_the_no_javascript_forms_vote_and_redirect(voting_workshop, statements):
    client = joined(voting_workshop)
    participant = Participant.objects.get()
    for statement, dots in zip(statements, [5, 2, 2, 1], strict=True):
        response = client.post(dots_url(voting_workshop, statement), {"dots": dots})
        assert response.status_code == 302
        assert response["Location"] == f"{me(voting_workshop)}#statement-{statement.pk}"
    for statement in statements:
        url = reverse("participant_rating", args=[voting_workshop.code, statement.pk])
        assert client.post(url, {"rating": Rating.FULLY_AGREE}).status_code == 302
    add = reverse("participant_note_add", args=[voting_workshop.code, statements[0].pk])
    assert client.post(add, {"kind": "S", "text": "Hyvä pohja yhteistyölle"}).status_code == 302
    note = Note.objects.get()
    edit = reverse("participant_note_edit", args=[voting_workshop.code, note.pk])
    assert client.post(edit, {"kind": "O", "text": "Mahdollisuus"}).status_code == 302
    note.refresh_from_db()
    assert (note.kind, note.text) == ("O", "Mahdollisuus")

    assert answers_of(participant) == {
        1: (5, "fully_agree"),
        2: (2, "fully_agree"),
        3: (2, "fully_agree"),
        4: (1, "fully_agree"),
    }
    page = client.get(me(voting_workshop)).content.decode()
    assert "Done: all dots spent and every statement rated." in page
    assert "Mahdollisuus" in page

    delete = reverse("participant_note_delete", args=[voting_workshop.code, note.pk])
    assert client.post(delete).status_code == 302
    assert not Note.objects.exists()


def test_a_refused_change_without_javascript_shows_the_reason_next_to_the_control(participant, statements):
    client = joined(participant.workshop)
    workshop = participant.workshop
    client.post(dots_url(workshop, statements[0]), {"dots": 10})
    response = client.post(dots_url(workshop, statements[1]), {"dots": 1})
    assert response.status_code == 400
    page = response.content.decode()
    assert "You have 10 dots in all and 0 left." in page
    assert (
        'data-dots="10"' in page
        and f'id="dots-{statements[1].pk}" data-save="dots-{statements[1].pk}" data-dots="0"' in page
    )


# --- Voting with htmx -------------------------------------------------------------------------


def test_an_htmx_change_answers_with_the_control_and_the_dots_left(voting_workshop, statements):
    client = joined(voting_workshop)
    response = client.post(dots_url(voting_workshop, statements[0]), {"dots": 3}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<form")
    assert f'id="dots-{statements[0].pk}"' in html
    assert "✓ Saved" in html
    assert 'hx-swap-oob="innerHTML"' in html and "<strong data-dots-left>7</strong>" in html


def test_the_eleventh_dot_is_refused_and_the_server_truth_shown(voting_workshop, statements):
    client = joined(voting_workshop)
    client.post(dots_url(voting_workshop, statements[0]), {"dots": 10}, **HTMX)
    response = client.post(dots_url(voting_workshop, statements[0]), {"dots": 11}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "You have 10 dots in all and 0 left." in html
    assert "<span data-count>10</span>" in html
    assert Answer.objects.get(statement=statements[0]).dots == 10


def test_sending_the_same_dots_again_is_harmless(voting_workshop, statements):
    client = joined(voting_workshop)
    for _ in range(3):
        client.post(dots_url(voting_workshop, statements[1]), {"dots": 4}, **HTMX)
    assert Answer.objects.get(statement=statements[1]).dots == 4


def test_a_note_sent_twice_is_saved_once_and_shown_escaped(voting_workshop, statements):
    client = joined(voting_workshop)
    url = reverse("participant_note_add", args=[voting_workshop.code, statements[2].pk])
    text = "Äänestys & öljy <script>alert(1)</script>"
    first = client.post(url, {"kind": "T", "text": text}, **HTMX).content.decode()
    client.post(url, {"kind": "T", "text": text}, **HTMX)
    assert Note.objects.count() == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first
    assert "<script>alert" not in first
    assert f'hx-swap-oob="beforeend:#notes-{statements[2].pk}"' in first


def test_a_refused_note_keeps_the_text_that_was_typed(voting_workshop, statements):
    client = joined(voting_workshop)
    url = reverse("participant_note_add", args=[voting_workshop.code, statements[0].pk])
    html = client.post(url, {"kind": "", "text": "Kesken jäänyt ajatus"}, **HTMX).content.decode()
    assert "Choose S, W, O or T for the note." in html
    assert "Kesken jäänyt ajatus</textarea>" in html
    assert not Note.objects.exists()


def test_without_a_cookie_an_htmx_request_is_sent_to_join(voting_workshop, statements):
    response = english_client().post(dots_url(voting_workshop, statements[0]), {"dots": 1}, **HTMX)
    assert response["HX-Redirect"] == f"/{voting_workshop.code}"
    assert not Answer.objects.exists()


# --- The cookie binding -----------------------------------------------------------------------


def test_a_second_phone_cannot_change_the_first_ones_answers(voting_workshop, statements):
    first = joined(voting_workshop)
    second = joined(voting_workshop)
    first.post(dots_url(voting_workshop, statements[0]), {"dots": 6})
    second.post(dots_url(voting_workshop, statements[0]), {"dots": 2})
    one, two = Participant.objects.order_by("number")
    assert answers_of(one) == {1: (6, None)}
    assert answers_of(two) == {1: (2, None)}


def test_another_participants_note_id_is_refused(voting_workshop, statements):
    first = joined(voting_workshop)
    second = joined(voting_workshop)
    first.post(
        reverse("participant_note_add", args=[voting_workshop.code, statements[0].pk]),
        {"kind": "S", "text": "Oma"},
    )
    note = Note.objects.get()
    edit = reverse("participant_note_edit", args=[voting_workshop.code, note.pk])
    delete = reverse("participant_note_delete", args=[voting_workshop.code, note.pk])
    refused = second.post(edit, {"kind": "W", "text": "Kaapattu"})
    assert refused.status_code == 404
    assert "That note is not yours or no longer exists." in refused.content.decode()
    assert "That note is not yours" in second.post(delete, **HTMX).content.decode()
    note.refresh_from_db()
    assert (note.kind, note.text) == ("S", "Oma")


def test_a_forged_cookie_binds_nobody(voting_workshop, statements):
    joined(voting_workshop)
    participant = Participant.objects.get()
    forger = english_client()
    forger.cookies[f"dotvote_{voting_workshop.code}"] = participant.token  # unsigned
    response = forger.post(dots_url(voting_workshop, statements[0]), {"dots": 3})
    assert response.status_code == 302
    assert response["Location"] == f"/{voting_workshop.code}"
    assert not Answer.objects.exists()


def test_a_cookie_of_one_workshop_is_nothing_in_another(voting_workshop, owner, statements):
    other = services.set_phase(services.create_workshop(owner, "Toinen"), Phase.VOTING)
    client = joined(voting_workshop)
    response = client.get(me(other))
    assert response["Location"] == f"/{other.code}"


# --- Phases -----------------------------------------------------------------------------------


def test_after_closing_a_change_is_refused_and_nothing_changes(voting_workshop, statements):
    client = joined(voting_workshop)
    client.post(dots_url(voting_workshop, statements[0]), {"dots": 4})
    services.set_phase(voting_workshop, Phase.CLOSED)
    response = client.post(dots_url(voting_workshop, statements[0]), {"dots": 5})
    assert response.status_code == 400
    assert "Voting is not open. Nothing was changed." in response.content.decode()
    htmx = client.post(dots_url(voting_workshop, statements[0]), {"dots": 6}, **HTMX).content.decode()
    assert "Voting is not open. Nothing was changed." in htmx
    assert "<span data-count>4</span>" in htmx
    assert Answer.objects.get().dots == 4


def test_before_voting_the_phone_waits_and_the_live_partial_says_when_to_move_on(workshop):
    services.set_phase(workshop, Phase.PAIR_TALK_1)
    client = joined(workshop)
    page = client.get(me(workshop)).content.decode()
    assert 'id="phone-live"' in page and 'data-page="waiting"' in page
    assert "Voting has not opened yet" in page
    live_url = reverse("participant_live", args=[workshop.code])
    assert f'data-live-url="{live_url}"' in page  # the fallback poll's address, used while the socket is down
    services.set_phase(workshop, Phase.VOTING)
    partial = client.get(live_url).content.decode()
    assert 'id="phone-live"' in partial
    assert 'data-page="vote"' in partial
    assert client.get(me(workshop)).content.decode().count('class="control dots"') == 4


def test_after_closing_the_phone_shows_its_own_answers_and_the_revealed_tallies(voting_workshop, statements):
    client = joined(voting_workshop)
    client.post(dots_url(voting_workshop, statements[0]), {"dots": 5})
    client.post(
        reverse("participant_rating", args=[voting_workshop.code, statements[0].pk]), {"rating": "neutral"}
    )
    services.set_phase(voting_workshop, Phase.CLOSED)
    page = client.get(me(voting_workshop)).content.decode()
    assert "Thank you for taking part" in page
    assert "You placed 5 of your 10 dots." in page
    assert "Neutral" in page
    assert "Results of the workshop" not in page
    services.set_results_visibility(voting_workshop, ResultsVisibility.REVEALED)
    page = client.get(me(voting_workshop)).content.decode()
    assert "Results of the workshop" in page
    assert "5 dots (100 % of all dots)" in page


# --- Language ---------------------------------------------------------------------------------


def test_participant_pages_speak_the_workshops_language_unless_switched(owner):
    swedish = services.set_phase(services.create_workshop(owner, "Verkstad", language="sv"), Phase.VOTING)
    page = Client().get(f"/{swedish.code}").content.decode()
    assert '<html lang="sv">' in page
    assert '<html lang="en">' in english_client().get(f"/{swedish.code}").content.decode()


# --- The signature list -----------------------------------------------------------------------


def test_signing_puts_a_name_on_the_list_with_no_link_to_the_answers(voting_workshop):
    client = joined(voting_workshop)
    page = client.get(me(voting_workshop)).content.decode()
    assert "your name is not linked to your dots, ratings or notes" in page
    response = client.post(
        reverse("participant_sign", args=[voting_workshop.code]), {"name": "  Maija  Meikäläinen "}
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.name == "Maija Meikäläinen"
    assert not any(f.related_model is Participant for f in Signature._meta.get_fields())
    assert "Your name is on the list. Thank you." in client.get(me(voting_workshop)).content.decode()


def test_no_signature_field_when_the_workshop_does_not_collect_them(voting_workshop):
    voting_workshop.collect_signatures = False
    voting_workshop.save()
    client = joined(voting_workshop)
    assert 'name="name"' not in client.get(me(voting_workshop)).content.decode()
    response = client.post(
        reverse("participant_sign", args=[voting_workshop.code]), {"name": "Matti"}, **HTMX
    )
    assert not Signature.objects.exists()
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)  # so that the after-commit push really runs
def test_a_dot_is_answered_as_saved_when_the_channel_layer_fails(voting_workshop, statements, monkeypatch):
    sent = []

    class BrokenLayer:
        async def group_send(self, group, message):
            sent.append(group)
            raise ConnectionError("Redis is down")

    monkeypatch.setattr("workshops.live.get_channel_layer", lambda: BrokenLayer())
    client = joined(voting_workshop)
    response = client.post(dots_url(voting_workshop, statements[0]), {"dots": 3}, **HTMX)
    assert response.status_code == 200
    assert 'data-dots="3"' in response.text and "Saved" in response.text
    assert Answer.objects.get(statement=statements[0]).dots == 3
    assert sent  # the push was tried, and failed


def test_the_phone_pages_are_never_cached(voting_workshop):
    # Back from the privacy notice must fetch the page anew, not show the dots before the votes.
    client = joined(voting_workshop)
    for name in ("participant_home", "participant_live"):
        response = client.get(reverse(name, args=[voting_workshop.code]))
        assert "no-store" in response["Cache-Control"], name


def test_the_phone_forms_leave_the_judging_to_the_server(voting_workshop):
    # A browser's own "fill in this field" bubble speaks the browser's language, not the page's.
    page = joined(voting_workshop).get(reverse("participant_home", args=[voting_workshop.code])).text
    forms = re.findall(r"<form[^>]*>", page)
    for form in forms:
        if "note-add" in form or "/sign/" in form:
            assert "novalidate" in form, form
    assert any("note-add" in form for form in forms) and any("/sign/" in form for form in forms)


def test_joining_closed_is_said_once_after_a_refused_join(voting_workshop):
    services.set_joining_open(voting_workshop, False)
    phone = Client()
    shown = phone.get(reverse("join", args=[voting_workshop.code])).text
    refused = phone.post(reverse("join", args=[voting_workshop.code])).text
    message = services.JOINING_CLOSED_MESSAGE()
    assert shown.count(message) == 1 and refused.count(message) == 1
    assert 'role="alert"' in refused
