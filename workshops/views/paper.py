"""Paper sheets: the owner or a named helper types in the sheets of participants without a phone.

`paper_workshop` lets the owner and the workshop's helpers in (anyone else gets 404); managing
the helpers is the owner's alone (`owned_workshop`). Saving a sheet redirects to an empty one,
so Enter in the last field of a sheet opens the next.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import services
from ..access import owned_workshop, owns, paper_workshop
from ..forms import HelperForm, PaperSheetForm
from ..models import PaperSheetEdit, Participant, Source, Workshop

PAPER = "workshops/facilitator/paper.html"
# The audit log shown on the page; the JSON export has all of it.
LOG_SHOWN = 50


def _paper_url(workshop: Workshop) -> str:
    return reverse("paper", args=[workshop.code])


def _statements(workshop: Workshop):
    return list(workshop.statements.order_by("position", "id"))


def _sheets(workshop: Workshop) -> list[dict]:
    """The entered paper sheets, newest first, with their totals."""
    participants = (
        Participant.objects.filter(workshop=workshop, source=Source.PAPER)
        .prefetch_related("answers", "notes")
        .order_by("-number")
    )
    return [
        {
            "number": p.number,
            "dots": sum(a.dots for a in p.answers.all()),
            "ticks": sum(1 for a in p.answers.all() if a.rating),
            "notes": len(p.notes.all()),
        }
        for p in participants
    ]


def _context(request, workshop: Workshop, form: PaperSheetForm, **extra) -> dict:
    try:
        services.ensure_paper_editable(workshop)
        closed = None
    except services.WorkshopError as refused:
        closed = refused.message
    is_owner = owns(request.user, workshop)
    return {
        "workshop": workshop,
        "form": form,
        "closed": closed,
        "counts": services.source_counts(workshop),
        "sheets": _sheets(workshop),
        "log": PaperSheetEdit.objects.filter(workshop=workshop)[:LOG_SHOWN],
        "is_owner": is_owner,
        "helpers": list(workshop.helpers.order_by("username")) if is_owner else [],
        "helper_form": extra.pop("helper_form", None) or HelperForm(),
        "paper_url": request.build_absolute_uri(_paper_url(workshop)),
        **extra,
    }


def _save(request, workshop: Workshop, form: PaperSheetForm, number: int | None):
    """Enter or correct the sheet; on a refusal, the form again with the reason at its statement."""
    if not form.is_valid():
        return None
    dots, ratings, notes = form.sheet()
    try:
        participant = services.enter_paper_sheet(workshop, request.user, dots, ratings, notes, number=number)
    except services.WorkshopError as refused:
        statement = getattr(refused, "statement", None)
        if statement is not None:
            form.add_error(
                None,
                _("Statement %(position)s (%(name)s): %(reason)s")
                % {"position": statement.position, "name": statement.short_name, "reason": refused.message},
            )
            field = (
                f"dots_{statement.pk}"
                if isinstance(refused, services.OverBudget | services.OverStatementCap)
                else None
            )
            if field:
                form.add_error(field, refused.message)
        else:
            form.add_error(None, refused.message)
        return None
    return participant


@never_cache
@login_required
def paper(request, code):
    """The paper page: an empty sheet to type in, the sheets entered, the counts and the log."""
    workshop = paper_workshop(request, code)
    form = PaperSheetForm(_statements(workshop), request.POST or None)
    if request.method == "POST":
        participant = _save(request, workshop, form, None)
        if participant is not None:
            messages.success(
                request, _("Paper sheet %(number)s was saved. Next sheet:") % {"number": participant.number}
            )
            return redirect(_paper_url(workshop))
        return render(request, PAPER, _context(request, workshop, form), status=400)
    return render(request, PAPER, _context(request, workshop, form))


@never_cache
@login_required
def paper_edit(request, code, number):
    """Correct an entered sheet: the same form, filled in as it was entered."""
    workshop = paper_workshop(request, code)
    try:
        state = services.paper_sheet(workshop, number)
    except services.WorkshopError:
        messages.error(request, _("There is no paper sheet with that number in this workshop."))
        return redirect(_paper_url(workshop))
    form = PaperSheetForm(
        _statements(workshop), request.POST or None, initial=PaperSheetForm.initial_of(state)
    )
    status = 200
    if request.method == "POST":
        if _save(request, workshop, form, number) is not None:
            messages.success(request, _("Paper sheet %(number)s was corrected.") % {"number": number})
            return redirect(_paper_url(workshop))
        status = 400
    return render(request, PAPER, _context(request, workshop, form, editing=number), status=status)


@login_required
@require_POST
def paper_remove(request, code, number):
    workshop = paper_workshop(request, code)
    try:
        services.remove_paper_sheet(workshop, request.user, number)
    except services.WorkshopError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Paper sheet %(number)s was removed.") % {"number": number})
    return redirect(_paper_url(workshop) + "#sheets")


# --- Helpers: the owner's alone ---------------------------------------------------------------


@login_required
@require_POST
def helper_add(request, code):
    workshop = owned_workshop(request, code)
    form = HelperForm(request.POST)
    if form.is_valid():
        try:
            user = services.add_helper(workshop, form.cleaned_data["username"])
        except services.WorkshopError as refused:
            form.add_error("username", refused.message)
        else:
            messages.success(
                request,
                _("%(name)s may now enter this workshop's paper sheets.") % {"name": user.get_username()},
            )
            return redirect(_paper_url(workshop) + "#helpers")
    context = _context(request, workshop, PaperSheetForm(_statements(workshop)), helper_form=form)
    return render(request, PAPER, context, status=400)


@login_required
@require_POST
def helper_remove(request, code, user_id):
    workshop = owned_workshop(request, code)
    services.remove_helper(workshop, user_id)
    messages.success(request, _("The helper was removed."))
    return redirect(_paper_url(workshop) + "#helpers")
