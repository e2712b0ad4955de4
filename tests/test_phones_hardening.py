"""Issue 11 on the phone: the join limit per workshop and address, one signature, note caps,
control characters refused, and a cache or channel-layer outage never refusing a saved write."""

import logging

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.conftest import HTMX, english_client
from workshops import forms, services
from workshops.models import Answer, Note, Participant, Signature
from workshops.views import participant as participant_views

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]


def joined(workshop) -> Client:
    client = english_client()
    assert client.post(reverse("join", args=[workshop.code])).status_code == 302
    return client


# --- The join limit: per workshop and address, failing open -------------------------------------


class Clock:
    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


def join_attempt(workshop, address="203.0.113.7"):
    request = RequestFactory().post(f"/{workshop.code}", REMOTE_ADDR=address)
    return participant_views._limited(request, "participant-join", workshop)


def test_a_hall_of_a_thousand_behind_one_address_joins_within_two_minutes(voting_workshop, monkeypatch):
    clock = Clock(1_800_000_000.0)
    monkeypatch.setattr("django_ratelimit.core.time", clock)
    limited = 0
    for _n in range(1000):
        clock.now += 0.12  # 1,000 phones in 120 s
        limited += join_attempt(voting_workshop)
    assert limited == 0


def test_a_script_joining_one_workshop_is_stopped_and_the_address_still_joins_others(
    voting_workshop, other_facilitator, monkeypatch
):
    clock = Clock(1_800_000_000.0)
    monkeypatch.setattr("django_ratelimit.core.time", clock)
    limited = [join_attempt(voting_workshop) for _ in range(3000)]  # all within one second
    assert sum(limited) >= 1500  # at most one window's worth got through
    other = services.create_workshop(other_facilitator, "Toinen")
    assert not join_attempt(other)
    assert not join_attempt(voting_workshop, address="198.51.100.1")


def test_a_blocked_join_gets_the_too_many_page(voting_workshop, monkeypatch):
    monkeypatch.setattr(participant_views, "JOIN_RATE", "2/h")
    for _ in range(2):
        assert english_client().post(f"/{voting_workshop.code}").status_code == 302
    assert english_client().post(f"/{voting_workshop.code}").status_code == 429


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Redis is down")

        return fail


def test_the_join_limit_fails_open_and_logs_when_its_cache_is_down(voting_workshop, monkeypatch, caplog):
    monkeypatch.setattr("django_ratelimit.core.caches", {"default": BrokenCache()})
    with caplog.at_level(logging.WARNING, logger="workshops.views.participant"):
        response = english_client().post(f"/{voting_workshop.code}")
    assert response.status_code == 302
    assert Participant.objects.count() == 1
    assert "rate limit was skipped" in caplog.text


# --- One signature per participant ----------------------------------------------------------------


def test_a_participant_signs_once_and_the_second_time_is_refused_clearly(voting_workshop):
    client = joined(voting_workshop)
    url = reverse("participant_sign", args=[voting_workshop.code])
    assert client.post(url, {"name": "Maija Meikäläinen"}).status_code == 302
    client.cookies.pop(f"dotvote_{voting_workshop.code}_signed")  # a script forgets the cookie
    again = client.post(url, {"name": "Forged Name"}, **HTMX)
    assert "You have already signed the list." in again.text
    assert list(Signature.objects.values_list("name", flat=True)) == ["Maija Meikäläinen"]
    participant = Participant.objects.get()
    assert participant.signed
    # Still no link from a signature to anybody's answers.
    assert not any(f.is_relation and f.name != "workshop" for f in Signature._meta.get_fields())


def test_signing_once_is_a_rule_of_the_services(participant):
    services.sign(participant.workshop, "Maija", participant)
    with pytest.raises(services.AlreadySigned):
        services.sign(participant.workshop, "Matti", participant)
    assert Signature.objects.count() == 1


# --- Note caps ----------------------------------------------------------------------------------


def test_at_most_twenty_notes_on_one_statement(participant, statements, monkeypatch):
    monkeypatch.setattr(services, "NOTES_PER_MINUTE", 1000)
    for n in range(services.NOTES_PER_STATEMENT):
        services.add_note(participant, statements[0].pk, "S", f"Huomio {n}")
    with pytest.raises(services.TooManyNotes) as refused:
        services.add_note(participant, statements[0].pk, "S", "Yksi liikaa")
    assert "enintään 20 huomiota" in refused.value.message  # Finnish, the default
    services.add_note(participant, statements[1].pk, "S", "Toisella väitteellä käy")


def test_at_most_ten_notes_a_minute_with_a_clear_message(voting_workshop, statements):
    client = joined(voting_workshop)
    for n in range(services.NOTES_PER_MINUTE):
        statement = statements[n % len(statements)]
        url = reverse("participant_note_add", args=[voting_workshop.code, statement.pk])
        assert "Saved" in client.post(url, {"kind": "S", "text": f"Huomio {n}"}, **HTMX).text
    url = reverse("participant_note_add", args=[voting_workshop.code, statements[0].pk])
    refused = client.post(url, {"kind": "S", "text": "Liian nopea"}, **HTMX)
    assert "at most 10 notes a minute" in refused.text
    assert "Liian nopea" in refused.text  # the typed text comes back
    assert Note.objects.count() == 10


# --- Control characters ---------------------------------------------------------------------------

BELL = "Hyvä\x07 huomio"


@pytest.mark.parametrize(
    "form_class, data, field",
    [
        (forms.NoteForm, {"kind": "S", "text": BELL}, "text"),
        (forms.SignatureForm, {"name": "Mai\x1bja"}, "name"),
        (forms.StatementForm, {"short_name": "Ni\x1fmi", "text": "Väite"}, "short_name"),
        (forms.StatementForm, {"short_name": "Nimi", "text": "Väi\x0bte"}, "text"),
        (
            forms.WorkshopSettingsForm,
            {"title": "Työ\x08paja", "language": "fi", "dots_per_participant": 10},
            "title",
        ),
    ],
)
def test_control_characters_are_refused_in_every_free_text_field(form_class, data, field):
    form = form_class(data)
    assert not form.is_valid()
    assert "ohjausmerkki" in str(form.errors[field])  # "control character", in the default Finnish


def test_line_breaks_and_tabs_are_text(participant):
    form = forms.NoteForm({"kind": "S", "text": "Rivi 1\r\nRivi 2\tsarkain"})
    assert form.is_valid(), form.errors


def test_a_note_with_a_control_character_is_refused_on_the_phone(voting_workshop, statements):
    client = joined(voting_workshop)
    url = reverse("participant_note_add", args=[voting_workshop.code, statements[0].pk])
    response = client.post(url, {"kind": "S", "text": BELL}, **HTMX)
    assert "control character" in response.text
    assert not Note.objects.exists()


# --- A channel-layer outage: the phone is told "saved" ---------------------------------------------


@pytest.fixture
def broken_layer(monkeypatch):
    tried = []

    class BrokenLayer:
        async def group_send(self, group, message):
            tried.append(group)
            raise ConnectionError("Redis is down")

    monkeypatch.setattr("workshops.live.get_channel_layer", lambda: BrokenLayer())
    return tried


@pytest.mark.django_db(transaction=True)  # so that the after-commit push really runs
def test_a_rating_and_a_note_are_answered_as_saved_when_the_channel_layer_fails(
    voting_workshop, statements, broken_layer
):
    client = joined(voting_workshop)
    rating = client.post(
        reverse("participant_rating", args=[voting_workshop.code, statements[0].pk]),
        {"rating": "neutral"},
        **HTMX,
    )
    note = client.post(
        reverse("participant_note_add", args=[voting_workshop.code, statements[0].pk]),
        {"kind": "O", "text": "Mahdollisuus"},
        **HTMX,
    )
    assert rating.status_code == 200 and "Saved" in rating.text
    assert note.status_code == 200 and "Saved" in note.text
    assert Answer.objects.get().rating == "neutral"
    assert Note.objects.get().text == "Mahdollisuus"
    assert broken_layer  # the pushes were tried, and failed
