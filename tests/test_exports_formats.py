"""Files an organiser opens: the spreadsheet CSV, the XLSX's layout, the report's figures and phases."""

import csv
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from tests.test_exports import hall  # noqa: F401  (the 25-participant fixture)
from workshops import exports, services
from workshops.models import Phase, PhaseRecord, Rating
from workshops.tallies import rounded_score, tally

pytestmark = pytest.mark.django_db

HEADERS = {
    "fi": ["Nro", "Väite", "Täplät", "Osuus (%)", "Täpliä antaneet osallistujat", "Arviot"],
    "sv": ["Nr", "Påstående", "Prickar", "Andel (%)"],
    "en": ["No.", "Statement", "Dots", "Share (%)", "Participants with dots", "Ratings"],
}
FULLY_AGREE = {"fi": "Täysin samaa mieltä", "sv": "Helt av samma åsikt", "en": "Fully agree"}


def sheet_tables(data: bytes) -> tuple[list[list[str]], list[list[str]]]:
    """The spreadsheet CSV's two tables: statements (header first), then notes (header first)."""
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    blank = rows.index([])
    return rows[:blank], rows[blank + 1 :]


def number(text: str) -> float:
    return float(text.replace(",", "."))


# --- rounded_score: one rule for every screen and file ---------------------------------------------


@pytest.mark.parametrize(
    ("score", "shown"),
    [
        (None, None),
        (10, Decimal("10.0")),
        (2.25, Decimal("2.3")),
        (-2.25, Decimal("-2.3")),  # away from zero, not towards it
        (0.769230769, Decimal("0.8")),
        (7.15, Decimal("7.2")),  # 7.15 is 7.1499… in binary: still 7.2
        (-0.04, Decimal("0.0")),
        (1 / 3, Decimal("0.3")),
        (-7.777, Decimal("-7.8")),  # never truncated
    ],
)
def test_rounded_score_rounds_half_away_from_zero(score, shown):
    assert rounded_score(score) == shown


# --- The spreadsheet CSV -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_spreadsheet_csv_speaks_the_workshops_language(worked_example, language):
    worked_example.language = language
    worked_example.save()
    statements, notes = sheet_tables(exports.sheet_csv(worked_example))
    header = statements[0]
    assert header[: len(HEADERS[language])] == HEADERS[language]
    assert FULLY_AGREE[language] in header
    first = statements[1]
    assert first[3] == ("50,0" if language != "en" else "50.0")  # the share, as the locale writes it
    assert first[6] == ("10,0" if language != "en" else "10.0")


def test_the_spreadsheet_csv_totals_equal_the_worked_example(worked_example):
    statements, notes = sheet_tables(exports.sheet_csv(worked_example))
    rows = statements[1:-1]
    assert [int(r[2]) for r in rows] == [5, 2, 2, 1]
    assert [r[3] for r in rows] == ["50,0", "20,0", "20,0", "10,0"]
    assert [r[6] for r in rows] == ["10,0", "", "", "-10,0"]
    assert statements[-1][1:4] == ["Yhteensä", "10", "100,0"]
    assert notes == [["Väite", "Tyyppi", "Huomio", "Kirjattu"]]


def test_the_spreadsheet_csv_totals_equal_the_tally_of_25_participants(hall):  # noqa: F811
    result = tally(hall)
    statements, notes = sheet_tables(exports.sheet_csv(hall))
    header, rows, total = statements[0], statements[1:-1], statements[-1]
    labels = exports.rating_labels(hall)
    for row, st in zip(rows, result.statements, strict=True):
        assert (int(row[0]), row[1], int(row[2])) == (st.statement.position, st.statement.short_name, st.dots)
        assert number(row[3]) == pytest.approx(st.share, abs=0.05)
        assert "," in row[3]
        assert int(row[4]) == st.supporters and int(row[5]) == st.ratings
        assert number(row[6]) == float(rounded_score(st.score))
        for key in Rating.values:
            assert int(row[header.index(labels[key])]) == st.columns[key].ticks
    assert int(total[2]) == result.total_dots == sum(int(r[2]) for r in rows)
    assert len(notes) - 1 == result.notes
    assert notes[1][2] == "Yhteistyö 4: äö å" and notes[1][1] == "Heikkous (W)"
    assert notes[1][3].count(".") == 3  # "2.12.2026 9.05": the Finnish date and time


# --- The XLSX's layout ---------------------------------------------------------------------------


def test_the_workbook_is_laid_out_for_reading_and_printing(hall):  # noqa: F811
    result = tally(hall)
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(hall, signatures=True)))
    names = [f"{st.statement.position} {st.statement.short_name}"[:31] for st in result.statements]
    assert book.sheetnames == ["Yhteenveto", *names, "Tiedot", "Nimilista"]

    summary = book["Yhteenveto"]
    header = next(row for row in summary.iter_rows() if row[0].value == "Nro")
    assert [cell.value for cell in header[:7]] == [
        "Nro",
        "Väite",
        "Täplät",
        "Osuus",
        "Täpliä antaneet osallistujat",
        "Arviot",
        "Kannatusluku (−10…+10)",
    ]
    assert header[7].value == "Täysin samaa mieltä"
    assert summary.freeze_panes == f"A{header[0].row + 1}"
    first = summary[header[0].row + 1]
    assert first[3].number_format == "0.0 %" and first[6].number_format.startswith("+0.0")
    for cell in header:  # every column fits its header's longest word
        longest = max(len(word) for word in str(cell.value).split())
        assert summary.column_dimensions[cell.column_letter].width >= longest + 2, cell.value

    chart = zipfile.ZipFile(io.BytesIO(exports.xlsx_bytes(hall))).read("xl/charts/chart1.xml").decode()
    assert '<barDir val="bar"' in chart
    assert '<orientation val="maxMin"' in chart  # statement 1 on top, in statement order
    first_row = header[0].row + 1
    assert f"$B${first_row}:$B${first_row + len(result.statements) - 1}" in chart  # the names

    for sheet in book.worksheets:
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.freeze_panes
    assert {book[name].page_setup.orientation for name in ["Yhteenveto", *names, "Tiedot"]} == {"landscape"}
    data = book["Tiedot"]
    assert data.print_title_rows == "$1:$2"  # the headers and the keys on every printed page
    assert data["A1"].value == "Liittymiskoodi" and data["A2"].value == "workshop_code"


def test_the_workbook_speaks_swedish_for_a_swedish_workshop(worked_example):
    worked_example.language = "sv"
    worked_example.save()
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(worked_example, signatures=True)))
    assert book.sheetnames[0] == "Sammanfattning" and book.sheetnames[-2:] == ["Data", "Namnlista"]
    values = {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row}
    assert {"Påstående", "Helt av samma åsikt", "Samstämmighetstal (−10…+10)"} <= values


# --- The report's sentences and phases -----------------------------------------------------------


def test_the_summary_sentences_are_written_from_the_tally(hall):  # noqa: F811
    result = tally(hall)
    leader = max(result.statements, key=lambda st: st.dots)
    readable = [st for st in result.statements if st.score is not None and not st.too_few_to_read]
    best = max(readable, key=lambda st: st.score)
    worst = min(readable, key=lambda st: st.score)
    with translation.override("fi"):
        sentences = exports.summary_sentences(result)
        worst_score = exports.score_text(worst.score)
    share = str(exports.one_decimal(leader.share)).replace(".", ",")
    assert sentences[0] == (
        f"Eniten täpliä sai ”{leader.statement.short_name}” ({share} %, {leader.dots} täplää)."
    )
    assert f"”{best.statement.short_name}”" in sentences[1] and sentences[1].startswith("Korkein")
    assert f"”{worst.statement.short_name}”" in sentences[2] and sentences[2].startswith("Matalin")
    assert worst_score in sentences[2]


def test_the_sentences_say_a_tie_and_what_cannot_be_read(worked_example, statements, participant):
    # Two statements with 5 dots each; one rating each from two participants: too few to read.
    services.join(worked_example)
    services.set_dots(participant, statements[1].pk, 0)
    services.set_dots(participant, statements[2].pk, 0)
    services.set_dots(participant, statements[3].pk, 5)
    with translation.override("en"):
        sentences = exports.summary_sentences(tally(worked_example))
    assert sentences == [
        "Most dots went to “Vertaispalveluverkosto” and “Uuden luomisen verkosto”, "
        "each with 50.0 % (5 dots).",
        "There were too few ratings to read any agreement score reliably.",
    ]


def test_set_phase_keeps_the_phase_history(workshop):
    for phase in [Phase.PAIR_TALK_1, Phase.PAIR_TALK_2, Phase.VOTING, Phase.CLOSED]:
        services.set_phase(workshop, phase)
    records = list(PhaseRecord.objects.filter(workshop=workshop))
    assert [r.phase for r in records] == ["pair_talk_1", "pair_talk_2", "voting", "closed"]
    for earlier, later in zip(records, records[1:], strict=False):
        assert earlier.ended_at == later.started_at
    assert records[-1].ended_at is None
    document = exports.json_document(workshop)
    assert [p["phase"] for p in document["workshop"]["phases"]] == [r.phase for r in records]
    assert PhaseRecord.objects.filter(workshop=workshop, ended_at__isnull=True).count() == 1


def test_the_report_shows_each_phases_start_and_end(owner_client, workshop):
    from datetime import timedelta

    from django.utils import timezone

    for phase in [Phase.PAIR_TALK_1, Phase.PAIR_TALK_2, Phase.VOTING, Phase.CLOSED]:
        services.set_phase(workshop, phase)
    # Spread the records over a morning, as a real workshop would run.
    start = timezone.make_aware(timezone.datetime(2026, 11, 23, 9, 5))
    minutes = [(0, 10), (10, 20), (20, 45), (45, None)]
    for record, (begin, end) in zip(PhaseRecord.objects.filter(workshop=workshop), minutes, strict=True):
        record.started_at = start + timedelta(minutes=begin)
        record.ended_at = start + timedelta(minutes=end) if end is not None else None
        record.save()
    page = owner_client.get(reverse("report", args=[workshop.code])).content.decode()
    with translation.override("fi"):
        label = {phase: str(phase.label) for phase in Phase}
    for phase, times in [
        (Phase.PAIR_TALK_1, "9.05–9.15"),
        (Phase.PAIR_TALK_2, "9.15–9.25"),
        (Phase.VOTING, "9.25–9.50"),
        (Phase.CLOSED, "9.50<"),
    ]:
        assert f'<span class="phase-name">{label[phase]}</span> {times}' in page
    assert "23. marraskuuta 2026" in page


def test_the_report_counts_in_the_right_grammatical_number(owner_client, participant, statements):
    # One phone, one dot and one rating on statement 1: "1 täplä … 1 osallistujalta; 1 arvio."
    services.set_dots(participant, statements[0].pk, 1)
    services.set_rating(participant, statements[0].pk, Rating.FULLY_AGREE)
    services.set_dots(participant, statements[1].pk, 2)
    page = owner_client.get(reverse("report", args=[participant.workshop.code])).content.decode()
    assert "1 täplä (100,0 % kaikista)" not in page  # 1 of 3 dots
    assert re.search(r"1 täplä \(33,3 % kaikista\), 1 osallistujalta; 1 arvio\.", page)
    assert re.search(r"2 täplää \(66,7 % kaikista\), 1 osallistujalta; 0 arviota\.", page)
