"""The presenter: the projector's cookie, the join address, joining closed, the per-phase
instructions, time's up, notes waiting for approval, closing voting, and one score everywhere."""

import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
import segno
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from workshops import access, exports, qr, services
from workshops.models import INSTRUCTION_MAX_LENGTH, NoteKind, Phase, Rating, Workshop

pytestmark = pytest.mark.django_db


def key_url(workshop, key=None):
    return reverse("projector", args=[workshop.code, key or workshop.projector_secret])


def screen_url(workshop):
    return reverse("projector_screen", args=[workshop.code])


# --- The projector's key becomes a cookie -----------------------------------------------------


def test_the_projector_link_swaps_its_key_for_an_httponly_cookie_and_drops_it_from_the_url(client, workshop):
    response = client.get(key_url(workshop))
    assert response.status_code == 302 and response.url == screen_url(workshop)
    assert workshop.projector_secret not in response.url
    cookie = response.cookies[access.projector_cookie(workshop)]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert (
        workshop.projector_secret not in cookie.value.split(":")[0] or cookie.value.count(":") >= 1
    )  # signed
    page = client.get(screen_url(workshop))
    assert page.status_code == 200 and workshop.projector_secret not in page.text


def test_the_screen_without_the_cookie_is_404(client, workshop):
    assert client.get(screen_url(workshop)).status_code == 404
    client.cookies[access.projector_cookie(workshop)] = workshop.projector_secret  # unsigned: forged
    assert client.get(screen_url(workshop)).status_code == 404


def test_a_new_projector_link_makes_the_old_key_and_cookie_worthless(owner_client, workshop):
    client = Client()  # the big screen: no session
    old = workshop.projector_secret
    client.get(key_url(workshop))
    response = owner_client.post(reverse("workshop_projector_link", args=[workshop.code]))
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.projector_secret != old
    assert client.get(screen_url(workshop)).status_code == 404  # the cookie holds the old key
    assert client.get(key_url(workshop, old)).status_code == 404
    assert client.get(key_url(workshop), follow=True).status_code == 200


def test_only_the_owner_makes_a_new_projector_link(client, other_facilitator, workshop):
    client.force_login(other_facilitator)
    assert client.post(reverse("workshop_projector_link", args=[workshop.code])).status_code == 404
    assert Workshop.objects.get(pk=workshop.pk).projector_secret == workshop.projector_secret


# --- The join address and its QR code ---------------------------------------------------------


def qr_drawing(url: str) -> str:
    """The path of the QR symbol of `url`, as the projector draws it (scaled by its viewBox)."""
    svg = segno.make(url, error="m").svg_inline(dark="#000", light="#fff", border=4, omitsize=True)
    return max(re.findall(r' d="([^"]+)"', svg), key=len)  # the modules, not the light background


def projector_html(client, workshop, host):
    client.get(key_url(workshop), HTTP_HOST=host)
    return client.get(screen_url(workshop), HTTP_HOST=host).text


def test_opened_at_127_0_0_1_the_qr_encodes_the_lan_address_never_loopback(client, workshop, monkeypatch):
    monkeypatch.setattr(qr, "lan_address", lambda: "192.168.1.20")
    html = projector_html(client, workshop, "127.0.0.1:8000")
    assert qr_drawing(f"http://192.168.1.20:8000/{workshop.code}") in html
    assert qr_drawing(f"http://127.0.0.1:8000/{workshop.code}") not in html
    assert "127.0.0.1" not in html
    assert f"192.168.1.20:8000/</span><wbr><span>{workshop.code}" in html  # the address without http://


def test_the_console_says_why_it_shows_the_lan_address(owner_client, workshop, monkeypatch):
    monkeypatch.setattr(qr, "lan_address", lambda: "192.168.1.20")
    html = owner_client.get(reverse("workshop_run", args=[workshop.code]), HTTP_HOST="localhost:8000").text
    assert f'href="http://192.168.1.20:8000/{workshop.code}"' in html
    assert "localhost:8000" in html and 'role="note"' in html


def test_with_no_lan_address_there_is_no_qr_code_at_all(client, owner_client, workshop, monkeypatch):
    monkeypatch.setattr(qr, "lan_address", lambda: "127.0.0.1")
    assert "<svg" not in projector_html(client, workshop, "127.0.0.1:8000")
    console = owner_client.get(reverse("workshop_run", args=[workshop.code]), HTTP_HOST="127.0.0.1:8000").text
    assert "<svg" not in console and "PUBLIC_URL" in console


def test_public_url_is_the_join_address_when_set(client, workshop, settings, monkeypatch):
    settings.PUBLIC_URL = "https://dotvote.example.fi"
    monkeypatch.setattr(qr, "lan_address", lambda: "192.168.1.20")
    html = projector_html(client, workshop, "127.0.0.1:8000")
    assert qr_drawing(f"https://dotvote.example.fi/{workshop.code}") in html
    assert "192.168.1.20" not in html


def test_the_qr_code_is_made_once_per_address(workshop):
    qr.scalable_qr_svg.cache_clear()
    url = f"http://192.0.2.7/{workshop.code}"
    assert qr.scalable_qr_svg(url) is qr.scalable_qr_svg(url)
    assert qr.scalable_qr_svg.cache_info().hits == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1:8000", "localhost", "[::1]:8000", "app.localhost"])
def test_loopback_hosts_are_recognised(host):
    assert qr._split_host(host)[0] and qr.is_loopback(qr._split_host(host)[0])


# --- Joining closed ---------------------------------------------------------------------------


def test_the_owner_closes_joining_and_a_phone_is_told_why(client, owner_client, voting_workshop):
    owner_client.post(reverse("workshop_joining", args=[voting_workshop.code]), {"open": "0"})
    voting_workshop.refresh_from_db()
    assert not voting_workshop.joining_open
    with pytest.raises(services.JoiningClosed):
        services.join(voting_workshop)
    page = client.get(reverse("join", args=[voting_workshop.code])).text
    assert "Fasilitaattori on sulkenut työpajaan liittymisen" in page
    assert voting_workshop.participants.count() == 0
    owner_client.post(reverse("workshop_joining", args=[voting_workshop.code]), {"open": "1"})
    assert services.join(Workshop.objects.get(pk=voting_workshop.pk)).number == 1


def test_another_facilitator_cannot_close_joining(client, other_facilitator, voting_workshop):
    client.force_login(other_facilitator)
    assert (
        client.post(reverse("workshop_joining", args=[voting_workshop.code]), {"open": "0"}).status_code
        == 404
    )
    assert Workshop.objects.get(pk=voting_workshop.pk).joining_open


# --- The per-phase instructions ---------------------------------------------------------------


def edit(owner_client, workshop, **changes):
    page = owner_client.get(reverse("workshop_edit", args=[workshop.code]))
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data.update(changes)
    return owner_client.post(reverse("workshop_edit", args=[workshop.code]), data)


def test_the_instructions_are_edited_before_voting(owner_client, workshop):
    response = edit(owner_client, workshop, pair_talk_1_question="Mitä verkostolta tarvitaan?")
    assert response.status_code == 302
    assert Workshop.objects.get(pk=workshop.pk).pair_talk_1_question == "Mitä verkostolta tarvitaan?"


def test_a_too_long_instruction_is_refused_with_its_length(owner_client, workshop):
    response = edit(owner_client, workshop, voting_instruction="x" * (INSTRUCTION_MAX_LENGTH + 1))
    assert response.status_code == 200
    assert (
        f"enintään {INSTRUCTION_MAX_LENGTH} merkkiä; tässä on {INSTRUCTION_MAX_LENGTH + 1}" in response.text
    )
    assert Workshop.objects.get(pk=workshop.pk).voting_instruction == workshop.voting_instruction


def test_the_instructions_lock_when_voting_starts(owner_client, voting_workshop):
    with pytest.raises(services.InstructionsLocked):
        services.update_workshop(voting_workshop, voting_instruction="Uusi")
    page = owner_client.get(reverse("workshop_edit", args=[voting_workshop.code])).text
    assert "Äänestys on alkanut, joten ohjeita ei voi enää muuttaa." in page
    edit(owner_client, voting_workshop, voting_instruction="Uusi")  # a disabled field keeps its value
    assert Workshop.objects.get(pk=voting_workshop.pk).voting_instruction != "Uusi"


def test_the_projector_shows_the_phases_question(client, workshop):
    services.set_phase(workshop, Phase.PAIR_TALK_2)
    html = client.get(key_url(workshop), follow=True).text
    assert workshop.pair_talk_2_question in html and 'data-slide-key="pair_talk"' in html


# --- Time's up --------------------------------------------------------------------------------


def run_out(workshop):
    Workshop.objects.filter(pk=workshop.pk).update(phase_ends_at=timezone.now() - timedelta(seconds=1))
    workshop.refresh_from_db()


def test_when_the_time_is_up_the_projector_and_the_console_say_so_and_voting_stays_open(
    client, owner_client, voting_workshop
):
    run_out(voting_workshop)
    assert not services.apply_time_up(voting_workshop.pk)
    html = client.get(key_url(voting_workshop), follow=True).text
    assert 'data-slide="time_up"' in html and "Aika on loppu" in html
    console = owner_client.get(reverse("workshop_run", args=[voting_workshop.code])).text
    assert 'class="time-up"' in console
    assert Workshop.objects.get(pk=voting_workshop.pk).phase == Phase.VOTING


def test_a_workshop_that_closes_when_the_time_is_up_closes(voting_workshop):
    services.update_workshop(voting_workshop, close_when_time_is_up=True)
    assert not services.apply_time_up(voting_workshop.pk)  # time is not up yet
    run_out(voting_workshop)
    assert services.apply_time_up(voting_workshop.pk)
    assert Workshop.objects.get(pk=voting_workshop.pk).phase == Phase.CLOSED
    assert not services.apply_time_up(voting_workshop.pk)  # once


def test_a_paused_countdown_is_never_up(voting_workshop):
    services.pause_timer(voting_workshop)
    voting_workshop.timer_paused_seconds = 0
    assert not services.time_is_up(voting_workshop)


# --- Notes waiting for approval ---------------------------------------------------------------


def test_notes_that_wait_for_approval_reach_the_projector_once_approved(
    client, owner_client, voting_workshop, participant, statements
):
    services.set_results_visibility(voting_workshop, "live")
    owner_client.post(reverse("workshop_approval", args=[voting_workshop.code]), {"need": "1"})
    note, _created = services.add_note(participant, statements[0].pk, NoteKind.STRENGTH, "Odottava huomio")
    assert note.awaiting_approval
    assert "Odottava huomio" not in client.get(key_url(voting_workshop), follow=True).text
    console = owner_client.get(reverse("workshop_run", args=[voting_workshop.code])).text
    assert "Odottava huomio" in console and "Odottaa hyväksyntää" in console
    owner_client.post(
        reverse("workshop_notes", args=[voting_workshop.code]), {"note_id": note.pk, "hidden": "0"}
    )
    assert "Odottava huomio" in client.get(screen_url(voting_workshop)).text


def test_turning_approval_off_releases_the_waiting_notes(voting_workshop, participant, statements):
    services.set_notes_need_approval(voting_workshop, True)
    note, _created = services.add_note(participant, statements[0].pk, NoteKind.THREAT, "Uhka")
    services.set_notes_need_approval(voting_workshop, False)
    note.refresh_from_db()
    assert not note.awaiting_approval and not note.hidden_on_projector


# --- Closing voting asks once; the console moves the slide -------------------------------------


def test_closing_voting_asks_once(owner_client, voting_workshop):
    url = reverse("workshop_phase", args=[voting_workshop.code])
    response = owner_client.post(url, {"phase": Phase.CLOSED}, headers={"HX-Request": "true"})
    assert 'role="alertdialog"' in response.text and 'name="confirm" value="1"' in response.text
    assert Workshop.objects.get(pk=voting_workshop.pk).phase == Phase.VOTING
    owner_client.post(url, {"phase": Phase.CLOSED, "confirm": "1"})
    assert Workshop.objects.get(pk=voting_workshop.pk).phase == Phase.CLOSED


def test_the_console_chooses_the_projectors_slide(client, owner_client, voting_workshop, statements):
    services.set_results_visibility(voting_workshop, "revealed")
    url = reverse("workshop_slide", args=[voting_workshop.code])
    owner_client.post(url, {"slide": f"st-{statements[2].pk}"})
    html = client.get(key_url(voting_workshop), follow=True).text
    assert f'data-slide="st-{statements[2].pk}"' in html
    owner_client.post(url, {"slide": "st-0"})  # not a statement of this workshop: refused
    assert Workshop.objects.get(pk=voting_workshop.pk).projector_slide == f"st-{statements[2].pk}"
    services.set_phase(voting_workshop, Phase.CLOSED)  # a new phase starts on its first slide
    assert Workshop.objects.get(pk=voting_workshop.pk).projector_slide == ""


def test_another_facilitator_cannot_move_the_slide(client, other_facilitator, voting_workshop):
    client.force_login(other_facilitator)
    response = client.post(reverse("workshop_slide", args=[voting_workshop.code]), {"slide": "overview"})
    assert response.status_code == 404


# --- One score everywhere ---------------------------------------------------------------------


@pytest.fixture
def hall_of_25(voting_workshop, statements):
    """25 participants; statement 1 scores 10/13 = 0.769, statement 2 −5/9 = −0.556, statement 4 2.0."""
    people = [services.join(voting_workshop) for _ in range(25)]
    for i, person in enumerate(people):
        services.set_dots(person, statements[i % 4].pk, 10)
        if i < 13:
            services.set_rating(person, statements[0].pk, Rating.FULLY_AGREE if i == 0 else Rating.NEUTRAL)
        if i < 9:
            services.set_rating(
                person, statements[1].pk, Rating.PARTLY_DISAGREE if i == 0 else Rating.NEUTRAL
            )
        services.set_rating(
            person, statements[3].pk, Rating.PARTLY_AGREE if i < 20 else Rating.FULLY_DISAGREE
        )
    return voting_workshop


def decimal_of(text: str) -> Decimal | None:
    text = text.strip().replace("\u2212", "-").replace(",", ".").replace("+", "")
    return None if text in ("", "–") else Decimal(text)


def scores_everywhere(client, owner_client, workshop) -> dict:
    services.set_results_visibility(workshop, "revealed")
    projector = client.get(key_url(workshop), follow=True).text
    overview = projector[
        projector.index('data-slide-key="overview"') : projector.index('data-slide-key="st-')
    ]
    shown = re.findall(r"data-score>([^<]*)<", overview)
    report = owner_client.get(reverse("report", args=[workshop.code])).text
    sheet = list(csv.reader(io.StringIO(exports.sheet_csv(workshop).decode("utf-8-sig")), delimiter=";"))
    header = sheet[0]
    column = next(i for i, name in enumerate(header) if name.startswith("Kannatusluku"))
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(workshop)))
    xlsx = [row[6] for row in book.worksheets[0].iter_rows(values_only=True) if isinstance(row[0], int)]
    document = json.loads(exports.json_bytes(workshop))
    statements = document.get("statements") or document["rows"]
    return {
        "projector_text": shown,
        "projector": [decimal_of(s) for s in shown],
        "report": report,
        "csv": [decimal_of(row[column]) for row in sheet[1 : 1 + len(shown)]],
        "xlsx": [None if v is None else Decimal(repr(v)) for v in xlsx],
        "json": [
            None if s["tally"]["score_rounded"] is None else Decimal(repr(s["tally"]["score_rounded"]))
            for s in statements
        ],
    }


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("worked_example", ["+10,0", "–", "–", "\u221210,0"]),
        ("hall_of_25", ["+0,8", "\u22120,6", "–", "+2,0"]),
    ],
)
def test_the_same_rounded_score_on_the_projector_report_csv_xlsx_and_json(
    request, client, owner_client, fixture, expected
):
    workshop = request.getfixturevalue(fixture)
    found = scores_everywhere(client, owner_client, workshop)
    assert found["projector_text"] == expected
    assert found["projector"] == found["csv"] == found["xlsx"] == found["json"]
    for text in expected:
        if text != "–":
            assert f">{text}<" in found["report"]
