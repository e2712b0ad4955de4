"""The export files: every total equals tally(), formulas are inert, names stay apart from answers."""

import csv
import io
import json
import random

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workshops import exports, services
from workshops.models import Rating
from workshops.tallies import NO_OPINION, rounded_score, tally

pytestmark = pytest.mark.django_db

NAMES = ["Örjan Östman", "Åsa Åberg", "Anna Aalto", "Äinö Äijälä", "Émile Zola", "Matti Meikäläinen"]
FORMULA_NOTE = '=HYPERLINK("http://x","y")'


@pytest.fixture
def hall(voting_workshop, statements):
    """25 participants voting deterministically, with notes in Finnish and a signature list."""
    rnd = random.Random(2015)
    for number in range(1, 26):
        person = services.join(voting_workshop)
        left = voting_workshop.dots_per_participant
        for statement in statements[:-1]:
            dots = rnd.randint(0, left)
            services.set_dots(person, statement.pk, dots)
            left -= dots
        services.set_dots(person, statements[-1].pk, left)
        for statement in statements:
            if rnd.random() < 0.85:
                services.set_rating(person, statement.pk, rnd.choice(Rating.values))
        if number % 4 == 0:
            statement = statements[number % len(statements)]
            kind = "SWOT"[number // 4 % 4]  # 4: W, 8: O, 12: T, 16: S...
            services.add_note(person, statement.pk, kind, f"Yhteistyö {number}: äö å")
            services.add_note(person, statement.pk, kind, f"Toinen huomio {number}")
    for name in NAMES:
        services.sign(voting_workshop, name)
    return voting_workshop


def read_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the byte order mark to read UTF-8"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def all_cells(book) -> list[str]:
    return [
        str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for value in row
    ]


# The summary sheet's columns (its headers are in the workshop's language).
POSITION, NAME, DOTS, SHARE, SUPPORTERS, RATINGS, SCORE = range(7)
TICKS = slice(7, 13)  # the six scale columns
REMARKS = 13


def summary_rows(book) -> list[tuple]:
    """The per-statement rows of the summary sheet: those that start with a statement's position."""
    return [row for row in book.worksheets[0].iter_rows(values_only=True) if isinstance(row[POSITION], int)]


# --- The seed's worked example ----------------------------------------------------------------


def test_the_worked_example_in_the_csv(worked_example):
    rows = read_csv(exports.long_csv(worked_example))
    assert list(rows[0]) == exports.DATA_CSV_COLUMNS
    assert [int(r["dots"]) for r in rows] == [5, 2, 2, 1]
    assert [r["rating"] for r in rows] == ["fully_agree", "", "", "fully_disagree"]
    # Labels in the workshop's language (Finnish), whatever language the exporter uses.
    assert [r["rating_label"] for r in rows] == ["Täysin samaa mieltä", "", "", "Täysin eri mieltä"]
    assert {r["participant_number"] for r in rows} == {"1"}
    assert [r["statement_short_name"] for r in rows][1] == "Oppimis- ja kehittämisverkosto"
    # One rating per statement at most: every statement is a small number.
    assert {r["small_number"] for r in rows} == {"true"}


def test_the_worked_example_in_the_xlsx(worked_example):
    book = read_xlsx(exports.xlsx_bytes(worked_example))
    rows = summary_rows(book)
    assert [r[DOTS] for r in rows] == [5, 2, 2, 1]
    assert [r[SHARE] for r in rows] == [0.5, 0.2, 0.2, 0.1]
    assert [r[SCORE] for r in rows] == [10, None, None, -10]
    assert all("alle 5 arviota" in r[REMARKS] for r in rows)
    first = book.worksheets[1]
    cells = list(first.iter_rows(values_only=True))
    scale = next(row for row in cells if row[1] == "Täysin samaa mieltä")
    ticks = cells[cells.index(scale) + 1]
    dots = cells[cells.index(scale) + 2]
    assert (ticks[1], dots[1]) == (1, 5)


def test_the_worked_example_in_the_json(worked_example):
    document = json.loads(exports.json_bytes(worked_example))
    assert document["schema_version"] == exports.SCHEMA_VERSION
    assert [s["tally"]["dots"] for s in document["statements"]] == [5, 2, 2, 1]
    first, fourth = document["statements"][0]["tally"], document["statements"][3]["tally"]
    assert first["columns"]["fully_agree"] == {"label": "Täysin samaa mieltä", "ticks": 1, "dots": 5}
    assert fourth["columns"]["fully_disagree"]["dots"] == 1
    assert (first["score"], fourth["score"]) == (10, -10)
    assert document["statements"][1]["tally"]["columns"][NO_OPINION]["dots"] == 2
    assert document["workshop"]["total_dots"] == 10
    assert all(s["tally"]["small_number"] for s in document["statements"])


# --- 25 participants: every export's totals are tally()'s -------------------------------------


def test_the_csv_totals_equal_the_tally(hall):
    result = tally(hall)
    rows = read_csv(exports.long_csv(hall))
    assert len(rows) == 25 * len(result.statements)  # every participant x statement pair
    for st in result.statements:
        mine = [r for r in rows if int(r["statement_position"]) == st.statement.position]
        assert sum(int(r["dots"]) for r in mine) == st.dots
        assert sum(1 for r in mine if int(r["dots"]) > 0) == st.supporters
        for key in Rating.values:
            assert sum(1 for r in mine if r["rating"] == key) == st.columns[key].ticks
            assert sum(int(r["dots"]) for r in mine if r["rating"] == key) == st.columns[key].dots
        assert sum(int(r["dots"]) for r in mine if not r["rating"]) == st.columns[NO_OPINION].dots
        assert {r["small_number"] for r in mine} == {"true" if st.small_number else "false"}
    assert sum(int(r["dots"]) for r in rows) == result.total_dots


def test_the_notes_csv_has_every_note_and_joins_them_in_the_long_csv(hall):
    result = tally(hall)
    notes = read_csv(exports.notes_csv(hall))
    assert list(notes[0]) == exports.NOTE_COLUMNS
    assert len(notes) == result.notes
    assert {(n["kind"], n["text"]) for n in notes} >= {("W", "Yhteistyö 4: äö å"), ("S", "Toinen huomio 16")}
    rows = read_csv(exports.long_csv(hall))
    eighth = [r for r in rows if r["participant_number"] == "8" and r["notes_O"]]
    # Two notes of one kind by one participant on one statement share a cell, oldest first.
    assert [r["notes_O"] for r in eighth] == ["Yhteistyö 8: äö å | Toinen huomio 8"]
    assert eighth[0]["statement_position"] == "1"


def test_the_xlsx_totals_equal_the_tally(hall):
    result = tally(hall)
    labels = exports.rating_labels(hall)
    book = read_xlsx(exports.xlsx_bytes(hall))
    assert book.sheetnames[0] == "Yhteenveto" and book.sheetnames[-1] == "Tiedot"
    assert len(book.sheetnames) == 2 + len(result.statements)
    assert "Nimilista" not in book.sheetnames

    rows = summary_rows(book)
    for row, st in zip(rows, result.statements, strict=True):
        assert row[DOTS] == st.dots
        assert row[SHARE] == pytest.approx(st.share / 100)
        assert row[SUPPORTERS] == st.supporters
        assert row[RATINGS] == st.ratings
        assert row[SCORE] == (float(rounded_score(st.score)) if st.score is not None else None)
        assert list(row[TICKS]) == [c.ticks for c in st.scale]
        assert row[NAME] == st.statement.short_name and row[POSITION] == st.statement.position

    charts = book.worksheets[0]._charts
    assert len(charts) == 1 and charts[0].tagname == "barChart"

    for sheet, st in zip(book.worksheets[1:-1], result.statements, strict=True):
        cells = list(sheet.iter_rows(values_only=True))
        assert cells[1][0] == st.statement.text
        scale = next(i for i, row in enumerate(cells) if row[1] == labels["fully_agree"])
        assert list(cells[scale + 1][1:7]) == [c.ticks for c in st.scale]
        assert list(cells[scale + 2][1:7]) == [c.dots for c in st.scale]
        assert sum(cells[scale + 2][1:8]) == st.dots

    data = list(book["Tiedot"].iter_rows(values_only=True))
    assert data[0][:5] == ("Liittymiskoodi", "Väitteen nro", "Väite", "Osallistujan nro", "Täplät")
    assert list(data[1]) == exports.LONG_COLUMNS  # the stable keys under the headers
    assert sum(row[4] for row in data[2:]) == result.total_dots


def test_the_json_totals_equal_the_tally(hall):
    result = tally(hall)
    document = json.loads(exports.json_bytes(hall))
    assert document["workshop"]["participants"] == 25
    assert document["workshop"]["total_dots"] == result.total_dots
    assert len(document["rows"]) == 25 * len(result.statements)
    assert len(document["notes"]) == result.notes
    for item, st in zip(document["statements"], result.statements, strict=True):
        assert item["tally"]["dots"] == st.dots
        assert item["tally"]["ratings"] == st.ratings
        for key, column in st.columns.items():
            assert (item["tally"]["columns"][key]["ticks"], item["tally"]["columns"][key]["dots"]) == (
                column.ticks,
                column.dots,
            )
        rows = [r for r in document["rows"] if r["statement_position"] == st.statement.position]
        assert sum(r["dots"] for r in rows) == st.dots


# --- Formulas are inert ------------------------------------------------------------------------


# Text a spreadsheet would run, whole or after a separator it splits the line at.
RUNS = [
    ("=1+1", "'=1+1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ('+HYPERLINK("http://x","y")', '\'+HYPERLINK("http://x","y")'),
    ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
    ("-A1*2", "'-A1*2"),
    ("  =1+1", "  '=1+1"),
    ("\uff1d1+1", "'\uff1d1+1"),  # a full-width equals sign
    ("x;=1+1;", "x;'=1+1;"),
    ("x\n=1+1", "x\n'=1+1"),
    ("x\r\n=1+1", "x\r\n'=1+1"),
    ("x,=1+1", "x,'=1+1"),
    ("x\t=1+1", "x\t'=1+1"),
    ("x; @SUM(A1)", "x; '@SUM(A1)"),
    ("\t=1+1", "\t'=1+1"),
]
# Ordinary text that starts like a formula but is not one: left exactly as written.
ORDINARY = [
    "Hyvä idea",
    "",
    "5 = viisi",
    "-5 %",
    "Hinta nousee, -5 % ensi vuonna",
    "- eka\n- toka\n- kolmas",
    "+ hyvä\n- huono",
    "+358 40 123 4567",
    "Soita: +358 40 123 4567; tai -",
    "Tervetuloa! Kysymyksiä?",
    "\tsisennys",
]


@pytest.mark.parametrize(("text", "inert"), RUNS)
def test_it_neutralises_what_a_spreadsheet_would_run_anywhere_in_a_cell(text, inert):
    assert exports.neutralise(text) == inert


@pytest.mark.parametrize(("text", "inert"), RUNS)
def test_an_xlsx_string_cell_needs_no_apostrophe_at_its_start(text, inert):
    # The XLSX cell's string type keeps its start inert; the pieces after separators still get one.
    first, separator, rest = inert.partition(next((c for c in inert if c in "\n\r;,\t"), "\0"))
    assert exports.xlsx_text(text) == first.replace("'", "", 1) + separator + rest


@pytest.mark.parametrize("value", [*ORDINARY, 5, -10, None])
def test_it_leaves_ordinary_text_readable(value):
    assert exports.neutralise(value) == value
    if isinstance(value, str):
        assert exports.xlsx_text(value) == value


def test_the_separator_cases_come_out_inert_in_every_csv_and_the_xlsx(participant, statements):
    notes = ["x;=1+1;", "x\n=1+1", "- eka\n- toka", "-5 %", "+358 40 123 4567"]
    for text in notes:
        services.add_note(participant, statements[0].pk, "S", text)
    workshop = participant.workshop
    for data, delimiter in (
        (exports.long_csv(workshop), ";"),  # the data CSV opened with Finnish settings
        (exports.long_csv(workshop), ","),
        (exports.notes_csv(workshop), ";"),
        (exports.sheet_csv(workshop), ";"),
    ):
        text = data.decode("utf-8-sig")
        # Split as a careless spreadsheet would: at every separator and line break, quoted or not.
        pieces = [p.strip(' "') for line in text.splitlines() for p in line.split(delimiter)]
        assert not [p for p in pieces if p.startswith("=")], pieces
        assert "- eka" in text and "-5 %" in text and "+358 40 123 4567" in text
        assert "'- eka" not in text and "'-5 %" not in text and "'+358" not in text
    book = read_xlsx(exports.xlsx_bytes(workshop))
    values = {cell.value for cell in book["Tiedot"]["H"]}
    assert "x;'=1+1; | x\n'=1+1 | - eka\n- toka | -5 % | +358 40 123 4567" in values


def test_a_character_xlsx_cannot_hold_never_breaks_the_export(participant, statements):
    """A bell (\\x07) or any control character openpyxl refuses, in every kind of cell."""
    workshop = participant.workshop
    workshop.title = "Demo\x07päivä\x1b"
    workshop.save()
    statement = statements[0]
    statement.short_name = "Verkosto\x07"
    statement.text = "Väite\x01 jossa\x0b ohjausmerkkejä"  # (PostgreSQL refuses \\x00 itself)
    statement.save()
    services.set_dots(participant, statement.pk, 3)
    services.add_note(participant, statement.pk, "S", "Huomio\x07 ja\x08 toinen\x1f")
    hidden, _created = services.add_note(participant, statement.pk, "T", "=1+1\x07 piilossa")
    hidden.hidden_on_projector = True
    hidden.save()
    services.sign(workshop, "Nimi\x07 Sukunimi")

    book = read_xlsx(exports.xlsx_bytes(workshop, signatures=True))
    text = "\n".join(all_cells(book)) + "".join(book.sheetnames)
    assert not [char for char in text if ord(char) < 32 and char not in "\t\n\r"]
    assert "Huomio ja toinen" in text and "=1+1 piilossa" in text and "Nimi Sukunimi" in text
    assert book.sheetnames[1] == "1 Verkosto"
    assert book.worksheets[0]["A1"].value == "Demopäivä"
    # The spreadsheet CSV is for people too: the same characters are gone there.
    assert "\x07" not in exports.sheet_csv(workshop).decode("utf-8-sig")


def test_a_hyperlink_note_comes_out_neutralised(participant, statements):
    services.add_note(participant, statements[0].pk, "S", FORMULA_NOTE)
    workshop = participant.workshop

    row = read_csv(exports.long_csv(workshop))[0]
    assert row["notes_S"] == "'" + FORMULA_NOTE
    assert read_csv(exports.notes_csv(workshop))[0]["text"] == "'" + FORMULA_NOTE

    book = read_xlsx(exports.xlsx_bytes(workshop))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    # The cell's string type keeps it inert, so no apostrophe shows in the workbook.
    assert FORMULA_NOTE in [cell.value for cell in book["Tiedot"]["H"]]
    note_cells = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value == FORMULA_NOTE
    ]
    assert note_cells and all(cell.data_type == "s" for cell in note_cells)
    # JSON is not a spreadsheet: the text stays exactly as written.
    assert json.loads(exports.json_bytes(workshop))["notes"][0]["text"] == FORMULA_NOTE


# --- Names stay apart from answers ---------------------------------------------------------------


def test_no_export_holds_a_name_unless_asked(hall):
    files = [
        exports.long_csv(hall).decode("utf-8-sig"),
        exports.notes_csv(hall).decode("utf-8-sig"),
        exports.json_bytes(hall).decode(),
        "\n".join(all_cells(read_xlsx(exports.xlsx_bytes(hall)))),
    ]
    for text in files:
        for name in NAMES:
            assert name not in text
    assert "signatures" not in json.loads(exports.json_bytes(hall))


def test_asked_for_the_names_stand_alone_in_alphabetical_order(hall):
    finnish_order = [
        "Anna Aalto",
        "Émile Zola",
        "Matti Meikäläinen",
        "Åsa Åberg",
        "Äinö Äijälä",
        "Örjan Östman",
    ]
    rows = read_csv(exports.signatures_csv(hall))
    assert rows == [{"name": name} for name in finnish_order]  # no numbers, no times

    book = read_xlsx(exports.xlsx_bytes(hall, signatures=True))
    names = book["Nimilista"]
    assert [row[0] for row in names.iter_rows(min_row=2, values_only=True)] == finnish_order
    assert names.max_column == 1
    for sheet in book.worksheets:
        if sheet.title != "Nimilista":
            text = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
            assert not any(name in text for name in NAMES)

    document = json.loads(exports.json_bytes(hall, signatures=True))
    assert document["signatures"] == finnish_order
    rest = json.dumps(
        {key: value for key, value in document.items() if key != "signatures"}, ensure_ascii=False
    )
    assert not any(name in rest for name in NAMES)


def test_it_marks_small_numbers_in_every_file(voting_workshop, statements):
    people = [services.join(voting_workshop) for _ in range(5)]
    for person in people:
        services.set_rating(person, statements[0].pk, Rating.PARTLY_AGREE)
    for person in people[:4]:
        services.set_rating(person, statements[1].pk, Rating.NEUTRAL)
        services.add_note(person, statements[1].pk, "W", "Liian vähän")

    csv_rows = read_csv(exports.long_csv(voting_workshop))
    small = {r["statement_position"]: r["small_number"] for r in csv_rows}
    assert (small["1"], small["2"]) == ("false", "true")
    assert {r["small_number"] for r in read_csv(exports.notes_csv(voting_workshop))} == {"true"}
    rows = summary_rows(read_xlsx(exports.xlsx_bytes(voting_workshop)))
    assert ["alle 5 arviota" in (r[REMARKS] or "") for r in rows] == [False, True, True, True]
    document = json.loads(exports.json_bytes(voting_workshop))
    assert [s["tally"]["small_number"] for s in document["statements"]] == [False, True, True, True]


def test_the_filename_has_the_title_slug_code_and_date(workshop):
    name = exports.export(workshop, "notes_csv").filename
    assert name.startswith(f"demokratiapaiva-{workshop.code}-20") and name.endswith("-notes.csv")


def test_an_empty_workshop_still_exports(workshop):
    assert read_csv(exports.long_csv(workshop)) == []
    book = read_xlsx(exports.xlsx_bytes(workshop))
    assert [r[DOTS] for r in summary_rows(book)] == [0, 0, 0, 0]


def test_the_number_of_queries_does_not_grow_with_participants(voting_workshop, statements):
    def queries() -> list[int]:
        counts = []
        for fmt in exports.FORMATS:
            with CaptureQueriesContext(connection) as ctx:
                exports.export(voting_workshop, fmt, signatures=True)
            counts.append(len(ctx.captured_queries))
        return counts

    def vote(number: int) -> None:
        person = services.join(voting_workshop)
        services.set_dots(person, statements[number % 4].pk, 3)
        services.set_rating(person, statements[0].pk, Rating.NEUTRAL)
        services.add_note(person, statements[1].pk, "S", f"Huomio {number}")
        services.sign(voting_workshop, f"Nimi {number}")

    vote(0)
    few = queries()
    for number in range(1, 15):
        vote(number)
    assert queries() == few
