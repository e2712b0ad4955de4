"""Bilingual workshops (issue 15): texts in each of the workshop's languages, each phone in its own."""

import pytest
from django.urls import reverse

from workshops import services
from workshops.models import Phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def bilingual(owner):
    """The PED workshop with Finnish as its main language and Swedish as a further one."""
    return services.create_workshop(
        owner, "Demokratiapäivä", template="ped", language="fi", further_languages=["sv"]
    )


def test_it_creates_the_ped_statements_in_every_language_of_the_workshop(bilingual):
    first = bilingual.statements.order_by("position").first()
    assert first.text.startswith("Kuntaliiton PED-verkoston tulee panostaa vertaispalveluihin")
    assert first.translations["sv"]["text"].startswith("Kommunförbundets PED-nätverk bör satsa på kollegiala")
    assert first.translations["sv"]["short_name"] == "Nätverk för kollegiala tjänster"
    assert bilingual.text_in("voting_instruction", "sv").startswith("Du har 10 egna prickar")
    assert bilingual.languages == ["fi", "sv"]


def test_it_shows_the_edit_page_side_by_side_with_labels_naming_the_language(owner_client, bilingual):
    statement = bilingual.statements.order_by("position")[1]
    services.edit_statement(bilingual, statement.pk, statement.short_name, statement.text, {"sv": {}})
    page = owner_client.get(reverse("workshop_edit", args=[bilingual.code])).content.decode()
    assert "Nätverk för kollegiala tjänster" in page
    assert "Otsikko, ruotsi" in page
    # Statement 2 lost its Swedish text: the edit page says the Finnish one is shown instead.
    assert page.count("Ei vielä kirjoitettu") >= 1
    edit = owner_client.get(reverse("statement_edit", args=[bilingual.code, statement.pk])).content.decode()
    assert "Väittämä 2, ruotsi" in edit
