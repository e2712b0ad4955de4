"""Every rule of the workshop and every write of a vote.

Views, consumers and commands call these functions; nothing else writes answers, notes,
participants or phases. Each function that changes what the projector shows tells the
workshop's live group once its transaction has committed; those that change what a phone shows
of the hall (phase, visibility, countdown, statements) tell the phones' group too, and a vote never does.
"""

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, F, FilteredRelation, Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import live
from .models import (
    INSTRUCTION_MAX_LENGTH,
    MAX_DOTS,
    NOTE_MAX_LENGTH,
    SHORT_NAME_MAX_LENGTH,
    SIGNATURE_MAX_LENGTH,
    STATEMENT_MAX_LENGTH,
    STATEMENT_TEXTS,
    WORKSHOP_TEXTS,
    Answer,
    Note,
    NoteKind,
    PaperSheetEdit,
    Participant,
    Phase,
    PhaseRecord,
    Proposal,
    ProposalOutcome,
    Rating,
    ResultsVisibility,
    Signature,
    Source,
    Statement,
    Workshop,
    new_join_code,
    new_secret,
    normalise_join_code,
)


class WorkshopError(Exception):
    """A refused change, with a message fit to show the person who tried it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class VotingNotOpen(WorkshopError):
    pass


class OverBudget(WorkshopError):
    pass


class OverStatementCap(WorkshopError):
    pass


class UnknownStatement(WorkshopError):
    pass


class InvalidInput(WorkshopError):
    pass


class WorkshopFull(WorkshopError):
    pass


class StatementsLocked(WorkshopError):
    pass


class JoiningClosed(WorkshopError):
    pass


class InstructionsLocked(WorkshopError):
    pass


def JOINING_CLOSED_MESSAGE() -> str:  # noqa: N802 (a message, translated when asked for)
    return _("The facilitator has closed joining for this workshop. Ask them to open it again.")


# The per-phase texts the facilitator may edit until voting starts.
INSTRUCTION_FIELDS = ("pair_talk_1_question", "pair_talk_2_question", "voting_instruction")


# --- Texts in the further languages (issue 15) -------------------------------------------------


def language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


def clean_further_languages(languages, main: str) -> list[str]:
    """The further languages chosen, known ones only, without the main language, in the settings' order."""
    known = [code for code, _name in settings.LANGUAGES]
    chosen = set(languages or ())
    if chosen - set(known):
        raise InvalidInput(_("Choose the further languages among Finnish, Swedish and English."))
    return [code for code in known if code in chosen and code != main]


def clean_translations(translations, limits: dict[str, int], languages) -> dict[str, dict[str, str]]:
    """Each further language's texts trimmed, empty ones dropped (they fall back to the main
    language), each no longer than its main field may be."""
    cleaned = {}
    for language, texts in (translations or {}).items():
        if language not in languages:
            raise InvalidInput(
                _("Add %(language)s to the workshop's languages first.")
                % {"language": language_name(language)}
            )
        kept = {}
        for name, value in (texts or {}).items():
            if name not in limits:
                raise InvalidInput(_("Unknown text: %(name)s.") % {"name": name})
            value = (
                " ".join((value or "").split()) if name in ("short_name", "title") else (value or "").strip()
            )
            if len(value) > limits[name]:
                raise InvalidInput(
                    _(
                        "A text in %(language)s can be at most %(max)s characters long; "
                        "this one has %(length)s."
                    )
                    % {"language": language_name(language), "max": limits[name], "length": len(value)}
                )
            if value:
                kept[name] = value
        if kept:
            cleaned[language] = kept
    return cleaned


def _merged_translations(old: dict, new: dict, languages) -> dict:
    """The texts of the languages edited now replace theirs; a language taken off the workshop keeps
    its texts (unused) so that adding it back brings them back."""
    return {**{k: v for k, v in (old or {}).items() if k not in languages}, **new}


# One process, SQLite: writers queue on this lock, handed over at once, instead of in SQLite's
# busy handler, which sleeps up to 100 ms between tries and so turns a burst of taps into
# seconds of latency. Re-entrant, because one write may call another.
_sqlite_writers = threading.RLock()


@contextmanager
def _writing():
    """A write transaction (IMMEDIATE on SQLite, where writers also queue in-process)."""
    if connection.vendor == "sqlite":
        with _sqlite_writers, transaction.atomic():
            yield
    else:
        with transaction.atomic():
            yield


def _changed(workshop_id: int, phones: bool = False) -> None:
    """Tell the live pages once committed; with `phones`, the participants' phones too.

    Only a change of what a phone shows of the hall (phase, visibility, countdown, statements)
    passes `phones`: a vote must not wake a thousand phones. Robust: a channel-layer failure
    (Redis down) is logged (Django's "django.db.backends.base" logger) and the write is still
    answered as saved; every page heals on its next snapshot or poll."""

    def push_change():  # a named function: Django's robust log line names the callback
        live.workshop_changed(workshop_id)

    def push_to_phones():
        live.phase_changed(workshop_id)

    transaction.on_commit(push_change, robust=True)
    if phones:
        transaction.on_commit(push_to_phones, robust=True)


# --- Participants -----------------------------------------------------------------------------


def join(workshop: Workshop) -> Participant:
    """A new participant, numbered 1, 2, 3... in joining order."""
    if workshop.phase == Phase.CLOSED:
        raise VotingNotOpen(_("This workshop has closed."))
    with _writing():
        # Phones only: the facilitator's paper sheets still get their numbers.
        is_open = (
            Workshop.objects.select_for_update().filter(pk=workshop.pk).values_list("joining_open", flat=True)
        )
        if not is_open.first():
            raise JoiningClosed(JOINING_CLOSED_MESSAGE())
        participant = _numbered_participant(workshop)
    _changed(workshop.pk)
    return participant


def _numbered_participant(workshop: Workshop, **fields) -> Participant:
    """The next participant number, phone or paper alike (inside a transaction)."""
    # Joins queue on the workshop's row: numbering stays gapless and the limit exact.
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if locked.participants.count() >= locked.participant_limit:
        raise WorkshopFull(
            _("This workshop is full (%(limit)s participants). Ask the facilitator to raise the limit.")
            % {"limit": locked.participant_limit}
        )
    highest = locked.participants.aggregate(n=Max("number"))["n"] or 0
    return Participant.objects.create(workshop=locked, number=highest + 1, **fields)


class AlreadySigned(WorkshopError):
    pass


def sign(workshop: Workshop, name: str, participant: Participant | None = None) -> Signature:
    """Put a name on the signature list, which is kept apart from every answer.

    A participant signs once: the participant only carries a flag, and the signature no link
    back, so the list still never says whose answers are whose.
    """
    name = " ".join(name.split())
    if not workshop.collect_signatures:
        raise InvalidInput(_("This workshop does not collect a signature list."))
    if not name:
        raise InvalidInput(_("Write your name to sign the list."))
    if len(name) > SIGNATURE_MAX_LENGTH:
        raise InvalidInput(
            _("A name can be at most %(max)s characters long.") % {"max": SIGNATURE_MAX_LENGTH}
        )
    with _writing():
        if participant is not None:
            locked = Participant.objects.select_for_update().get(pk=participant.pk, workshop=workshop)
            if locked.signed:
                raise AlreadySigned(_("You have already signed the list. Each participant signs once."))
            locked.signed = participant.signed = True
            locked.save(update_fields=["signed"])
        return Signature.objects.create(workshop=workshop, name=name)


# --- Answers ----------------------------------------------------------------------------------


def _lock_for_voting(participant: Participant, statement_id) -> tuple[Participant, Statement]:
    """Lock the participant's row (so their writes queue) and check the rules every vote shares.

    Must be called inside a transaction. Locking only the participant, not the workshop,
    lets hundreds of phones vote at once while each phone's own writes run one at a time.
    """
    locked = (
        Participant.objects.select_for_update(of=("self",)).select_related("workshop").get(pk=participant.pk)
    )
    if locked.workshop.phase != Phase.VOTING:
        raise VotingNotOpen(_("Voting is not open. Nothing was changed."))
    try:
        statement = Statement.objects.get(pk=int(statement_id), workshop_id=locked.workshop_id)
    except (Statement.DoesNotExist, TypeError, ValueError):
        raise UnknownStatement(_("That statement is not part of this workshop.")) from None
    return locked, statement


# The rules of one answer, shared by the phone's controls and the paper sheets' entry.


def clean_dots(dots) -> int:
    try:
        dots = int(dots)
    except (TypeError, ValueError):
        raise InvalidInput(_("The number of dots must be a whole number.")) from None
    if dots < 0:
        raise InvalidInput(_("The number of dots cannot be negative."))
    return dots


def check_cap(workshop: Workshop, dots: int) -> None:
    cap = workshop.max_dots_per_statement
    if cap is not None and dots > cap:
        raise OverStatementCap(_("At most %(cap)s dots can go on one statement.") % {"cap": cap})


def over_budget(workshop: Workshop, spent_elsewhere: int, dots: int) -> bool:
    return dots > MAX_DOTS or spent_elsewhere + dots > workshop.dots_per_participant


def budget_refusal(workshop: Workshop, left: int) -> OverBudget:
    budget = workshop.dots_per_participant
    return OverBudget(
        _("You have %(budget)s dots in all and %(left)s left. Take dots off another statement first.")
        % {"budget": budget, "left": max(0, left)}
    )


def clean_rating(rating: str | None) -> str | None:
    rating = rating or None
    if rating is not None and rating not in Rating.values:
        raise InvalidInput(_("Choose one of the options on the scale."))
    return rating


def _locked(participant: Participant) -> Participant | None:
    """The participant again, inside the transaction: locked on PostgreSQL, with the workshop as now."""
    return (
        Participant.objects.select_for_update(of=("self",))
        .select_related("workshop")
        .filter(pk=participant.pk)
        .order_by()
        .first()
    )


def _locked_phone(code: str, token: str) -> Participant | None:
    """The participant a phone's cookie names in the workshop with this code: the lookup, the lock
    (PostgreSQL) and the workshop as committed now, in one query inside the vote's transaction."""
    found = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("workshop")
        .filter(workshop__code=normalise_join_code(code), token=str(token))
        .order_by()[:1]  # no ORDER BY at all: first() would add one, and compiling it costs a vote ~5 %
    )
    return next(iter(found), None)


def _read_for_voting(locked: Participant, statement_id) -> tuple["ParticipantState", "OwnAnswer"]:
    """The locked participant's whole sheet, read once, and the row voted on; checks the shared rules.

    The lock is its own statement before this read, so that on PostgreSQL (READ COMMITTED) this
    read sees whatever the phone's previous write committed while we waited for the lock. Notes
    are not read: a vote's reply does not show them (`notes` is None).
    """
    workshop = locked.workshop
    if workshop.phase != Phase.VOTING:
        raise VotingNotOpen(_("Voting is not open. Nothing was changed."))
    try:
        statement_id = int(statement_id)
    except (TypeError, ValueError):
        raise UnknownStatement(_("That statement is not part of this workshop.")) from None
    rows = (
        Statement.objects.filter(workshop_id=workshop.pk)
        .annotate(mine=FilteredRelation("answers", condition=Q(answers__participant_id=locked.pk)))
        .annotate(answer_id=F("mine__id"), own_dots=F("mine__dots"), own_rating=F("mine__rating"))
        .order_by("position", "id")
    )
    answers = []
    for row in rows:
        row.workshop = workshop
        answers.append(
            OwnAnswer(statement=row, dots=row.own_dots or 0, rating=row.own_rating, answer_id=row.answer_id)
        )
    own = next((a for a in answers if a.statement.pk == statement_id), None)
    if own is None:
        raise UnknownStatement(_("That statement is not part of this workshop."))
    state = ParticipantState(participant=locked, answers=answers, budget=workshop.dots_per_participant)
    return state, own


def _save_answer(locked: Participant, own: "OwnAnswer", **values) -> Answer:
    """One write: update the answer read before, or insert the first one on this statement.

    Safe without update_or_create's extra read: the caller holds the participant's lock (or
    SQLite's write lock), so no other write of this participant's answers runs meanwhile.
    """
    for name, value in values.items():
        setattr(own, name, value)
    answer = Answer(
        pk=own.answer_id, participant=locked, statement=own.statement, dots=own.dots, rating=own.rating
    )
    if own.answer_id is None:
        answer.save(force_insert=True)
        own.answer_id = answer.pk
    else:
        answer.updated_at = timezone.now()
        Answer.objects.filter(pk=own.answer_id).update(**values, updated_at=answer.updated_at)
    return answer


def _set_dots(find, statement_id, dots) -> tuple[Answer, "ParticipantState"] | None:
    """The dot rule: `find()` gives the locked participant inside the transaction (None: nobody)."""
    dots = clean_dots(dots)
    with _writing():
        locked = find()
        if locked is None:
            return None
        state, own = _read_for_voting(locked, statement_id)
        workshop = locked.workshop
        check_cap(workshop, dots)
        spent_elsewhere = state.dots_spent - own.dots
        if over_budget(workshop, spent_elsewhere, dots):
            # "left" is what the participant sees left, not counting the dots already here.
            raise budget_refusal(workshop, workshop.dots_per_participant - spent_elsewhere - own.dots)
        answer = _save_answer(locked, own, dots=dots)
    _changed(workshop.pk)
    return answer, state


def _set_rating(find, statement_id, rating: str | None) -> tuple[Answer, "ParticipantState"] | None:
    rating = clean_rating(rating)
    with _writing():
        locked = find()
        if locked is None:
            return None
        state, own = _read_for_voting(locked, statement_id)
        answer = _save_answer(locked, own, rating=rating)
    _changed(locked.workshop_id)
    return answer, state


def _gone() -> WorkshopError:
    # Deleted while the vote was on its way: the facilitator cleared the votes.
    return VotingNotOpen(_("Voting is not open. Nothing was changed."))


def set_dots(participant: Participant, statement_id, dots) -> Answer:
    """Set the participant's dots on one statement to `dots` (an absolute count, so a retry is harmless)."""
    saved = _set_dots(lambda: _locked(participant), statement_id, dots)
    if saved is None:
        raise _gone()
    return saved[0]


def set_rating(participant: Participant, statement_id, rating: str | None) -> Answer:
    """Tick one column of the scale, or clear the tick with an empty rating."""
    saved = _set_rating(lambda: _locked(participant), statement_id, rating)
    if saved is None:
        raise _gone()
    return saved[0]


def phone_sets_dots(code: str, token: str, statement_id, dots) -> tuple[Answer, "ParticipantState"] | None:
    """set_dots for the participant a phone's cookie names (`token`) in the workshop `code`, and
    their sheet as saved, for the reply; None if the cookie names nobody there. A vote's whole
    cost: the lookup (which is also the lock), one read and one write, in one transaction."""
    return _set_dots(lambda: _locked_phone(code, token), statement_id, dots)


def phone_sets_rating(
    code: str, token: str, statement_id, rating
) -> tuple[Answer, "ParticipantState"] | None:
    """set_rating for the participant a phone's cookie names; as phone_sets_dots."""
    return _set_rating(lambda: _locked_phone(code, token), statement_id, rating)


def _clean_note(kind: str, text: str) -> tuple[str, str]:
    text = (text or "").strip()
    if kind not in NoteKind.values:
        raise InvalidInput(_("Choose S, W, O or T for the note."))
    if not text:
        raise InvalidInput(_("The note is empty."))
    if len(text) > NOTE_MAX_LENGTH:
        raise InvalidInput(
            _("A note can be at most %(max)s characters long; this one has %(length)s.")
            % {"max": NOTE_MAX_LENGTH, "length": len(text)}
        )
    return kind, text


# One participant's notes: a paper sheet's worth per statement, and a writing pace no person
# exceeds, so that a script cannot fill the projector and the exports with hundreds of notes.
NOTES_PER_STATEMENT = 20
NOTES_PER_MINUTE = 10


class TooManyNotes(WorkshopError):
    pass


def add_note(participant: Participant, statement_id, kind: str, text: str) -> tuple[Note, bool]:
    """A new SWOT note, and True; the same note sent again returns the one already saved, and False.

    A phone on shaky wifi re-sends a note whose reply it never saw; that must not make a copy.
    """
    kind, text = _clean_note(kind, text)
    with _writing():
        locked, statement = _lock_for_voting(participant, statement_id)
        existing = Note.objects.filter(participant=locked, statement=statement, kind=kind, text=text).first()
        if existing is not None:
            return existing, False
        own = Note.objects.filter(participant=locked)
        if own.filter(statement=statement).count() >= NOTES_PER_STATEMENT:
            raise TooManyNotes(
                _("You can write at most %(max)s notes on one statement. Edit or delete one first.")
                % {"max": NOTES_PER_STATEMENT}
            )
        if own.filter(created_at__gte=timezone.now() - timedelta(minutes=1)).count() >= NOTES_PER_MINUTE:
            raise TooManyNotes(
                _("You can write at most %(max)s notes a minute. Wait a moment, then add the note again.")
                % {"max": NOTES_PER_MINUTE}
            )
        note = Note.objects.create(
            participant=locked,
            statement=statement,
            kind=kind,
            text=text,
            awaiting_approval=locked.workshop.notes_need_approval,
        )
    _changed(locked.workshop_id)
    return note, True


def _own_note(participant: Participant, note_id) -> Note:
    """The participant's own note, or UnknownStatement-like refusal: another's note id is never found."""
    try:
        return Note.objects.select_related("statement").get(pk=int(note_id), participant=participant)
    except (Note.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(_("That note is not yours or no longer exists.")) from None


def edit_note(participant: Participant, note_id, kind: str, text: str) -> Note:
    kind, text = _clean_note(kind, text)
    with _writing():
        note = _own_note(participant, note_id)
        locked, _statement = _lock_for_voting(participant, note.statement_id)
        note.kind, note.text = kind, text
        note.save(update_fields=["kind", "text", "updated_at"])
    _changed(locked.workshop_id)
    return note


def delete_note(participant: Participant, note_id) -> None:
    with _writing():
        note = _own_note(participant, note_id)
        locked, _statement = _lock_for_voting(participant, note.statement_id)
        note.delete()
    _changed(locked.workshop_id)


# --- The facilitator's controls ---------------------------------------------------------------

# The method's suggested length of each phase, in minutes.
PHASE_MINUTES = {Phase.PAIR_TALK_1: 10, Phase.IDEAS: 10, Phase.PAIR_TALK_2: 10, Phase.VOTING: 10}


def set_phase(workshop: Workshop, phase: str, minutes: int | None = None) -> Workshop:
    """Move the workshop to `phase` and start its countdown (the method's default length)."""
    if phase not in Phase.values:
        raise InvalidInput(_("Unknown phase."))
    _check_ideas_phase(workshop, phase)
    # Collecting ideas, the talks and the ideas phase come before any statement exists.
    needs_statements = (
        phase in (Phase.VOTING, Phase.CLOSED) if workshop.collect_ideas else phase != Phase.DRAFT
    )
    if needs_statements and not workshop.statements.exists():
        if workshop.collect_ideas:
            raise InvalidInput(_("Accept at least one idea or add a statement before voting."))
        raise InvalidInput(_("Add at least one statement before starting."))
    if phase in (Phase.DRAFT, Phase.CLOSED):
        minutes = None  # nothing to count down to
    elif minutes is None:
        minutes = PHASE_MINUTES.get(phase)
    if minutes is not None and not 1 <= int(minutes) <= 180:
        raise InvalidInput(_("A phase can last from 1 to 180 minutes."))
    now = timezone.now()
    workshop.phase = phase
    workshop.phase_started_at = now
    workshop.phase_ends_at = now + timedelta(minutes=int(minutes)) if minutes else None
    workshop.timer_paused_seconds = None
    workshop.projector_slide = ""  # a new phase starts on its own first slide
    if phase == Phase.VOTING and workshop.results_visibility == ResultsVisibility.REVEALED:
        # A new round of voting starts hidden again, unless the facilitator chose live results.
        workshop.results_visibility = ResultsVisibility.HIDDEN
    with _writing():
        workshop.save(
            update_fields=[
                "phase",
                "phase_started_at",
                "phase_ends_at",
                "timer_paused_seconds",
                "results_visibility",
                "projector_slide",
                "updated_at",
            ]
        )
        # The phase history for the report: close the open record, open the new phase's.
        PhaseRecord.objects.filter(workshop=workshop, ended_at__isnull=True).update(ended_at=now)
        PhaseRecord.objects.create(workshop=workshop, phase=phase, started_at=now)
        _changed(workshop.pk, phones=True)
    return workshop


def pause_timer(workshop: Workshop) -> Workshop:
    left = workshop.seconds_left()
    if left is None or not workshop.timer_running:
        return workshop
    workshop.timer_paused_seconds = left
    return _save_timer(workshop)


def resume_timer(workshop: Workshop) -> Workshop:
    if workshop.timer_paused_seconds is None:
        return workshop
    workshop.phase_ends_at = timezone.now() + timedelta(seconds=workshop.timer_paused_seconds)
    workshop.timer_paused_seconds = None
    return _save_timer(workshop)


def extend_timer(workshop: Workshop, minutes: int) -> Workshop:
    """Add (or with a negative number, take off) minutes; starts a countdown if there was none."""
    minutes = int(minutes)
    if not -180 <= minutes <= 180 or minutes == 0:
        raise InvalidInput(_("Add between 1 and 180 minutes."))
    delta = timedelta(minutes=minutes)
    if workshop.timer_paused_seconds is not None:
        workshop.timer_paused_seconds = max(0, workshop.timer_paused_seconds + int(delta.total_seconds()))
    else:
        now = timezone.now()
        base = max(workshop.phase_ends_at or now, now)
        workshop.phase_ends_at = max(now, base + delta)
    return _save_timer(workshop)


def _save_timer(workshop: Workshop) -> Workshop:
    with _writing():
        workshop.save(update_fields=["phase_ends_at", "timer_paused_seconds", "updated_at"])
        _changed(workshop.pk, phones=True)
    return workshop


def set_results_visibility(workshop: Workshop, visibility: str) -> Workshop:
    if visibility not in ResultsVisibility.values:
        raise InvalidInput(_("Unknown results setting."))
    with _writing():
        workshop.results_visibility = visibility
        workshop.save(update_fields=["results_visibility", "updated_at"])
        _changed(workshop.pk, phones=True)
    return workshop


def set_note_hidden(workshop: Workshop, note_id, hidden: bool) -> Note:
    """Keep a note off the projector (an insult, a name) or show it again; the note itself stays."""
    try:
        note = Note.objects.get(pk=int(note_id), statement__workshop=workshop)
    except (Note.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(_("That note is not part of this workshop.")) from None
    with _writing():
        note.hidden_on_projector = bool(hidden)
        note.awaiting_approval = False  # shown or hidden, the facilitator has now decided
        note.save(update_fields=["hidden_on_projector", "awaiting_approval", "updated_at"])
        _changed(workshop.pk)
    return note


def has_votes(workshop: Workshop) -> bool:
    """True once any dot or tick exists: from then on the statements' wording is locked."""
    return (
        Answer.objects.filter(statement__workshop=workshop).filter(dots__gt=0).exists()
        or Answer.objects.filter(statement__workshop=workshop, rating__isnull=False).exists()
    )


def ensure_statements_editable(workshop: Workshop) -> None:
    if has_votes(workshop):
        raise StatementsLocked(
            _(
                "People have already voted, so the statements can no longer be changed: "
                "changing a statement after votes were cast on it would corrupt the result. "
                "Clear the votes or duplicate the workshop to change the wording."
            )
        )


def create_workshop(
    owner,
    title: str,
    *,
    template: str = "ped",
    language: str = "fi",
    dots_per_participant: int = 10,
    max_dots_per_statement: int | None = None,
    collect_signatures: bool = True,
    further_languages=(),
) -> Workshop:
    """A new workshop in draft; `template="ped"` adds the four PED network statements
    (in every language of the workshop, as its per-phase texts)."""
    from .ped import instructions, ped_statements, statement_translations, workshop_translations

    further = clean_further_languages(further_languages, language)

    with _writing():
        for _attempt in range(10):
            candidate = Workshop(
                owner=owner,
                title=title,
                language=language,
                dots_per_participant=dots_per_participant,
                max_dots_per_statement=max_dots_per_statement,
                collect_signatures=collect_signatures,
                further_languages=further,
                translations=workshop_translations(template, further),
                **instructions(template, language),
            )
            if not Workshop.objects.filter(code=candidate.code).exists():
                break
        candidate.save()
        if template == "ped":
            Statement.objects.bulk_create(
                Statement(
                    workshop=candidate,
                    position=i,
                    short_name=short_name,
                    text=text,
                    translations=translations,
                )
                for i, ((short_name, text), translations) in enumerate(
                    zip(ped_statements(language), statement_translations(further), strict=True), start=1
                )
            )
    return candidate


# --- The facilitator's workshops: statements, copies, clearing, retention ---------------------

MAX_STATEMENTS = 50
# "Delete data after" lies between today and this many years ahead: a far date keeps personal
# data for no reason, and 9999-12-31 broke every join (the date arithmetic overflowed).
MAX_RETENTION_YEARS = 5


def latest_delete_after(today=None):
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + MAX_RETENTION_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + MAX_RETENTION_YEARS, day=28)


def check_delete_after(value) -> None:
    today = timezone.localdate()
    if not today <= value <= latest_delete_after(today):
        raise InvalidInput(
            _("Choose a date between today and %(latest)s.")
            % {"latest": date_format(latest_delete_after(today), "SHORT_DATE_FORMAT")}
        )


class DotsLocked(WorkshopError):
    pass


def update_workshop(workshop: Workshop, **fields) -> Workshop:
    """Save the workshop's settings; the dot budget and cap stay fixed once people have voted."""
    budget_changes = any(
        name in fields and fields[name] != getattr(workshop, name)
        for name in ("dots_per_participant", "max_dots_per_statement")
    )
    script_changes = any(
        name in fields and fields[name] != getattr(workshop, name) for name in INSTRUCTION_FIELDS
    )
    if {"language", "further_languages", "translations", "projector_second_language"} & set(fields):
        fields.update(_workshop_languages(workshop, fields))
        script_changes = script_changes or _script(workshop.translations) != _script(fields["translations"])
    if script_changes and workshop.phase in (Phase.VOTING, Phase.CLOSED):
        raise InstructionsLocked(
            _(
                "Voting has started, so the instructions can no longer be changed: the hall has "
                "already read them. Duplicate the workshop to change them."
            )
        )
    for name in INSTRUCTION_FIELDS:
        if name in fields:
            fields[name] = (fields[name] or "").strip()
            if len(fields[name]) > INSTRUCTION_MAX_LENGTH:
                raise InvalidInput(
                    _("An instruction can be at most %(max)s characters long; this one has %(length)s.")
                    % {"max": INSTRUCTION_MAX_LENGTH, "length": len(fields[name])}
                )
    order_changes = (
        "own_order_per_phone" in fields and fields["own_order_per_phone"] != workshop.own_order_per_phone
    )
    if order_changes and workshop.phase in (Phase.VOTING, Phase.CLOSED):
        raise InvalidInput(
            _(
                "Voting has started, so the order of the statements can no longer be changed: the phones "
                "have shown theirs, and the exports record it. Duplicate the workshop to change it."
            )
        )
    if budget_changes and has_votes(workshop):
        raise DotsLocked(
            _(
                "People have already voted, so the number of dots can no longer be changed: "
                "the votes already cast were spent under the old rule. Clear the votes first."
            )
        )
    if "delete_after" in fields and fields["delete_after"] != workshop.delete_after:
        check_delete_after(fields["delete_after"])
    for name, value in fields.items():
        setattr(workshop, name, value)
    with _writing():
        workshop.save()
        _changed(workshop.pk, phones=True)
    return workshop


def _workshop_languages(workshop: Workshop, fields: dict) -> dict:
    """The workshop's languages, further languages' texts and projector languages, checked."""
    main = fields.get("language", workshop.language)
    further = clean_further_languages(fields.get("further_languages", workshop.further_languages), main)
    others = [code for code, _name in settings.LANGUAGES if code != main]
    # A language just made the main one keeps its stored texts, unused (Workshop.text_in).
    edited = {code: texts for code, texts in fields.get("translations", {}).items() if code in others}
    translations = _merged_translations(
        workshop.translations, clean_translations(edited, WORKSHOP_TEXTS, others), edited
    )
    second = fields.get("projector_second_language", workshop.projector_second_language) or ""
    if second and second not in further:
        raise InvalidInput(
            _("Add %(language)s to the workshop's languages to show it on the projector.")
            % {"language": language_name(second)}
        )
    return {
        "further_languages": further,
        "translations": translations,
        "projector_second_language": second,
    }


def _script(translations: dict) -> dict:
    """The per-phase texts among a workshop's translations (locked once voting has started)."""
    return {
        (language, name): texts[name]
        for language, texts in (translations or {}).items()
        for name in INSTRUCTION_FIELDS
        if texts.get(name)
    }


def _clean_statement(short_name: str, text: str) -> tuple[str, str]:
    short_name, text = " ".join((short_name or "").split()), (text or "").strip()
    if not text:
        raise InvalidInput(_("Write the statement."))
    if len(short_name) > SHORT_NAME_MAX_LENGTH or len(text) > STATEMENT_MAX_LENGTH:
        raise InvalidInput(
            _("A short name can be at most %(short)s and a statement %(long)s characters long.")
            % {"short": SHORT_NAME_MAX_LENGTH, "long": STATEMENT_MAX_LENGTH}
        )
    # The projector and the exports need a name; the start of the statement will do.
    return short_name or text[:SHORT_NAME_MAX_LENGTH], text


def _statement_of(workshop: Workshop, statement_id) -> Statement:
    try:
        return Statement.objects.get(pk=int(statement_id), workshop=workshop)
    except (Statement.DoesNotExist, TypeError, ValueError):
        raise UnknownStatement(_("That statement is not part of this workshop.")) from None


def _statement_translations(workshop: Workshop, translations, old=None) -> dict:
    """A statement's texts in the workshop's further languages; a short name left empty is
    the start of that language's statement, as in the main language."""
    cleaned = clean_translations(translations, STATEMENT_TEXTS, workshop.languages[1:])
    for texts in cleaned.values():
        if texts.get("text") and not texts.get("short_name"):
            texts["short_name"] = texts["text"][:SHORT_NAME_MAX_LENGTH]
    return _merged_translations(old, cleaned, translations or {})


def add_statement(workshop: Workshop, short_name: str, text: str, translations=None) -> Statement:
    short_name, text = _clean_statement(short_name, text)
    translations = _statement_translations(workshop, translations)
    with _writing():
        # Adds queue on the workshop's row, so the cap and the next position are read by one
        # writer at a time (without the lock, 20 parallel adds made 55 statements).
        Workshop.objects.select_for_update().filter(pk=workshop.pk).first()
        ensure_statements_editable(workshop)
        if workshop.statements.count() >= MAX_STATEMENTS:
            raise InvalidInput(_("A workshop can have at most %(max)s statements.") % {"max": MAX_STATEMENTS})
        last = workshop.statements.aggregate(p=Max("position"))["p"] or 0
        statement = Statement.objects.create(
            workshop=workshop, position=last + 1, short_name=short_name, text=text, translations=translations
        )
        _changed(workshop.pk, phones=True)
    return statement


def edit_statement(
    workshop: Workshop, statement_id, short_name: str, text: str, translations=None
) -> Statement:
    short_name, text = _clean_statement(short_name, text)
    with _writing():
        ensure_statements_editable(workshop)
        statement = _statement_of(workshop, statement_id)
        statement.short_name, statement.text = short_name, text
        statement.translations = _statement_translations(workshop, translations, statement.translations)
        statement.save(update_fields=["short_name", "text", "translations"])
        _changed(workshop.pk, phones=True)
    return statement


def _renumber(workshop: Workshop, ordered: list[Statement]) -> None:
    for position, statement in enumerate(ordered, start=1):
        if statement.position != position:
            statement.position = position
            statement.save(update_fields=["position"])


def remove_statement(workshop: Workshop, statement_id) -> None:
    with _writing():
        ensure_statements_editable(workshop)
        _statement_of(workshop, statement_id).delete()
        _renumber(workshop, list(workshop.statements.order_by("position", "id")))
        _changed(workshop.pk, phones=True)


def move_statement(workshop: Workshop, statement_id, direction: str) -> None:
    """Move a statement one place "up" (earlier) or "down" (later)."""
    if direction not in ("up", "down"):
        raise InvalidInput(_("Move a statement up or down."))
    with _writing():
        ensure_statements_editable(workshop)
        statement = _statement_of(workshop, statement_id)
        ordered = list(workshop.statements.order_by("position", "id"))
        i = next(i for i, s in enumerate(ordered) if s.pk == statement.pk)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(ordered):
            ordered[i], ordered[j] = ordered[j], ordered[i]
            _renumber(workshop, ordered)
        _changed(workshop.pk, phones=True)


def duplicate_workshop(workshop: Workshop, owner, title: str) -> Workshop:
    """A new draft with the same settings and statements, and no participants or votes."""
    with _writing():
        copy = create_workshop(
            owner,
            title[: Workshop._meta.get_field("title").max_length],
            template="blank",
            language=workshop.language,
            dots_per_participant=workshop.dots_per_participant,
            max_dots_per_statement=workshop.max_dots_per_statement,
            collect_signatures=workshop.collect_signatures,
        )
        copy.participant_limit = workshop.participant_limit
        copy.further_languages = workshop.further_languages
        copy.translations = workshop.translations
        copy.projector_second_language = workshop.projector_second_language
        copy.collect_ideas = workshop.collect_ideas
        copy.own_order_per_phone = workshop.own_order_per_phone
        copy.pair_talk_1_question = workshop.pair_talk_1_question
        copy.pair_talk_2_question = workshop.pair_talk_2_question
        copy.voting_instruction = workshop.voting_instruction
        copy.save(
            update_fields=[
                "participant_limit",
                "collect_ideas",
                "own_order_per_phone",
                "pair_talk_1_question",
                "pair_talk_2_question",
                "voting_instruction",
                "further_languages",
                "translations",
                "projector_second_language",
            ]
        )
        Statement.objects.bulk_create(
            Statement(
                workshop=copy,
                position=s.position,
                short_name=s.short_name,
                text=s.text,
                translations=s.translations,
            )
            for s in workshop.statements.order_by("position", "id")
        )
    return copy


def clear_votes(workshop: Workshop) -> None:
    """Delete every participant with their dots, ratings and notes, and the signature list."""
    with _writing():
        Participant.objects.filter(workshop=workshop).delete()
        Signature.objects.filter(workshop=workshop).delete()
        _changed(workshop.pk)


def delete_workshop(workshop: Workshop) -> None:
    """Delete the workshop and all its data; its live pages hear of it and close (4404)."""
    workshop_id = workshop.pk
    with _writing():
        workshop.delete()
        _changed(workshop_id, phones=True)


def purge_expired(today=None) -> list[str]:
    """Delete the workshops whose "delete data after" date has passed; returns what went."""
    today = today or timezone.localdate()
    gone = []
    with _writing():
        for workshop in Workshop.objects.filter(delete_after__lt=today).select_for_update():
            gone.append(f"{workshop.code} {workshop.title!r} (delete after {workshop.delete_after})")
            workshop.delete()
    return gone


# --- Participant state: what one phone shows ---------------------------------------------------


@dataclass
class OwnAnswer:
    """One statement as one participant answered it: their dots, their tick and their notes."""

    statement: Statement
    dots: int
    rating: str | None
    notes: list | None = None  # None: not read (a vote's reply, see _read_for_voting)
    answer_id: int | None = None


@dataclass
class ParticipantState:
    participant: Participant
    answers: list[OwnAnswer]
    budget: int

    @property
    def dots_spent(self) -> int:
        return sum(a.dots for a in self.answers)

    @property
    def dots_left(self) -> int:
        return max(0, self.budget - self.dots_spent)

    @property
    def rated(self) -> int:
        return sum(1 for a in self.answers if a.rating)

    @property
    def done(self) -> bool:
        """All dots spent and every statement rated: the paper sheet is complete."""
        return bool(self.answers) and self.dots_left == 0 and self.rated == len(self.answers)


def participant_by_token(workshop: Workshop, token) -> Participant | None:
    """The participant a phone's cookie names, in this workshop only."""
    if not token:
        return None
    return Participant.objects.filter(workshop=workshop, token=str(token)).select_related("workshop").first()


def participant_state(participant: Participant) -> ParticipantState:
    """The participant's own answers and notes on every statement (three queries)."""
    statements = list(
        Statement.objects.filter(workshop_id=participant.workshop_id).order_by("position", "id")
    )
    answers = {a.statement_id: a for a in Answer.objects.filter(participant=participant)}
    notes: dict[int, list] = {}
    for note in Note.objects.filter(participant=participant).order_by("created_at", "id"):
        notes.setdefault(note.statement_id, []).append(note)
    own = []
    for statement in statements:
        answer = answers.get(statement.pk)
        own.append(
            OwnAnswer(
                statement=statement,
                dots=answer.dots if answer else 0,
                rating=answer.rating if answer else None,
                notes=notes.get(statement.pk, []),
            )
        )
    return ParticipantState(
        participant=participant, answers=own, budget=participant.workshop.dots_per_participant
    )


# --- Ideas from the hall: proposals that the facilitator shapes into statements ---------------

# Enough for a few real ideas each; a hall of 200 still gives the facilitator a list to read.
IDEAS_PER_PARTICIPANT = 5
# While the hall may still propose, and the facilitator decide: never after voting has opened,
# when the statements' wording is locked.
DECIDING_PHASES = (Phase.DRAFT, Phase.PAIR_TALK_1, Phase.IDEAS, Phase.PAIR_TALK_2)


def _check_ideas_phase(workshop: Workshop, phase: str) -> None:
    if phase == Phase.IDEAS and not workshop.collect_ideas:
        raise InvalidInput(
            _("This workshop does not collect ideas. Turn on “Collect ideas” in its settings first.")
        )


def _clean_proposal(short_name: str, text: str) -> tuple[str, str]:
    """The same limits as a facilitator's statement, with messages a participant understands."""
    short_name, text = " ".join((short_name or "").split()), (text or "").strip()
    if not text:
        raise InvalidInput(_("Write your idea as a statement first: it is empty."))
    if len(short_name) > SHORT_NAME_MAX_LENGTH:
        raise InvalidInput(
            _("A short name can be at most %(max)s characters long; this one has %(length)s.")
            % {"max": SHORT_NAME_MAX_LENGTH, "length": len(short_name)}
        )
    if len(text) > STATEMENT_MAX_LENGTH:
        raise InvalidInput(
            _("An idea can be at most %(max)s characters long; this one has %(length)s.")
            % {"max": STATEMENT_MAX_LENGTH, "length": len(text)}
        )
    return short_name, text


def _lock_for_ideas(participant: Participant) -> Participant:
    """Lock the participant's row (their proposals queue) and check that the ideas phase is open."""
    locked = (
        Participant.objects.select_for_update(of=("self",)).select_related("workshop").get(pk=participant.pk)
    )
    if locked.workshop.phase != Phase.IDEAS:
        raise VotingNotOpen(_("Ideas can be sent only while the ideas phase is open. Nothing was changed."))
    return locked


def propose(participant: Participant, short_name: str, text: str) -> tuple[Proposal, bool]:
    """A new idea, and True; the same idea sent again (its reply lost) returns the saved one, and False."""
    short_name, text = _clean_proposal(short_name, text)
    with _writing():
        locked = _lock_for_ideas(participant)
        existing = Proposal.objects.filter(participant=locked, short_name=short_name, text=text).first()
        if existing is not None:
            return existing, False
        if Proposal.objects.filter(participant=locked).count() >= IDEAS_PER_PARTICIPANT:
            raise InvalidInput(
                _(
                    "You have already sent %(max)s ideas, the most one participant can send. "
                    "Withdraw or change one of them instead."
                )
                % {"max": IDEAS_PER_PARTICIPANT}
            )
        proposal = Proposal.objects.create(participant=locked, short_name=short_name, text=text)
    _changed(locked.workshop_id)
    return proposal, True


def _own_proposal(participant: Participant, proposal_id) -> Proposal:
    """The participant's own idea still waiting for the facilitator; another's id is never found."""
    try:
        proposal = Proposal.objects.get(pk=int(proposal_id), participant=participant)
    except (Proposal.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(_("That idea is not yours or no longer exists.")) from None
    if proposal.outcome != ProposalOutcome.PENDING:
        raise InvalidInput(
            _("The facilitator has already handled this idea, so it can no longer be changed.")
        )
    return proposal


def edit_proposal(participant: Participant, proposal_id, short_name: str, text: str) -> Proposal:
    short_name, text = _clean_proposal(short_name, text)
    with _writing():
        locked = _lock_for_ideas(participant)
        proposal = _own_proposal(locked, proposal_id)
        proposal.short_name, proposal.text = short_name, text
        proposal.save(update_fields=["short_name", "text", "updated_at"])
    _changed(locked.workshop_id)
    return proposal


def withdraw_proposal(participant: Participant, proposal_id) -> None:
    with _writing():
        locked = _lock_for_ideas(participant)
        _own_proposal(locked, proposal_id).delete()
    _changed(locked.workshop_id)


def _deciding(workshop: Workshop, proposal_ids) -> list[Proposal]:
    """The workshop's ideas that are still open to a decision, locked; refused after voting opened."""
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if locked.phase not in DECIDING_PHASES:
        raise StatementsLocked(
            _("Voting has opened, so the statements are locked and ideas can no longer become statements.")
        )
    try:
        ids = {int(i) for i in proposal_ids}
    except (TypeError, ValueError):
        raise InvalidInput(_("That idea is not part of this workshop.")) from None
    proposals = list(
        Proposal.objects.select_for_update()
        .filter(pk__in=ids, participant__workshop=workshop)
        .order_by("created_at", "id")
    )
    if not ids or len(proposals) != len(ids):
        raise InvalidInput(_("That idea is not part of this workshop or was withdrawn."))
    if any(p.outcome in (ProposalOutcome.ACCEPTED, ProposalOutcome.MERGED) for p in proposals):
        raise InvalidInput(_("That idea is already a statement."))
    return proposals


def accept_proposal(workshop: Workshop, proposal_id, short_name: str, text: str) -> Statement:
    """The idea becomes the workshop's next statement, in the facilitator's wording."""
    with _writing():
        (proposal,) = _deciding(workshop, [proposal_id])
        statement = add_statement(workshop, short_name, text)
        proposal.outcome, proposal.statement = ProposalOutcome.ACCEPTED, statement
        proposal.save(update_fields=["outcome", "statement", "updated_at"])
    return statement


def merge_proposals(workshop: Workshop, proposal_ids, short_name: str, text: str) -> Statement:
    """Several ideas that say one thing become one statement, in the facilitator's wording."""
    if len(set(map(str, proposal_ids))) < 2:
        raise InvalidInput(_("Choose at least two ideas to merge."))
    with _writing():
        proposals = _deciding(workshop, proposal_ids)
        statement = add_statement(workshop, short_name, text)
        for proposal in proposals:
            proposal.outcome, proposal.statement = ProposalOutcome.MERGED, statement
            proposal.save(update_fields=["outcome", "statement", "updated_at"])
    return statement


def set_proposal_aside(workshop: Workshop, proposal_id) -> Proposal:
    """Keep an idea off the statements (a duplicate, off topic, a name); it stays in the exports."""
    with _writing():
        (proposal,) = _deciding(workshop, [proposal_id])
        proposal.outcome = ProposalOutcome.SET_ASIDE
        proposal.save(update_fields=["outcome", "updated_at"])
        _changed(workshop.pk)
    return proposal


def proposals_of(workshop: Workshop) -> list[Proposal]:
    """Every idea of the workshop in the order it arrived, with its author's number and its statement."""
    return list(
        Proposal.objects.filter(participant__workshop=workshop)
        .select_related("participant", "statement")
        .order_by("created_at", "id")
    )


# --- Paper sheets: typed in by the owner or a named helper ------------------------------------

# A paper sheet has room for a handful of notes per statement; this bounds one typed sheet.
MAX_PAPER_NOTES_PER_STATEMENT = 20


def _refuse_on(statement: Statement, refused: WorkshopError) -> WorkshopError:
    """The refusal, knowing which statement of the sheet it is about (for the form)."""
    refused.statement = statement
    return refused


def ensure_paper_editable(workshop: Workshop) -> None:
    """Paper sheets are entered from the start of the workshop until it is closed for good.

    "For good" is when a next round has been started from it: until then, also after voting
    has closed, a sheet brought in late can be typed in or corrected (the audit log shows it).
    """
    if workshop.phase == Phase.DRAFT:
        raise VotingNotOpen(_("Paper sheets can be entered once the workshop has started."))
    if Workshop.objects.filter(previous_round=workshop).exists():
        raise VotingNotOpen(
            _("A next round was started from this workshop, so its paper sheets can no longer be changed.")
        )


def _clean_sheet(workshop: Workshop, dots_by_statement: dict, ratings_by_statement: dict, notes: dict):
    """The sheet checked against the phone's own rules, statement by statement along the sheet."""
    statements = list(Statement.objects.filter(workshop=workshop).order_by("position", "id"))
    known = {s.pk for s in statements}
    for key in [*dots_by_statement, *ratings_by_statement, *notes]:
        if key not in known:
            raise UnknownStatement(_("That statement is not part of this workshop."))
    dots, ratings, cleaned_notes = {}, {}, {}
    spent = 0
    for statement in statements:
        try:
            here = clean_dots(dots_by_statement.get(statement.pk) or 0)
            check_cap(workshop, here)
            if over_budget(workshop, spent, here):
                raise budget_refusal(workshop, workshop.dots_per_participant - spent)
            ratings[statement.pk] = clean_rating(ratings_by_statement.get(statement.pk))
            written = list(notes.get(statement.pk) or [])
            if len(written) > MAX_PAPER_NOTES_PER_STATEMENT:
                raise InvalidInput(
                    _("At most %(max)s notes per statement.") % {"max": MAX_PAPER_NOTES_PER_STATEMENT}
                )
            cleaned_notes[statement.pk] = [_clean_note(kind, text) for kind, text in written]
        except WorkshopError as refused:
            raise _refuse_on(statement, refused) from None
        dots[statement.pk] = here
        spent += here
    return statements, dots, ratings, cleaned_notes


def _sheet_of(participant: Participant, statements: list[Statement]) -> dict:
    """A sheet as the audit log records it: by statement position, notes only counted."""
    answers = {a.statement_id: a for a in Answer.objects.filter(participant=participant)}
    note_counts: dict[int, int] = {}
    for statement_id in Note.objects.filter(participant=participant).values_list("statement_id", flat=True):
        note_counts[statement_id] = note_counts.get(statement_id, 0) + 1
    sheet = {}
    for statement in statements:
        answer = answers.get(statement.pk)
        sheet[str(statement.position)] = {
            "dots": answer.dots if answer else 0,
            "rating": answer.rating if answer else None,
            "notes": note_counts.get(statement.pk, 0),
        }
    return sheet


def _sheet_change(before: dict, after: dict) -> dict:
    """Only what differs, as [before, after] per statement position and field."""
    change = {}
    for position, now in after.items():
        was = before.get(position, {"dots": 0, "rating": None, "notes": 0})
        diff = {field: [was[field], now[field]] for field in now if was[field] != now[field]}
        if diff:
            change[position] = diff
    return change


def _non_empty(sheet: dict) -> dict:
    return {
        position: {field: value for field, value in row.items() if value}
        for position, row in sheet.items()
        if any(row.values())
    }


def _log_paper(workshop: Workshop, user, number: int, action: str, change: dict) -> PaperSheetEdit:
    return PaperSheetEdit.objects.create(
        workshop=workshop,
        participant_number=number,
        action=action,
        edited_by=user,
        edited_by_name=user.get_username() if user else "",
        change=change,
    )


def _paper_participant(workshop: Workshop, number) -> Participant:
    try:
        return Participant.objects.select_for_update().get(
            workshop=workshop, number=int(number), source=Source.PAPER
        )
    except (Participant.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(_("There is no paper sheet with that number in this workshop.")) from None


def enter_paper_sheet(
    workshop: Workshop,
    entered_by,
    dots_by_statement: dict,
    ratings_by_statement: dict,
    notes: dict,
    *,
    number: int | None = None,
) -> Participant:
    """Enter a paper sheet as a new paper participant, or with `number` correct that sheet.

    `dots_by_statement` and `ratings_by_statement` map statement ids to dots and a rating (or
    None), `notes` maps statement ids to [(kind, text), ...]. The whole sheet is checked with the
    phone's own rules (budget, cap, one tick, note length) before anything is written, and
    written in one transaction: a refused sheet leaves nothing behind.
    """
    statements, dots, ratings, cleaned_notes = _clean_sheet(
        workshop, dots_by_statement, ratings_by_statement, notes
    )
    with _writing():
        ensure_paper_editable(workshop)
        if number is None:
            participant = _numbered_participant(workshop, source=Source.PAPER)
            before = None
        else:
            participant = _paper_participant(workshop, number)
            before = _sheet_of(participant, statements)
        existing = {a.statement_id: a for a in Answer.objects.filter(participant=participant)}
        for statement in statements:
            answer = existing.get(statement.pk)
            d, r = dots[statement.pk], ratings[statement.pk]
            if answer is None and (d or r):
                Answer.objects.create(participant=participant, statement=statement, dots=d, rating=r)
            elif answer is not None and (answer.dots, answer.rating) != (d, r):
                answer.dots, answer.rating = d, r
                answer.save(update_fields=["dots", "rating", "updated_at"])
        # Notes that stay keep their row (and whether they are hidden on the projector).
        kept = {}
        for note in Note.objects.filter(participant=participant):
            key = (note.statement_id, note.kind, note.text)
            if key in kept or (note.kind, note.text) not in cleaned_notes.get(note.statement_id, []):
                note.delete()
            else:
                kept[key] = note
        for statement in statements:
            for kind, text in cleaned_notes[statement.pk]:
                if (statement.pk, kind, text) not in kept:
                    kept[(statement.pk, kind, text)] = Note.objects.create(
                        participant=participant, statement=statement, kind=kind, text=text
                    )
        after = _sheet_of(participant, statements)
        if before is None:
            _log_paper(
                workshop, entered_by, participant.number, PaperSheetEdit.Action.ENTERED, _non_empty(after)
            )
        elif change := _sheet_change(before, after):
            _log_paper(workshop, entered_by, participant.number, PaperSheetEdit.Action.CORRECTED, change)
        _changed(workshop.pk)
    return participant


def remove_paper_sheet(workshop: Workshop, removed_by, number) -> None:
    """Delete a paper participant with its answers and notes; the log keeps what it had."""
    with _writing():
        ensure_paper_editable(workshop)
        participant = _paper_participant(workshop, number)
        statements = list(Statement.objects.filter(workshop=workshop).order_by("position", "id"))
        sheet = _non_empty(_sheet_of(participant, statements))
        _log_paper(workshop, removed_by, participant.number, PaperSheetEdit.Action.REMOVED, sheet)
        participant.delete()
        _changed(workshop.pk)


def paper_sheet(workshop: Workshop, number) -> ParticipantState:
    """A paper participant's sheet as entered, to correct it."""
    try:
        participant = Participant.objects.select_related("workshop").get(
            workshop=workshop, number=int(number), source=Source.PAPER
        )
    except (Participant.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(_("There is no paper sheet with that number in this workshop.")) from None
    return participant_state(participant)


def source_counts(workshop: Workshop) -> dict[str, int]:
    """How many participants came from phones and how many from paper sheets."""
    counts = dict.fromkeys(Source.values, 0)
    for row in Participant.objects.filter(workshop=workshop).values("source").annotate(n=Count("id")):
        counts[row["source"]] = row["n"]
    return counts


def add_helper(workshop: Workshop, username: str):
    """Name an account (by its user name) that may enter this workshop's paper sheets."""
    User = get_user_model()
    username = (username or "").strip()
    user = User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}, is_active=True).first()
    if user is None:
        raise InvalidInput(_("There is no account with the user name “%(name)s”.") % {"name": username})
    if user.pk == workshop.owner_id:
        raise InvalidInput(_("The owner can always enter paper sheets."))
    workshop.helpers.add(user)
    return user


def remove_helper(workshop: Workshop, user_id) -> None:
    try:
        workshop.helpers.remove(int(user_id))
    except (TypeError, ValueError):
        raise InvalidInput(_("That account is not a helper of this workshop.")) from None


# --- Rounds: the same statements voted on again ---------------------------------------------

# How far back a phone's cookie is followed through earlier rounds.
MAX_ROUNDS = 50


def start_next_round(workshop: Workshop) -> Workshop:
    """The next round of a closed workshop: same statements, texts and settings, no votes.

    The new round takes over the join code (and the projector's address), so the hall's phones and
    the projector find it where they were; the previous round keeps its data under a new code.
    """
    with _writing():
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        if locked.phase == Phase.DRAFT and locked.previous_round_id is not None:
            # A second click: the join code already belongs to the round the first one started.
            raise InvalidInput(
                _("Round %(number)s has already been started: this is it.") % {"number": locked.round_number}
            )
        if locked.phase != Phase.CLOSED:
            raise InvalidInput(_("Close voting before starting the next round."))
        if Workshop.objects.filter(previous_round=locked).exists():
            raise InvalidInput(_("The next round of this workshop has already been started."))
        code = locked.code
        for _attempt in range(10):
            fresh = new_join_code()
            if not Workshop.objects.filter(code=fresh).exists():
                break
        locked.code = fresh
        locked.save(update_fields=["code", "updated_at"])
        copied = [
            "title",
            "owner",
            "language",
            "dots_per_participant",
            "max_dots_per_statement",
            "collect_signatures",
            "participant_limit",
            "projector_secret",
            "delete_after",
            "pair_talk_1_question",
            "pair_talk_2_question",
            "voting_instruction",
            "notes_need_approval",
            "close_when_time_is_up",
            "further_languages",
            "translations",
            "projector_second_language",
            "own_order_per_phone",
        ]
        next_round = Workshop.objects.create(
            code=code,
            previous_round=locked,
            round_number=locked.round_number + 1,
            **{name: getattr(locked, name) for name in copied},
        )
        next_round.helpers.set(locked.helpers.all())
        Statement.objects.bulk_create(
            Statement(
                workshop=next_round,
                position=s.position,
                short_name=s.short_name,
                text=s.text,
                translations=s.translations,
            )
            for s in locked.statements.order_by("position", "id")
        )
        _changed(locked.pk)
        _changed(next_round.pk)
    workshop.code = locked.code
    return next_round


def earlier_rounds(workshop: Workshop) -> list[int]:
    """The ids of the rounds before this one, the latest first."""
    ids, current = [], workshop.previous_round_id
    while current is not None and len(ids) < MAX_ROUNDS:
        ids.append(current)
        current = Workshop.objects.filter(pk=current).values_list("previous_round_id", flat=True).first()
    return ids


def carry_into_round(workshop: Workshop, token) -> Participant | None:
    """A phone that was in an earlier round of this workshop, joined to this round by its cookie.

    The new participant takes over the cookie's token (the earlier round's participant gets a
    fresh one it no longer needs), so the phone's cookie names it without being set again.
    """
    if not token or workshop.previous_round_id is None or workshop.phase == Phase.CLOSED:
        return None
    earlier = earlier_rounds(workshop)
    if not Participant.objects.filter(workshop_id__in=earlier, token=str(token)).exists():
        return None
    try:
        with _writing():
            earlier_phones = Participant.objects.select_for_update().filter(workshop_id__in=earlier)
            previous = earlier_phones.filter(token=str(token)).first()
            if previous is None:  # a second request of the same phone got here first
                return participant_by_token(workshop, token)
            Participant.objects.filter(pk=previous.pk).update(token=new_secret())
            participant = _numbered_participant(workshop, token=str(token))
    except WorkshopFull:
        return None
    _changed(workshop.pk)
    return Participant.objects.select_related("workshop").get(pk=participant.pk)


# --- The presenter: joining, the projector's key and slide, moderation, time's up -------------


def set_joining_open(workshop: Workshop, is_open: bool) -> Workshop:
    """Open or close joining; people who already joined keep voting."""
    with _writing():
        workshop.joining_open = bool(is_open)
        workshop.save(update_fields=["joining_open", "updated_at"])
        _changed(workshop.pk)
    return workshop


def new_projector_key(workshop: Workshop) -> Workshop:
    """A new projector link; the old key stops working and open projectors close on the push."""
    from .models import new_secret

    with _writing():
        workshop.projector_secret = new_secret()
        workshop.save(update_fields=["projector_secret", "updated_at"])
        _changed(workshop.pk)
    return workshop


def _valid_slide(workshop: Workshop, slide: str) -> bool:
    """A statement's slide of this workshop, or a named one ("voting", "overview", "thanks"...);
    a name the phase's deck lacks shows the deck's first slide (screens.projector_deck)."""
    if slide.startswith("st-"):
        return slide[3:].isdigit() and workshop.statements.filter(pk=int(slide[3:])).exists()
    return slide == "" or (slide.replace("_", "").isalpha() and slide.islower())


def set_projector_slide(workshop: Workshop, slide: str) -> Workshop:
    """Show this slide on every projector (the console's and the clicker's choice)."""
    slide = str(slide or "")
    if len(slide) > 20 or not _valid_slide(workshop, slide):
        raise InvalidInput(_("That slide is not part of this workshop."))
    if slide == workshop.projector_slide:
        return workshop
    with _writing():
        workshop.projector_slide = slide
        workshop.save(update_fields=["projector_slide", "updated_at"])
        _changed(workshop.pk)
    return workshop


def set_notes_need_approval(workshop: Workshop, need: bool) -> Workshop:
    """Hold new notes back from the projector until approved; turning it off releases the waiting ones."""
    with _writing():
        workshop.notes_need_approval = bool(need)
        workshop.save(update_fields=["notes_need_approval", "updated_at"])
        if not need:
            Note.objects.filter(statement__workshop=workshop, awaiting_approval=True).update(
                awaiting_approval=False
            )
        _changed(workshop.pk)
    return workshop


def time_is_up(workshop: Workshop, now=None) -> bool:
    """True when the phase's countdown has run out (not paused)."""
    return workshop.timer_running and workshop.seconds_left(now) == 0


def apply_time_up(workshop_id: int) -> bool:
    """When voting's time is up and the workshop closes itself then, close it; True if it closed.

    Called by the live screens when a countdown reaches zero (and by the run screen on load);
    safe to call from several at once: the workshop row is locked and the rule checked again.
    """
    with _writing():
        workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
        if (
            workshop is None
            or not workshop.close_when_time_is_up
            or workshop.phase != Phase.VOTING
            or not time_is_up(workshop)
        ):
            return False
        set_phase(workshop, Phase.CLOSED)
    return True
