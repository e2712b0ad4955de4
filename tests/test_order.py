"""Each phone in its own order (issue 15): against the paper pile's bias, a workshop can give every
phone its own random order of the statements, fixed for that phone; the numbers stay the
statements' own, the exports record where each phone listed each statement, and the tally does
not care."""

import csv
import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from tests.conftest import HTMX
from workshops import exports, screens, services, tallies
from workshops.forms import WorkshopEditForm
from workshops.models import Participant, Phase, Rating, Statement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]


def rotated(workshop):
    return services.update_workshop(workshop, own_order_per_phone=True)


def phones(workshop, n: int) -> list[Client]:
    clients = []
    for _ in range(n):
        client = Client()
        client.cookies["django_language"] = "en"
        assert client.post(reverse("join", args=[workshop.code])).status_code == 302
        clients.append(client)
    return clients


def home(client, workshop) -> str:
    response = client.get(reverse("participant_home", args=[workshop.code]))
    assert response.status_code == 200
    return response.text


# --- What a rendered page shows --------------------------------------------------------------


def listed(html: str) -> list[int]:
    """The statement ids in the order the vote page lists its statements."""
    return [int(pk) for pk in re.findall(r'<section class="statement" id="statement-(\d+)"', html)]


def sheet(html: str) -> list[int]:
    """The statement ids in the order of the compact sheet at the top of the vote page."""
    return [int(pk) for pk in re.findall(r'<a href="#statement-\d+" id="sheet-(\d+)"', html)]


def numbers_shown(html: str) -> dict[int, int]:
    """Statement id -> the number its heading shows."""
    return {
        int(pk): int(number)
        for pk, number in re.findall(
            r'<section class="statement" id="statement-(\d+)".*?<span class="position">(\d+)\.</span>',
            html,
            re.S,
        )
    }


def pair_talk_list(html: str) -> list[tuple[int, int]]:
    """(statement id, the number the list shows) in the order of the pair-talk list."""
    return [
        (int(pk), int(value)) for value, pk in re.findall(r'<li value="(\d+)" data-statement="(\d+)">', html)
    ]


def number_of(html: str) -> int:
    return int(re.search(r'data-store="dotvote:\w+:(\d+)"', html).group(1))


def own_order(workshop) -> list[int]:
    return list(workshop.statements.order_by("position", "id").values_list("pk", flat=True))


def csv_positions(workshop) -> dict[tuple[int, int], str]:
    """(participant number, statement number) -> seen_position, as the data CSV has it."""
    rows = csv.DictReader(io.StringIO(exports.long_csv(workshop).decode("utf-8-sig")))
    return {(int(r["participant_number"]), int(r["statement_position"])): r["seen_position"] for r in rows}


def json_positions(workshop) -> dict[tuple[int, int], int | None]:
    document = json.loads(exports.json_bytes(workshop))
    return {(r["participant_number"], r["statement_position"]): r["seen_position"] for r in document["rows"]}


def xlsx_positions(workshop) -> dict[tuple[int, int], int | None]:
    book = load_workbook(io.BytesIO(exports.xlsx_bytes(workshop)))
    with translation.override(workshop.language):
        rows = list(book[exports.sheet_names()["data"]].iter_rows(values_only=True))
    keys = rows[1]  # under the headers: the data CSV's stable keys
    at = {key: keys.index(key) for key in ("participant_number", "statement_position", "seen_position")}
    return {
        (row[at["participant_number"]], row[at["statement_position"]]): row[at["seen_position"]]
        for row in rows[2:]
    }


# --- With the order rotated ------------------------------------------------------------------


def test_thirty_phones_see_at_least_two_orders_each_its_own_across_reloads(workshop):
    voting = services.set_phase(rotated(workshop), Phase.VOTING)
    positions = dict(voting.statements.values_list("pk", "position"))
    orders = []
    for client in phones(voting, 30):
        first = home(client, voting)
        order = listed(first)
        assert sorted(order) == sorted(positions)
        assert sheet(first) == order  # the sheet at the top follows the same order
        # "Statement 3" is statement 3 on every phone, whatever its place.
        assert numbers_shown(first) == positions
        for _reload in range(2):
            again = home(client, voting)
            assert listed(again) == order and sheet(again) == order
        orders.append(tuple(order))
    assert len(set(orders)) >= 2
    # A random order, not one of a few: with 4 statements, 30 phones draw far more than two.
    assert len(set(orders)) >= 6


def test_the_exports_record_the_place_each_phone_showed_each_statement(workshop):
    voting = services.set_phase(rotated(workshop), Phase.VOTING)
    positions = dict(voting.statements.values_list("pk", "position"))
    shown = {}
    for client in phones(voting, 30):
        html = home(client, voting)
        shown[number_of(html)] = listed(html)
    expected = {
        (number, positions[pk]): place
        for number, order in shown.items()
        for place, pk in enumerate(order, start=1)
    }
    assert csv_positions(voting) == {key: str(place) for key, place in expected.items()}
    assert json_positions(voting) == expected
    assert xlsx_positions(voting) == expected
    assert json.loads(exports.json_bytes(voting))["workshop"]["own_order_per_phone"] is True


def test_a_vote_reply_redraws_the_sheet_in_the_phones_own_order(workshop):
    voting = services.set_phase(rotated(workshop), Phase.VOTING)
    # Enough phones that some list the statements otherwise than 1, 2, 3, 4.
    for client in phones(voting, 8):
        order = listed(home(client, voting))
        reply = client.post(reverse("participant_dots", args=[voting.code, order[-1]]), {"dots": 2}, **HTMX)
        assert reply.status_code == 200 and 'role="alert"' not in reply.text
        assert sheet(reply.text) == order


def test_a_paper_sheet_has_no_place(voting_workshop, statements, owner):
    rotated_workshop = voting_workshop
    rotated_workshop.own_order_per_phone = True  # set directly: the option is locked while voting
    rotated_workshop.save()
    paper = services.enter_paper_sheet(rotated_workshop, owner, {statements[0].pk: 3}, {}, {})
    phone = services.join(rotated_workshop)
    assert set(csv_positions(rotated_workshop)[paper.number, s.position] for s in statements) == {""}
    assert {json_positions(rotated_workshop)[paper.number, s.position] for s in statements} == {None}
    assert sorted(json_positions(rotated_workshop)[phone.number, s.position] for s in statements) == [
        1,
        2,
        3,
        4,
    ]


def test_the_order_is_kept_when_statements_come_and_go_before_the_vote(workshop, statements):
    rotated(workshop)
    people = [services.join(workshop) for _ in range(6)]

    def order_of(person) -> list[int]:
        return [s.pk for s in screens.phone_order(person, workshop.statements.order_by("position"))]

    before = {p.pk: order_of(p) for p in people}
    assert len(set(map(tuple, before.values()))) >= 2
    added = services.add_statement(workshop, "Uusi", "Uusi väite")
    for person in people:
        now = order_of(person)
        assert [pk for pk in now if pk != added.pk] == before[person.pk]
    services.remove_statement(workshop, statements[1].pk)
    for person in people:
        now = order_of(person)
        assert [pk for pk in now if pk != added.pk] == [
            pk for pk in before[person.pk] if pk != statements[1].pk
        ]


def test_a_phone_handing_its_token_to_the_next_round_keeps_its_places_in_this_one(
    voting_workshop, statements
):
    voting_workshop.own_order_per_phone = True
    voting_workshop.save()
    person = services.join(voting_workshop)
    before = screens.phone_positions(person, statements)
    # services.carry_into_round gives the earlier round's participant a fresh token.
    Participant.objects.filter(pk=person.pk).update(token="another-token")
    person.refresh_from_db()
    assert screens.phone_positions(person, statements) == before


def test_the_pair_talk_list_is_the_phones_order_and_the_shared_snapshot_the_statements_own(workshop):
    talking = services.set_phase(rotated(workshop), Phase.PAIR_TALK_2)
    positions = dict(talking.statements.values_list("pk", "position"))
    lists = []
    for client in phones(talking, 8):
        html = home(client, talking)
        items = pair_talk_list(html)
        assert {pk: value for pk, value in items} == positions  # each item shows its own number
        order = [pk for pk, _value in items]
        # The page names its order, for participant.js to keep after a push of the shared snapshot.
        assert f'data-statement-order="{" ".join(map(str, order))}"' in html
        lists.append(tuple(order))
        # The vote page lists them as the pair talk did.
        services.set_phase(talking, Phase.VOTING)
        assert listed(home(client, talking)) == order
        services.set_phase(talking, Phase.PAIR_TALK_2)
    assert len(set(lists)) >= 2
    # What the socket and the poll send is one render for all phones: the statements' own order.
    shared = Client().get(reverse("participant_live", args=[talking.code])).text
    assert [pk for pk, _value in pair_talk_list(shared)] == own_order(talking)
    assert "data-statement-order" not in shared


def test_the_closed_page_lists_ones_own_answers_in_the_phones_order(workshop):
    voting = services.set_phase(rotated(workshop), Phase.VOTING)
    clients = phones(voting, 6)
    orders = [listed(home(client, voting)) for client in clients]
    services.set_phase(voting, Phase.CLOSED)
    for client, order in zip(clients, orders, strict=True):
        html = home(client, voting)
        assert [int(pk) for pk in re.findall(r'aria-labelledby="summary-(\d+)"', html)] == order


# --- Without it ------------------------------------------------------------------------------


def test_without_rotation_every_phone_shows_the_statements_own_order(voting_workshop):
    for client in phones(voting_workshop, 6):
        html = home(client, voting_workshop)
        assert listed(html) == own_order(voting_workshop)
        assert sheet(html) == own_order(voting_workshop)
        assert "data-statement-order" not in html
    # The place each phone showed is then the statement's own number.
    for (_number, position), place in json_positions(voting_workshop).items():
        assert place == position
    assert json.loads(exports.json_bytes(voting_workshop))["workshop"]["own_order_per_phone"] is False


def test_the_tally_is_the_same_with_and_without_rotation(owner):
    """The same sheets, voted through the phones' own pages, give the same tally either way."""

    def hall(rotate: bool):
        workshop = services.create_workshop(owner, "Demokratiapäivä", template="ped", language="fi")
        if rotate:
            rotated(workshop)
        workshop = services.set_phase(workshop, Phase.VOTING)
        for i, client in enumerate(phones(workshop, 12)):
            html = home(client, workshop)
            # Each control as the page draws it: the section's number names the statement voted on.
            for section in html.split('<section class="statement"')[1:]:
                number = int(re.search(r'<span class="position">(\d+)\.</span>', section).group(1))
                dots_url = re.search(r'action="([^"]*/dots/?)"', section).group(1)
                rating_url = re.search(r'action="([^"]*/rating/?)"', section).group(1)
                dots = [4, 3, 2, 1][(i + number) % 4]
                rating = Rating.values[(i * number) % len(Rating.values)]
                assert client.post(dots_url, {"dots": dots}, **HTMX).status_code == 200
                assert client.post(rating_url, {"rating": rating}, **HTMX).status_code == 200
        result = tallies.tally(workshop)
        return [
            (
                st.statement.position,
                st.dots,
                st.supporters,
                st.ratings,
                st.score,
                {key: (column.ticks, column.dots) for key, column in st.columns.items()},
            )
            for st in result.statements
        ], (result.participants, result.total_dots, result.spent_all_dots)

    plain, turned = hall(False), hall(True)
    assert turned == plain
    assert plain[1] == (12, 120, 12)


# --- The setting -----------------------------------------------------------------------------


def test_the_edit_page_has_the_option_off_by_default(owner_client, workshop):
    assert workshop.own_order_per_phone is False  # the PED demo too
    page = owner_client.get(reverse("workshop_edit", args=[workshop.code])).text
    checkbox = re.search(r'<input type="checkbox" name="own_order_per_phone"[^>]*>', page).group(0)
    assert "checked" not in checkbox
    assert "Jokainen puhelin näyttää väitteet omassa järjestyksessään" in page  # its label, in Finnish


def edit(owner_client, workshop, **changes):
    page = owner_client.get(reverse("workshop_edit", args=[workshop.code]))
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    return owner_client.post(reverse("workshop_edit", args=[workshop.code]), {**data, **changes})


def test_the_settings_form_turns_it_on_before_voting_and_not_after(owner_client, workshop):
    assert edit(owner_client, workshop, own_order_per_phone="on").status_code == 302
    workshop.refresh_from_db()
    assert workshop.own_order_per_phone is True
    services.set_phase(workshop, Phase.VOTING)
    # During voting the field is disabled: a forged "off" changes nothing.
    page = owner_client.get(reverse("workshop_edit", args=[workshop.code])).text
    assert re.search(r'<input type="checkbox" name="own_order_per_phone"[^>]*disabled', page)
    edit(owner_client, workshop, own_order_per_phone="")
    workshop.refresh_from_db()
    assert workshop.own_order_per_phone is True


def test_the_option_is_locked_once_voting_has_started(voting_workshop):
    with pytest.raises(services.WorkshopError):
        services.update_workshop(voting_workshop, own_order_per_phone=True)
    voting_workshop.refresh_from_db()
    assert voting_workshop.own_order_per_phone is False
    assert WorkshopEditForm(workshop=voting_workshop).fields["own_order_per_phone"].disabled


def test_a_copy_and_the_next_round_keep_the_option(workshop, owner):
    rotated(workshop)
    assert services.duplicate_workshop(workshop, owner, "Kopio").own_order_per_phone is True
    services.set_phase(workshop, Phase.CLOSED)
    assert services.start_next_round(workshop).own_order_per_phone is True


def test_the_report_says_whether_the_order_was_rotated(owner_client, workshop):
    url = reverse("report", args=[workshop.code])
    with translation.override("fi"):
        plain, turned = exports.order_text(workshop), None
    assert plain in owner_client.get(url).text
    rotated(workshop)
    with translation.override("fi"):
        turned = exports.order_text(workshop)
    assert turned != plain and turned in owner_client.get(url).text


def test_a_vote_with_rotation_still_costs_five_queries(workshop, django_assert_max_num_queries):
    voting = services.set_phase(rotated(workshop), Phase.VOTING)
    for i in range(5, 13):
        Statement.objects.create(workshop=voting, position=i, short_name=f"S{i}", text=f"Väite {i}")
    (client,) = phones(voting, 1)
    order = listed(home(client, voting))
    url = reverse("participant_dots", args=[voting.code, order[0]])
    client.post(url, {"dots": 1}, **HTMX)
    with django_assert_max_num_queries(5):
        reply = client.post(url, {"dots": 2}, **HTMX)
    assert reply.status_code == 200 and sheet(reply.text) == order


# --- In a browser: the shared snapshot's list put back in the phone's order -------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_push_keeps_the_pair_talk_list_in_the_phones_order(daphne_server, phone, laptop, owner, workshop):
    from playwright.sync_api import expect

    from tests.test_phones_browser import Facilitator, join

    for i in range(5, 9):  # eight statements: the phone's order is all but surely not 1..8
        services.add_statement(workshop, f"Väite {i}", f"Väite numero {i}")
    talking = services.set_phase(rotated(workshop), Phase.PAIR_TALK_1)
    page, errors = join(phone, daphne_server, talking)
    person = Participant.objects.get(workshop=talking)
    mine = [s.pk for s in screens.phone_order(person, talking.statements.order_by("position"))]
    assert mine != own_order(talking)
    items = page.locator(".pair-talk-statements li")

    def shown():
        return items.evaluate_all("els => els.map(e => [Number(e.dataset.statement), e.value])")

    positions = dict(talking.statements.values_list("pk", "position"))
    assert shown() == [[pk, positions[pk]] for pk in mine]
    # The push is one render for every phone, in the statements' own order; the page reorders it.
    Facilitator(daphne_server, laptop, owner, talking).post("phase", phase=Phase.PAIR_TALK_2)
    expect(page.locator("#phone-live strong").first).to_have_text("Pair talk 2")
    expect(items).to_have_count(len(mine))
    assert shown() == [[pk, positions[pk]] for pk in mine]
    assert errors == []
