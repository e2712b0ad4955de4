"""Phones in Chromium against a real ASGI server: they follow the facilitator over their one socket,
keep what was typed, and the vote page works at 320 px."""

import re
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from workshops import services
from workshops.models import Participant, Phase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The bound from the facilitator's click to the new page on the phone. The 20 s poll
# does not run while the socket is open, so only the push can meet it.
FOLLOWS_WITHIN_MS = 2_000
AXE = Path.home() / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"


class Facilitator:
    """The owner's laptop, sending the run screen's forms to the server as its buttons do."""

    def __init__(self, base_url, context, owner, workshop):
        client = Client()
        client.force_login(owner)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
        )
        self.base_url, self.request, self.workshop = base_url, context.request, workshop
        from django.urls import reverse

        self.urls = {
            name: base_url + reverse(f"workshop_{name}", args=[workshop.code])
            for name in ("run", "phase", "results")
        }
        assert self.request.get(self.urls["run"]).ok
        self.csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")

    def post(self, what: str, **form):
        response = self.request.post(
            self.urls[what],
            form=form,
            headers={"X-CSRFToken": self.csrf, "Referer": self.base_url + "/"},
            max_redirects=0,
        )
        assert response.status in (200, 302), response.status


def join(phone, base_url, workshop):
    phone.add_cookies([{"name": "django_language", "value": "en", "url": base_url}])
    page = phone.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{base_url}/{workshop.code}")
    page.get_by_role("button", name="Join").click()
    expect(page).to_have_url(re.compile(f"/{workshop.code}/me/$"))
    page.wait_for_function("document.querySelector('[ws-connect]') && window.htmx")
    return page, errors


def socket_open(page):
    # The server's first snapshot has arrived: the socket is up and the poll is off.
    page.wait_for_event("websocket")


def test_closing_voting_turns_the_vote_page_into_the_closed_page_keeping_a_typed_note(
    daphne_server, phone, laptop, owner, voting_workshop, statements
):
    page, errors = join(phone, daphne_server, voting_workshop)
    facilitator = Facilitator(daphne_server, laptop, owner, voting_workshop)
    expect(page.locator("#participant")).to_have_attribute("data-page", "vote")

    # A note being typed, never sent.
    first = page.locator(f"#statement-{statements[0].pk}")
    first.get_by_text("Write a SWOT note").click()
    first.get_by_label("Opportunity (O)").check()
    first.get_by_label("Your note").fill("Kesken kirjoitettu huomio")
    # A note sent while the wifi is down: kept on the phone as "not saved yet".
    page.route(re.compile(r"/notes/$"), lambda route: route.abort())
    second = page.locator(f"#statement-{statements[1].pk}")
    second.get_by_text("Write a SWOT note").click()
    second.get_by_label("Threat (T)").check()
    second.get_by_label("Your note").fill("Jonossa odottava huomio")
    second.get_by_role("button", name="Add the note").click()
    expect(second.locator(".pending")).to_be_visible()

    facilitator.post("phase", phase=Phase.CLOSED, confirm="1")
    expect(page.locator("#participant")).to_have_attribute("data-page", "closed", timeout=FOLLOWS_WITHIN_MS)
    not_saved = page.locator("#not-saved")
    expect(not_saved).to_be_visible()
    expect(not_saved).to_contain_text("Voting has closed, so these were not saved")
    expect(not_saved).to_contain_text("Kesken kirjoitettu huomio")
    expect(not_saved).to_contain_text("Jonossa odottava huomio")
    expect(not_saved).to_contain_text("Opportunity (O)")
    assert not Participant.objects.get().notes.exists()

    # Reveal: the closed page shows the results by itself.
    facilitator.post("results", visibility="revealed")
    expect(page.locator("#participant")).to_have_attribute(
        "data-page", "closed-results", timeout=FOLLOWS_WITHIN_MS
    )
    expect(page.get_by_role("heading", name="Results of the workshop")).to_be_visible()
    # Only the aborted note request's own failure is logged (by htmx and the browser).
    assert [e for e in errors if "ERR_FAILED" not in e and not e.startswith("htmx:")] == []


def test_opening_voting_moves_the_waiting_page_to_the_vote_keeping_a_typed_name(
    daphne_server, phone, laptop, owner, workshop, statements
):
    services.set_phase(workshop, Phase.PAIR_TALK_1)
    page, errors = join(phone, daphne_server, workshop)
    facilitator = Facilitator(daphne_server, laptop, owner, workshop)
    expect(page.locator("#participant")).to_have_attribute("data-page", "waiting")
    # Pair talk: the question and the statements in full.
    expect(page.locator("#phone-live .instruction")).to_be_visible()
    expect(page.locator(".pair-talk-statements li")).to_have_count(len(statements))
    page.get_by_label("Your name").fill("Maija Meikäläinen")

    facilitator.post("phase", phase=Phase.VOTING)
    expect(page.locator("#participant")).to_have_attribute("data-page", "vote", timeout=FOLLOWS_WITHIN_MS)
    expect(page.get_by_label("Your name")).to_have_value("Maija Meikäläinen")
    expect(page.locator("#phone-live .instruction")).to_be_visible()  # the voting instruction
    assert errors == []


def boxes(page, selector):
    return page.locator(selector).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {x: r.x, y: r.y, w: r.width, h: r.height}; })"
    )


def overlap(a, b) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def test_the_vote_page_at_320_px(daphne_server, browser, voting_workshop, statements):
    context = browser.new_context(viewport={"width": 320, "height": 568}, is_mobile=True, has_touch=True)
    try:
        page, errors = join(context, daphne_server, voting_workshop)
        participant = Participant.objects.get()
        # "−" is off at 0 on every statement; "+" on while dots are left.
        for statement in statements:
            expect(page.locator(f"#dots-{statement.pk}-minus")).to_be_disabled()
            expect(page.locator(f"#dots-{statement.pk}-plus")).to_be_enabled()
        services.set_dots(participant, statements[0].pk, 9)
        page.reload()
        page.locator(f"#dots-{statements[0].pk}-plus").click()
        expect(page.locator(f"#dots-{statements[0].pk} .saved")).to_be_visible()
        # No dot left: every "+" is off and says why.
        for statement in statements:
            plus = page.locator(f"#dots-{statement.pk}-plus")
            expect(plus).to_be_disabled()
            expect(plus).to_have_accessible_name(re.compile(r"no dots left"))
        expect(page.locator(f"#dots-{statements[1].pk}-minus")).to_be_disabled()
        # The server stays the judge: a forced eleventh dot is refused clearly...
        page.locator(f"#dots-{statements[0].pk}-plus").evaluate("b => { b.disabled = false; b.click(); }")
        expect(page.locator(f"#dots-{statements[0].pk} .error")).to_contain_text(
            "You have 10 dots in all and 0 left"
        )
        # ...and the error goes with the next successful change of that control.
        page.locator(f"#dots-{statements[0].pk}-minus").click()
        expect(page.locator(f"#dots-{statements[0].pk} .saved")).to_be_visible()
        expect(page.locator(f"#dots-{statements[0].pk} .error")).to_have_count(0)
        expect(page.locator(f"#dots-{statements[1].pk}-plus")).to_be_enabled()
        expect(page.locator(f"#sheet-{statements[0].pk} [data-sheet-dots]")).to_have_text("9")

        # The sheet's rows jump to their statement.
        last = statements[-1]
        page.locator(f"#sheet-{last.pk}").click()
        expect(page).to_have_url(re.compile(f"#statement-{last.pk}$"))
        expect(page.locator(f"#statement-{last.pk} h2")).to_be_in_viewport()

        # The SWOT kinds: no overlap, 44x44 px at least, the text beside its radio; at 320 and 375 px.
        section = page.locator(f"#statement-{statements[0].pk}")
        section.get_by_text("Write a SWOT note").click()
        for width in (320, 375):
            page.set_viewport_size({"width": width, "height": 568})
            selector = f"#note-add-{statements[0].pk} .choice"
            choices = boxes(page, selector)
            assert len(choices) == 4
            for i, a in enumerate(choices):
                assert a["w"] >= 44 and a["h"] >= 44, (width, a)
                assert not any(overlap(a, b) for b in choices[i + 1 :]), (width, choices)
            radios, texts = boxes(page, f"{selector} input"), boxes(page, f"{selector} span")
            for radio, text in zip(radios, texts, strict=True):
                assert text["x"] >= radio["x"] + radio["w"], (width, radio, text)  # beside, never under
        page.set_viewport_size({"width": 320, "height": 568})

        if not AXE.exists():
            pytest.skip(
                f"axe-core is not installed at {AXE} (npm install --prefix ~/.cache/axe-core axe-core@4)"
            )
        # Through the driver, not a <script>: the page's CSP rightly allows no inline script.
        page.evaluate("source => { (0, eval)(source); }", AXE.read_text())
        violations = page.evaluate(
            "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations.map(v => v.id + ': ' + v.help)"
        )
        assert violations == []
        assert errors == []
    finally:
        context.close()


def test_the_20_s_poll_runs_only_while_the_socket_is_down(daphne_server, phone, workshop, statements):
    services.set_phase(workshop, Phase.PAIR_TALK_1)
    joining, _errors = join(phone, daphne_server, workshop)
    joining.close()
    live_url = f"/{workshop.code}/me/live/"
    for socket_down in (False, True):
        page = phone.new_page()
        polls = []
        page.on("request", lambda request, polls=polls: live_url in request.url and polls.append(request.url))
        if socket_down:  # the hall's wifi lets no socket through
            page.route_web_socket(re.compile("/phone/$"), lambda ws: ws.close())
        page.clock.install()
        if socket_down:
            page.goto(f"{daphne_server}/{workshop.code}/me/")
        else:
            with page.expect_websocket() as socket_info:
                page.goto(f"{daphne_server}/{workshop.code}/me/")
            socket_info.value.wait_for_event("framereceived")  # open: the first snapshot came
        expect(page.locator("#participant")).to_have_attribute("data-page", "waiting")
        page.clock.run_for(21_000)
        page.wait_for_timeout(300)
        if socket_down:
            assert polls, "the fallback poll did not run"
        else:
            assert polls == [], "the page polled although its socket was open"
        page.close()
