"""The printable report in a real browser: the Print button works and a phone needs no sideways scrolling."""

import pytest

from workshops import services
from workshops.models import Rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(context, base_url, client, user):
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": base_url}])


def test_the_report_prints_and_fits_a_320_px_screen(
    daphne_server, browser, client, owner, participant, statements
):
    for statement, dots in zip(statements, [5, 2, 2, 1], strict=True):
        services.set_dots(participant, statement.pk, dots)
    services.set_rating(participant, statements[0].pk, Rating.FULLY_AGREE)
    services.add_note(participant, statements[1].pk, "O", "Vertaisoppiminen kuntien välillä")
    context = browser.new_context(viewport={"width": 320, "height": 700})
    try:
        log_in(context, daphne_server, client, owner)
        page = context.new_page()
        page.goto(f"{daphne_server}/workshops/{participant.workshop.code}/report/")
        page.evaluate("window.print = () => { window.printed = true; }")
        page.get_by_role("button", name="Tulosta tai tallenna PDF:ksi").click()
        assert page.evaluate("window.printed") is True
        assert page.locator("svg[role=img]").count() == 1 + 2 * len(statements)
        assert page.get_by_text("Vertaisoppiminen kuntien välillä").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()
