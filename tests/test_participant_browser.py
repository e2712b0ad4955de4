"""A phone in headless Chromium votes the whole sheet and finds it all again after a reload."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from workshops.models import Answer, Note

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _static_files_through_whitenoise(monkeypatch):
    # pytest-django's live_server answers /static/ from the finders, which know no hashed names
    # (whitenoise's manifest): let those requests reach WhiteNoise, as in production.
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    monkeypatch.setattr(StaticFilesHandler, "_should_handle", lambda self, path: False)


NOTE = "Yhteistyö on vahvuus: äö å <script>alert(1)</script>"


def test_a_phone_joins_spends_ten_dots_rates_writes_a_note_and_finds_it_all_after_a_reload(
    live_server, phone, voting_workshop, statements
):
    cache.clear()
    phone.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = phone.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(live_server.url + "/")
    page.get_by_label("Join code").fill(voting_workshop.code.lower())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(voting_workshop.title)
    page.get_by_role("button", name="Join").click()
    expect(page).to_have_url(re.compile(f"/{voting_workshop.code}/me/$"))

    for statement, dots in zip(statements, [4, 3, 2, 1], strict=True):
        form = page.locator(f"#dots-{statement.pk}")
        for n in range(1, dots + 1):
            page.locator(f"#dots-{statement.pk}-plus").click()
            expect(form.locator("[data-count]")).to_have_text(str(n))
            expect(form.locator(".saved")).to_be_visible()
    expect(page.locator("[data-dots-left]")).to_have_text("0")

    # The eleventh dot: "+" is off; forced anyway, it is refused next to the control, and the
    # count stays the server's.
    expect(page.locator(f"#dots-{statements[0].pk}-plus")).to_be_disabled()
    page.locator(f"#dots-{statements[0].pk}-plus").evaluate("b => { b.disabled = false; b.click(); }")
    first = page.locator(f"#dots-{statements[0].pk}")
    expect(first.locator(".error")).to_contain_text("You have 10 dots in all and 0 left")
    expect(first.locator("[data-count]")).to_have_text("4")

    for statement in statements:
        rating = page.locator(f"#rating-{statement.pk}")
        rating.get_by_label("Partly agree").check()
        expect(rating.locator(".saved")).to_be_visible()

    notes = page.locator(f"#statement-{statements[0].pk}")
    notes.get_by_text("Write a SWOT note").click()
    notes.get_by_label("Strength (S)").check()
    notes.get_by_label("Your note").fill(NOTE)
    notes.get_by_role("button", name="Add the note").click()
    expect(page.locator(f"#notes-{statements[0].pk} .note-text")).to_contain_text(NOTE)
    expect(page.locator("[data-dots-left]")).to_have_text("0")
    expect(page.locator("#progress")).to_contain_text("Done")

    page.reload()
    for statement, dots in zip(statements, [4, 3, 2, 1], strict=True):
        expect(page.locator(f"#dots-{statement.pk} [data-count]")).to_have_text(str(dots))
        expect(page.locator(f"#rating-{statement.pk}").get_by_label("Partly agree")).to_be_checked()
    expect(page.locator(f"#notes-{statements[0].pk} .note-text")).to_contain_text(NOTE)
    expect(page.locator("#progress")).to_contain_text("Done: all dots spent and every statement rated.")

    assert dialogs == []
    assert sorted(Answer.objects.values_list("dots", flat=True)) == [1, 2, 3, 4]
    assert Note.objects.get().text == NOTE
