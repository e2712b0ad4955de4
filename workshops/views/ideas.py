"""Ideas from the hall: participants propose statements, the facilitator shapes them.

Phones (participant cookie): propose, edit and withdraw their own ideas while the ideas phase is
open. The facilitator (owner only, someone else's workshop is a 404): a page of its own whose list
of ideas a socket keeps live (consumers.IdeasConsumer), to accept an idea as a statement (in their
own wording), merge several into one, or set one aside. Every rule is in workshops.services.
An htmx request gets the partial it changed; an ordinary form POST a redirect, so all of it works
without JavaScript too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from .. import access, screens, services
from ..forms import IdeaAcceptForm, ProposalForm
from ..models import SHORT_NAME_MAX_LENGTH, STATEMENT_MAX_LENGTH, Proposal, ProposalOutcome
from .participant import _first_error, _page_context, participant_view

PHONE = "workshops/participant/ideas.html"
CONSOLE = "workshops/facilitator/ideas.html"


# --- The participant's phone -------------------------------------------------------------------


def _phone_context(request, participant, **extra) -> dict:
    own = list(Proposal.objects.filter(participant=participant).select_related("statement"))
    for proposal in own:
        proposal.outcome_text = screens.proposal_outcome(proposal)
        proposal.editable = proposal.outcome == ProposalOutcome.PENDING
    if extra.get("idea_error") and extra.get("error_for") not in {p.pk for p in own}:
        extra["page_idea_error"] = extra["idea_error"]  # another's or a withdrawn idea: no card to show it on
    context = _page_context(request, participant)
    context.update(
        own_ideas=own,
        ideas_left=max(0, services.IDEAS_PER_PARTICIPANT - len(own)),
        ideas_max=services.IDEAS_PER_PARTICIPANT,
        ideas_instruction=screens.ideas_instruction(participant.workshop),
        SHORT_NAME_MAX_LENGTH=SHORT_NAME_MAX_LENGTH,
        STATEMENT_MAX_LENGTH=STATEMENT_MAX_LENGTH,
        **extra,
    )
    return context


def phone_page(request, participant):
    """The phone's page in the ideas phase (participant.home serves it)."""
    return render(request, PHONE, _phone_context(request, participant))


def _phone_reply(request, participant, error=None, **extra):
    """After a change: a redirect, the ideas partial (htmx), or the whole page with the reason."""
    if error is None and not request.htmx:
        return redirect(reverse("participant_home", args=[participant.workshop.code]) + "#ideas")
    context = _phone_context(request, participant, **extra)
    if request.htmx:
        return render(request, PHONE + "#ideas", context)
    return render(request, PHONE, context, status=400)


@require_POST
@participant_view
def propose(request, participant):
    form = ProposalForm(request.POST)
    error = None
    try:
        if not form.is_valid():
            raise services.InvalidInput(_first_error(form))
        services.propose(participant, form.cleaned_data["short_name"], form.cleaned_data["text"])
    except services.WorkshopError as refused:
        error = refused.message
    # A refused idea comes back with what was typed, so nothing is lost.
    typed = {"new_short_name": request.POST.get("short_name", ""), "new_text": request.POST.get("text", "")}
    return _phone_reply(
        request, participant, error, new_error=error, saved=error is None, **(typed if error else {})
    )


@require_POST
@participant_view
def edit(request, participant, proposal_id):
    form = ProposalForm(request.POST)
    error = None
    try:
        if not form.is_valid():
            raise services.InvalidInput(_first_error(form))
        services.edit_proposal(
            participant, proposal_id, form.cleaned_data["short_name"], form.cleaned_data["text"]
        )
    except services.WorkshopError as refused:
        error = refused.message
    return _phone_reply(request, participant, error, error_for=proposal_id, idea_error=error)


@require_POST
@participant_view
def withdraw(request, participant, proposal_id):
    error = None
    try:
        services.withdraw_proposal(participant, proposal_id)
    except services.WorkshopError as refused:
        error = refused.message
    return _phone_reply(request, participant, error, error_for=proposal_id, idea_error=error)


# --- The facilitator's ideas page --------------------------------------------------------------


def _editor_context(workshop, proposal=None, form=None, **extra) -> dict:
    others = []
    if proposal is not None:
        others = [
            p
            for p in services.proposals_of(workshop)
            if p.pk != proposal.pk and p.outcome in (ProposalOutcome.PENDING, ProposalOutcome.SET_ASIDE)
        ]
        if form is None:
            form = IdeaAcceptForm(
                initial={"short_name": proposal.short_name, "text": proposal.text}, others=others
            )
    return {"workshop": workshop, "proposal": proposal, "form": form, "others": others, **extra}


def _console(request, workshop, status=200, **editor):
    context = {**screens.ideas_console(workshop), **_editor_context(workshop, **editor)}
    return render(request, CONSOLE, context, status=status)


def _deciding_proposal(workshop, proposal_id) -> Proposal | None:
    return (
        Proposal.objects.filter(pk=proposal_id, participant__workshop=workshop)
        .select_related("participant")
        .first()
    )


@never_cache
@login_required
def console(request, code):
    workshop = access.owned_workshop(request, code)
    return _console(request, workshop)


def _after_decision(request, workshop, message: str):
    """The empty editor with what was done, and the live list out of band (the socket follows)."""
    if not request.htmx:
        messages.success(request, message)
        return redirect("ideas_console", code=workshop.code)
    editor = render_to_string(CONSOLE + "#editor", _editor_context(workshop, done=message), request)
    live = render_to_string(CONSOLE + "#live", {**screens.ideas_console(workshop), "oob": True}, request)
    return HttpResponse(editor + live)


@login_required
@require_http_methods(["GET", "POST"])
def accept(request, code, proposal_id):
    """GET: the idea in an editor; POST: accept it as a statement, or merge it with the ideas ticked."""
    workshop = access.owned_workshop(request, code)
    proposal = _deciding_proposal(workshop, proposal_id)
    if proposal is None:
        error = _("That idea is not part of this workshop or was withdrawn.")
        if request.htmx:
            return render(request, CONSOLE + "#editor", _editor_context(workshop, error=error))
        return _console(request, workshop, status=404, error=error)
    form = None
    error = None
    if request.method == "POST":
        others = _editor_context(workshop, proposal)["others"]
        form = IdeaAcceptForm(request.POST, others=others)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["merge"]:
                    statement = services.merge_proposals(
                        workshop, [proposal.pk, *data["merge"]], data["short_name"], data["text"]
                    )
                    done = _("%(count)s ideas were merged into statement %(number)s.") % {
                        "count": 1 + len(data["merge"]),
                        "number": statement.position,
                    }
                else:
                    statement = services.accept_proposal(
                        workshop, proposal.pk, data["short_name"], data["text"]
                    )
                    done = _("The idea is now statement %(number)s.") % {"number": statement.position}
            except services.WorkshopError as refused:
                error = refused.message
            else:
                return _after_decision(request, workshop, done)
    context = _editor_context(workshop, proposal, form, error=error)
    status = 400 if request.method == "POST" and not request.htmx else 200
    if request.htmx:
        return render(request, CONSOLE + "#editor", context)
    return _console(request, workshop, status=status, proposal=proposal, form=context["form"], error=error)


@login_required
@require_POST
def set_aside(request, code, proposal_id):
    workshop = access.owned_workshop(request, code)
    error = notice = None
    try:
        services.set_proposal_aside(workshop, proposal_id)
    except services.WorkshopError as refused:
        error = refused.message
    else:
        notice = _("The idea was set aside. It stays in the exports.")
    if request.htmx:  # only the list: an idea being worded in the editor stays as it is
        return render(
            request, CONSOLE + "#live", {**screens.ideas_console(workshop), "notice": notice, "error": error}
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("ideas_console", code=workshop.code)
