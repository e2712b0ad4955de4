"""A paper sheet typed in with the keyboard only: Tab along the sheet, Enter saves and opens the next."""

import pytest

from workshops.models import Note, Participant, Rating, Source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _wait_for_focus(page, selector: str) -> None:
    # Polled from here: the page's CSP forbids the eval behind wait_for_function's string predicates.
    for _ in range(50):
        if page.evaluate("document.activeElement && '#' + document.activeElement.id") == selector:
            return
        page.wait_for_timeout(100)
    raise AssertionError(
        f"{selector} never got the focus: " + page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
    )


def test_a_sheet_is_typed_with_tab_and_enter_and_the_next_one_opens(live_server, laptop, voting_workshop):
    statements = list(voting_workshop.statements.order_by("position"))
    page = laptop.new_page()
    page.goto(f"{live_server.url}/workshops/{voting_workshop.code}/paper/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-pass-123")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/workshops/{voting_workshop.code}/paper/")

    first = f"#id_dots_{statements[0].pk}"
    _wait_for_focus(page, first)
    keyboard = page.keyboard
    keyboard.type("6")
    keyboard.press("Tab")  # to the scale: arrow keys pick the tick
    keyboard.press("ArrowRight")  # "fully agree" (after "no tick")
    keyboard.press("Tab")
    keyboard.type("Hyvä verkosto")
    keyboard.press("Shift+Enter")
    keyboard.type("O: uusia jäseniä")
    keyboard.press("Tab")
    keyboard.press("Tab")  # the W/T box left empty; on to statement 2
    _wait_for_focus(page, f"#id_dots_{statements[1].pk}")
    keyboard.type("4")
    keyboard.press("Enter")

    page.wait_for_url(f"**/workshops/{voting_workshop.code}/paper/")
    page.locator("#sheets tbody tr").first.wait_for()
    participant = Participant.objects.get(workshop=voting_workshop)
    assert participant.source == Source.PAPER
    answers = {a.statement_id: (a.dots, a.rating) for a in participant.answers.all()}
    assert answers == {statements[0].pk: (6, Rating.FULLY_AGREE), statements[1].pk: (4, None)}
    assert sorted(Note.objects.values_list("kind", "text")) == [
        ("O", "uusia jäseniä"),
        ("S", "Hyvä verkosto"),
    ]
    # The next sheet is empty and starts at its first field.
    _wait_for_focus(page, first)
    assert page.input_value(first) == ""
