"""The facilitator's pages: their workshops, creating and editing one, and the run screen.

Every view that takes a join code starts with `owned_workshop`, so someone else's workshop is a
404. Controls answer an htmx request with the fragment they changed and an ordinary form POST
with a redirect, so each works without JavaScript too. The pages are never cached: Back would
otherwise show the page as first loaded, before htmx changed it (a console offering to start the
phase that is already running).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from .. import qr, services
from ..access import owned_workshop
from ..forms import PhaseForm, StatementForm, TimerForm, WorkshopCreateForm, WorkshopEditForm
from ..models import Phase, ResultsVisibility, Statement, Workshop
from ..screens import run_live_context, steps_for
from ..tallies import tally

RUN = "workshops/facilitator/run.html"
EDIT = "workshops/facilitator/workshop_edit.html"


def _step_buttons():
    """What the button that starts each of the method's steps says."""
    return {
        Phase.PAIR_TALK_1: _("Start pair talk 1"),
        Phase.IDEAS: _("Start collecting ideas"),
        Phase.PAIR_TALK_2: _("Start pair talk 2"),
        Phase.VOTING: _("Open voting"),
        Phase.CLOSED: _("Close voting"),
    }


def _go(request, url: str):
    """Navigate after a successful POST: a client redirect for htmx, a 302 otherwise."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _run_url(workshop: Workshop) -> str:
    return reverse("workshop_run", args=[workshop.code])


def _edit_url(workshop: Workshop) -> str:
    return reverse("workshop_edit", args=[workshop.code])


# --- My workshops and a new one ---------------------------------------------------------------


@never_cache
@login_required
def workshop_list(request):
    # Rounds share a title: the list names the round wherever there is more than one.
    later_round = Workshop.objects.filter(previous_round=OuterRef("pk"))
    workshops = Workshop.objects.filter(owner=request.user).annotate(
        participant_count=Count("participants"), has_next_round=Exists(later_round)
    )
    return render(request, "workshops/facilitator/workshop_list.html", {"workshops": workshops})


@never_cache
@login_required
def workshop_new(request):
    form = WorkshopCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        workshop = services.create_workshop(
            request.user,
            data["title"],
            template=data["template"],
            language=data["language"],
            dots_per_participant=data["dots_per_participant"],
            max_dots_per_statement=data["max_dots_per_statement"],
            collect_signatures=data["collect_signatures"],
            further_languages=data["further_languages"],
        )
        messages.success(
            request, _("The workshop was created. Its join code is %(code)s.") % {"code": workshop.code}
        )
        # A blank workshop needs statements first; the PED one is ready to run.
        return _go(request, _run_url(workshop) if data["template"] == "ped" else _edit_url(workshop))
    return render(request, "workshops/facilitator/workshop_new.html", {"form": form})


# --- Settings and statements ------------------------------------------------------------------


def _statements_context(workshop: Workshop, **extra) -> dict:
    try:
        services.ensure_statements_editable(workshop)
        locked = None
    except services.StatementsLocked as refused:
        locked = refused.message
    statements = list(workshop.statements.order_by("position", "id"))
    for statement in statements:
        # Each language's texts side by side, a missing one noted (only here, never on a phone).
        statement.by_language = [statement.texts_in(code, workshop.language) for code in workshop.languages]
    return {
        "workshop": workshop,
        "statements": statements,
        "locked": locked,
        "statement_form": StatementForm(workshop=workshop),
        "max_statements": services.MAX_STATEMENTS,
        **extra,
    }


@never_cache
@login_required
def workshop_edit(request, code):
    workshop = owned_workshop(request, code)
    form = WorkshopEditForm(request.POST or None, initial=_settings_of(workshop), workshop=workshop)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_workshop(workshop, **form.cleaned_texts())
        except services.WorkshopError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The settings were saved."))
            return _go(request, _edit_url(workshop))
        workshop.refresh_from_db()
    context = _statements_context(workshop, form=form)
    return render(request, EDIT, context)


def _after_statement_change(request, workshop, error=None, form=None):
    """The statement list again: the fragment for htmx, else back to the edit page."""
    if request.htmx:
        context = _statements_context(workshop, error=error)
        if form is not None:
            context["statement_form"] = form
        return render(request, EDIT + "#statements", context)
    if error:
        messages.error(request, error)
    return redirect(_edit_url(workshop) + "#statements")


@login_required
@require_POST
def statement_add(request, code):
    workshop = owned_workshop(request, code)
    form = StatementForm(request.POST, workshop=workshop)
    if not form.is_valid():
        if request.htmx:
            return _after_statement_change(request, workshop, form=form)
        context = _statements_context(
            workshop, form=WorkshopEditForm(initial=_settings_of(workshop), workshop=workshop)
        )
        context["statement_form"] = form
        return render(request, EDIT, context)
    try:
        services.add_statement(
            workshop, form.cleaned_data["short_name"], form.cleaned_data["text"], form.translations()
        )
    except services.WorkshopError as refused:
        return _after_statement_change(request, workshop, error=refused.message)
    return _after_statement_change(request, workshop)


def _settings_of(workshop: Workshop) -> dict:
    return {name: getattr(workshop, name) for name in WorkshopEditForm.base_fields}


@never_cache
@login_required
def statement_edit(request, code, statement_id):
    workshop = owned_workshop(request, code)
    statement = get_object_or_404(Statement, pk=statement_id, workshop=workshop)
    form = StatementForm(
        request.POST or None,
        initial={"short_name": statement.short_name, "text": statement.text},
        workshop=workshop,
        statement=statement,
    )
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            services.edit_statement(
                workshop, statement.pk, data["short_name"], data["text"], form.translations()
            )
        except services.WorkshopError as refused:
            error = refused.message
        else:
            messages.success(request, _("The statement was saved."))
            return _go(request, _edit_url(workshop) + "#statements")
    context = {"workshop": workshop, "statement": statement, "form": form, "error": error}
    return render(request, "workshops/facilitator/statement_edit.html", context)


@login_required
@require_POST
def statement_remove(request, code, statement_id):
    workshop = owned_workshop(request, code)
    try:
        services.remove_statement(workshop, statement_id)
    except services.WorkshopError as refused:
        return _after_statement_change(request, workshop, error=refused.message)
    return _after_statement_change(request, workshop)


@login_required
@require_POST
def statement_move(request, code, statement_id):
    workshop = owned_workshop(request, code)
    try:
        services.move_statement(workshop, statement_id, request.POST.get("direction", ""))
    except services.WorkshopError as refused:
        return _after_statement_change(request, workshop, error=refused.message)
    return _after_statement_change(request, workshop)


# --- Copies, deletion, clearing ---------------------------------------------------------------


@login_required
@require_POST
def workshop_duplicate(request, code):
    workshop = owned_workshop(request, code)
    copy = services.duplicate_workshop(
        workshop, request.user, _("%(title)s (copy)") % {"title": workshop.title}
    )
    messages.success(
        request,
        _("This is a copy with the same statements and no votes. Its join code is %(code)s.")
        % {"code": copy.code},
    )
    return _go(request, _edit_url(copy))


@never_cache
@login_required
def workshop_delete(request, code):
    workshop = owned_workshop(request, code)
    if request.method == "POST":
        title = workshop.title
        services.delete_workshop(workshop)
        messages.success(
            request, _("The workshop “%(title)s” and all its data were deleted.") % {"title": title}
        )
        return _go(request, reverse("workshop_list"))
    return render(
        request,
        "workshops/facilitator/confirm_delete.html",
        {"workshop": workshop, "counts": tally(workshop)},
    )


@never_cache
@login_required
def workshop_clear_votes(request, code):
    workshop = owned_workshop(request, code)
    if request.method == "POST":
        services.clear_votes(workshop)
        messages.success(request, _("All votes, notes, participants and signatures were deleted."))
        return _go(request, _run_url(workshop))
    return render(
        request, "workshops/facilitator/confirm_clear.html", {"workshop": workshop, "counts": tally(workshop)}
    )


# --- The run screen ---------------------------------------------------------------------------


def _controls_context(workshop: Workshop, **extra) -> dict:
    buttons = _step_buttons()
    steps = steps_for(workshop)
    current = steps.index(workshop.phase) if workshop.phase in steps else -1
    next_phase = steps[current + 1] if current + 1 < len(steps) else None
    return {
        "workshop": workshop,
        "phase_buttons": [
            {
                "phase": phase,
                "label": buttons[phase],
                "next": phase == next_phase,
                "current": phase == workshop.phase,
            }
            for phase in steps
        ],
        "visibilities": [
            {"value": value, "label": label, "current": value == workshop.results_visibility}
            for value, label in ResultsVisibility.choices
        ],
        "phase_form": extra.pop("phase_form", None) or PhaseForm(initial={"minutes": 10}),
        "close_label": buttons[Phase.CLOSED],
        "has_statements": workshop.statements.exists(),
        **extra,
    }


@never_cache
@login_required
def workshop_run(request, code):
    workshop = owned_workshop(request, code)
    if services.apply_time_up(workshop.pk):  # voting's time ran out with no screen open
        workshop.refresh_from_db()
    address = qr.request_join_address(request)
    url = address.url(workshop)
    context = {
        **run_live_context(workshop, address),
        **_controls_context(
            workshop, confirm_close=request.GET.get("confirm") == "close" and workshop.phase == Phase.VOTING
        ),
        "join_url": url,
        "join_address": address,
        "lan_note": address.replaced_loopback,
        "request_host": request.get_host(),
        # segno's own markup; the URL is not echoed as text. Never for a loopback address.
        "qr_svg": mark_safe(qr.qr_svg(url)) if address.reachable else "",
    }
    return render(request, RUN, context)


def _after_control(request, workshop, error=None, confirm_close=False):
    """The controls and the live part again for htmx (the live part out of band), else a redirect
    (or, to confirm closing voting without JavaScript, the console with the question)."""
    extra = {"error": error, "confirm_close": confirm_close}
    if request.htmx:
        workshop.refresh_from_db()
        controls = render_to_string(RUN + "#controls", _controls_context(workshop, **extra), request)
        live_context = run_live_context(workshop, qr.request_join_address(request))
        live = render_to_string(RUN + "#live", {**live_context, "oob": True}, request)
        return HttpResponse(controls + live)
    if confirm_close:
        return redirect(_run_url(workshop) + "?confirm=close#run-controls")
    if error:
        messages.error(request, error)
    return redirect(_run_url(workshop))


@login_required
@require_POST
def workshop_phase(request, code):
    workshop = owned_workshop(request, code)
    form = PhaseForm(request.POST)
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        return _after_control(request, workshop, error=" ".join(errors))
    closing = form.cleaned_data["phase"] == Phase.CLOSED and workshop.phase == Phase.VOTING
    if closing and request.POST.get("confirm") != "1":
        # Closing voting cannot be taken back without reopening it for everyone: ask once.
        return _after_control(request, workshop, confirm_close=True)
    try:
        services.set_phase(workshop, form.cleaned_data["phase"], form.cleaned_data["minutes"])
    except services.WorkshopError as refused:
        return _after_control(request, workshop, error=refused.message)
    return _after_control(request, workshop)


@login_required
@require_POST
def workshop_timer(request, code):
    workshop = owned_workshop(request, code)
    form = TimerForm(request.POST)
    if not form.is_valid():
        return _after_control(request, workshop, error=_("Unknown timer control."))
    action = form.cleaned_data["action"]
    try:
        if action == "pause":
            services.pause_timer(workshop)
        elif action == "resume":
            services.resume_timer(workshop)
        else:
            services.extend_timer(workshop, form.cleaned_data["minutes"] or 1)
    except services.WorkshopError as refused:
        return _after_control(request, workshop, error=refused.message)
    return _after_control(request, workshop)


@login_required
@require_POST
def workshop_results(request, code):
    workshop = owned_workshop(request, code)
    try:
        services.set_results_visibility(workshop, request.POST.get("visibility", ""))
    except services.WorkshopError as refused:
        return _after_control(request, workshop, error=refused.message)
    return _after_control(request, workshop)


# --- The console's presenter controls ---------------------------------------------------------


@login_required
@require_POST
def workshop_slide(request, code):
    """Show this slide on the projector (it moves live); answers htmx with nothing to swap."""
    workshop = owned_workshop(request, code)
    try:
        services.set_projector_slide(workshop, request.POST.get("slide", ""))
    except services.WorkshopError as refused:
        return _after_control(request, workshop, error=refused.message)
    if request.htmx:
        workshop.refresh_from_db()
        live_context = run_live_context(workshop, qr.request_join_address(request))
        return render(request, RUN + "#live", {**live_context, "oob": True})
    return redirect(_run_url(workshop))


@login_required
@require_POST
def workshop_joining(request, code):
    workshop = owned_workshop(request, code)
    services.set_joining_open(workshop, request.POST.get("open") == "1")
    return _after_control(request, workshop)


@login_required
@require_POST
def workshop_approval(request, code):
    workshop = owned_workshop(request, code)
    services.set_notes_need_approval(workshop, request.POST.get("need") == "1")
    return _after_control(request, workshop)


@login_required
@require_POST
def workshop_projector_link(request, code):
    """A new projector link: the old one stops working and open projectors close."""
    workshop = owned_workshop(request, code)
    services.new_projector_key(workshop)
    messages.success(
        request,
        _(
            "A new projector link was made. The old link no longer works; "
            "open the projector again with the new one."
        ),
    )
    return _go(request, _run_url(workshop))
