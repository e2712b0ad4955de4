"""The vote page as the server draws it: steppers off where the server would refuse, the sheet at
the top, and an error gone with the next successful change."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import HTMX
from workshops.models import Participant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]


@pytest.fixture
def phone(voting_workshop):
    client = Client()
    client.cookies["django_language"] = "en"
    assert client.post(reverse("join", args=[voting_workshop.code])).status_code == 302
    return client


def button(html: str, button_id: str) -> str:
    return re.search(rf'<button[^>]*id="{button_id}".*?</button>', html, re.S).group(0)


def dots(phone, workshop, statement, n):
    return phone.post(reverse("participant_dots", args=[workshop.code, statement.pk]), {"dots": n}, **HTMX)


def test_plus_is_off_at_the_cap_with_the_reason_and_the_server_still_refuses(
    phone, voting_workshop, statements
):
    voting_workshop.max_dots_per_statement = 3
    voting_workshop.save()
    dots(phone, voting_workshop, statements[0], 3)
    page = phone.get(reverse("participant_home", args=[voting_workshop.code])).text
    plus = button(page, f"dots-{statements[0].pk}-plus")
    assert " disabled" in plus.split(">")[0]
    assert re.search(r'data-reason="cap">\s*\(at most 3 on one statement\)', plus)
    assert " disabled" not in button(page, f"dots-{statements[1].pk}-plus").split(">")[0]
    assert " disabled" in button(page, f"dots-{statements[1].pk}-minus").split(">")[0]  # 0 there
    forced = dots(phone, voting_workshop, statements[0], 4)
    assert "At most 3 dots can go on one statement." in forced.text


def test_every_plus_is_off_with_no_dot_left(phone, voting_workshop, statements):
    dots(phone, voting_workshop, statements[0], 10)
    page = phone.get(reverse("participant_home", args=[voting_workshop.code])).text
    for statement in statements:
        plus = button(page, f"dots-{statement.pk}-plus")
        assert " disabled" in plus.split(">")[0]
        assert re.search(r'data-reason="none-left">\s*\(no dots left\)', plus)


def test_an_error_goes_with_the_next_successful_change_of_that_control(phone, voting_workshop, statements):
    refused = dots(phone, voting_workshop, statements[0], 11)
    assert 'role="alert"' in refused.text
    saved = dots(phone, voting_workshop, statements[0], 2)
    assert 'role="alert"' not in saved.text and "Saved" in saved.text


def test_the_sheet_at_the_top_lists_every_statement_with_its_dots_and_a_tick_once_rated(
    phone, voting_workshop, statements
):
    dots(phone, voting_workshop, statements[0], 4)
    reply = phone.post(
        reverse("participant_rating", args=[voting_workshop.code, statements[0].pk]),
        {"rating": "neutral"},
        **HTMX,
    )
    # The rating's reply redraws the sheet out of band: the tick appears at once.
    assert 'id="sheet"' in reply.text and "✓" in reply.text
    page = phone.get(reverse("participant_home", args=[voting_workshop.code])).text
    sheet = re.search(r'<nav id="sheet".*?</nav>', page, re.S).group(0)
    assert page.index('id="sheet"') < page.index(f'id="statement-{statements[0].pk}"')
    for statement in statements:
        assert f'href="#statement-{statement.pk}"' in sheet
    first = re.search(rf'id="sheet-{statements[0].pk}".*?</a>', sheet, re.S).group(0)
    assert "<span data-sheet-dots>4</span>" in first and ">rated<" in first
    second = re.search(rf'id="sheet-{statements[1].pk}".*?</a>', sheet, re.S).group(0)
    assert "not rated yet" in second
    assert Participant.objects.count() == 1
