"""The owner's export page, downloads and printable report; the export_workshop command."""

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from workshops import exports, services
from workshops.tallies import tally

pytestmark = pytest.mark.django_db

FORMATS = ["sheet_csv", "csv", "notes_csv", "xlsx", "json", "signatures_csv"]


@pytest.fixture
def voted(worked_example, participant, statements):
    """The seed's worked example, a note, a note hidden on the projector and one signature."""
    services.add_note(participant, statements[0].pk, "S", "<b>Hyvä</b> pohja yhteistyölle")
    hidden, _created = services.add_note(participant, statements[0].pk, "T", "Pekka on hölmö")
    hidden.hidden_on_projector = True
    hidden.save()
    services.sign(participant.workshop, "Liisa Lähde")
    return participant.workshop


def workbook_values(content: bytes) -> dict:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


def export_url(workshop, fmt):
    return reverse("export", args=[workshop.code, fmt])


def test_the_url_names_others_link_to():
    assert reverse("export", args=["ABC234", "csv"]) == "/workshops/ABC234/export/csv/"
    assert reverse("report", args=["ABC234"]) == "/workshops/ABC234/report/"
    assert reverse("export_page", args=["ABC234"]) == "/workshops/ABC234/export/"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_owner_downloads_each_format_with_a_proper_filename(owner_client, voted, fmt):
    response = owner_client.get(export_url(voted, fmt))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"demokratiapaiva-{voted.code}-20" in disposition
    assert response["Cache-Control"] == "no-store"
    if fmt == "json":  # the one file that records when it was made
        assert response.json()["rows"] == exports.json_document(voted)["rows"]
    elif fmt == "xlsx":  # the zip's entries carry their time to the second: compare the cells
        assert workbook_values(response.content) == workbook_values(exports.export(voted, fmt).content)
    else:
        assert response.content == exports.export(voted, fmt).content


def test_the_downloaded_csv_totals_equal_the_tally(owner_client, voted):
    content = owner_client.get(export_url(voted, "csv")).content
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [int(r["dots"]) for r in rows] == [s.dots for s in tally(voted).statements]


def test_the_signature_list_is_in_the_workbook_only_when_ticked(owner_client, voted):
    plain = openpyxl.load_workbook(io.BytesIO(owner_client.get(export_url(voted, "xlsx")).content))
    assert "Allekirjoituslista" not in plain.sheetnames
    ticked = owner_client.get(export_url(voted, "xlsx"), {"signatures": "1"}).content
    book = openpyxl.load_workbook(io.BytesIO(ticked))
    names = book["Allekirjoituslista"]
    assert [row[0] for row in names.iter_rows(values_only=True)][1:] == ["Liisa Lähde"]
    document = owner_client.get(export_url(voted, "json"), {"signatures": "1"}).json()
    assert document["signatures"] == ["Liisa Lähde"]
    assert "signatures" not in owner_client.get(export_url(voted, "json")).json()


@pytest.mark.parametrize(
    "url",
    [
        *[("export", fmt) for fmt in FORMATS],
        ("export_page",),
        ("report",),
    ],
)
def test_someone_else_gets_404_on_every_export_url(client, other_facilitator, voted, url):
    client.force_login(other_facilitator)
    response = client.get(reverse(url[0], args=[voted.code, *url[1:]]), {"signatures": "1"})
    assert response.status_code == 404


@pytest.mark.parametrize("url", [("export", "xlsx"), ("export_page",), ("report",)])
def test_an_anonymous_visitor_is_sent_to_log_in(client, voted, url):
    response = client.get(reverse(url[0], args=[voted.code, *url[1:]]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_can_export(client, django_user_model, voted):
    client.force_login(django_user_model.objects.create_user("staff", password="x-pass-123", is_staff=True))
    assert client.get(export_url(voted, "csv")).status_code == 200


def test_an_unknown_format_is_404(owner_client, voted):
    assert owner_client.get(export_url(voted, "pdf")).status_code == 404


def test_the_export_page_links_every_download(owner_client, voted):
    page = owner_client.get(reverse("export_page", args=[voted.code])).content.decode()
    for fmt in FORMATS:
        assert export_url(voted, fmt) in page
    assert reverse("report", args=[voted.code]) in page
    # One click each: the workbook and the JSON with the signature list are links of their own.
    assert export_url(voted, "xlsx") + "?signatures=1" in page
    assert export_url(voted, "json") + "?signatures=1" in page
    assert "Liisa" not in page
    # The page says which CSV is for people and which for programs.
    assert "Taulukko (CSV)" in page and "Aineisto (CSV)" in page and "puolipisteillä" in page


def test_the_signature_list_button_is_disabled_with_a_reason_when_nobody_signed(owner_client, workshop):
    page = owner_client.get(reverse("export_page", args=[workshop.code])).content.decode()
    assert export_url(workshop, "signatures_csv") not in page
    assert "?signatures=1" not in page
    assert 'disabled aria-describedby="names-hint"' in page
    assert 'id="names-hint">Kukaan ei ole vielä allekirjoittanut listaa.<' in page


def test_the_report_shows_the_tallies_charts_and_notes_in_the_workshops_language(owner_client, voted):
    response = owner_client.get(reverse("report", args=[voted.code]), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fi">' in page
    assert voted.title in page
    assert page.count("<svg") == 1 + 2 * 4  # dots per statement, then ticks and dots per statement
    assert "Täysin samaa mieltä" in page and "Vertaispalveluverkosto" in page
    assert "&lt;b&gt;Hyvä&lt;/b&gt; pohja yhteistyölle" in page  # a note is text, never markup
    assert "Pekka" not in page  # hidden on the projector: left out of a document meant to be shared
    assert "Liisa" not in page  # never a name beside answers
    assert 'id="print-report"' in page
    assert page.count('class="flag"') >= 4  # one rating at most: every statement is a small number


def test_the_report_has_print_css_for_a4():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "report.css").read_text()
    assert "size: A4" in css and "@media print" in css


# --- The management command ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_command_writes_each_format(voted, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    call_command(
        "export_workshop", voted.code.lower(), "--format", fmt, "-o", str(target), stderr=io.StringIO()
    )
    content = target.read_bytes()
    result = tally(voted)
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        assert "Yhteenveto" in book.sheetnames and "Allekirjoituslista" not in book.sheetnames
    elif fmt == "json":
        assert json.loads(content)["workshop"]["total_dots"] == result.total_dots
    else:
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        if fmt == "sheet_csv":
            rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
            # The header, 4 statements, the total, a blank line, the notes' header and the one
            # note not hidden on the projector.
            assert len(rows) == 1 + 4 + 1 + 1 + 1 + 1
        else:
            assert len(rows) == {"csv": 4, "notes_csv": 2, "signatures_csv": 1}[fmt]


def test_the_command_adds_the_signatures_when_asked(voted, tmp_path):
    target = tmp_path / "with-names.json"
    call_command("export_workshop", voted.code, "--format", "json", "--signatures", "-o", str(target))
    assert json.loads(target.read_text())["signatures"] == ["Liisa Lähde"]


def test_the_command_writes_text_to_standard_output(voted):
    out = io.StringIO()
    call_command("export_workshop", voted.code, "--format", "csv", stdout=out)
    text = out.getvalue()
    assert text.startswith("\ufeffworkshop_code,")
    assert "Vertaispalveluverkosto" in text


def test_the_command_refuses_an_unknown_code(db):
    with pytest.raises(CommandError):
        call_command("export_workshop", "NOPE99")
