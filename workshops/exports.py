"""What the organiser takes home: CSV, XLSX and JSON files and the printable report's figures.

Every total comes from `tallies.tally(workshop)`; the long-format rows are plain queries of the
answers and notes. Names on the signature list never share a row or a sheet with an answer and
are only exported when the owner asks for them.
"""

import csv
import io
import json
import re
import textwrap
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from . import screens
from .models import (
    Answer,
    Note,
    NoteKind,
    PaperSheetEdit,
    Participant,
    Phase,
    PhaseRecord,
    Rating,
    Signature,
    Workshop,
)
from .screens import score_text  # the projector's text of the score: one text everywhere
from .tallies import NO_OPINION, SMALL_NUMBER, WorkshopTally, one_decimal, rounded_score, tally

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
    # "phone" or "paper" (a sheet typed in by the facilitator or a helper).
    "source",
    # Where this participant's phone listed the statement: see seen_positions.
    "seen_position",
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

# A spreadsheet runs a cell (or a piece of it split off at a separator: Excel under Finnish and
# Swedish settings splits a CSV line at ";", others at "," or tab, and a line break starts a
# row) as a formula when it starts with one of these; full-width forms count too.
FORMULA_SIGNS = "=+-@\uff1d\uff0b\uff0d\uff20"
ALWAYS_FORMULA = "=@\uff1d\uff20"
PIECE_SEPARATORS = re.compile(r"([\n\r;,\t])")


def _runs_as_formula(piece: str) -> bool:
    """Would a spreadsheet run this piece of text? "=…" and "@…" always; "+"/"-" only if it
    reads as a reference or a call ("-A1", "+SUM(", "-1+cmd|' /C calc'!A0"), so that a hyphen
    list ("- eka"), "-5 %" and "+358 40 123 4567" stay as they were written."""
    text = piece.lstrip(" \u00a0")
    if not text or text[0] not in FORMULA_SIGNS:
        return False
    if text[0] in ALWAYS_FORMULA:
        return True
    rest = text[1:]
    if not rest or rest[0].isspace():
        return False
    if rest[0].isalpha() or rest[0] in "$(":
        return True
    return any(char in rest for char in "(|!=@")


def neutralise(value, *, at_start: bool = True):
    """Text a spreadsheet would run as a formula, made inert with a single quote in front of
    each piece that would run: at the start and after every line break, ";", "," and tab.

    `at_start=False` leaves the cell's start alone, for an XLSX cell stored as a string (its
    data type keeps it inert, and no apostrophe shows)."""
    if not isinstance(value, str) or not value:
        return value
    pieces = PIECE_SEPARATORS.split(value)
    for i in range(0, len(pieces), 2):
        if (i or at_start) and _runs_as_formula(pieces[i]):
            text = pieces[i].lstrip(" \u00a0")
            pieces[i] = pieces[i][: len(pieces[i]) - len(text)] + "'" + text
    return "".join(pieces)


def xlsx_text(value: str) -> str:
    """What an XLSX cell can hold: without the control characters XML 1.0 forbids (openpyxl
    refuses them, which once made one note break the export), neutralised after separators."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value), at_start=False)


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


def rating_labels(workshop: Workshop, language: str | None = None) -> dict[str, str]:
    with translation.override(language or workshop.language):
        return {key: str(label) for key, label in Rating.choices}


def _local_iso(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


# --- The long format: one row per participant x statement -------------------------------------


def seen_positions(workshop: Workshop, statements: list) -> dict[tuple[int, int], int]:
    """(participant id, statement id) -> the 1-based place at which the participant's phone listed
    the statement (screens.phone_order), so that an organiser can look for an order effect.

    With the order rotated it is each phone's own; without, the statements' own position, which is
    what every phone showed too. A paper sheet has none (the row's value is empty): nobody knows
    which sheet lay on top of its pile.
    """
    positions = {}
    for participant in Participant.objects.filter(workshop=workshop).only("id", "source", "workshop_id"):
        participant.workshop = workshop
        for statement_id, place in screens.phone_positions(participant, statements).items():
            positions[participant.pk, statement_id] = place
    return positions


def long_rows(workshop: Workshop, result: WorkshopTally | None = None) -> list[dict]:
    """Every participant x statement pair, with 0 dots and no rating where they gave nothing."""
    result = result or tally(workshop)
    labels = rating_labels(workshop)
    numbers = list(
        Participant.objects.filter(workshop=workshop).order_by("number").values_list("id", "number", "source")
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

    seen = seen_positions(workshop, [st.statement for st in result.statements])
    rows = []
    for st in result.statements:
        statement = st.statement
        for participant_id, number, source in numbers:
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
            row["source"] = source
            row["seen_position"] = seen.get((participant_id, statement.pk))
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
    result = tally(workshop)
    texts = statement_text_columns(workshop, result)
    rows = [{**row, **texts[row["statement_position"]]} for row in long_rows(workshop, result)]
    return _csv(DATA_CSV_COLUMNS, rows)


# --- Every language's text of each statement (issue 15) ----------------------------------------

# The data CSV's last columns: each statement's texts in every language Dotvote speaks, whichever
# the workshop has (the others empty), so that the columns are the same for every workshop.
STATEMENT_TEXT_COLUMNS = [
    f"statement_{name}_{code}" for code, _name in settings.LANGUAGES for name in ("short_name", "text")
]
DATA_CSV_COLUMNS = LONG_COLUMNS + STATEMENT_TEXT_COLUMNS


def statement_text_columns(workshop: Workshop, result: WorkshopTally) -> dict[int, dict[str, str]]:
    """By statement position: its short name and text in each language, as the phones in that
    language showed them (the main language's where a translation was missing)."""
    columns = {}
    for st in result.statements:
        row = dict.fromkeys(STATEMENT_TEXT_COLUMNS, "")
        for code in workshop.languages:
            texts = st.statement.texts_in(code, workshop.language)
            row[f"statement_short_name_{code}"] = texts.short_name
            row[f"statement_text_{code}"] = texts.text
        columns[st.statement.position] = row
    return columns


def statement_texts_document(workshop: Workshop, statement) -> dict:
    """The JSON's `texts` of a statement: per language of the workshop, its texts and whether they
    were written in it (false: the main language's were shown)."""
    texts = {}
    for code in workshop.languages:
        shown = statement.texts_in(code, workshop.language)
        texts[code] = {"short_name": shown.short_name, "text": shown.text, "written": shown.written}
    return texts


def in_language(workshop: Workshop, result: WorkshopTally, language: str) -> None:
    """Put the statements of this export's own tally into `language` (the main one's where
    missing), for the files people read: the spreadsheet CSV and the report. The tally's
    statements are this export's copies, never saved, so the numbers are untouched."""
    for st in result.statements:
        texts = st.statement.texts_in(language, workshop.language)
        st.statement.short_name, st.statement.text = texts.short_name, texts.text


def export_language(workshop: Workshop, language: str | None) -> str:
    """The language the organiser picked for a file people read: one of the workshop's, else its main one."""
    return language if language in workshop.languages else workshop.language


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
            # As every screen shows it (tallies.rounded_score); added in schema version 1.
            "score_rounded": None if st.score is None else float(rounded_score(st.score)),
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
            # Issue 15: every language of the workshop (the main one first) and the title in each.
            "languages": workshop.languages,
            "titles": {code: workshop.text_in("title", code) for code in workshop.languages},
            "phase": workshop.phase,
            "dots_per_participant": workshop.dots_per_participant,
            "max_dots_per_statement": workshop.max_dots_per_statement,
            # Each phone listed the statements in its own order: rows[].seen_position says where.
            "own_order_per_phone": workshop.own_order_per_phone,
            "created_at": _local_iso(workshop.created_at),
            "phase_started_at": _local_iso(workshop.phase_started_at),
            "phase_ends_at": _local_iso(workshop.phase_ends_at),
            "phases": [
                {
                    "phase": record.phase,
                    "started_at": _local_iso(record.started_at),
                    "ended_at": _local_iso(record.ended_at),
                }
                for record in PhaseRecord.objects.filter(workshop=workshop)
            ],
            "participants": result.participants,
            "participants_by_source": {"phone": result.by_phone, "paper": result.on_paper},
            "round": workshop.round_number,
            "previous_round_code": workshop.previous_round.code if workshop.previous_round_id else None,
            "spent_all_dots": result.spent_all_dots,
            "finished": result.finished,
            "total_dots": result.total_dots,
            "ratings": result.ratings,
            "notes": result.notes,
        },
        "statements": [
            {**_statement_document(st, labels), "texts": statement_texts_document(workshop, st.statement)}
            for st in result.statements
        ],
        "rows": long_rows(workshop, result),
        "notes": note_rows(workshop, result),
        "proposals": proposal_rows(workshop),
        # Who typed in, corrected or removed which paper sheet, and what changed (oldest first).
        "paper_sheet_edits": [
            {
                "participant_number": edit.participant_number,
                "action": edit.action,
                "by": edit.edited_by_name,
                "at": _local_iso(edit.edited_at),
                "change": edit.change,
            }
            for edit in PaperSheetEdit.objects.filter(workshop=workshop).order_by("edited_at", "id")
        ],
    }
    if signatures:
        document["signatures"] = signature_names(workshop)
    return document


def json_bytes(workshop: Workshop, *, signatures: bool = False) -> bytes:
    return json.dumps(json_document(workshop, signatures=signatures), ensure_ascii=False, indent=2).encode()


# --- Numbers and words as the workshop's language writes them ---------------------------------


def local_number(value, decimals: int = 1) -> str:
    """ "40,0" in Finnish and Swedish, "40.0" in English (call it inside the language's override)."""
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True)


def quoted(name: str) -> str:
    return _("“%(name)s”") % {"name": name}


def and_list(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def flag_texts(st) -> list[str]:
    flags = []
    if st.small_number:
        flags.append(_("fewer than %(n)s ratings") % {"n": SMALL_NUMBER})
    if st.score is not None and st.too_few_to_read:
        flags.append(_("too few ratings to read the score reliably"))
    if st.unclear:
        flags.append(_("many “can't say”: maybe unclear"))
    return flags


def summary_sentences(result: WorkshopTally) -> list[str]:
    """Two to four sentences that say what the result was, every figure from the tally."""
    sentences = []
    if not result.total_dots:
        sentences.append(_("No dots were given."))
    else:
        top = max(st.dots for st in result.statements)
        leaders = [st for st in result.statements if st.dots == top]
        values = {
            "names": and_list([quoted(st.statement.short_name) for st in leaders]),
            "share": local_number(one_decimal(leaders[0].share)),
            "dots": top,
        }
        if len(leaders) == 1:
            sentences.append(
                ngettext(
                    "Most dots went to %(names)s (%(share)s %%, %(dots)s dot).",
                    "Most dots went to %(names)s (%(share)s %%, %(dots)s dots).",
                    top,
                )
                % values
            )
        else:
            sentences.append(
                ngettext(
                    "Most dots went to %(names)s, each with %(share)s %% (%(dots)s dot).",
                    "Most dots went to %(names)s, each with %(share)s %% (%(dots)s dots).",
                    top,
                )
                % values
            )
    readable = [st for st in result.statements if st.score is not None and not st.too_few_to_read]
    if readable:
        scores = {st.statement.pk: rounded_score(st.score) for st in readable}
        high, low = max(scores.values()), min(scores.values())
        highest = [quoted(st.statement.short_name) for st in readable if scores[st.statement.pk] == high]
        sentences.append(
            _("Highest agreement score (%(score)s on a scale from −10 to +10): %(names)s.")
            % {"score": score_text(float(high)), "names": and_list(highest)}
        )
        if low != high:
            lowest = [quoted(st.statement.short_name) for st in readable if scores[st.statement.pk] == low]
            sentences.append(
                _("Lowest agreement score (%(score)s): %(names)s.")
                % {"score": score_text(float(low)), "names": and_list(lowest)}
            )
    elif result.ratings:
        sentences.append(_("There were too few ratings to read any agreement score reliably."))
    unclear = [quoted(st.statement.short_name) for st in result.statements if st.unclear]
    if unclear:
        sentences.append(
            ngettext(
                "Many ticked “can't say” on %(names)s: the statement may have been unclear.",
                "Many ticked “can't say” on %(names)s: the statements may have been unclear.",
                len(unclear),
            )
            % {"names": and_list(unclear)}
        )
    return sentences


# --- The spreadsheet CSV: for people, in the workshop's language ------------------------------


def sheet_csv(workshop: Workshop, language: str | None = None) -> bytes:
    """The statements' tallies, then the notes: ";"-separated with a byte order mark, headers,
    labels, decimal commas and dates as the workshop's language writes them, so that Excel under
    Finnish or Swedish settings and LibreOffice open it in columns. Notes hidden on the
    projector are left out, as in the report: this file is meant to be shared. `language`: one
    of the workshop's, picked on the export page (default: the main one)."""
    language = export_language(workshop, language)
    with translation.override(language):
        result = tally(workshop)
        in_language(workshop, result, language)
        labels = rating_labels(workshop, language)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")

        def row(values) -> None:
            writer.writerow([neutralise(_clean(v)) if isinstance(v, str) else v for v in values])

        row(
            [
                _("No."),
                _("Statement"),
                _("Dots"),
                _("Share (%)"),
                _("Participants with dots"),
                _("Ratings"),
                _("Agreement score (−10…+10)"),
                *[labels[key] for key in Rating.values],
                _("Remarks"),
            ]
        )
        for st in result.statements:
            row(
                [
                    st.statement.position,
                    st.statement.short_name,
                    st.dots,
                    local_number(one_decimal(st.share)),
                    st.supporters,
                    st.ratings,
                    "" if st.score is None else local_number(rounded_score(st.score)),
                    *[column.ticks for column in st.scale],
                    ", ".join(flag_texts(st)),
                ]
            )
        row(["", _("Total"), result.total_dots, local_number(100 if result.total_dots else 0), ""])
        if result.on_paper:
            row(["", screens.participants_by_source(result)])
        row([])
        row([_("Statement"), _("Kind"), _("SWOT note"), _("Written")])
        kinds = dict(NoteKind.choices)
        for st in result.statements:
            for note in sorted([*st.notes_so, *st.notes_wt], key=lambda note: (note.created_at, note.pk)):
                if note.hidden_on_projector:
                    continue
                row(
                    [
                        f"{st.statement.position}. {st.statement.short_name}",
                        str(kinds[note.kind]),
                        note.text,
                        formats.date_format(timezone.localtime(note.created_at), "SHORT_DATETIME_FORMAT"),
                    ]
                )
    return out.getvalue().encode("utf-8-sig")


# --- XLSX -------------------------------------------------------------------------------------

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
SHARE_FORMAT = "0.0 %"
SCORE_FORMAT = "+0.0;-0.0;0.0"
LINE_HEIGHT = 15  # points per line of 11 pt text


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _put(cell, value):
    """Every XLSX cell is written here: text is cleaned and stored as a string, never a formula."""
    if isinstance(value, str):
        cell.value = xlsx_text(value)
        cell.data_type = "s"  # openpyxl would make "=…" a formula; the type keeps it inert
    else:
        cell.value = value
    return cell


def _append(sheet, values) -> int:
    """Write a row below the last one (an empty list leaves a blank row) and return its number."""
    values = [(xlsx_text(value) or None) if isinstance(value, str) else value for value in values]
    sheet.append(values)
    row = sheet._current_row  # openpyxl's own row counter, which counts blank rows too
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            sheet.cell(row, column).data_type = "s"  # "=…" stays text, never a formula
    return row


def _lines(text: str, width: int) -> int:
    return sum(max(1, len(textwrap.wrap(line, max(width, 1)))) for line in str(text).splitlines() or [""])


def _header(sheet, row: int, widths: dict[int, float]) -> None:
    """Bold, wrapped headers whose words are never cut, and a row tall enough for them."""
    lines = 1
    for cell in sheet[row]:
        cell.font = BOLD
        cell.alignment = WRAP
        width = widths.get(cell.column)
        if cell.value and width:
            lines = max(lines, _lines(cell.value, int(width) - 2))
    sheet.row_dimensions[row].height = LINE_HEIGHT * lines


def _fit_columns(sheet, header_row: int, first_row: int, *, cap: int = 40, least: int = 6) -> dict:
    """Column widths that fit the header's longest word (headers wrap to at most three lines)
    and the longest value, up to `cap`."""
    widths = {}
    for column in sheet.iter_cols(min_row=header_row, max_row=sheet.max_row):
        header = str(column[0].value or "")
        need = max([len(word) for word in header.split()] + [-(-len(header) // 3), least]) + 3
        for cell in column[first_row - header_row :]:
            if cell.value is not None:
                text = str(cell.value)
                if cell.number_format in (SHARE_FORMAT, SCORE_FORMAT):
                    text = "+00.0 %"
                need = max(need, min(cap, max(len(line) for line in text.splitlines() or [""]) + 2))
        widths[column[0].column] = min(need, cap + 2)
        sheet.column_dimensions[get_column_letter(column[0].column)].width = widths[column[0].column]
    return widths


def _print_setup(sheet, *, landscape: bool, title_rows: str | None = None) -> None:
    """A4, the whole width on one page (as many pages down as needed), the sheet's name above
    and the page number below."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.print_options.gridLines = False
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.oddHeader.center.text = "&A"
    sheet.oddFooter.center.text = "&P / &N"


def sheet_names() -> dict[str, str]:
    """The fixed sheets' names in the current language."""
    return {"summary": _("Summary"), "data": _("Data"), "signatures": _("Signature list")}


def _sheet_name(statement, taken: set[str]) -> str:
    base = (
        _clean(f"{statement.position} {statement.short_name}")
        .translate(SHEET_NAME_FORBIDDEN)
        .strip("' ")[:31]
        .strip()
    )
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
    sheet.title = sheet_names()["summary"]
    _append(sheet, [workshop.title])
    sheet["A1"].font = Font(bold=True, size=14)
    _append(
        sheet,
        [
            _("Join code %(code)s, %(date)s")
            % {"code": workshop.code, "date": formats.date_format(workshop_date(workshop), "DATE_FORMAT")}
        ],
    )
    _append(
        sheet,
        [
            _("Participants: %(participants)s. Dots in all: %(dots)s. Ratings: %(ratings)s.")
            % {"participants": result.participants, "dots": result.total_dots, "ratings": result.ratings}
        ],
    )
    if result.on_paper:  # "42 participants: 38 by phone, 4 on paper."
        _append(sheet, [screens.participants_by_source(result)])
    _append(sheet, [])
    header_row = _append(
        sheet,
        [
            _("No."),
            _("Statement"),
            _("Dots"),
            _("Share"),
            _("Participants with dots"),
            _("Ratings"),
            _("Agreement score (−10…+10)"),
            *[labels[key] for key in Rating.values],
            _("Remarks"),
        ],
    )
    for st in result.statements:
        row = _append(
            sheet,
            [
                st.statement.position,
                st.statement.short_name,
                st.dots,
                float(one_decimal(st.share)) / 100,
                st.supporters,
                st.ratings,
                None if st.score is None else float(rounded_score(st.score)),
                *[column.ticks for column in st.scale],
                ", ".join(flag_texts(st)),
            ],
        )
        sheet.cell(row, 4).number_format = SHARE_FORMAT
        sheet.cell(row, 7).number_format = SCORE_FORMAT
        for cell in sheet[row]:
            cell.alignment = WRAP if cell.column in (2, 14) else TOP
    last = sheet.max_row
    total = _append(sheet, [None, _("Total"), result.total_dots, 1 if result.total_dots else 0])
    sheet.cell(total, 4).number_format = SHARE_FORMAT
    for cell in sheet[total]:
        cell.font = BOLD
    widths = _fit_columns(sheet, header_row, header_row + 1, cap=36)
    _header(sheet, header_row, widths)
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    _print_setup(sheet, landscape=True)

    if result.statements:
        chart = BarChart()
        chart.type = "bar"
        chart.title = _clean(_("Dots per statement"))
        chart.legend = None
        chart.add_data(Reference(sheet, min_col=3, min_row=header_row + 1, max_row=last))
        chart.set_categories(Reference(sheet, min_col=2, min_row=header_row + 1, max_row=last))
        # A horizontal bar chart draws its first category at the bottom: reverse the axis so
        # that statement 1 is on top, and keep the value axis below the bars.
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.y_axis.majorGridlines = None
        chart.height, chart.width = 2.5 + 0.9 * len(result.statements), 18
        sheet.add_chart(chart, f"B{total + 2}")


def _statement_sheet(book: Workbook, st, name: str, labels: dict[str, str]) -> None:
    """One statement laid out like its paper sheet: text, scale with totals, score, SWOT boxes."""
    sheet = book.create_sheet(name)
    statement = st.statement
    widths = {1: 30, **{column: 13 for column in range(2, 9)}}
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
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
    sheet.row_dimensions[2].height = LINE_HEIGHT * _lines(sheet["A2"].value, 118)
    _append(sheet, [_small_number_text()] if st.small_number else [])
    _append(sheet, [])
    columns = [*Rating.values, NO_OPINION]
    scale_row = _append(sheet, ["", *[labels[key] for key in columns]])
    _header(sheet, scale_row, widths)
    _append(sheet, [_("Ticks"), *[st.columns[key].ticks for key in Rating.values]])
    _append(sheet, [_("Dots"), *[st.columns[key].dots for key in columns]])
    _append(sheet, [])
    _append(sheet, [_("Dots in all"), st.dots])
    row = _append(sheet, [_("Share of all dots"), float(one_decimal(st.share)) / 100])
    sheet.cell(row, 2).number_format = SHARE_FORMAT
    _append(sheet, [_("Participants with dots"), st.supporters])
    _append(sheet, [_("Ratings"), st.ratings])
    row = _append(
        sheet,
        [_("Agreement score (−10…+10)"), None if st.score is None else float(rounded_score(st.score))],
    )
    sheet.cell(row, 2).number_format = SCORE_FORMAT
    flags = flag_texts(st)
    _append(sheet, [", ".join(flags).capitalize()] if flags else [])
    _append(sheet, [])
    row = _append(
        sheet, [_("Strengths (S) and opportunities (O)"), "", "", "", _("Weaknesses (W) and threats (T)")]
    )
    for cell in sheet[row]:
        cell.font = BOLD
    first = sheet.max_row + 1
    for i in range(max(len(st.notes_so), len(st.notes_wt))):
        row = first + i
        lines = 1
        # Every note, hidden on the projector or not: the workbook is the full record.
        for column, notes, width in ((1, st.notes_so, 69), (5, st.notes_wt, 52)):
            if i < len(notes):
                note = notes[i]
                cell = _put(sheet.cell(row, column), f"{note.kind}: {note.text}")
                cell.alignment = WRAP
                sheet.merge_cells(start_row=row, start_column=column, end_row=row, end_column=column + 3)
                lines = max(lines, _lines(cell.value, width))
        # Excel does not grow a merged row to its text: give it the height it needs.
        sheet.row_dimensions[row].height = LINE_HEIGHT * lines
    sheet.freeze_panes = "A2"
    _print_setup(sheet, landscape=True)


def data_headers() -> dict[str, str]:
    """The Data sheet's headers in the current language, by stable key."""
    kinds = dict(NoteKind.choices)
    return {
        "workshop_code": _("Join code"),
        "statement_position": _("Statement no."),
        "statement_short_name": _("Statement"),
        "participant_number": _("Participant no."),
        "dots": _("Dots"),
        "rating": _("Rating (key)"),
        "rating_label": _("Rating"),
        **{f"notes_{kind}": str(kinds[kind]) for kind in NoteKind.values},
        "small_number": _("Fewer than %(n)s ratings") % {"n": SMALL_NUMBER},
        "source": _("Source (phone or paper)"),
        "seen_position": _("Place on the participant's phone"),
    }


def _data_sheet(book: Workbook, workshop: Workshop, result: WorkshopTally) -> None:
    """All rows: headers in the workshop's language with the data CSV's stable keys under them."""
    sheet = book.create_sheet(sheet_names()["data"])
    headers = data_headers()
    header_row = _append(sheet, [headers[column] for column in LONG_COLUMNS])
    keys_row = _append(sheet, LONG_COLUMNS)
    for cell in sheet[keys_row]:
        cell.font = Font(italic=True, color="555555")
    for row in long_rows(workshop, result):
        number = _append(sheet, [row[column] for column in LONG_COLUMNS])
        for column in (8, 9, 10, 11):
            sheet.cell(number, column).alignment = WRAP
    widths = _fit_columns(sheet, header_row, keys_row + 1, cap=30, least=4)
    for column, key in enumerate(LONG_COLUMNS, start=1):
        # The stable keys are one word each: the column fits them too.
        widths[column] = max(widths[column], len(key) + 2)
        sheet.column_dimensions[get_column_letter(column)].width = widths[column]
    _header(sheet, header_row, widths)
    sheet.freeze_panes = sheet.cell(keys_row + 1, 1)
    _print_setup(sheet, landscape=True, title_rows=f"{header_row}:{keys_row}")


def xlsx_bytes(workshop: Workshop, *, signatures: bool = False) -> bytes:
    with translation.override(workshop.language):
        result = tally(workshop)
        labels = {**rating_labels(workshop), NO_OPINION: _("No opinion given")}
        book = Workbook()
        _summary_sheet(book, workshop, result, labels)
        taken = {name.casefold() for name in sheet_names().values()}
        for st in result.statements:
            _statement_sheet(book, st, _sheet_name(st.statement, taken), labels)
        _data_sheet(book, workshop, result)
        if signatures:
            # Its own sheet with nothing but names: never beside an answer.
            sheet = book.create_sheet(sheet_names()["signatures"])
            _append(sheet, [_("Name")])
            sheet["A1"].font = BOLD
            for name in signature_names(workshop):
                _append(sheet, [name])
            sheet.column_dimensions["A"].width = 40
            sheet.freeze_panes = "A2"
            _print_setup(sheet, landscape=False, title_rows="1:1")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- One entry point for the views and the command --------------------------------------------


@dataclass
class ExportFile:
    content: bytes
    content_type: str
    filename: str


FORMATS = ("sheet_csv", "csv", "notes_csv", "xlsx", "json", "signatures_csv", "ideas_csv")
CSV_TYPE = "text/csv; charset=utf-8"


def filename(workshop: Workshop, suffix: str, extension: str) -> str:
    """e.g. "demokratiapaiva-PED235-2026-11-23-notes.csv": title slug, code, date."""
    parts = [slugify(workshop.title) or "workshop", workshop.code, timezone.localdate().isoformat()]
    if suffix:
        parts.append(suffix)
    return "-".join(parts) + "." + extension


def export(
    workshop: Workshop, fmt: str, *, signatures: bool = False, language: str | None = None
) -> ExportFile:
    """The file of one format. `signatures` adds the signature list to XLSX and JSON; `language`
    (one of the workshop's) is the spreadsheet CSV's."""
    if fmt == "sheet_csv":
        suffix = (
            "spreadsheet"
            if export_language(workshop, language) == workshop.language
            else f"spreadsheet-{language}"
        )
        return ExportFile(sheet_csv(workshop, language), CSV_TYPE, filename(workshop, suffix, "csv"))
    if fmt == "csv":
        return ExportFile(long_csv(workshop), CSV_TYPE, filename(workshop, "", "csv"))
    if fmt == "notes_csv":
        return ExportFile(notes_csv(workshop), CSV_TYPE, filename(workshop, "notes", "csv"))
    if fmt == "signatures_csv":
        return ExportFile(signatures_csv(workshop), CSV_TYPE, filename(workshop, "signatures", "csv"))
    if fmt == "ideas_csv":
        return ExportFile(ideas_csv(workshop), CSV_TYPE, filename(workshop, "ideas", "csv"))
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
CHART_LABEL_CHARS = 28  # what fits left of the bars at 13 px; longer labels wrap, never cut
CHART_LINE = 16


def bar_chart(title: str, rows: list[tuple[str, int]]) -> dict:
    """An inline SVG bar chart's geometry: one labelled bar per row, the number written beside it."""
    top = max((value for _label, value in rows), default=0)
    bars = []
    y = 6
    for label, value in rows:
        width = round(CHART_BAR_SPACE * value / top) if top else 0
        lines = textwrap.wrap(label, CHART_LABEL_CHARS) or [""]
        space = max(24, CHART_LINE * len(lines) + 8)
        bars.append(
            {
                "label": label,
                "lines": lines,
                "value": value,
                "y": y,
                "bar_y": y + (space - 24) // 2,
                "text_y": y + 14,
                "value_y": y + (space - 24) // 2 + 14,
                "width": width,
                "text_x": 214 + width,
            }
        )
        y += space
    return {"title": title, "bars": bars, "height": y + 6}


def workshop_date(workshop: Workshop):
    """The day of the workshop: when its first phase started, else when it was made."""
    first = workshop.phase_records.exclude(phase=Phase.DRAFT).order_by("started_at").first()
    return timezone.localtime(first.started_at if first else workshop.created_at)


def phase_times(workshop: Workshop) -> list[dict]:
    """Each phase as it really ran (from the phase history), draft left out."""
    return [
        {
            "label": record.get_phase_display(),
            "phase": record.phase,
            "started_at": timezone.localtime(record.started_at),
            "ended_at": timezone.localtime(record.ended_at) if record.ended_at else None,
        }
        for record in PhaseRecord.objects.filter(workshop=workshop).exclude(phase=Phase.DRAFT)
    ]


def order_text(workshop: Workshop) -> str:
    """How the phones listed the statements, for the report: rotated or the statements' own order."""
    if workshop.own_order_per_phone:
        # Short, as the report's facts are a row of four: the data exports say where in seen_position.
        return _("Rotated: each phone in its own random order")
    return _("Not rotated: 1, 2, 3 … on every phone")


def report_context(workshop: Workshop, language: str | None = None) -> dict:
    """What the report shows, worked out in the workshop's language (or another of its languages,
    picked on the export page), from the workshop alone."""
    language = export_language(workshop, language)
    with translation.override(language):
        result = tally(workshop)
        in_language(workshop, result, language)
        labels = {**rating_labels(workshop, language), NO_OPINION: _("No opinion given")}
        statements = []
        for st in result.statements:
            columns = [*Rating.values, NO_OPINION]
            statements.append(
                {
                    "tally": st,
                    "share": local_number(one_decimal(st.share)),
                    "score": score_text(st.score),
                    "flags": flag_texts(st),
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
            "language": language,
            "title": workshop.text_in("title", language),
            "result": result,
            "statements": statements,
            "sentences": summary_sentences(result),
            "order_text": order_text(workshop),
            "date": workshop_date(workshop),
            "phases": phase_times(workshop),
            "dots_chart": bar_chart(
                _("Dots per statement"),
                [
                    (f"{st.statement.position}. {st.statement.short_name}", st.dots)
                    for st in result.statements
                ],
            ),
            "small_number": SMALL_NUMBER,
            "by_source": screens.by_source(result),
            "generated_at": timezone.now(),
            "proposals": proposal_rows(workshop),
            # This round beside the previous one; None for a first round.
            "rounds": screens.round_comparison(workshop, result),
        }


def proposal_rows(workshop: Workshop) -> list[dict]:
    """Every idea from the hall and what became of it; the author only as a participant number."""
    from .screens import proposal_outcome
    from .services import proposals_of

    rows = []
    with translation.override(workshop.language):
        for proposal in proposals_of(workshop):
            rows.append(
                {
                    "participant": proposal.participant.number,
                    "short_name": proposal.short_name,
                    "text": proposal.text,
                    "outcome": proposal.outcome,
                    "statement": proposal.statement.position if proposal.statement_id else None,
                    "outcome_text": proposal_outcome(proposal),
                    "created_at": _local_iso(proposal.created_at),
                }
            )
    return rows


IDEA_COLUMNS = [
    "workshop_code",
    "participant_number",
    "short_name",
    "text",
    "outcome",
    "statement_position",
    "outcome_text",
    "created_at",
]


def ideas_csv(workshop: Workshop) -> bytes:
    """One row per idea from the hall, in the data format of the notes CSV."""
    rows = [
        {
            "workshop_code": workshop.code,
            "participant_number": row["participant"],
            "short_name": row["short_name"],
            "text": row["text"],
            "outcome": row["outcome"],
            "statement_position": "" if row["statement"] is None else row["statement"],
            "outcome_text": row["outcome_text"],
            "created_at": row["created_at"],
        }
        for row in proposal_rows(workshop)
    ]
    return _csv(IDEA_COLUMNS, rows)
