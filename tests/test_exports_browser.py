"""The printable report in a real browser: the Print button works and a phone needs no sideways scrolling."""

import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from tests.test_exports import hall  # noqa: F401  (the 25-participant fixture)
from workshops import exports, services
from workshops.models import Rating
from workshops.tallies import tally

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def squeeze(text: str) -> str:
    """Text without its whitespace: a PDF breaks lines where the page does."""
    return "".join(text.split())


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


def test_the_report_prints_on_a4_with_a_one_page_summary_and_no_lonely_page(
    daphne_server,
    browser,
    client,
    owner,
    hall,  # noqa: F811
):
    result = tally(hall)
    with translation.override("fi"):
        sentences = exports.summary_sentences(result)
    context = browser.new_context()
    try:
        log_in(context, daphne_server, client, owner)
        page = context.new_page()
        page.goto(f"{daphne_server}/workshops/{hall.code}/report/")
        pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    finally:
        context.close()
    pages = [p.extract_text() for p in pdf.pages]
    # Page one is the whole summary; then one page per statement.
    assert len(pages) == 1 + len(result.statements)
    first = squeeze(pages[0])
    for st in result.statements:
        assert squeeze(f"{st.statement.position}. {st.statement.short_name}") in first  # never cut
        assert squeeze(exports.score_text(st.score)) in first
    for sentence in sentences:
        assert squeeze(sentence) in first
    assert squeeze("Liitteessä on oma sivu kullekin väitteelle.") in first
    assert squeeze("Täplät väitteittäin") in first  # the chart, last on the summary page
    for number, (text, st) in enumerate(zip(pages[1:], result.statements, strict=True), start=2):
        assert squeeze(f"Väite {st.statement.position}: {st.statement.short_name}") in squeeze(text), number
    for number, text in enumerate(pages, start=1):
        lines = [line for line in text.splitlines() if line.strip()]
        assert len(lines) >= 5, f"page {number} holds only {lines}"
    # A real minus sign for a negative score, and no heading printed twice on page one.
    if any(st.score is not None and st.score < -0.05 for st in result.statements):
        assert "\u2212" in pages[0]
    assert first.count(squeeze("Täplät väitteittäin")) == 1
