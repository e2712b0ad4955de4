"""The console (run screen) and the projector together in Chromium, served by daphne: the console
fits a laptop, the keys drive the projector, and the console moves the projector's slide live."""

import os

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from workshops import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in(browser, server, user, viewport):
    """A browser context holding `user`'s session (the session lives in the shared database)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport)
    host = server.split("://", 1)[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    return context


# The console's controls used during a seminar; each must be on screen at 1366x768, unscrolled.
CONTROLS = [
    "button[name=phase][value=pair_talk_1]",
    "button[name=phase][value=closed]",
    "button[name=action][value=pause]",
    "button[name=minutes][value='1']",
    "button[name=minutes][value='5']",
    "button[name=visibility][value=hidden]",
    "button[name=visibility][value=live]",
    "button[name=visibility][value=revealed]",
    "#run-live .counters",
    "#run-live [data-countdown]",
    "#run-live .preview",
    "button[data-next-slide]",
    ".slide-list",
    "#run-notes .approval button",
    "#run-notes .console-note button",
    "form[action$='/joining/'] button",
    ".join-code",
    "a[href$='/export/']",
    "a[href$='/notes/']",
]


def test_the_console_fits_a_1366x768_laptop_without_scrolling(
    daphne_server, browser, owner, worked_example, participant, statements
):
    services.add_note(participant, statements[0].pk, "S", "Hyvä " * 100)
    services.set_results_visibility(worked_example, "live")
    context = logged_in(browser, daphne_server, owner, {"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.goto(f"{daphne_server}/workshops/{worked_example.code}/")
        if os.environ.get("DOTVOTE_SHOTS"):
            page.screenshot(path=os.environ["DOTVOTE_SHOTS"] + "/console-1366x768.png", full_page=True)
        for selector in CONTROLS:
            # Fully on screen, unscrolled (retried: a live snapshot may be swapping the part in).
            expect(page.locator(selector).first).to_be_in_viewport(ratio=1)
        assert page.evaluate("document.documentElement.scrollHeight") <= 768
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    finally:
        context.close()


def test_the_keys_and_the_console_move_the_projector_live(
    daphne_server, browser, owner, worked_example, statements
):
    services.set_results_visibility(worked_example, "revealed")
    big_screen = browser.new_context(viewport={"width": 1280, "height": 720})
    console = logged_in(browser, daphne_server, owner, {"width": 1366, "height": 768})
    try:
        projector = big_screen.new_page()
        projector.goto(
            f"{daphne_server}/workshops/{worked_example.code}/projector/{worked_example.projector_secret}/"
        )
        assert "/projector/" + worked_example.projector_secret not in projector.url  # the key left the URL
        visible = projector.locator("#projector-live .slide:not([hidden])")
        expect(visible).to_have_attribute("data-slide-key", "voting")
        projector.wait_for_function("document.querySelector('[data-projector]') && window.htmx")
        desk = console.new_page()
        desk.goto(f"{daphne_server}/workshops/{worked_example.code}/")

        projector.keyboard.press("ArrowRight")
        expect(visible).to_have_attribute("data-slide-key", "overview")
        projector.keyboard.press("PageDown")
        expect(visible).to_have_attribute("data-slide-key", f"st-{statements[0].pk}")
        # The clicker's choice reached the server: the console's preview follows it.
        expect(desk.locator("[data-on-screen]")).to_contain_text(statements[0].short_name, timeout=10_000)
        projector.keyboard.press("ArrowLeft")
        expect(visible).to_have_attribute("data-slide-key", "overview")
        expect(desk.locator("[data-on-screen]")).not_to_contain_text(statements[0].short_name, timeout=10_000)

        # The console moves the projector, live.
        desk.locator("button[data-next-slide]").click()
        expect(visible).to_have_attribute("data-slide-key", f"st-{statements[0].pk}", timeout=10_000)

        projector.keyboard.press("b")
        expect(projector.locator("[data-blank]")).to_be_visible()
        projector.keyboard.press("b")
        expect(projector.locator("[data-blank]")).to_be_hidden()
        projector.keyboard.press("?")
        expect(projector.locator("[data-help]")).to_be_visible()
        projector.keyboard.press("Escape")
        expect(projector.locator("[data-help]")).to_be_hidden()
        projector.keyboard.press("f")
        projector.wait_for_function("document.fullscreenElement !== null")
        projector.keyboard.press("f")
        projector.wait_for_function("document.fullscreenElement === null")
    finally:
        big_screen.close()
        console.close()
