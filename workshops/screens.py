"""What each screen shows, built from a workshop and its tally with no request.

The views render a page from these, and the consumers render the same partial of the same
template for every live snapshot, so a first load and a push are the same HTML. Every number
comes from `tallies.tally`; this module only lays them out.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from . import qr, tallies
from .models import Participant, Phase, Rating, Source, Workshop

# The facilitator's steps of the method, in order.
STEPS = [Phase.PAIR_TALK_1, Phase.PAIR_TALK_2, Phase.VOTING, Phase.CLOSED]
# With ideas from the hall, they are written after the first, open pair talk ("what will the network
# be needed for?") has produced them, each on its own sheet, and before the second pair talk, which
# weighs the statements the hall will vote on: so they must exist by then. The dots come last.
STEPS_WITH_IDEAS = [Phase.PAIR_TALK_1, Phase.IDEAS, Phase.PAIR_TALK_2, Phase.VOTING, Phase.CLOSED]


def steps_for(workshop: Workshop) -> list:
    """The facilitator's steps for this workshop: with the ideas phase only when it collects ideas."""
    return STEPS_WITH_IDEAS if workshop.collect_ideas else STEPS


# --- Participants by source: phones and paper sheets -------------------------------------------


def by_source(result: tallies.WorkshopTally) -> str:
    """ "38 by phone, 4 on paper" when some sheets were typed in; "" when every answer is a phone's."""
    if not result.on_paper:
        return ""
    return _("%(phone)s by phone, %(paper)s on paper") % {"phone": result.by_phone, "paper": result.on_paper}


def participants_by_source(result: tallies.WorkshopTally) -> str:
    """ "42 participants: 38 by phone, 4 on paper." as the files say it ("" without paper sheets)."""
    if not result.on_paper:
        return ""
    return ngettext(
        "%(n)s participant: %(phone)s by phone, %(paper)s on paper.",
        "%(n)s participants: %(phone)s by phone, %(paper)s on paper.",
        result.participants,
    ) % {"n": result.participants, "phone": result.by_phone, "paper": result.on_paper}


# --- The projector ----------------------------------------------------------------------------

# The diverging bar's five scored columns, disagree on the left; "can't say" is set apart.
DIVERGING = [
    Rating.FULLY_DISAGREE,
    Rating.PARTLY_DISAGREE,
    Rating.NEUTRAL,
    Rating.PARTLY_AGREE,
    Rating.FULLY_AGREE,
]
# Printed next to every count, so that no column is told apart by its colour alone.
GLYPHS = {
    Rating.FULLY_DISAGREE: "−−",
    Rating.PARTLY_DISAGREE: "−",
    Rating.NEUTRAL: "=",
    Rating.PARTLY_AGREE: "+",
    Rating.FULLY_AGREE: "++",
    Rating.CANT_SAY: "?",
    tallies.NO_OPINION: "∅",
}


@dataclass
class Segment:
    key: str
    glyph: str
    label: str
    count: int
    width: str  # a CSS percentage, formatted here: the template's number format is localised


def diverging(st: tallies.StatementTally, attr: str) -> dict:
    """The geometry of one diverging bar: the neutral column centred on the bar's middle.

    `attr` is "ticks" (people) or "dots" (the dots of the people who ticked each column).
    """
    counts = {key: getattr(st.columns[key], attr) for key in DIVERGING}
    total = sum(counts.values())
    segments, offset, before, after = [], 0.0, 0.0, 0.0
    if total:
        left = counts[Rating.FULLY_DISAGREE] + counts[Rating.PARTLY_DISAGREE] + counts[Rating.NEUTRAL] / 2
        offset = 50 - 50 * left / total
        # The bar is twice the total long, its middle the neutral column's middle: the gaps on
        # either side take what the disagree or the agree side leaves (flex-grow shares).
        before, after = total - left, left
        segments = [
            Segment(key, GLYPHS[key], str(st.columns[key].label), n, f"{50 * n / total:.2f}")
            for key in DIVERGING
            if (n := counts[key])
        ]
    scale = [Segment(key, GLYPHS[key], str(st.columns[key].label), counts[key], "0") for key in DIVERGING]
    return {
        "total": total,
        "offset": f"{offset:.2f}",
        "before": f"{before:.2f}",
        "after": f"{after:.2f}",
        "segments": segments,
        "scale": scale,
        "cant_say": getattr(st.columns[Rating.CANT_SAY], attr),
        "no_opinion": st.columns[tallies.NO_OPINION].dots if attr == "dots" else 0,
    }


def score_text(score: float | None) -> str:
    """The agreement score as the projector prints it: `tallies.rounded_score`, signed, localised."""
    value = tallies.rounded_score(score)
    if value is None:
        return "–"
    # As the report and the exports print it: "+0,8", "−0,6" (a real minus sign), "0,0".
    return ("+" if value > 0 else "\u2212" if value < 0 else "") + number_format(abs(value), 1)


def score_position(score: float | None) -> str:
    """Where the score sits on the drawn −10…+10 scale, as a CSS percentage from the left."""
    value = tallies.rounded_score(score)
    return "50.00" if value is None else f"{(float(value) + 10) * 5:.2f}"


# A note on the wall is cut to this many characters (with "…"); the console shows it whole.
NOTE_CHARS_ON_WALL = 120
# At most this many notes of each SWOT pair are drawn; projector.js hides those that do not fit.
NOTES_DRAWN = 8


def _wall_notes(notes: list) -> list:
    return [note for note in notes if not note.hidden_on_projector and not note.awaiting_approval]


def statement_card(st: tallies.StatementTally, shown: int = NOTES_DRAWN) -> dict:
    so, wt = _wall_notes(st.notes_so), _wall_notes(st.notes_wt)  # (already so in a wall_notes tally)
    return {
        "tally": st,
        "dots_width": f"{st.share:.2f}",
        "score": score_text(st.score),
        "score_at": score_position(st.score),
        "people": diverging(st, "ticks"),
        "weighted": diverging(st, "dots"),
        "so": so[:shown],
        "so_more": max(0, st.wall_so - shown),
        "wt": wt[:shown],
        "wt_more": max(0, st.wall_wt - shown),
    }


# --- The projector's slides -------------------------------------------------------------------

PAGE = "workshops/projector/page.html"


@dataclass
class Slide:
    """One slide of the projector: `partial` of projector/page.html draws it from `data`."""

    key: str  # what the console and the clicker name it by
    partial: str
    label: str  # what the slide is, in words: its text alternative and its name on the console
    data: dict = field(default_factory=dict)

    @property
    def template(self) -> str:
        return f"{PAGE}#slide-{self.partial}"


@dataclass
class ProjectorState:
    workshop: Workshop
    tally: tallies.WorkshopTally
    join: qr.JoinAddress
    time_up: bool


def _join_data(state: ProjectorState) -> dict:
    """The join code, address and QR (never for an address no phone can reach)."""
    url = state.join.url(state.workshop)
    return {
        "url": url,
        "text": url.split("://", 1)[-1],
        "host": state.join.shown_host,
        "reachable": state.join.reachable,
        # segno's path data, never the URL's text; made once per address (qr.scalable_qr_svg).
        "qr": mark_safe(qr.scalable_qr_svg(url)) if state.join.reachable else "",
    }


def _joining(state):
    return [Slide("joining", "joining", _("Join with your phone"), {"join": _join_data(state)})]


def _time_up(state):
    return Slide("time_up", "time-up", _("Time is up"))


def _pair_talk(state):
    if state.time_up:
        return [_time_up(state)]
    return [
        Slide("pair_talk", "pair-talk", str(state.workshop.get_phase_display()), {"join": _join_data(state)})
    ]


# The rounds slide shows this many statements; more go on a second slide ("rounds-2"), and so on.
ROUNDS_PER_SLIDE = 6


def _rounds(state) -> list[Slide]:
    """This round beside the previous one, with the report's figures (`round_comparison`)."""
    rounds = round_comparison(state.workshop, state.tally)
    if rounds is None:
        return []
    rows = rounds["rows"]
    pages = [rows[i : i + ROUNDS_PER_SLIDE] for i in range(0, len(rows), ROUNDS_PER_SLIDE)] or [[]]
    label = _("Round %(now)s beside round %(before)s") % {
        "now": state.workshop.round_number,
        "before": rounds["previous"].round_number,
    }
    return [
        Slide(
            "rounds" if n == 1 else f"rounds-{n}",
            "rounds",
            label if len(pages) == 1 else f"{label} ({n}/{len(pages)})",
            {"rounds": rounds, "rows": page, "page": f" {n}/{len(pages)}" if len(pages) > 1 else ""},
        )
        for n, page in enumerate(pages, start=1)
    ]


def _results(state) -> list[Slide]:
    cards = [statement_card(st) for st in state.tally.statements]
    slides = [Slide("overview", "overview", _("Results: all statements"), {"cards": cards})]
    slides += _rounds(state)
    for card in cards:
        statement = card["tally"].statement
        label = _("Results: statement %(position)s, %(name)s") % {
            "position": statement.position,
            "name": statement.short_name,
        }
        slides.append(Slide(f"st-{statement.pk}", "focus", label, {"card": card}))
    return slides


def _voting(state):
    first = (
        _time_up(state)
        if state.time_up
        else Slide("voting", "voting", str(state.workshop.get_phase_display()), {"join": _join_data(state)})
    )
    return [first] + (_results(state) if state.workshop.results_visible else [])


def _closed(state):
    thanks = Slide("thanks", "closed", _("Thank you"), {"ranking": _ranking(state)})
    return (_results(state) if state.workshop.results_visible else []) + [thanks]


def _ideas(state):
    data = {**ideas_slide(state.workshop), "join": _join_data(state)}
    return [Slide("ideas", "ideas", str(state.workshop.get_phase_display()), data)]


def _ranking(state) -> list[dict]:
    if not state.workshop.results_visible:
        return []
    ranked = sorted(state.tally.statements, key=lambda st: (-st.dots, st.statement.position))
    return [{"tally": st, "score": score_text(st.score)} for st in ranked]


# The one place that says which slides each phase shows: a new phase is one entry here
# (and its slide's partial in projector/page.html).
DECKS = {
    Phase.DRAFT: _joining,
    Phase.PAIR_TALK_1: _pair_talk,
    Phase.PAIR_TALK_2: _pair_talk,
    Phase.IDEAS: _ideas,
    Phase.VOTING: _voting,
    Phase.CLOSED: _closed,
}


def projector_deck(
    workshop: Workshop, tally: tallies.WorkshopTally, join: qr.JoinAddress
) -> tuple[list, Slide]:
    """The slides the workshop's state calls for, and the one on screen now (the console's choice,
    else the first)."""
    from .services import time_is_up  # the rule of "time's up" lives with the timer

    state = ProjectorState(workshop, tally, join, time_is_up(workshop))
    slides = DECKS.get(workshop.phase, _joining)(state)
    current = next((s for s in slides if s.key == workshop.projector_slide), slides[0])
    return slides, current


def projector_context(workshop: Workshop, join: qr.JoinAddress) -> dict:
    """Everything the projector's live partial shows."""
    tally = tallies.tally(workshop, wall_notes=NOTES_DRAWN)
    languages = workshop.projector_languages
    for st in tally.statements:
        st.projected = [st.statement.texts_in(code, workshop.language) for code in languages]
    slides, current = projector_deck(workshop, tally, join)
    return {
        "workshop": workshop,
        "tally": tally,
        **projected_texts(workshop, languages),
        "slides": slides,
        "current": current,
        "show_results": workshop.results_visible,
        "time_up": current.key == "time_up",
        # In the bar's order, with "can't say" apart: no column is told by its colour alone.
        "legend": [(key, GLYPHS[key], Rating(key).label) for key in DIVERGING],
    }


def projected_texts(workshop: Workshop, languages: list[str]) -> dict:
    """The projector's own texts in its one or two languages ("fi | sv"): the title and the phase's
    instruction, each (text, lang); a second language without its own text is left out rather
    than shown twice. The statements' are `st.projected`."""
    main, *second = languages
    field = workshop.instruction_field

    def texts(name):
        if not name:
            return []
        shown = [(workshop.text_in(name, main), main)]
        shown += [(workshop.text_in(name, code), code) for code in second if workshop.has_text_in(name, code)]
        return [(text, lang) for text, lang in shown if text]

    return {
        "projector_languages": languages,
        "bilingual": bool(second),
        "titles": texts("title"),
        "instructions": texts(field),
    }


# --- The facilitator's run screen -------------------------------------------------------------


def _short_name(slide: Slide) -> str:
    """The slide's name on the console's small button: a focus slide's statement number."""
    if slide.partial == "focus":
        return str(slide.data["card"]["tally"].statement.position)
    if slide.partial == "rounds":
        return _("Rounds") + slide.data["page"]
    return slide.label


# The console lists this many of the newest notes for moderation; the notes page has them all.
CONSOLE_NOTES = 30


def run_live_context(workshop: Workshop, join: qr.JoinAddress | None = None) -> dict:
    """The console's live part: the phase, its countdown, the counters, the projector's slides
    and the notes as they arrive."""
    from .models import Note
    from .services import time_is_up

    order = steps_for(workshop)
    current = order.index(workshop.phase) if workshop.phase in order else -1
    steps = [
        {"phase": phase, "label": Phase(phase).label, "current": i == current, "done": i < current}
        for i, phase in enumerate(order)
    ]
    tally = tallies.tally(workshop, wall_notes=NOTES_DRAWN)
    # The preview shows the projector's slide as the hall sees it (with no join address known,
    # it draws no QR code).
    join = join or qr.JoinAddress("http://localhost/", reachable=False)
    slides, on_screen = projector_deck(workshop, tally, join)
    at = slides.index(on_screen)
    notes = list(
        Note.objects.filter(statement__workshop=workshop)
        .select_related("statement")
        .order_by("-created_at", "-id")[:CONSOLE_NOTES]
    )
    return {
        "workshop": workshop,
        "tally": tally,
        "by_source": by_source(tally),
        "steps": steps,
        "time_up": time_is_up(workshop),
        "slides": [
            {"key": s.key, "label": s.label, "current": s is on_screen, "short": _short_name(s)}
            for s in slides
        ],
        "legend": [(key, GLYPHS[key], Rating(key).label) for key in DIVERGING],
        "on_screen": on_screen,
        "previous_slide": slides[at - 1].key if at > 0 else "",
        "next_slide": slides[at + 1].key if at + 1 < len(slides) else "",
        "slide_number": at + 1,
        "notes": notes,
        "more_notes": max(0, tally.notes - len(notes)),
        "waiting_notes": sum(1 for n in notes if n.awaiting_approval),
    }


# --- The participant's phone -------------------------------------------------------------------

# What a phone calls each phase: the participant's words, not the facilitator's ("Draft").
PHONE_PHASES = {
    Phase.DRAFT: pgettext_lazy("phone phase", "Waiting for the start"),
    Phase.PAIR_TALK_1: Phase.PAIR_TALK_1.label,
    Phase.PAIR_TALK_2: Phase.PAIR_TALK_2.label,
    Phase.VOTING: Phase.VOTING.label,
    Phase.CLOSED: pgettext_lazy("phone phase", "Voting has closed"),
}


def phone_phase_label(workshop: Workshop) -> str:
    return str(PHONE_PHASES.get(workshop.phase, workshop.get_phase_display()))


def phone_page(workshop: Workshop) -> str:
    """The participant page that fits the phase (and, once closed, whether results are shown)."""
    if workshop.phase == Phase.VOTING:
        return "vote"
    if workshop.phase == Phase.IDEAS:
        return "ideas"
    if workshop.phase == Phase.CLOSED:
        return "closed-results" if workshop.results_visible else "closed"
    return "waiting"


def phone_texts(workshop: Workshop, language: str | None = None) -> dict:
    """The workshop's own texts on a phone speaking `language` (the active one): the switcher's
    language if the workshop has it, else its main language. The interface strings follow the
    switcher regardless; each text carries the language it is really in, for its `lang`."""
    shown = workshop.text_language(language or translation.get_language() or workshop.language)
    title_lang = shown if workshop.has_text_in("title", shown) else workshop.language
    return {
        "text_language": shown,
        "workshop_title": workshop.text_in("title", shown),
        "title_lang": title_lang,
    }


def statement_texts(statements, workshop: Workshop, language: str) -> list:
    """Each statement's texts as a phone in `language` (a `text_language`) shows them."""
    return [statement.texts_in(language, workshop.language) for statement in statements]


def _phone_rank(participant_pk: int, statement_pk: int) -> bytes:
    return hashlib.blake2b(f"{participant_pk}:{statement_pk}".encode(), digest_size=8).digest()


T = TypeVar("T")


def phone_order(
    participant: Participant, items: Iterable[T], statement_of: Callable[[T], object] = lambda item: item
) -> list[T]:
    """The statements (or `items` about them) in the order this participant's phone lists them.

    With the workshop's own_order_per_phone on, each phone draws its own random order, against the
    paper pile's bias; off, and for a paper sheet, it is the statements' own (`items` as given, in
    position order). The order is no stored shuffle but a sort by a hash of the participant's and
    the statement's ids: the same on every reload and in the exports, with no query, and a
    statement added or removed before the first vote (the set is locked from then on) leaves the
    others where they were relative to each other. The ids, not the cookie's token: a phone that
    carries into the next round hands its token over (services.carry_into_round).
    """
    items = list(items)
    if not participant.workshop.own_order_per_phone or participant.source != Source.PHONE:
        return items
    return sorted(items, key=lambda item: _phone_rank(participant.pk, statement_of(item).pk))


def phone_positions(participant: Participant, statements: Iterable) -> dict[int, int]:
    """Statement id -> the 1-based place at which this participant's phone lists them; empty for a
    paper sheet, whose statements lie in a pile in no order anyone knows."""
    if participant.source != Source.PHONE:
        return {}
    return {statement.pk: place for place, statement in enumerate(phone_order(participant, statements), 1)}


def phone_live_context(workshop: Workshop) -> dict:
    """The phone's live part, the same for every phone of a workshop: the phase, its countdown,
    its instruction, and during pair talk the statements in full. Sent on every phase change
    over the phones' socket and fetched by the fallback poll alike.

    `page` names the participant page that fits the phase; a phone showing another page
    moves there by itself (participant.js), carrying any note still being typed.
    """
    pair_talk = workshop.phase in (Phase.PAIR_TALK_1, Phase.PAIR_TALK_2)
    texts = phone_texts(workshop)
    shown = texts["text_language"]
    statements = workshop.statements.order_by("position", "id") if pair_talk else []
    return {
        "workshop": workshop,
        **texts,
        "page": phone_page(workshop),
        "phase_label": phone_phase_label(workshop),
        "instruction": workshop.instruction_in(shown),
        "instruction_lang": shown
        if workshop.instruction_field and workshop.has_text_in(workshop.instruction_field, shown)
        else workshop.language,
        "pair_talk_statements": statement_texts(statements, workshop, shown),
        "live_url": reverse("participant_live", args=[workshop.code]),
        "home_url": reverse("participant_home", args=[workshop.code]),
    }


# --- Ideas from the hall -----------------------------------------------------------------------


def ideas_instruction(workshop: Workshop) -> str:
    """The method's own step, as the hall reads it on the projector and the phones."""
    from .services import IDEAS_PER_PARTICIPANT

    return _(
        "Write each idea on its own sheet: a short name and one statement the hall could vote on. "
        "You can send up to %(max)s ideas. The facilitator chooses which ones go to the vote."
    ) % {"max": IDEAS_PER_PARTICIPANT}


def ideas_slide(workshop: Workshop) -> dict:
    """The projector during the ideas phase: the instruction, how many ideas so far, and the accepted
    statements. The ideas themselves stay off the big screen until the facilitator accepts them."""
    from .models import Proposal

    return {
        "workshop": workshop,
        "ideas_instruction": ideas_instruction(workshop),
        "ideas_count": Proposal.objects.filter(participant__workshop=workshop).count(),
        "accepted_statements": list(workshop.statements.order_by("position", "id")),
    }


def ideas_console(workshop: Workshop) -> dict:
    """The facilitator's ideas page, live part: the ideas waiting, those set aside, and the statements."""
    from .models import ProposalOutcome
    from .services import DECIDING_PHASES, proposals_of

    proposals = proposals_of(workshop)
    for proposal in proposals:
        proposal.outcome_text = proposal_outcome(proposal)
    return {
        "workshop": workshop,
        "proposals": proposals,
        "pending": [p for p in proposals if p.outcome == ProposalOutcome.PENDING],
        "set_aside": [p for p in proposals if p.outcome == ProposalOutcome.SET_ASIDE],
        "decided": [p for p in proposals if p.outcome in (ProposalOutcome.ACCEPTED, ProposalOutcome.MERGED)],
        "statements": list(workshop.statements.order_by("position", "id")),
        "deciding": workshop.phase in DECIDING_PHASES,
    }


def proposal_outcome(proposal) -> str:
    """What became of an idea, as the console and the exports say it."""
    from .models import ProposalOutcome

    number = proposal.statement.position if proposal.statement_id else None
    if proposal.outcome == ProposalOutcome.ACCEPTED:
        if number is None:
            return _("Accepted (the statement was removed later)")
        return _("Accepted as statement %(number)s") % {"number": number}
    if proposal.outcome == ProposalOutcome.MERGED:
        if number is None:
            return _("Merged (the statement was removed later)")
        return _("Merged into statement %(number)s") % {"number": number}
    if proposal.outcome == ProposalOutcome.SET_ASIDE:
        return _("Set aside")
    return _("Waiting for the facilitator")


# --- Rounds: this round beside the previous one ------------------------------------------------


def _change(before, after, decimals: int) -> dict:
    """A change told by an arrow, a word for screen readers and a signed number, never colour alone."""
    if before is None or after is None:
        return {"arrow": "", "word": "", "text": "–"}
    delta = after - before
    if delta > 0:
        arrow, word, sign = "▲", _("up"), "+"
    elif delta < 0:
        arrow, word, sign = "▼", _("down"), "−"
    else:
        arrow, word, sign = "=", _("no change"), "±"
    return {"arrow": arrow, "word": word, "text": sign + number_format(abs(delta), decimals)}


def round_comparison(workshop: Workshop, now: tallies.WorkshopTally | None = None) -> dict | None:
    """Per statement: dots, share and score in the previous round and in this one, and the change.

    None for a first round. Statements are matched by text, then by position (a statement
    reworded before the round opened is still the same slot on the sheet). The projector and the
    report both print these figures; `now` is this round's tally when the caller has it already.
    """
    from . import comparison

    previous = workshop.previous_round
    if previous is None:
        return None
    before_tally = tallies.tally(previous)
    now = now or tallies.tally(workshop)
    texts_now = {comparison.normalise(st.statement.text) for st in now.statements}
    texts_before = {comparison.normalise(st.statement.text) for st in before_tally.statements}
    unmatched_before = {
        st.statement.position: st.statement
        for st in before_tally.statements
        if comparison.normalise(st.statement.text) not in texts_now
    }
    by_hand = {
        st.statement.pk: unmatched_before[st.statement.position].pk
        for st in now.statements
        if comparison.normalise(st.statement.text) not in texts_before
        and st.statement.position in unmatched_before
    }
    result = comparison.compare(
        [previous, workshop], by_hand, known={previous.pk: before_tally, workshop.pk: now}
    )
    rows = []
    for row in result.rows:
        before, this = row.cells
        if this is None:
            continue  # a statement dropped from this round
        # Shares to one decimal, halves up, as every screen prints them; the change is of those.
        share_before = tallies.one_decimal(before.tally.share) if before else None
        share_now = tallies.one_decimal(this.tally.share)
        rows.append(
            {
                "statement": this.tally.statement,
                "before": before,
                "now": this,
                "dots": _change(before.tally.dots if before else None, this.tally.dots, 0),
                "share": _change(share_before, share_now, 1),
                "score": _change(before.score if before else None, this.score, 1),
                "share_before": number_format(share_before, 1) if before else "–",
                "share_now": number_format(share_now, 1),
                "score_before": score_text(before.tally.score) if before else "–",
                "score_now": score_text(this.tally.score),
            }
        )
    return {
        "previous": previous,
        "workshop": workshop,
        "participants_before": before_tally.participants,
        "participants_now": now.participants,
        "rows": rows,
    }
