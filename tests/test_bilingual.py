"""Bilingual workshops (issue 15): texts in each of the workshop's languages, each phone in its own."""

import pytest
from django.test import Client
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
    assert "Nimi, ruotsi" in page
    # Statement 2 lost its Swedish text: the edit page says the Finnish one is shown instead.
    assert page.count("Ei vielä kirjoitettu") >= 1
    edit = owner_client.get(reverse("statement_edit", args=[bilingual.code, statement.pk])).content.decode()
    assert "Väite 2, ruotsi" in edit


# --- Phones ------------------------------------------------------------------------------------


def _phone(workshop, language=None) -> Client:
    """A phone that joined, with the switcher set to `language` the way its button sets it."""
    phone = Client()
    phone.post(f"/{workshop.code}")
    if language:
        phone.post("/i18n/setlang/", {"language": language, "next": f"/{workshop.code}/me/"})
    return phone


def _page(phone, workshop) -> str:
    return phone.get(f"/{workshop.code}/me/").content.decode()


SV_STATEMENT_1 = "Kommunförbundets PED-nätverk bör satsa på kollegiala tjänster"
FI_STATEMENT_1 = "Kuntaliiton PED-verkoston tulee panostaa vertaispalveluihin"
EN_STATEMENT_1 = "The PED network of the Association of Finnish Municipalities should invest in peer services"


@pytest.fixture
def trilingual(owner):
    return services.create_workshop(
        owner, "Demokratiapäivä", template="ped", language="fi", further_languages=["sv", "en"]
    )


def test_a_phone_switched_to_swedish_shows_the_swedish_statements_and_instructions(trilingual):
    services.set_phase(trilingual, Phase.VOTING)
    phone = _phone(trilingual, "sv")
    page = _page(phone, trilingual)
    assert SV_STATEMENT_1 in page and FI_STATEMENT_1 not in page
    assert "Påverkansnätverk" in page  # statement 3's short name
    assert "Du har 10 egna prickar" in page  # the voting instruction
    assert "Fördela" in page  # and the interface speaks Swedish too
    # The choice sticks for that phone: the next load is still Swedish; another phone is Finnish.
    assert SV_STATEMENT_1 in _page(phone, trilingual)
    assert FI_STATEMENT_1 in _page(_phone(trilingual), trilingual)


def test_a_phone_in_english_shows_the_english_texts(trilingual):
    services.set_phase(trilingual, Phase.PAIR_TALK_1)
    page = _page(_phone(trilingual, "en"), trilingual)
    assert EN_STATEMENT_1 in page and FI_STATEMENT_1 not in page
    assert "Talk with the person next to you about everything the PED network" in page


def test_a_statement_without_a_swedish_text_shows_the_main_languages(bilingual):
    second = bilingual.statements.order_by("position")[1]
    services.edit_statement(bilingual, second.pk, second.short_name, second.text, {"sv": {}})
    services.set_phase(bilingual, Phase.VOTING)
    page = _page(_phone(bilingual, "sv"), bilingual)
    assert SV_STATEMENT_1 in page
    assert second.text in page  # Finnish, marked as such for a screen reader
    assert f'<p lang="fi">{second.text}</p>' in page
    assert "Ei vielä kirjoitettu" not in page and "Not written yet" not in page  # no note on a phone


def test_a_language_the_workshop_does_not_have_shows_the_main_language_under_its_interface(bilingual):
    services.set_phase(bilingual, Phase.VOTING)
    page = _page(_phone(bilingual, "en"), bilingual)
    assert FI_STATEMENT_1 in page
    assert "Dots left" in page  # the interface follows the switcher


@pytest.mark.django_db(transaction=True)
def test_the_phone_socket_sends_the_phones_language(owner):
    from .test_consumers import run, socket

    workshop = services.create_workshop(owner, "X", template="ped", language="fi", further_languages=["sv"])
    services.set_phase(workshop, Phase.PAIR_TALK_2)
    phone = _phone(workshop, "sv")
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in phone.cookies.items())

    async def main():
        communicator = socket(f"/ws/{workshop.code}/phone/", cookie=cookie)
        await communicator.connect()
        html = await communicator.receive_from(timeout=3)
        await communicator.disconnect()
        return html

    html = run(main)
    assert SV_STATEMENT_1 in html and FI_STATEMENT_1 not in html
    assert "Fundera tillsammans med personen bredvid dig" in html


def test_the_demo_workshop_is_finnish_with_swedish(settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from workshops.models import Workshop

    settings.BASE_DIR = tmp_path  # the demo's password file goes to a scratch checkout
    call_command("demo", stdout=StringIO())
    workshop = Workshop.objects.get()
    assert workshop.languages == ["fi", "sv"] and workshop.projector_languages == ["fi", "sv"]
    assert workshop.text_in("title", "sv") == "PED-nätverket: fyra typer av nätverk"
    assert all(s.translations["sv"]["text"] for s in workshop.statements.all())


# --- Exports and tallies -------------------------------------------------------------------------


def _voted(workshop):
    """Two phones, one in Swedish and one in Finnish, voting the same way: 6/4 dots, fully agree on 1."""
    from workshops.models import Rating

    services.set_phase(workshop, Phase.VOTING)
    statements = list(workshop.statements.order_by("position"))
    for language in ("sv", "fi"):
        phone = _phone(workshop, language)
        for statement, dots in zip(statements, [6, 4], strict=False):
            assert phone.post(f"/{workshop.code}/me/{statement.pk}/dots/", {"dots": dots}).status_code == 302
        phone.post(f"/{workshop.code}/me/{statements[0].pk}/rating/", {"rating": Rating.FULLY_AGREE})
    return statements


def test_the_data_exports_carry_every_languages_text(bilingual):
    import csv
    import io
    import json

    from workshops import exports

    statements = _voted(bilingual)
    rows = list(csv.DictReader(io.StringIO(exports.long_csv(bilingual).decode("utf-8-sig"))))
    first = next(r for r in rows if r["statement_position"] == "1")
    assert first["statement_text_fi"].startswith(FI_STATEMENT_1)
    assert first["statement_text_sv"].startswith(SV_STATEMENT_1)
    assert first["statement_short_name_sv"] == "Nätverk för kollegiala tjänster"
    assert first["statement_text_en"] == ""  # not a language of this workshop
    document = json.loads(exports.json_bytes(bilingual))
    assert document["schema_version"] == 1
    assert document["workshop"]["languages"] == ["fi", "sv"]
    texts = document["statements"][0]["texts"]
    assert texts["fi"]["text"] == statements[0].text
    assert texts["sv"]["text"].startswith(SV_STATEMENT_1) and texts["sv"]["written"] is True


def test_the_spreadsheet_csv_and_the_report_come_in_the_language_picked(owner_client, bilingual):
    _voted(bilingual)
    export_page = owner_client.get(reverse("export_page", args=[bilingual.code])).content.decode()
    assert "?language=sv" in export_page
    sheet = owner_client.get(reverse("export", args=[bilingual.code, "sheet_csv"]) + "?language=sv")
    text = sheet.content.decode("utf-8-sig")
    assert "Nätverk för kollegiala tjänster" in text and "Vertaispalveluverkosto" not in text
    assert "Påstående" in text  # the headers in Swedish too
    report = owner_client.get(reverse("report", args=[bilingual.code]) + "?language=sv").content.decode()
    assert SV_STATEMENT_1 in report and FI_STATEMENT_1 not in report
    assert '<html lang="sv">' in report
    default = owner_client.get(reverse("report", args=[bilingual.code])).content.decode()
    assert FI_STATEMENT_1 in default


def test_the_tallies_do_not_depend_on_the_language(bilingual):
    from workshops import tallies

    _voted(bilingual)
    result = tallies.tally(bilingual)
    # A Swedish phone and a Finnish phone voted alike: one statement, one tally, both counted.
    assert [st.dots for st in result.statements] == [12, 8, 0, 0]
    assert result.statements[0].columns["fully_agree"].ticks == 2
    assert result.participants == 2
