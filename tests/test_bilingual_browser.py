"""The projector in "fi | sv" (issue 15): both languages' texts of every statement, within the
presenter issue's size and overflow rules at the three projector sizes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from workshops import services
from workshops.models import Phase, Rating, Workshop

from .test_presenter_browser import SIZES, check, set_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fi_sv(owner):
    """The PED workshop in Finnish with Swedish beside it on the projector, and the worked example's votes."""
    workshop = services.create_workshop(owner, "Demokratiapäivä", language="fi", further_languages=["sv"])
    services.update_workshop(workshop, projector_second_language="sv")
    services.set_phase(workshop, Phase.VOTING)
    participant = services.join(workshop)
    for statement, dots in zip(workshop.statements.order_by("position"), [5, 2, 2, 1], strict=True):
        services.set_dots(participant, statement.pk, dots)
        services.set_rating(participant, statement.pk, Rating.PARTLY_AGREE)
    return Workshop.objects.get(pk=workshop.pk)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_projector_in_fi_and_sv_shows_both_texts_and_fits(daphne_server, browser, fi_sv, size):
    statements = list(fi_sv.statements.order_by("position"))
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    try:
        page = context.new_page()
        page.goto(f"{daphne_server}/workshops/{fi_sv.code}/projector/{fi_sv.projector_secret}/")
        for name, key, state in [
            ("bilingual-pair-talk", "pair_talk", {"phase": Phase.PAIR_TALK_1}),
            ("bilingual-overview", "overview", {"phase": Phase.VOTING, "results_visibility": "revealed"}),
        ]:
            set_state(
                fi_sv, phase_ends_at=timezone.now() + timedelta(minutes=10), projector_slide=key, **state
            )
            page.reload()
            slide = page.locator(f'#projector-live .slide[data-slide-key="{key}"]')
            expect(slide).to_be_visible()
            check(page, size, name)
            for statement in statements:
                for lang, short_name in (
                    ("fi", statement.short_name),
                    ("sv", statement.translations["sv"]["short_name"]),
                ):
                    expect(slide.locator(f'.p-st-name[lang="{lang}"]', has_text=short_name)).to_be_visible()
            if key == "pair_talk":
                # The texts themselves, in both languages, as the hall reads them while talking.
                texts = slide.locator(".s-st-text").all_inner_texts()
                for statement in statements:
                    for text in (statement.text, statement.translations["sv"]["text"]):
                        assert any(text[:60] in shown for shown in texts), text[:60]
                expect(slide.locator('.s-question p[lang="sv"]')).to_contain_text(
                    "Samtala med personen bredvid"
                )
    finally:
        context.close()
