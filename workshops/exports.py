"""What the organiser takes home: CSV, XLSX and JSON files and the printable report's figures.

Every total comes from `tallies.tally(workshop)`; the long-format rows are plain queries of the
answers and notes. Names on the signature list never share a row or a sheet with an answer and
are only exported when the owner asks for them.
"""

import csv
import io
import json
import unicodedata
from dataclasses import dataclass

from django.db.models import Max, Min
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from . import screens
from .models import Answer, Note, NoteKind, Participant, Rating, Signature, Workshop
from .tallies import NO_OPINION, SMALL_NUMBER, WorkshopTally, tally

# Bump when a field is renamed or removed; adding a field keeps the version.
SCHEMA_VERSION = 1

LONG_COLUMNS = [
    "workshop_code",
    "statement_position",
    "statement_short_name",
    "participant_number",
    "dots",
    "rating",
    "rating_label",
    "notes_S",
    "notes_W",
    "notes_O",
    "notes_T",
    # Appended after the agreed columns: fewer than SMALL_NUMBER ratings can identify people.
    "small_number",
]
NOTE_COLUMNS = [
    "workshop_code",
    "statement_position",
    "participant_number",
    "kind",
    "text",
    "created_at",
    "small_number",
]
NOTE_SEPARATOR = " | "
# A spreadsheet runs a cell starting with one of these as a formula (or strips the whitespace).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text a spreadsheet would run as a formula, made inert with a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _nordic_key(name: str) -> tuple[str, str]:
    """Alphabetical as a Finn or a Swede reads it: ... x y z å ä ö, accents otherwise ignored."""
    letters = []
    for char in name.casefold():
        if char in "åäö":
            letters.append({"å": "{1", "ä": "{2", "ö": "{3"}[char])  # "{" sorts right after "z"
        else:
            letters.append(
                "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            )
    return "".join(letters), name


def signature_names(workshop: Workshop) -> list[str]:
    """The signature list: names only (no numbers, no times), in alphabetical order."""
    return sorted(Signature.objects.filter(workshop=workshop).values_list("name", flat=True), key=_nordic_key)


def rating_labels(workshop: Workshop) -> dict[str, str]:
    with translation.override(workshop.language):
        return {key: str(label) for key, label in Rating.choices}


def _local_iso(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


# --- The long format: one row per participant x statement -------------------------------------


def long_rows(workshop: Workshop, result: WorkshopTally | None = None) -> list[dict]:
    """Every participant x statement pair, with 0 dots and no rating where they gave nothing."""
    result = result or tally(workshop)
    labels = rating_labels(workshop)
    numbers = list(
        Participant.objects.filter(workshop=workshop).order_by("number").values_list("id", "number")
    )
    answers = {
        (a["participant_id"], a["statement_id"]): a
        for a in Answer.objects.filter(statement__workshop=workshop).values(
            "participant_id", "statement_id", "dots", "rating"
        )
    }
    notes: dict[tuple[int, int, str], list[str]] = {}
    for note in (
        Note.objects.filter(statement__workshop=workshop)
        .order_by("created_at", "id")
        .values("participant_id", "statement_id", "kind", "text")
    ):
        notes.setdefault((note["participant_id"], note["statement_id"], note["kind"]), []).append(
            note["text"]
        )

    rows = []
    for st in result.statements:
        statement = st.statement
        for participant_id, number in numbers:
            answer = answers.get((participant_id, statement.pk), {})
            rating = answer.get("rating") or ""
            row = {
                "workshop_code": workshop.code,
                "statement_position": statement.position,
                "statement_short_name": statement.short_name,
                "participant_number": number,
                "dots": answer.get("dots", 0),
                "rating": rating,
                "rating_label": labels.get(rating, ""),
            }
            for kind in NoteKind.values:
                row[f"notes_{kind}"] = NOTE_SEPARATOR.join(
                    notes.get((participant_id, statement.pk, kind), [])
                )
            row["small_number"] = st.small_number
            rows.append(row)
    return rows


def note_rows(workshop: Workshop, result: WorkshopTally | None = None) -> list[dict]:
    """One row per note, by statement, participant and time."""
    result = result or tally(workshop)
    small = {st.statement.pk: st.small_number for st in result.statements}
    notes = (
        Note.objects.filter(statement__workshop=workshop)
        .order_by("statement__position", "statement_id", "participant__number", "created_at", "id")
        .values("statement_id", "statement__position", "participant__number", "kind", "text", "created_at")
    )
    return [
        {
            "workshop_code": workshop.code,
            "statement_position": note["statement__position"],
            "participant_number": note["participant__number"],
            "kind": note["kind"],
            "text": note["text"],
            "created_at": _local_iso(note["created_at"]),
            "small_number": small[note["statement_id"]],
        }
        for note in notes
    ]


# --- CSV --------------------------------------------------------------------------------------


def _csv_cell(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(value)


def _csv(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in columns])
    # The byte order mark tells Excel the file is UTF-8, so ä, ö and å survive a double-click.
    return out.getvalue().encode("utf-8-sig")


def long_csv(workshop: Workshop) -> bytes:
    return _csv(LONG_COLUMNS, long_rows(workshop))


def notes_csv(workshop: Workshop) -> bytes:
    return _csv(NOTE_COLUMNS, note_rows(workshop))


def signatures_csv(workshop: Workshop) -> bytes:
    return _csv(["name"], [{"name": name} for name in signature_names(workshop)])


# --- JSON -------------------------------------------------------------------------------------


def _statement_document(st, labels: dict[str, str]) -> dict:
    statement = st.statement
    return {
        "position": statement.position,
        "short_name": statement.short_name,
        "text": statement.text,
        "tally": {
            "dots": st.dots,
            "share_percent": st.share,
            "participants_with_dots": st.supporters,
            "ratings": st.ratings,
            "scored_ratings": st.scored_ratings,
            "score": st.score,
            "small_number": st.small_number,
            "too_few_to_read": st.too_few_to_read,
            "unclear": st.unclear,
            "columns": {
                key: {"label": labels.get(key, column.label), "ticks": column.ticks, "dots": column.dots}
                for key, column in st.columns.items()
            },
        },
    }


def json_document(workshop: Workshop, *, signatures: bool = False) -> dict:
    with translation.override(workshop.language):
        result = tally(workshop)
        labels = {**rating_labels(workshop), NO_OPINION: _("No opinion given")}
    document = {
        "schema_version": SCHEMA_VERSION,
        "exported_at": _local_iso(timezone.now()),
        "small_number_below": SMALL_NUMBER,
        "workshop": {
            "code": workshop.code,
            "title": workshop.title,
            "language": workshop.language,
            "phase": workshop.phase,
            "dots_per_participant": workshop.dots_per_participant,
            "max_dots_per_statement": workshop.max_dots_per_statement,
            "created_at": _local_iso(workshop.created_at),
            "phase_started_at": _local_iso(workshop.phase_started_at),
            "phase_ends_at": _local_iso(workshop.phase_ends_at),
            "participants": result.participants,
            "spent_all_dots": result.spent_all_dots,
            "finished": result.finished,
            "total_dots": result.total_dots,
            "ratings": result.ratings,
            "notes": result.notes,
        },
        "statements": [_statement_document(st, labels) for st in result.statements],
        "rows": long_rows(workshop, result),
        "notes": note_rows(workshop, result),
    }
    if signatures:
        document["signatures"] = signature_names(workshop)
    return document


def json_bytes(workshop: Workshop, *, signatures: bool = False) -> bytes:
    return json.dumps(json_document(workshop, signatures=signatures), ensure_ascii=False, indent=2).encode()


# --- XLSX -------------------------------------------------------------------------------------

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _append(sheet, values) -> None:
    sheet.append([neutralise(value) for value in values])


def _sheet_name(statement, taken: set[str]) -> str:
    base = f"{statement.position} {statement.short_name}".translate(SHEET_NAME_FORBIDDEN).strip("' ")[:31]
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.casefold())
    return name


def _small_number_text() -> str:
    return _("Fewer than %(n)s ratings: small numbers can identify people.") % {"n": SMALL_NUMBER}


def _summary_sheet(book: Workbook, workshop: Workshop, result: WorkshopTally, labels: dict[str, str]) -> None:
    sheet = book.active
    sheet.title = "Summary"
    _append(sheet, [workshop.title])
    sheet["A1"].font = Font(bold=True, size=14)
    _append(sheet, [_("Join code"), workshop.code, _("Participants"), result.participants])
    _append(sheet, [_("Dots in all"), result.total_dots, _("Ratings"), result.ratings])
    _append(sheet, [])
    scale = Rating.values
    header = [
        _("Position"),
        _("Statement"),
        _("Dots"),
        _("Share"),
        _("Participants with dots"),
        *[_("Ticks: %(column)s") % {"column": labels[key]} for key in scale],
        *[_("Dots: %(column)s") % {"column": labels[key]} for key in [*scale, NO_OPINION]],
        _("Ratings"),
        _("Agreement score"),
        _("Fewer than %(n)s ratings") % {"n": SMALL_NUMBER},
    ]
    _append(sheet, header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = BOLD
        cell.alignment = WRAP
    for st in result.statements:
        _append(
            sheet,
            [
                st.statement.position,
                st.statement.short_name,
                st.dots,
                st.share / 100,
                st.supporters,
                *[st.columns[key].ticks for key in scale],
                *[st.columns[key].dots for key in [*scale, NO_OPINION]],
                st.ratings,
                st.score,
                _("yes") if st.small_number else "",
            ],
        )
        sheet.cell(sheet.max_row, 4).number_format = "0.0%"
    last = sheet.max_row
    _append(sheet, ["", _("Total"), result.total_dots, 1 if result.total_dots else 0, ""])
    sheet.cell(sheet.max_row, 4).number_format = "0.0%"
    sheet.column_dimensions["B"].width = 36
    for column in range(3, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 12

    if result.statements:
        chart = BarChart()
        chart.type = "bar"
        chart.title = _("Dots per statement")
        chart.y_axis.title = _("Dots")
        chart.legend = None
        chart.add_data(Reference(sheet, min_col=3, min_row=header_row, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=2, min_row=header_row + 1, max_row=last))
        chart.height, chart.width = 8, 18
        sheet.add_chart(chart, f"B{last + 3}")


def _statement_sheet(book: Workbook, st, name: str, labels: dict[str, str]) -> None:
    """One statement laid out like its paper sheet: text, scale with totals, score, SWOT boxes."""
    sheet = book.create_sheet(name)
    statement = st.statement
    _append(
        sheet,
        [
            _("Statement %(position)s: %(name)s")
            % {"position": statement.position, "name": statement.short_name}
        ],
    )
    sheet["A1"].font = Font(bold=True, size=14)
    _append(sheet, [statement.text])
    sheet.merge_cells("A2:H2")
    sheet["A2"].alignment = WRAP
    sheet.row_dimensions[2].height = 60
    _append(sheet, [_small_number_text()] if st.small_number else [])
    _append(sheet, [])
    columns = [*Rating.values, NO_OPINION]
    _append(sheet, ["", *[labels[key] for key in columns]])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
        cell.alignment = WRAP
    _append(sheet, [_("Total ticks"), *[st.columns[key].ticks for key in Rating.values], ""])
    _append(sheet, [_("Dots"), *[st.columns[key].dots for key in columns]])
    _append(sheet, [])
    _append(sheet, [_("Dots in all"), st.dots])
    _append(sheet, [_("Share of all dots"), st.share / 100])
    sheet.cell(sheet.max_row, 2).number_format = "0.0%"
    _append(sheet, [_("Participants with dots"), st.supporters])
    _append(sheet, [_("Ratings"), st.ratings])
    _append(sheet, [_("Agreement score (-10 to +10)"), st.score])
    _append(sheet, [])
    _append(
        sheet, [_("Strengths (S) and opportunities (O)"), "", "", "", _("Weaknesses (W) and threats (T)")]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    first = sheet.max_row + 1
    for i in range(max(len(st.notes_so), len(st.notes_wt))):
        row = first + i
        for column, notes in ((1, st.notes_so), (5, st.notes_wt)):
            if i < len(notes):
                note = notes[i]
                cell = sheet.cell(row, column, neutralise(f"{note.kind}: {note.text}"))
                cell.alignment = WRAP
                sheet.merge_cells(start_row=row, start_column=column, end_row=row, end_column=column + 3)
    sheet.column_dimensions["A"].width = 28
    for column in range(2, 10):
        sheet.column_dimensions[get_column_letter(column)].width = 16


def xlsx_bytes(workshop: Workshop, *, signatures: bool = False) -> bytes:
    with translation.override(workshop.language):
        result = tally(workshop)
        labels = {**rating_labels(workshop), NO_OPINION: _("No opinion given")}
        book = Workbook()
        _summary_sheet(book, workshop, result, labels)
        taken = {"summary", "data", "signatures"}
        for st in result.statements:
            _statement_sheet(book, st, _sheet_name(st.statement, taken), labels)
        data = book.create_sheet("Data")
        _append(data, LONG_COLUMNS)
        for cell in data[1]:
            cell.font = BOLD
        for row in long_rows(workshop, result):
            _append(data, [row[column] for column in LONG_COLUMNS])
        if signatures:
            # Its own sheet with nothing but names: never beside an answer.
            sheet = book.create_sheet("Signatures")
            _append(sheet, [_("Name")])
            sheet["A1"].font = BOLD
            for name in signature_names(workshop):
                _append(sheet, [name])
            sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- One entry point for the views and the command --------------------------------------------


@dataclass
class ExportFile:
    content: bytes
    content_type: str
    filename: str


FORMATS = ("csv", "notes_csv", "xlsx", "json", "signatures_csv")
CSV_TYPE = "text/csv; charset=utf-8"


def filename(workshop: Workshop, suffix: str, extension: str) -> str:
    """e.g. "demokratiapaiva-PED235-2026-11-23-notes.csv": title slug, code, date."""
    parts = [slugify(workshop.title) or "workshop", workshop.code, timezone.localdate().isoformat()]
    if suffix:
        parts.append(suffix)
    return "-".join(parts) + "." + extension


def export(workshop: Workshop, fmt: str, *, signatures: bool = False) -> ExportFile:
    """The file of one format. `signatures` adds the signature list to XLSX and JSON."""
    if fmt == "csv":
        return ExportFile(long_csv(workshop), CSV_TYPE, filename(workshop, "", "csv"))
    if fmt == "notes_csv":
        return ExportFile(notes_csv(workshop), CSV_TYPE, filename(workshop, "notes", "csv"))
    if fmt == "signatures_csv":
        return ExportFile(signatures_csv(workshop), CSV_TYPE, filename(workshop, "signatures", "csv"))
    if fmt == "xlsx":
        return ExportFile(
            xlsx_bytes(workshop, signatures=signatures),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename(workshop, "", "xlsx"),
        )
    if fmt == "json":
        return ExportFile(
            json_bytes(workshop, signatures=signatures),
            "application/json",
            filename(workshop, "", "json"),
        )
    raise ValueError(f"Unknown export format {fmt!r}")


# --- The printable report ---------------------------------------------------------------------

CHART_BAR_SPACE = 300  # px of the SVG's 560-wide viewBox that the longest bar fills


def bar_chart(title: str, rows: list[tuple[str, int]]) -> dict:
    """An inline SVG bar chart's geometry: one labelled bar per row, the number written beside it."""
    top = max((value for _label, value in rows), default=0)
    bars = []
    for i, (label, value) in enumerate(rows):
        width = round(CHART_BAR_SPACE * value / top) if top else 0
        bars.append({"label": label, "value": value, "y": 6 + 24 * i, "width": width, "text_x": 214 + width})
    return {"title": title, "bars": bars, "height": 12 + 24 * len(rows)}


def report_context(workshop: Workshop) -> dict:
    """What the report shows, worked out in the workshop's language (call it inside an override)."""
    result = tally(workshop)
    labels = {**rating_labels(workshop), NO_OPINION: _("No opinion given")}
    times = Answer.objects.filter(statement__workshop=workshop).aggregate(
        first=Min("updated_at"), last=Max("updated_at")
    )
    first_join = Participant.objects.filter(workshop=workshop).aggregate(first=Min("joined_at"))["first"]
    statements = []
    for st in result.statements:
        columns = [*Rating.values, NO_OPINION]
        statements.append(
            {
                "tally": st,
                "rows": [(labels[key], st.columns[key]) for key in columns],
                "ticks_chart": bar_chart(
                    _("Ticks per column"), [(labels[key], st.columns[key].ticks) for key in Rating.values]
                ),
                "dots_chart": bar_chart(
                    _("Dots per column"), [(labels[key], st.columns[key].dots) for key in columns]
                ),
                "notes_so": [note for note in st.notes_so if not note.hidden_on_projector],
                "notes_wt": [note for note in st.notes_wt if not note.hidden_on_projector],
                "hidden_notes": sum(note.hidden_on_projector for note in [*st.notes_so, *st.notes_wt]),
            }
        )
    return {
        "workshop": workshop,
        "result": result,
        "statements": statements,
        "dots_chart": bar_chart(
            _("Dots per statement"),
            [(f"{st.statement.position}. {st.statement.short_name}", st.dots) for st in result.statements],
        ),
        "first_join": first_join,
        "first_answer": times["first"],
        "last_answer": times["last"],
        "small_number": SMALL_NUMBER,
        "generated_at": timezone.now(),
        # This round beside the previous one; None for a first round.
        "rounds": screens.round_comparison(workshop),
    }
