"""The projector (the big screen the whole hall reads) and the facilitator's note moderation.

What the projector shows is `screens.projector_context`; the page and the projector's WebSocket
consumer both render the `live` partial of `projector/page.html` from it, so the first load and
every live snapshot are the same HTML.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods

from .. import qr, screens, services
from ..access import (
    may_project,
    may_project_from_cookies,
    owned_workshop,
    owns,
    set_projector_cookie,
    workshop_by_code,
)
from ..models import Note

NOTES = "workshops/projector/notes.html"


def projector(request, code: str, key: str):
    """The projector link: swap its key for a cookie and go on to the address without it."""
    workshop = workshop_by_code(code)
    if workshop is None or not may_project(workshop, key, None):
        # The owner's own session still opens the screen, whatever key the old link carried.
        if workshop is not None and owns(request.user, workshop):
            return redirect("projector_screen", code=workshop.code)
        raise Http404
    response = redirect("projector_screen", code=workshop.code)
    set_projector_cookie(response, workshop)
    return response


@xframe_options_sameorigin  # the console shows it small, as its live preview
def projector_screen(request, code: str):
    workshop = workshop_by_code(code)
    if workshop is None or not may_project_from_cookies(request.COOKIES, workshop, request.user):
        raise Http404
    # The hall reads the workshop's own language, whatever the laptop's switcher says.
    with translation.override(workshop.language):
        context = screens.projector_context(workshop, qr.request_join_address(request))
        context["ws_path"] = f"/ws/workshops/{workshop.code}/projector/"
        context["preview"] = request.GET.get("preview") == "1"
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
                return render(request, NOTES + "#note-error", {"error": error.message})
            messages.error(request, error.message)
            return redirect("workshop_notes", code=workshop.code)
        if request.htmx:
            return render(request, NOTES + "#note", {"workshop": workshop, "note": note})
        return redirect(reverse("workshop_notes", args=[workshop.code]) + f"#note-{note.pk}")
    notes = Note.objects.filter(statement__workshop=workshop).select_related("statement")
    statements = []
    for note in notes.order_by("statement__position", "statement_id", "-created_at", "-id"):
        if not statements or statements[-1][0] != note.statement:
            statements.append((note.statement, []))
        statements[-1][1].append(note)
    return render(request, NOTES, {"workshop": workshop, "statements": statements})
