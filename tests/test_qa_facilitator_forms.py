"""Bad input on the facilitator's forms: a clear message in the page's language, nothing lost."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from workshops.models import Workshop

pytestmark = pytest.mark.django_db


def new_workshop(client, **fields):
    data = {
        "title": "Kirjaston tulevaisuus",
        "template": "blank",
        "language": "fi",
        "dots_per_participant": "10",
        "max_dots_per_statement": "",
        "collect_signatures": "on",
        **fields,
    }
    return client.post(reverse("workshop_new"), data)


def settings_of(workshop, **fields):
    return {
        "title": workshop.title,
        "language": workshop.language,
        "dots_per_participant": str(workshop.dots_per_participant),
        "participant_limit": "500",
        "delete_after": workshop.delete_after.isoformat(),
        "collect_signatures": "on",
        **fields,
    }


def test_a_cap_above_the_dots_of_a_participant_is_refused_with_the_reason(owner_client, owner):
    response = new_workshop(owner_client, max_dots_per_statement="20")
    assert response.status_code == 200
    assert not Workshop.objects.filter(owner=owner).exists()
    assert "Osallistujalla on 10 täplää, joten yhdelle väitteelle voi antaa enintään 10." in response.text
    assert 'value="Kirjaston tulevaisuus"' in response.text  # nothing typed is lost

    response = new_workshop(owner_client, max_dots_per_statement="10")
    assert Workshop.objects.get(owner=owner).max_dots_per_statement == 10


def test_the_main_language_ticked_again_as_a_further_one_is_refused_in_words(owner_client, owner):
    response = new_workshop(owner_client, further_languages=["fi", "sv"])
    assert response.status_code == 200
    assert not Workshop.objects.filter(owner=owner).exists()
    assert "Suomi on jo työpajan kieli: valitse vain muut kielet." in response.text


def test_refused_settings_say_so_at_the_top_of_the_edit_page(owner_client, workshop):
    url = reverse("workshop_edit", args=[workshop.code])
    response = owner_client.post(url, settings_of(workshop, title="Uusi nimi", participant_limit="0"))
    assert response.status_code == 200
    page = response.text
    summary = page.index("Asetuksia ei tallennettu.")
    # Above the statements, where the page opens, and before the field that was refused.
    assert summary < page.index('id="statements"') < page.index("Tämän luvun on oltava vähintään 1.")
    assert 'href="#settings-heading"' in page
    assert 'value="Uusi nimi"' in page
    workshop.refresh_from_db()
    assert workshop.title == "Demokratiapäivä"


def test_the_edit_page_has_no_error_summary_when_nothing_was_refused(owner_client, workshop):
    page = owner_client.get(reverse("workshop_edit", args=[workshop.code])).text
    assert escape("Asetuksia ei tallennettu.") not in page


@pytest.mark.parametrize("minutes", ["0", "999", "abc"])
def test_a_wrong_length_of_phase_is_refused_in_the_pages_words(owner_client, workshop, minutes):
    url = reverse("workshop_phase", args=[workshop.code])
    response = owner_client.post(url, {"phase": "voting", "minutes": minutes}, HTTP_HX_REQUEST="true")
    assert "Vaiheen kesto minuutteina: anna kokonaisluku 1–180. Vaihetta ei vaihdettu." in response.text
    # The browser's own bubble (in the browser's language) would stop the form before that.
    assert 'hx-swap="outerHTML" novalidate>' in response.text
    workshop.refresh_from_db()
    assert workshop.phase == "draft"


def test_my_workshops_and_the_comparison_name_the_rounds_that_share_a_title(owner_client, owner, workshop):
    from workshops import services

    services.create_workshop(owner, "Toinen työpaja", template="blank")
    services.set_phase(workshop, "voting")
    services.set_phase(workshop, "closed")
    services.start_next_round(workshop)
    page = owner_client.get(reverse("workshop_list")).text
    assert page.count("Demokratiapäivä</a> <span") == 2
    assert "(Kierros 1)" in page and "(Kierros 2)" in page
    assert "Toinen työpaja</a></td>" in page  # a workshop of one round is not called round 1
    picker = owner_client.get(reverse("compare")).text
    assert "Demokratiapäivä (Kierros 2)</span>" in picker


@pytest.mark.parametrize("page", ["workshop_list", "workshop_run", "workshop_edit"])
def test_the_facilitators_pages_are_never_cached_so_back_shows_the_present(owner_client, workshop, page):
    # Back from the edit page would otherwise show the console as first loaded, before htmx
    # changed it: "Start pair talk 1" offered again while pair talk 1 runs.
    args = [] if page == "workshop_list" else [workshop.code]
    response = owner_client.get(reverse(page, args=args))
    assert "no-store" in response["Cache-Control"]


def test_removing_a_statement_asks_first_naming_it(owner_client, workshop):
    page = owner_client.get(reverse("workshop_edit", args=[workshop.code])).text
    assert 'hx-confirm="Poistetaanko väite 1 ”Vertaispalveluverkosto”?"' in page
    assert page.count("hx-confirm=") == workshop.statements.count()
