"""Several of one facilitator's workshops side by side, statement by statement.

Statements are matched by their text (case and spacing aside); a statement reworded in one
workshop is matched by hand (`by_hand`: statement id -> the id of a statement in the row it
joins). Every figure is that workshop's own `tallies.tally`, laid out again; nothing is recounted.
"""

import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from . import exports
from .models import Rating, Statement, Workshop
from .tallies import StatementTally, WorkshopTally, rounded_score, tally

MAX_COMPARED = 10


def normalise(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass
class Cell:
    """One statement in one workshop: that workshop's own tally of it."""

    workshop: Workshop
    participants: int
    tally: StatementTally
    on_paper: int = 0  # of the participants, those whose sheet was typed in

    @property
    def score(self):
        return rounded_score(self.tally.score)

    @property
    def distribution(self) -> list[int]:
        return [self.tally.columns[key].ticks for key in Rating.values]


@dataclass
class Row:
    """One statement across the workshops; `cells` holds None where a workshop lacks it."""

    number: int
    statements: dict[int, Statement] = field(default_factory=dict)  # workshop id -> statement
    cells: list[Cell | None] = field(default_factory=list)

    @property
    def first(self) -> Statement:
        return next(iter(self.statements.values()))

    @property
    def label(self) -> str:
        return self.first.short_name

    @property
    def complete(self) -> bool:
        return all(cell is not None for cell in self.cells)


@dataclass
class Comparison:
    workshops: list[Workshop]
    tallies: list[WorkshopTally]
    rows: list[Row]

    def row_of(self, statement_id: int) -> Row | None:
        for row in self.rows:
            if any(s.pk == statement_id for s in row.statements.values()):
                return row
        return None


def compare(
    workshops: list[Workshop],
    by_hand: dict[int, int] | None = None,
    known: dict[int, WorkshopTally] | None = None,
) -> Comparison:
    """The rows of the comparison: text matches first, then the matches made by hand.

    `known` holds tallies the caller has already made (workshop id -> tally), not made again.
    """
    by_hand = by_hand or {}
    known = known or {}
    results = [known.get(w.pk) or tally(w) for w in workshops]
    rows: list[Row] = []
    row_of: dict[int, Row] = {}
    for workshop, result in zip(workshops, results, strict=True):
        for st in result.statements:
            text = normalise(st.statement.text)
            row = next(
                (r for r in rows if workshop.pk not in r.statements and normalise(r.first.text) == text),
                None,
            )
            if row is None:
                row = Row(number=len(rows) + 1)
                rows.append(row)
            row.statements[workshop.pk] = st.statement
            row_of[st.statement.pk] = row
    # A statement matched by hand leaves its own row for the one it was matched to, unless that
    # row already has a statement of the same workshop (then the choice is ignored).
    for statement_id, target_id in by_hand.items():
        source, target = row_of.get(statement_id), row_of.get(target_id)
        if source is None or target is None or source is target:
            continue
        workshop_id = next(w for w, s in source.statements.items() if s.pk == statement_id)
        if workshop_id in target.statements:
            continue
        target.statements[workshop_id] = source.statements.pop(workshop_id)
        row_of[statement_id] = target
        if not source.statements:
            rows.remove(source)
    by_statement = {st.statement.pk: st for result in results for st in result.statements}
    # Rows in the order of the first workshop that has them.
    order = {w.pk: i for i, w in enumerate(workshops)}
    rows.sort(key=lambda r: min((order[w], s.position) for w, s in r.statements.items()))
    for number, row in enumerate(rows, start=1):
        row.number = number
        row.cells = [
            Cell(w, result.participants, by_statement[row.statements[w.pk].pk], result.on_paper)
            if w.pk in row.statements
            else None
            for w, result in zip(workshops, results, strict=True)
        ]
    return Comparison(workshops=workshops, tallies=results, rows=rows)


def flags(cell: Cell) -> list[str]:
    st = cell.tally
    out = []
    if st.too_few_to_read:
        out.append(_("too few ratings to read"))
    if st.unclear:
        out.append(_("many “can't say”"))
    if st.small_number:
        out.append(_("fewer than %(n)s ratings") % {"n": exports.SMALL_NUMBER})
    return out


# --- Files ------------------------------------------------------------------------------------

COMPARISON_COLUMNS = ["comparison_row", "comparison_statement"]


def data_csv(comparison: Comparison) -> bytes:
    """Every workshop's data CSV rows, one after another, each with the comparison row it is in."""
    rows = []
    for workshop, result in zip(comparison.workshops, comparison.tallies, strict=True):
        positions = {}
        for row in comparison.rows:
            statement = row.statements.get(workshop.pk)
            if statement is not None:
                positions[statement.position] = row
        for data in exports.long_rows(workshop, result):
            row = positions[data["statement_position"]]
            rows.append({"comparison_row": row.number, "comparison_statement": row.label, **data})
    return exports._csv([*COMPARISON_COLUMNS, *exports.LONG_COLUMNS], rows)


def xlsx_bytes(comparison: Comparison) -> bytes:
    """One row per statement and workshop, the figures as the page shows them."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Comparison"
    labels = dict(Rating.choices)
    header = [
        _("Row"),
        _("Statement"),
        _("Join code"),
        _("Workshop"),
        _("Statement in this workshop"),
        _("Participants"),
        _("Dots"),
        _("Share"),
        _("Agreement score"),
        _("Flags"),
        *[_("Ticks: %(column)s") % {"column": labels[key]} for key in Rating.values],
        _("Participants from paper sheets"),
    ]
    exports._append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in comparison.rows:
        for workshop, cell in zip(comparison.workshops, row.cells, strict=True):
            if cell is None:
                exports._append(sheet, [row.number, row.label, workshop.code, workshop.title, "–"])
                continue
            statement = cell.tally.statement
            exports._append(
                sheet,
                [
                    row.number,
                    row.label,
                    workshop.code,
                    workshop.title,
                    f"{statement.position}. {statement.short_name}",
                    cell.participants,
                    cell.tally.dots,
                    cell.tally.share / 100,
                    float(cell.score) if cell.score is not None else None,
                    ", ".join(flags(cell)),
                    *cell.distribution,
                    cell.on_paper,
                ],
            )
            sheet.cell(sheet.max_row, 8).number_format = "0.0%"
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["D"].width = 30
    sheet.column_dimensions["E"].width = 30
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
