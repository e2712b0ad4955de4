"""The projector (the big screen the whole hall reads) and the facilitator's note moderation.

`live_context` builds what the projector's live partial needs; the page and the projector's
WebSocket consumer both render the partial from it, so the first load and every live snapshot
are the same HTML. Every number comes from `tallies.tally`; this module only lays them out.
"""

import secrets
from dataclasses import dataclass

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import qr, services, tallies
from ..models import Note, Phase, Rating, Workshop, normalise_join_code
from .access import owned_workshop

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


def notes_shown(statement_count: int) -> int:
    """How many notes of each SWOT pair fit on a statement's card at 1920x1080."""
    if statement_count <= 2:
        return 8
    if statement_count <= 4:
        return 4
    return 2 if statement_count <= 6 else 1


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
    segments, offset = [], 0.0
    if total:
        left = counts[Rating.FULLY_DISAGREE] + counts[Rating.PARTLY_DISAGREE] + counts[Rating.NEUTRAL] / 2
        offset = 50 - 50 * left / total
        segments = [
            Segment(key, GLYPHS[key], str(st.columns[key].label), n, f"{50 * n / total:.2f}")
            for key in DIVERGING
            if (n := counts[key])
        ]
    scale = [Segment(key, GLYPHS[key], str(st.columns[key].label), counts[key], "0") for key in DIVERGING]
    return {
        "total": total,
        "offset": f"{offset:.2f}",
        "segments": segments,
        "scale": scale,
        "cant_say": getattr(st.columns[Rating.CANT_SAY], attr),
        "no_opinion": st.columns[tallies.NO_OPINION].dots if attr == "dots" else 0,
    }


def score_text(score: float | None) -> str:
    if score is None:
        return "–"
    sign = "+" if score > 0.05 else "−" if score < -0.05 else "±"
    return sign + number_format(abs(score), 1)


def statement_card(st: tallies.StatementTally, shown: int) -> dict:
    so = [note for note in st.notes_so if not note.hidden_on_projector]
    wt = [note for note in st.notes_wt if not note.hidden_on_projector]
    return {
        "tally": st,
        "dots_width": f"{st.share:.2f}",
        "score": score_text(st.score),
        "people": diverging(st, "ticks"),
        "weighted": diverging(st, "dots"),
        "so": so[:shown],
        "so_more": max(0, len(so) - shown),
        "wt": wt[:shown],
        "wt_more": max(0, len(wt) - shown),
    }


def live_context(workshop: Workshop, join_url: str) -> dict:
    """Everything the projector's live partial shows; the tallies only when results are visible."""
    tally = tallies.tally(workshop)
    show_join = workshop.phase != Phase.CLOSED
    context = {
        "workshop": workshop,
        "tally": tally,
        "show_join": show_join,
        "show_results": workshop.results_visible,
        "join_url": join_url,
        "join_url_text": join_url.split("://", 1)[-1],
    }
    if show_join:
        # As qr.qr_svg, but sized by a viewBox so that it scales down on a 720p projector instead
        # of being cropped. segno's SVG holds only path data drawn from the URL, never its text.
        svg = segno.make(join_url, error="m").svg_inline(dark="#000", light="#fff", border=4, omitsize=True)
        context["qr"] = mark_safe(svg)
    if workshop.results_visible:
        shown = notes_shown(len(tally.statements))
        context["statements"] = [statement_card(st, shown) for st in tally.statements]
        # In the bar's order; "? Can't say" carries its glyph in its label already.
        context["legend"] = [(GLYPHS[key], Rating(key).label) for key in DIVERGING] + [
            ("", Rating.CANT_SAY.label),
            (GLYPHS[tallies.NO_OPINION], _("No opinion given")),
        ]
    return context


def may_project(workshop: Workshop, key: str, user) -> bool:
    """The projector's own secret, or the owner's (or staff's) logged-in session."""
    if secrets.compare_digest(str(key), workshop.projector_secret):
        return True
    return user.is_authenticated and (user.is_staff or user.pk == workshop.owner_id)


def projector(request, code: str, key: str):
    workshop = get_object_or_404(Workshop, code=normalise_join_code(code))
    if not may_project(workshop, key, request.user):
        raise Http404
    # The hall reads the workshop's own language, whatever the laptop's switcher says.
    with translation.override(workshop.language):
        context = live_context(workshop, qr.join_url(request, workshop))
        context["ws_path"] = f"/ws/workshops/{workshop.code}/projector/{key}/"
        return render(request, "workshops/projector/page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def workshop_notes(request, code: str):
    """Every note of the workshop, each with a button that keeps it off (or puts it back on) the projector."""
    workshop = owned_workshop(request, code)
    if request.method == "POST":
        try:
            note = services.set_note_hidden(
                workshop, request.POST.get("note_id"), request.POST.get("hidden") == "1"
            )
        except services.WorkshopError as error:
            if request.htmx:
                return render(request, "workshops/projector/_note_error.html", {"error": error.message})
            messages.error(request, error.message)
            return redirect("workshop_notes", code=workshop.code)
        if request.htmx:
            return render(request, "workshops/projector/_note.html", {"workshop": workshop, "note": note})
        return redirect(reverse("workshop_notes", args=[workshop.code]) + f"#note-{note.pk}")
    notes = Note.objects.filter(statement__workshop=workshop).select_related("statement")
    statements = []
    for note in notes.order_by("statement__position", "statement_id", "-created_at", "-id"):
        if not statements or statements[-1][0] != note.statement:
            statements.append((note.statement, []))
        statements[-1][1].append(note)
    return render(request, "workshops/projector/notes.html", {"workshop": workshop, "statements": statements})
