"""The participant's phone: join by code, vote, and see one's own answers afterwards.

A participant has no account. Joining creates a nameless Participant and binds it to a signed,
httponly cookie, one per workshop; every view below finds the participant from that cookie and
from nothing else, so a phone can read and change only its own answers. Every write goes through
workshops.services. Each control answers an htmx request with its own partial (plus the dots-left
bar out of band) and an ordinary form POST with a redirect, so the page works without JavaScript.
"""

from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_ratelimit.core import is_ratelimited

from .. import services, tallies
from ..forms import DotsForm, JoinCodeForm, NoteForm, RatingForm, SignatureForm
from ..models import (
    JOIN_CODE_LENGTH,
    NOTE_MAX_LENGTH,
    SIGNATURE_MAX_LENGTH,
    Note,
    NoteKind,
    Phase,
    Rating,
    Workshop,
    normalise_join_code,
)

# One public address may create this many participants. A hall of 1,000 phones behind the
# venue's NAT joins within two minutes, far below it in any window; a script making thousands
# is stopped by it, and each workshop's participant_limit (services.join) caps the rest.
JOIN_RATE_PER_IP = "2000/10m"
COOKIE_SALT = "dotvote.participant"
# Above this many dots the stepper shows only the number: a row of 100 circles helps nobody.
MOST_PIPS = 20


class JoinCodeConverter:
    """Six letters or digits, with optional spaces or hyphens between ("abc 23k", "ABC-23K").

    Matching only this shape keeps /<code> from shadowing the site's other root URLs.
    """

    regex = rf"[A-Za-z0-9](?:[ -]?[A-Za-z0-9]){{{JOIN_CODE_LENGTH - 1}}}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# --- Helpers ----------------------------------------------------------------------------------


def _find_workshop(code: str) -> Workshop | None:
    return Workshop.objects.filter(code=normalise_join_code(code)).first()


def _cookie_name(workshop: Workshop) -> str:
    return f"dotvote_{workshop.code}"


def _signed_cookie_name(workshop: Workshop) -> str:
    return f"dotvote_{workshop.code}_signed"


def _bound_participant(request, workshop: Workshop):
    token = request.get_signed_cookie(_cookie_name(workshop), default=None, salt=COOKIE_SALT)
    return services.participant_by_token(workshop, token)


def _set_cookie(response, workshop: Workshop, name: str, value: str) -> None:
    # Kept until the workshop's data is deleted, so coming back days later resumes the answers.
    days = max(1, (workshop.delete_after - timezone.localdate()).days + 1)
    response.set_signed_cookie(
        name,
        value,
        salt=COOKIE_SALT,
        max_age=days * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _speak_workshop_language(request, workshop: Workshop) -> None:
    """The workshop's language, unless this person picked one with the switcher."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) not in dict(settings.LANGUAGES):
        translation.activate(workshop.language)
        request.LANGUAGE_CODE = workshop.language


def unknown_code(request, code: str):
    """Our own friendly 404: the code was not found, here is the field to try again."""
    form = JoinCodeForm(initial={"code": code})
    return render(
        request, "workshops/participant/unknown_code.html", {"form": form, "code": code}, status=404
    )


def _too_many(request, workshop: Workshop):
    return render(request, "workshops/participant/too_many.html", {"workshop": workshop}, status=429)


def _limited(request, group: str) -> bool:
    return is_ratelimited(
        request, group=group, key="ip", rate=JOIN_RATE_PER_IP, method="POST", increment=True
    )


def participant_view(view):
    """Find the workshop by code and the participant by cookie; without a cookie, go and join."""

    @wraps(view)
    def wrapper(request, code, *args, **kwargs):
        workshop = _find_workshop(code)
        if workshop is None:
            return unknown_code(request, code)
        _speak_workshop_language(request, workshop)
        participant = _bound_participant(request, workshop)
        if participant is None:
            if request.htmx:
                return HttpResponseClientRedirect(reverse("join", args=[workshop.code]))
            return redirect("join", code=workshop.code)
        return view(request, participant, *args, **kwargs)

    return wrapper


def waiting_live_context(workshop: Workshop) -> dict:
    """The one context of _waiting_live.html, for polling and for any live push alike.

    `page` names the participant page that fits the phase; a phone showing another page
    moves on (participant.js), unless a note is still being typed.
    """
    if workshop.phase == Phase.VOTING:
        page = "vote"
    elif workshop.phase == Phase.CLOSED:
        page = "closed-results" if workshop.results_visible else "closed"
    else:
        page = "waiting"
    return {
        "workshop": workshop,
        "page": page,
        "live_url": reverse("participant_live", args=[workshop.code]),
        "home_url": reverse("participant_home", args=[workshop.code]),
    }


def _decorate(state: services.ParticipantState) -> services.ParticipantState:
    """Add what the templates draw: the stepper's filled and empty dots."""
    workshop = state.participant.workshop
    most = min(state.budget, workshop.max_dots_per_statement or state.budget)
    for own in state.answers:
        own.pips = [i < own.dots for i in range(max(most, own.dots))] if most <= MOST_PIPS else []
        own.rating_label = Rating(own.rating).label if own.rating else ""
    return state


def _page_context(request, participant, state=None, **extra) -> dict:
    workshop = participant.workshop
    state = _decorate(state or services.participant_state(participant))
    context = {
        "workshop": workshop,
        "participant": participant,
        "state": state,
        "ratings": Rating.choices,
        "note_kinds": NoteKind.choices,
        "NOTE_MAX_LENGTH": NOTE_MAX_LENGTH,
        "SIGNATURE_MAX_LENGTH": SIGNATURE_MAX_LENGTH,
        "signed": request.get_signed_cookie(_signed_cookie_name(workshop), default="", salt=COOKIE_SALT)
        == "1",
        **waiting_live_context(workshop),
        **extra,
    }
    return context


def _own_answer(state, statement_id):
    for own in state.answers:
        if own.statement.pk == statement_id:
            return own
    raise Http404


def _vote_url(workshop: Workshop, statement_id=None) -> str:
    url = reverse("participant_home", args=[workshop.code])
    return f"{url}#statement-{statement_id}" if statement_id else url


def _partials(request, context: dict, *templates: str) -> str:
    return "".join(
        render_to_string(f"workshops/participant/{t}", context, request=request) for t in templates
    )


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


# --- Joining ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request, code):
    """GET shows the workshop and a Join button; only the POST creates a participant."""
    workshop = _find_workshop(code)
    if workshop is None:
        return unknown_code(request, code)
    _speak_workshop_language(request, workshop)
    if _bound_participant(request, workshop) is not None:
        return redirect("participant_home", code=workshop.code)
    error = None
    if request.method == "POST":
        if _limited(request, "participant-join"):
            return _too_many(request, workshop)
        try:
            participant = services.join(workshop)
        except services.WorkshopError as refused:
            error = refused.message
        else:
            response = redirect("participant_home", code=workshop.code)
            _set_cookie(response, workshop, _cookie_name(workshop), participant.token)
            return response
    return render(
        request,
        "workshops/participant/join.html",
        {"workshop": workshop, "error": error},
        status=409 if error else 200,
    )


# --- The participant's page: waiting, voting, or the summary after closing --------------------


@require_GET
@participant_view
def home(request, participant):
    workshop = participant.workshop
    context = _page_context(request, participant)
    if workshop.phase == Phase.VOTING:
        return render(request, "workshops/participant/vote.html", context)
    if workshop.phase == Phase.CLOSED:
        if workshop.results_visible:
            context["tally"] = tallies.tally(workshop)
        return render(request, "workshops/participant/closed.html", context)
    return render(request, "workshops/participant/waiting.html", context)


@require_GET
def live(request, code):
    """The phase and countdown, polled by the participant's page (no cookie needed: public facts)."""
    workshop = _find_workshop(code)
    if workshop is None:
        raise Http404
    _speak_workshop_language(request, workshop)
    return render(request, "workshops/participant/_waiting_live.html", waiting_live_context(workshop))


# --- Votes ------------------------------------------------------------------------------------


def _answered(request, participant, statement_id: int, control: str, error: str | None, **values):
    """The reply to a change of one control: the partial (htmx), a redirect, or the page with the reason."""
    workshop = participant.workshop
    if error is None and not request.htmx:
        return redirect(_vote_url(workshop, statement_id))
    context = _page_context(request, participant)
    own = _own_answer(context["state"], statement_id)
    setattr(own, f"{control}_error", error)
    setattr(own, f"{control}_saved", error is None)
    for name, value in values.items():
        setattr(own, name, value)
    if not request.htmx:
        return render(request, "workshops/participant/vote.html", context, status=400)
    context["own"] = own
    return context


@require_POST
@participant_view
def set_dots(request, participant, statement_id):
    form = DotsForm(request.POST)
    error = None
    try:
        if not form.is_valid():
            raise services.InvalidInput(_("The number of dots must be a whole number."))
        services.set_dots(participant, statement_id, form.cleaned_data["dots"])
    except services.WorkshopError as refused:
        error = refused.message
    reply = _answered(request, participant, statement_id, "dots", error)
    if not isinstance(reply, dict):
        return reply
    return _html(_partials(request, reply, "_dots.html", "_progress_oob.html"))


@require_POST
@participant_view
def set_rating(request, participant, statement_id):
    form = RatingForm(request.POST)
    error = None
    try:
        if not form.is_valid():
            raise services.InvalidInput(_("Choose one of the options on the scale."))
        services.set_rating(participant, statement_id, form.cleaned_data["rating"])
    except services.WorkshopError as refused:
        error = refused.message
    reply = _answered(request, participant, statement_id, "rating", error)
    if not isinstance(reply, dict):
        return reply
    return _html(_partials(request, reply, "_rating.html", "_progress_oob.html"))


# --- SWOT notes -------------------------------------------------------------------------------


@require_POST
@participant_view
def add_note(request, participant, statement_id):
    form = NoteForm(request.POST)
    error = note = None
    kind, text = request.POST.get("kind", ""), request.POST.get("text", "")
    try:
        if not form.is_valid():
            raise services.InvalidInput(_first_error(form))
        kind, text = form.cleaned_data["kind"], form.cleaned_data["text"]
        note = services.add_note_once(participant, statement_id, kind, text)
    except services.WorkshopError as refused:
        error = refused.message
    # A refused note comes back with the participant's text, so nothing typed is lost.
    typed = {"note_kind": kind, "note_text": text} if error else {}
    reply = _answered(request, participant, statement_id, "note", error, **typed)
    if not isinstance(reply, dict):
        return reply
    reply["new_note"] = note
    return _html(_partials(request, reply, "_note_add.html"))


def _note_reply(request, participant, note_id, action):
    """Edit or delete one of the participant's own notes; another's note id is refused."""
    statement_id = (
        Note.objects.filter(pk=note_id, participant=participant)
        .values_list("statement_id", flat=True)
        .first()
    )
    if statement_id is None:
        message = _("That note is not yours or no longer exists.")
        if request.htmx:
            return _html(_partials(request, {"note_id": note_id, "message": message}, "_note_gone.html"))
        context = _page_context(request, participant, page_error=message)
        template = "vote.html" if participant.workshop.phase == Phase.VOTING else "closed.html"
        return render(request, f"workshops/participant/{template}", context, status=404)
    error = None
    form = NoteForm(request.POST)
    try:
        action(form)
    except services.WorkshopError as refused:
        error = refused.message
    if error is None and not request.htmx:
        return redirect(_vote_url(participant.workshop, statement_id))
    context = _page_context(request, participant)
    own = _own_answer(context["state"], statement_id)
    note = next((n for n in own.notes if n.pk == note_id), None)
    if note is None:  # deleted
        return _html(_partials(request, {"note_id": note_id}, "_note_deleted.html"))
    note.error, note.saved = error, error is None
    if error and form.is_valid():
        # Show what the participant wrote next to the reason, not the saved text.
        note.kind, note.text, note.editing = form.cleaned_data["kind"], form.cleaned_data["text"], True
    if not request.htmx:
        return render(request, "workshops/participant/vote.html", context, status=400)
    context.update(own=own, note=note)
    return _html(_partials(request, context, "_note.html"))


@require_POST
@participant_view
def edit_note(request, participant, note_id):
    def action(form):
        if not form.is_valid():
            raise services.InvalidInput(_first_error(form))
        services.edit_note(participant, note_id, form.cleaned_data["kind"], form.cleaned_data["text"])

    return _note_reply(request, participant, note_id, action)


@require_POST
@participant_view
def delete_note(request, participant, note_id):
    return _note_reply(request, participant, note_id, lambda form: services.delete_note(participant, note_id))


# --- The signature list -----------------------------------------------------------------------


@require_POST
@participant_view
def sign(request, participant):
    """Put a name on the list. Nothing links it to the participant's answers (see models.Signature)."""
    workshop = participant.workshop
    if _limited(request, "participant-sign"):
        return _too_many(request, workshop)
    form = SignatureForm(request.POST)
    error = None
    try:
        if not form.is_valid():
            raise services.InvalidInput(_first_error(form))
        services.sign(workshop, form.cleaned_data["name"])
    except services.WorkshopError as refused:
        error = refused.message
    if error is None and not request.htmx:
        response = redirect(reverse("participant_home", args=[workshop.code]) + "#signature")
    else:
        context = _page_context(
            request,
            participant,
            signed=error is None,
            signature_error=error,
            signature_name=request.POST.get("name", ""),
        )
        response = _html(_partials(request, context, "_signature.html"))
        if not request.htmx:  # refused, without JavaScript: the whole page with the reason
            template = {Phase.VOTING: "vote.html", Phase.CLOSED: "closed.html"}.get(
                workshop.phase, "waiting.html"
            )
            response = render(request, f"workshops/participant/{template}", context, status=400)
    if error is None:
        # Only so that this phone shows "signed" instead of the field again; no link to the answers.
        _set_cookie(response, workshop, _signed_cookie_name(workshop), "1")
    return response


def _html(content: str, status: int = 200) -> HttpResponse:
    return HttpResponse(content, status=status)
