"""The projector's slides in Chromium at three projector sizes: nothing overflows or is clipped,
the type is big enough for the back row, and the keys and the console move the slides.

One browser page per size walks every slide, the last one a second round's "rounds" slide (a
reload after each state change: the test process and daphne share the database, not the in-memory
channel layer)."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from workshops import services
from workshops.models import NoteKind, Phase, Workshop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [(1920, 1080), (1280, 720), (1024, 768)]
SMALLEST_TEXT, STATEMENT_NAME, KEY_FIGURE = 0.026, 0.045, 0.07
SHOTS = os.environ.get("DOTVOTE_SHOTS")  # a folder: save a screenshot of every slide there

# The measure of the slide on screen: what overflows the viewport or is clipped inside a box,
# and the smallest rendered font size of any visible text (screen-reader-only text aside).
MEASURE = """() => {
  const slide = document.querySelector('#projector-live .slide:not([hidden])');
  const W = innerWidth, H = innerHeight, problems = [];
  let smallest = 1e9, smallestText = '', names = 1e9, keys = 1e9;
  for (const el of [slide, ...slide.querySelectorAll('*')]) {
    if (el.closest('.visually-hidden')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden') continue;
    const what = el.tagName + '.' + el.className + ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1) problems.push('outside: ' + what);
    const clipped = el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
    if (el instanceof HTMLElement && cs.overflow !== 'visible' && clipped) problems.push('clipped: ' + what);
    const size = parseFloat(cs.fontSize);
    if ([...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && size < smallest) {
      smallest = size; smallestText = what;
    }
    if (el.classList.contains('p-st-name')) names = Math.min(names, size);
    if (el.classList.contains('p-key')) keys = Math.min(keys, size);
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > W || doc.scrollHeight > H) problems.push('scrollbars');
  return {key: slide.dataset.slideKey, problems, smallest, smallestText, names, keys, height: H};
}"""

MEASURED = {}  # (size, slide) -> smallest font size in px, printed at the end for the report


@pytest.fixture
def hall(worked_example, statements, participant):
    """The seed's worked example, plus eight notes of 500 characters on the first statement."""
    kinds = [NoteKind.STRENGTH, NoteKind.OPPORTUNITY, NoteKind.WEAKNESS, NoteKind.THREAT] * 2
    for i, kind in enumerate(kinds):
        services.add_note(participant, statements[0].pk, kind, (f"Huomio {i} " + "pitkä teksti " * 45)[:500])
    return Workshop.objects.get(pk=worked_example.pk)


def check(page, size, name):
    found = page.evaluate(MEASURE)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-{size[0]}x{size[1]}.png")
    MEASURED[(size, name)] = found["smallest"]
    height = found["height"]
    assert found["problems"] == [], (name, size, found["problems"])
    assert found["smallest"] >= SMALLEST_TEXT * height, (name, size, found["smallest"], found["smallestText"])
    if found["names"] < 1e9:
        assert found["names"] >= STATEMENT_NAME * height, (name, size, found["names"])
    if found["keys"] < 1e9:
        assert found["keys"] >= KEY_FIGURE * height, (name, size, found["keys"])
    return found


def set_state(workshop, **fields):
    Workshop.objects.filter(pk=workshop.pk).update(**fields)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_slide_fits_and_is_readable(daphne_server, browser, hall, statements, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    try:
        page = context.new_page()
        page.goto(f"{daphne_server}/workshops/{hall.code}/projector/{hall.projector_secret}/")

        def slide(name, expected_key, **state):
            if state:
                set_state(hall, **state)
            page.reload()
            expect(page.locator(f'#projector-live .slide[data-slide-key="{expected_key}"]')).to_be_visible()
            return check(page, size, name)

        now = timezone.now()
        slide("joining", "joining", phase=Phase.DRAFT, phase_ends_at=None, projector_slide="")
        slide("pair-talk", "pair_talk", phase=Phase.PAIR_TALK_1, phase_ends_at=now + timedelta(minutes=10))
        slide("voting-hidden", "voting", phase=Phase.VOTING, results_visibility="hidden")
        slide("results-overview", "overview", results_visibility="revealed", projector_slide="overview")
        focus = slide("results-focus", f"st-{statements[0].pk}", projector_slide=f"st-{statements[0].pk}")
        assert focus["key"] == f"st-{statements[0].pk}"
        # Not every 500-character note fits: those left out are counted.
        expect(page.locator(".slide:not([hidden]) .p-more").first).to_contain_text("+")
        slide("time-up", "time_up", results_visibility="hidden", phase_ends_at=now - timedelta(seconds=5))
        slide("closed", "thanks", phase=Phase.CLOSED, phase_ends_at=None, projector_slide="")
        # Round 2 takes the join code and the projector's key: the same screen shows it beside round 1.
        code = hall.code
        services.start_next_round(Workshop.objects.get(pk=hall.pk))
        round_2 = services.set_phase(Workshop.objects.get(code=code), Phase.VOTING)
        voter = services.join(round_2)
        for statement, dots in zip(round_2.statements.order_by("position"), [1, 3, 4, 2], strict=True):
            services.set_dots(voter, statement.pk, dots)
        hall = round_2
        slide("rounds", "rounds", phase=Phase.CLOSED, results_visibility="revealed", projector_slide="rounds")
    finally:
        context.close()
    print("\nsmallest font px", size, {k[1]: v for k, v in MEASURED.items() if k[0] == size})
