"""The one tally of a workshop: the run screen, the projector and every export read this.

It costs a constant number of queries however many people voted.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext

from .models import Answer, Note, NoteKind, Participant, Rating, Source, Statement, Workshop

# Dotmocracy's weights for the agreement score; "can't say" is left out of it entirely.
SCORE_WEIGHTS = {
    Rating.FULLY_AGREE: 10,
    Rating.PARTLY_AGREE: 5,
    Rating.NEUTRAL: 0,
    Rating.PARTLY_DISAGREE: -5,
    Rating.FULLY_DISAGREE: -10,
}
# Below both of these a score is "too few to read" (Dotmocracy: 12 ratings or two thirds).
MIN_RATINGS_TO_READ = 12
MIN_SHARE_OF_PARTICIPANTS_TO_READ = 2 / 3
# This many "can't say" ticks mean the statement itself was unclear.
UNCLEAR_CANT_SAY = 3
# Fewer ratings than this can identify people: exports mark such statements.
SMALL_NUMBER = 5

NO_OPINION = "no_opinion"


@dataclass
class Column:
    """One column of the scale: how many ticked it and the dots those people gave."""

    key: str
    label: str
    ticks: int = 0
    dots: int = 0


@dataclass
class StatementTally:
    statement: Statement
    dots: int = 0
    share: float = 0.0  # percent of all dots in the workshop
    supporters: int = 0  # participants with at least one dot here
    columns: dict[str, Column] = field(default_factory=dict)  # Rating values, then NO_OPINION
    score: float | None = None  # -10..+10, None when nobody gave a scored rating
    ratings: int = 0  # every tick, "can't say" included
    scored_ratings: int = 0  # the ticks that count in the score
    too_few_to_read: bool = True
    unclear: bool = False
    notes_so: list[Note] = field(default_factory=list)  # strengths and opportunities, newest first
    notes_wt: list[Note] = field(default_factory=list)  # weaknesses and threats, newest first
    wall_so: int = 0  # the S/O notes the projector may show (not hidden, not waiting for approval)
    wall_wt: int = 0

    @property
    def cant_say(self) -> int:
        return self.columns[Rating.CANT_SAY].ticks

    @property
    def small_number(self) -> bool:
        return self.ratings < SMALL_NUMBER

    @property
    def scale(self) -> list[Column]:
        """The six columns of the sheet, in order (without "no opinion")."""
        return [self.columns[key] for key in Rating.values]


@dataclass
class WorkshopTally:
    workshop: Workshop
    statements: list[StatementTally]
    participants: int
    spent_all_dots: int  # participants whose dots are all placed
    finished: int  # all dots placed and every statement rated
    total_dots: int
    ratings: int
    notes: int
    on_paper: int = 0  # participants whose sheet was typed in (Source.PAPER), counted in `participants`

    @property
    def by_phone(self) -> int:
        return self.participants - self.on_paper


def rounded_score(score: float | None) -> Decimal | None:
    """The agreement score as every screen and file shows it: one decimal, halves away from zero.

    Through the float's shortest repr, so 2.25 is 2.3 (not 2.2 from its binary expansion) and
    -2.25 is -2.3; never truncated.
    """
    return None if score is None else one_decimal(score)


def one_decimal(value: float) -> Decimal:
    """Halves away from zero, through the float's shortest repr (12.25 % is 12.3 %)."""
    return Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _empty_columns() -> dict[str, Column]:
    columns = {key: Column(key, str(label)) for key, label in Rating.choices}
    columns[NO_OPINION] = Column(NO_OPINION, gettext("No opinion given"))
    return columns


def tally(workshop: Workshop, wall_notes: int | None = None) -> WorkshopTally:
    """The workshop's totals. With `wall_notes` (the projector and the console), each statement's
    note lists hold only the newest `wall_notes` of each SWOT pair that the wall may show, so that a
    snapshot's cost does not grow with the notes; every count is the same either way."""
    statements = list(Statement.objects.filter(workshop=workshop).order_by("position", "id"))
    by_id = {s.pk: StatementTally(statement=s, columns=_empty_columns()) for s in statements}

    rows = (
        Answer.objects.filter(statement__workshop=workshop)
        .values("statement_id", "rating")
        .annotate(rows=Count("id"), dot_sum=Sum("dots"), supporters=Count("id", filter=Q(dots__gt=0)))
    )
    for row in rows:
        st = by_id[row["statement_id"]]
        st.dots += row["dot_sum"]
        st.supporters += row["supporters"]
        if row["rating"] is None:
            st.columns[NO_OPINION].dots += row["dot_sum"]
        else:
            column = st.columns[row["rating"]]
            column.ticks += row["rows"]
            column.dots += row["dot_sum"]

    n_statements = len(statements)
    progress = Participant.objects.filter(workshop=workshop).annotate(
        spent=Sum("answers__dots"), rated=Count("answers", filter=Q(answers__rating__isnull=False))
    )
    budget = workshop.dots_per_participant
    counts = progress.aggregate(
        joined=Count("id"),
        spent_all=Count("id", filter=Q(spent=budget)),
        finished=Count("id", filter=Q(spent=budget, rated=n_statements)),
        on_paper=Count("id", filter=Q(source=Source.PAPER)),
    )

    note_count = _notes(workshop, by_id, wall_notes)

    total_dots = sum(st.dots for st in by_id.values())
    people = counts["joined"]
    ratings = 0
    for st in by_id.values():
        st.share = 100 * st.dots / total_dots if total_dots else 0.0
        scored = [st.columns[key] for key in SCORE_WEIGHTS]
        st.scored_ratings = sum(c.ticks for c in scored)
        st.ratings = st.scored_ratings + st.cant_say
        ratings += st.ratings
        if st.scored_ratings:
            st.score = sum(SCORE_WEIGHTS[c.key] * c.ticks for c in scored) / st.scored_ratings
        st.too_few_to_read = (
            st.scored_ratings < MIN_RATINGS_TO_READ
            and st.scored_ratings < MIN_SHARE_OF_PARTICIPANTS_TO_READ * people
        ) or st.scored_ratings == 0
        st.unclear = st.cant_say >= UNCLEAR_CANT_SAY

    return WorkshopTally(
        workshop=workshop,
        statements=[by_id[s.pk] for s in statements],
        participants=people,
        spent_all_dots=counts["spent_all"],
        finished=counts["finished"],
        total_dots=total_dots,
        ratings=ratings,
        notes=note_count,
        on_paper=counts["on_paper"],
    )


# The SWOT pairs as the wall shows them: strengths and opportunities, weaknesses and threats.
_SO = (NoteKind.STRENGTH, NoteKind.OPPORTUNITY)
_ON_WALL = Q(hidden_on_projector=False, awaiting_approval=False)


def _notes(workshop: Workshop, by_id: dict[int, StatementTally], wall_notes: int | None) -> int:
    """Fill each statement's notes and wall counts; the number of notes in all."""
    notes = Note.objects.filter(statement__workshop=workshop)
    if wall_notes is None:
        count = 0
        for note in notes.select_related("participant").order_by("-created_at", "-id"):
            count += 1
            st = by_id[note.statement_id]
            so = note.kind in _SO
            (st.notes_so if so else st.notes_wt).append(note)
            if not note.hidden_on_projector and not note.awaiting_approval:
                if so:
                    st.wall_so += 1
                else:
                    st.wall_wt += 1
        return count
    # Counted by the database, and only the newest few of each pair read: constant work in Python.
    count = 0
    counts = notes.values("statement_id").annotate(
        all=Count("id"),
        so=Count("id", filter=_ON_WALL & Q(kind__in=_SO)),
        wt=Count("id", filter=_ON_WALL & ~Q(kind__in=_SO)),
    )
    for row in counts.order_by():
        count += row["all"]
        st = by_id[row["statement_id"]]
        st.wall_so, st.wall_wt = row["so"], row["wt"]
    pair = Case(When(kind__in=_SO, then=Value(0)), default=Value(1), output_field=IntegerField())
    newest = (
        notes.filter(_ON_WALL)
        .annotate(
            newest=Window(
                RowNumber(),
                partition_by=[F("statement_id"), pair],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(newest__lte=wall_notes)
        .order_by("-created_at", "-id")
    )
    for note in newest:
        st = by_id[note.statement_id]
        (st.notes_so if note.kind in _SO else st.notes_wt).append(note)
    return count
