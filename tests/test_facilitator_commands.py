"""manage.py create_facilitator and purge_workshops."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from workshops import services
from workshops.models import Answer, Participant, Workshop

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_creates_a_facilitator_with_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("DOTVOTE_PASSWORD", "kuntaliitto-seminaari-2015")
    assert "Created facilitator 'maija'" in run("create_facilitator", "maija")
    user = get_user_model().objects.get(username="maija")
    assert user.check_password("kuntaliitto-seminaari-2015")
    assert not user.is_staff


def test_it_asks_for_the_password_twice_on_a_terminal(monkeypatch):
    monkeypatch.delenv("DOTVOTE_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(["täpläriihi-lokakuu-13", "täpläriihi-lokakuu-13"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    run("create_facilitator", "pekka")
    assert get_user_model().objects.get(username="pekka").check_password("täpläriihi-lokakuu-13")


def test_it_refuses_two_different_passwords(monkeypatch):
    monkeypatch.delenv("DOTVOTE_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(["täpläriihi-lokakuu-13", "täpläriihi-lokakuu-14"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError):
        run("create_facilitator", "pekka")
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize("password", ["", "password", "12345678", "short"])
def test_it_refuses_an_empty_or_weak_password(monkeypatch, password):
    monkeypatch.setenv("DOTVOTE_PASSWORD", password)
    with pytest.raises(CommandError):
        run("create_facilitator", "maija")
    assert not get_user_model().objects.exists()


def test_it_refuses_without_a_terminal_or_a_password(monkeypatch):
    monkeypatch.delenv("DOTVOTE_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError, match="DOTVOTE_PASSWORD"):
        run("create_facilitator", "maija")


def test_it_refuses_an_existing_username(monkeypatch, owner):
    monkeypatch.setenv("DOTVOTE_PASSWORD", "kuntaliitto-seminaari-2015")
    with pytest.raises(CommandError, match="already exists"):
        run("create_facilitator", owner.username)
    owner.refresh_from_db()
    assert owner.check_password("alice-pass-123")


def test_purge_deletes_only_workshops_past_their_date_and_says_which(owner, participant, statements):
    expired = participant.workshop
    services.set_dots(participant, statements[0].pk, 3)
    today = timezone.localdate()
    expired.delete_after = today - timedelta(days=1)
    expired.save()
    last_day = services.create_workshop(owner, "Viimeinen päivä", template="ped")
    last_day.delete_after = today
    last_day.save()
    output = run("purge_workshops")
    assert expired.code in output and "Demokratiapäivä" in output
    assert last_day.code not in output
    assert list(Workshop.objects.all()) == [last_day]
    assert not Participant.objects.exists() and not Answer.objects.exists()


def test_purge_twice_is_harmless_and_quiet(owner):
    services.create_workshop(owner, "Tuore", template="ped")
    assert run("purge_workshops") == ""
    assert run("purge_workshops") == ""
    assert Workshop.objects.count() == 1
