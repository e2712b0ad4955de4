"""What only a browser shows on the facilitator's pages: long words wrap inside the page.

On daphne (like `make run`), which serves the hashed static files; live_server serves no CSS.
"""

import pytest

from workshops import services
from workshops.models import Phase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A title or statement pasted as one unbroken run (a URL, a typo held down): 200 characters.
LONG_WORD = "Kirjastonpalveluverkosto" * 8 + "x" * 8


# How many lines an element's text takes.
LINES = (
    "e => { const r = document.createRange(); r.selectNodeContents(e); return r.getClientRects().length; }"
)


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_long_words_wrap_and_the_console_counts_stay_in_their_boxes(daphne_server, laptop, owner, statements):
    workshop = statements[0].workshop
    services.update_workshop(workshop, title=LONG_WORD)
    services.edit_statement(workshop, statements[0].pk, LONG_WORD[:60], LONG_WORD)
    services.set_phase(workshop, Phase.VOTING)
    services.join(workshop)
    services.enter_paper_sheet(workshop, owner, {statements[0].pk: 3}, {}, {})
    page = laptop.new_page()
    page.goto(daphne_server + "/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-pass-123")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/workshops/")

    # ... and only the long title wraps: the join code and the headings beside it keep whole words.
    whole = {"/workshops/": ["td.code", "th >> nth=1"], "/workshops/compare/": [".compare-pick .code"]}
    for path in (
        "/workshops/",
        "/workshops/compare/",
        f"/workshops/{workshop.code}/edit/",
        f"/workshops/{workshop.code}/",
    ):
        page.goto(daphne_server + path)
        assert _overflow(page) <= 0, path
        for cell in whole.get(path, []):
            assert page.locator(cell).first.evaluate(LINES) == 1, (path, cell)

    # "2 (1 on phones, 1 on paper)" stays inside the counter's box, clear of the next one. Measured
    # in one script, so the socket's snapshot cannot swap the counters between two measurements.
    page.locator(".counters .by-source").wait_for()
    drawn, box, count, sizes = page.evaluate(
        """() => {
        const rect = e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width}; };
        const source = document.querySelector(".counters .by-source");
        const count = document.querySelector(".counters dd");
        const size = e => parseFloat(getComputedStyle(e).fontSize);
        return [rect(source), rect(document.querySelector(".counters > div")), rect(count),
                [size(source), size(count)]];
    }"""
    )
    assert drawn["x"] + drawn["width"] <= box["x"] + box["width"] + 0.5
    # ... in small type under the count, so the counters' row stays as low as its labels need.
    assert sizes[0] < sizes[1]
    assert drawn["y"] >= count["y"] + 10
