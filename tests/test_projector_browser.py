"""The projector in a real browser, served by daphne: a phone's vote appears without a reload."""

import re

import pytest
from playwright.sync_api import expect

from workshops import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_projector_shows_a_phones_vote_without_a_reload(
    daphne_server, browser, phone, statements, voting_workshop
):
    services.set_results_visibility(voting_workshop, "live")
    big_screen = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        projector = big_screen.new_page()
        projector.goto(
            f"{daphne_server}/workshops/{voting_workshop.code}/projector/{voting_workshop.projector_secret}/"
        )
        first = projector.locator('.p-statement[data-position="1"]')
        expect(first).to_have_attribute("data-dots", "0")
        # Four statements fit a 1920x1080 screen without scrolling.
        assert projector.evaluate("document.documentElement.scrollHeight") <= 1080

        voter = phone.new_page()
        voter.goto(f"{daphne_server}/{voting_workshop.code}")
        voter.get_by_role("button", name=re.compile("Liity|Join")).click()
        voter.locator(f"#dots-{statements[0].pk}-plus").click()
        voter.locator(f"#dots-{statements[0].pk}-plus").click()
        expect(voter.locator(f"#dots-{statements[0].pk} [data-count]")).to_have_text("2")

        expect(first).to_have_attribute("data-dots", "2", timeout=10_000)
        expect(projector.locator(".slide:not([hidden]) [data-joined]").first).to_have_text("1")
    finally:
        big_screen.close()
