"""The participant's phone: join by code, vote, and see one's own answers afterwards.

A participant has no account. Joining creates a nameless Participant and binds it to a signed,
httponly cookie, one per workshop; every view below finds the participant from that cookie and
from nothing else, so a phone can read and change only its own answers. Every write goes through
workshops.services. Each control answers an htmx request with its own partial (plus the dots-left
bar out of band) and an ordinary form POST with a redirect, so the page works without JavaScript.
"""

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import wraps

from asgiref.sync import SyncToAsync
from django.db import connection, connections
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_ratelimit.core import is_ratelimited

from .. import access, screens, services, tallies
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
)

# One public address may create this many participants in one workshop. A hall of 1,000 phones
# behind the venue's NAT joins within two minutes, below it in any window; a script is held to
# 2.5 joins a second over ten minutes, the workshop's participant_limit (services.join) caps the
# rest, and the same address still joins every other workshop (keyed per workshop and address).
JOIN_RATE = "1500/10m"
logger = logging.getLogger(__name__)

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


def _speak_workshop_language(request, workshop: Workshop) -> None:
    """The workshop's language, unless this person picked one with the switcher."""
    code = access.page_language(request.COOKIES, workshop.language)
    translation.activate(code)
    request.LANGUAGE_CODE = code


def unknown_code(request, code: str):
    """Our own friendly 404: the code was not found, here is the field to try again."""
    form = JoinCodeForm(initial={"code": code})
    return render(
        request, "workshops/participant/unknown_code.html", {"form": form, "code": code}, status=404
    )


def _too_many(request, workshop: Workshop):
    return render(request, "workshops/participant/too_many.html", {"workshop": workshop}, status=429)


def _limited(request, action: str, workshop: Workshop) -> bool:
    """Has this address done `action` in this workshop too often? Fails open: a cache outage
    (Redis down) is logged and lets the phone in, as a hall must not be locked out by it."""
    try:
        return is_ratelimited(
            request, group=f"{action}-{workshop.pk}", key="ip", rate=JOIN_RATE, method="POST", increment=True
        )
    except Exception:
        logger.warning("The %s rate limit was skipped: its cache failed.", action, exc_info=True)
        return False


def participant_view(view):
    """Find the workshop by code and the participant by cookie; without a cookie, go and join."""

    @wraps(view)
    def wrapper(request, code, *args, **kwargs):
        workshop = access.workshop_by_code(code)
        if workshop is None:
            return unknown_code(request, code)
        _speak_workshop_language(request, workshop)
        participant = access.participant_from_cookies(request.COOKIES, workshop)
        if participant is None:
            if request.htmx:
                return HttpResponseClientRedirect(reverse("join", args=[workshop.code]))
            return redirect("join", code=workshop.code)
        return view(request, participant, *args, **kwargs)

    return wrapper


def _decorate(state: services.ParticipantState) -> services.ParticipantState:
    """Add what the templates draw: the stepper's filled and empty dots."""
    workshop = state.participant.workshop
    most = min(state.budget, workshop.max_dots_per_statement or state.budget)
    shown = screens.phone_texts(workshop)["text_language"]
    for own in state.answers:
        own.texts = own.statement.texts_in(shown, workshop.language)
        own.pips = [i < own.dots for i in range(max(most, own.dots))] if most <= MOST_PIPS else []
        own.rating_label = Rating(own.rating).label if own.rating else ""
    return state


def _page_context(request, participant, state=None, **extra) -> dict:
    workshop = participant.workshop
    state = _decorate(state or services.participant_state(participant))
    # Everything this page lists, in this phone's own order (screens.phone_order): no query more.
    state.answers = screens.phone_order(participant, state.answers, lambda own: own.statement)
    live = screens.phone_live_context(workshop)
    live["pair_talk_statements"] = screens.phone_order(participant, live["pair_talk_statements"])
    context = {
        "workshop": workshop,
        "participant": participant,
        "state": state,
        "ratings": Rating.choices,
        "note_kinds": NoteKind.choices,
        "NOTE_MAX_LENGTH": NOTE_MAX_LENGTH,
        "SIGNATURE_MAX_LENGTH": SIGNATURE_MAX_LENGTH,
        "signed": participant.signed or access.has_signed(request.COOKIES, workshop),
        **live,
        # The socket's and the poll's #phone-live is one render for all phones, in the statements'
        # own order; participant.js puts its pair-talk list back in this page's order.
        "statement_order": " ".join(str(own.statement.pk) for own in state.answers)
        if workshop.own_order_per_phone
        else "",
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


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


# --- Joining ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request, code):
    """GET shows the workshop and a Join button; only the POST creates a participant."""
    workshop = access.workshop_by_code(code)
    if workshop is None:
        return unknown_code(request, code)
    _speak_workshop_language(request, workshop)
    if access.participant_from_cookies(request.COOKIES, workshop) is not None:
        return redirect("participant_home", code=workshop.code)
    error = None
    if request.method == "POST":
        if _limited(request, "participant-join", workshop):
            return _too_many(request, workshop)
        try:
            participant = services.join(workshop)
        except services.WorkshopError as refused:
            error = refused.message
        else:
            response = redirect("participant_home", code=workshop.code)
            access.set_cookie(response, workshop, access.participant_cookie(workshop), participant.token)
            return response
    return render(
        request,
        "workshops/participant/join.html",
        {
            "workshop": workshop,
            "error": error,
            "phase_label": screens.phone_phase_label(workshop),
            **screens.phone_texts(workshop),
        },
        status=409 if error else 200,
    )


# --- The participant's page: waiting, voting, or the summary after closing --------------------


@require_GET
@never_cache  # Back from the privacy notice must not show the dots as they were before the votes
@participant_view
def home(request, participant):
    workshop = participant.workshop
    if workshop.phase == Phase.IDEAS:
        from .ideas import phone_page  # ideas.py builds on this module's helpers

        return phone_page(request, participant)
    context = _page_context(request, participant)
    if workshop.phase == Phase.VOTING:
        return render(request, "workshops/participant/vote.html", context)
    if workshop.phase == Phase.CLOSED:
        if workshop.results_visible:
            context["tally"] = tallies.tally(workshop)
            for st in context["tally"].statements:
                st.texts = st.statement.texts_in(context["text_language"], workshop.language)
        return render(request, "workshops/participant/closed.html", context)
    return render(request, "workshops/participant/waiting.html", context)


@require_GET
@never_cache
def live(request, code):
    """The phone's live part, polled by a participant's page only while its socket is down
    (no cookie needed: the phase, the instruction and the statements are no secret)."""
    workshop = access.workshop_by_code(code)
    if workshop is None:
        raise Http404
    _speak_workshop_language(request, workshop)
    return render(request, "workshops/participant/_phone_live.html", screens.phone_live_context(workshop))


# --- Votes ------------------------------------------------------------------------------------

VOTE = "workshops/participant/vote.html"


def _fragments(request, context: dict, *names: str, status: int = 200) -> HttpResponse:
    """The named partials of the vote page, one after another (the later ones out of band)."""
    html = "".join(render_to_string(f"{VOTE}#{name}", context, request=request) for name in names)
    return HttpResponse(html, status=status)


def _control_reply(request, participant, statement_id, control, error, names, extra=None, **values):
    """The reply to a change of one control: a redirect, its partials (htmx), or the page with the reason."""
    if error is None and not request.htmx:
        return redirect(_vote_url(participant.workshop, statement_id))
    context = _page_context(request, participant, **(extra or {}))
    own = _own_answer(context["state"], statement_id)
    setattr(own, f"{control}_error", error)
    setattr(own, f"{control}_saved", error is None)
    for name, value in values.items():
        setattr(own, name, value)
    if not request.htmx:
        return render(request, VOTE, context, status=400)
    context["own"] = own
    return _fragments(request, context, *names)


# The votes' own threads, long-lived, each keeping its database connection (see _tidy). Under
# Django's ASGI handler a thread-sensitive hop would run on a thread made for that one request,
# with a connection opened for it; hundreds of such threads queueing on SQLite's one writer cost
# more than the votes. SQLite writes one at a time anyway: one thread. PostgreSQL: a few, so
# that a phone waiting for its own row lock (two workers, two taps) does not hold up the rest.
_vote_threads: ThreadPoolExecutor | None = None


def _vote_executor() -> ThreadPoolExecutor:
    global _vote_threads
    if _vote_threads is None:
        workers = 1 if connection.vendor == "sqlite" else 4
        _vote_threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dotvote-vote")
    return _vote_threads


def _tidy() -> None:
    """After each vote on a vote thread: what Django does at the end of a request, on this thread.

    Django closes a request's connections from the request's own thread, never these, so they
    stay open from vote to vote: opening one costs SQLite a file open and three PRAGMAs (~10 % of
    a vote), PostgreSQL a trip to psycopg's pool and the session setup. A connection that failed
    is closed (PostgreSQL's goes back to the pool, which checks it) and the next vote opens one.
    """
    for conn in connections.all(initialized_only=True):
        if conn.errors_occurred or not conn.get_autocommit():
            conn.close()


def _on_vote_thread(view):
    """Run the view's whole body (lookups, form, service, reply) in one call on a vote thread.

    Everything that touches the database stays in one thread and one call, so the service's
    transaction and SQLite's in-process writer lock (services._writing) are taken and released
    together. Under Django's ASGI handler the body goes to the vote threads (their connection
    kept); anywhere else (the test client, a WSGI server) it runs where it is called. The view
    stays sync, not `async def`: Django's test client can only call an async view through an
    event loop of its own, which it may not start where one already runs (Playwright's, in the
    tests); the cost is one more hand-over, from the request's thread to a vote thread.
    """

    def run(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        finally:
            _tidy()

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if SyncToAsync.thread_sensitive_context.get(None) is None:  # not a request of the ASGI server
            return view(request, *args, **kwargs)
        context = contextvars.copy_context()  # the request's language, as activated
        return _vote_executor().submit(context.run, run, request, *args, **kwargs).result()

    return wrapper


def _set_control(request, code, statement_id, control, form_class, phone_saves, control_view):
    """One vote control (dots or rating) from a phone.

    The common case costs the service's transaction and nothing else: the cookie's lookup is the
    service's lock, and the htmx reply is drawn from the sheet the service read. Anything else
    (no cookie, a refusal, an unknown code, no JavaScript) takes `control_view`, the ordinary path.
    """
    form = form_class(request.POST)
    token = access.participant_token(request.COOKIES, code)
    if request.htmx and token and form.is_valid():
        try:
            saved = phone_saves(code, token, statement_id, form.cleaned_data[control])
        except services.WorkshopError:
            saved = None  # refused: the ordinary path reads the sheet afresh and says why
        if saved is not None:
            _answer, state = saved
            participant = state.participant
            _speak_workshop_language(request, participant.workshop)
            return _control_reply(
                request, participant, statement_id, control, None, [control, "progress-oob"], {"state": state}
            )
    return control_view(request, code, statement_id)


@participant_view
def _dots_control(request, participant, statement_id):
    return _control(request, participant, statement_id, "dots", DotsForm, services.set_dots)


@participant_view
def _rating_control(request, participant, statement_id):
    return _control(request, participant, statement_id, "rating", RatingForm, services.set_rating)


def _control(request, participant, statement_id, control, form_class, save):
    form = form_class(request.POST)
    error = None
    try:
        if not form.is_valid():
            raise services.InvalidInput(_first_error(form))
        save(participant, statement_id, form.cleaned_data[control])
    except services.WorkshopError as refused:
        error = refused.message
    return _control_reply(request, participant, statement_id, control, error, [control, "progress-oob"])


@require_POST
@_on_vote_thread
def set_dots(request, code, statement_id):
    return _set_control(
        request, code, statement_id, "dots", DotsForm, services.phone_sets_dots, _dots_control
    )


@require_POST
@_on_vote_thread
def set_rating(request, code, statement_id):
    return _set_control(
        request, code, statement_id, "rating", RatingForm, services.phone_sets_rating, _rating_control
    )


# --- SWOT notes -------------------------------------------------------------------------------


@require_POST
@participant_view
def add_note(request, participant, statement_id):
    form = NoteForm(request.POST)
    error = note = None
    created = False
    kind, text = request.POST.get("kind", ""), request.POST.get("text", "")
    try:
        if not form.is_valid():
            raise services.InvalidInput(_first_error(form))
        kind, text = form.cleaned_data["kind"], form.cleaned_data["text"]
        note, created = services.add_note(participant, statement_id, kind, text)
    except services.WorkshopError as refused:
        error = refused.message
    # A refused note comes back with the participant's text, so nothing typed is lost.
    typed = {"note_kind": kind, "note_text": text} if error else {}
    # A new note is appended to the list; one sent again (its reply lost) redraws the whole list.
    extra = {"new_note": note if created else None, "notes_again": note is not None and not created}
    return _control_reply(request, participant, statement_id, "note", error, ["note-add"], extra, **typed)


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
            return _fragments(request, {"note_id": note_id, "message": message}, "note-gone")
        context = _page_context(request, participant, page_error=message)
        template = VOTE if participant.workshop.phase == Phase.VOTING else "workshops/participant/closed.html"
        return render(request, template, context, status=404)
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
        return _fragments(request, {"note_id": note_id}, "note-deleted")
    note.error, note.saved = error, error is None
    if error and form.is_valid():
        # Show what the participant wrote next to the reason, not the saved text.
        note.kind, note.text, note.editing = form.cleaned_data["kind"], form.cleaned_data["text"], True
    if not request.htmx:
        return render(request, VOTE, context, status=400)
    context.update(own=own, note=note)
    return _fragments(request, context, "note")


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

PHASE_PAGES = {Phase.VOTING: VOTE, Phase.CLOSED: "workshops/participant/closed.html"}


@require_POST
@participant_view
def sign(request, participant):
    """Put a name on the list. Nothing links it to the participant's answers (see models.Signature)."""
    workshop = participant.workshop
    if _limited(request, "participant-sign", workshop):
        return _too_many(request, workshop)
    form = SignatureForm(request.POST)
    error = None
    try:
        if not form.is_valid():
            raise services.InvalidInput(_first_error(form))
        services.sign(workshop, form.cleaned_data["name"], participant)
    except services.WorkshopError as refused:
        error = refused.message
    if error is None and not request.htmx:
        response = redirect(reverse("participant_home", args=[workshop.code]) + "#signature")
    else:
        context = _page_context(
            request,
            participant,
            signed=error is None or participant.signed,
            signature_error=error,
            signature_name=request.POST.get("name", ""),
        )
        if request.htmx:
            response = render(request, "workshops/participant/_signature.html", context)
        else:  # refused, without JavaScript: the whole page with the reason
            template = PHASE_PAGES.get(workshop.phase, "workshops/participant/waiting.html")
            response = render(request, template, context, status=400)
    if error is None:
        # Only so that this phone shows "signed" instead of the field again; no link to the answers.
        access.set_cookie(response, workshop, access.signed_cookie(workshop), "1")
    return response
