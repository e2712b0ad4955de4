"""The front page, the privacy notice and the accessibility statement."""

import re

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def english_client() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def test_the_front_page_has_the_join_code_field():
    page = english_client().get("/").content.decode()
    assert '<label for="id_code">Join code</label>' in page
    assert 'name="code"' in page


@override_settings(
    ORGANISER_NAME="Kuntaliitto", ORGANISER_EMAIL="tietosuoja@kuntaliitto.invalid", RETENTION_DAYS=30
)
def test_the_privacy_notice_says_what_why_how_long_and_who_sees_it():
    page = english_client().get("/privacy/").content.decode()
    assert "Kuntaliitto" in page and "tietosuoja@kuntaliitto.invalid" in page
    for heading in ["What is stored", "Why", "How long", "Who sees it"]:
        assert f">{heading}</h2>" in page
    assert "by default 30 days" in page
    assert "No name, e-mail address, IP address or information about your device" in page


def test_the_privacy_notice_gives_a_workshops_deletion_date(workshop):
    page = english_client().get("/privacy/", {"workshop": workshop.code.lower()}).content.decode()
    assert workshop.title in page and "will be deleted after" in page


@override_settings(ORGANISER_NAME="Kuntaliitto", ORGANISER_EMAIL="saavutettavuus@kuntaliitto.invalid")
def test_the_accessibility_statement_names_the_feedback_contact_and_the_enforcement_body():
    page = english_client().get("/accessibility/").content.decode()
    assert "saavutettavuus@kuntaliitto.invalid" in page
    assert "WCAG" in page and "Content that is not accessible" in page
    assert "Finnish Transport and Communications Agency Traficom" in page
    assert "saavutettavuusvaatimukset.fi" in page


def test_the_accessibility_statement_in_finnish_names_the_agency():
    page = Client().get("/accessibility/").content.decode()
    assert "Liikenne- ja viestintävirasto Traficom" in page


def test_every_page_names_its_icon_so_browsers_do_not_ask_for_a_missing_favicon(client):
    page = client.get("/").text
    icon = re.search(r'<link rel="icon" href="([^"]+\.svg)" type="image/svg\+xml">', page)
    assert icon
    served = client.get(icon.group(1))
    assert served.status_code == 200
    assert b"<svg" in b"".join(served.streaming_content if served.streaming else [served.content])


@pytest.mark.parametrize("typed", ["", "A" * 500])
def test_an_empty_or_overlong_join_code_gets_the_plain_advice_in_the_pages_language(client, typed):
    page = client.get("/", {"code": typed}).text
    assert "Liittymiskoodissa on 6 kirjainta ja numeroa, esimerkiksi ABC234." in page
    assert "Tämä kenttä vaaditaan" not in page and "merkkiä pitkä" not in page
    # The browser's own bubble (in the browser's language) would stop an empty code before that.
    assert 'class="join-code" novalidate>' in page
