"""Who may see or touch what: every such rule once, for the HTTP views and the sockets alike.

- the owner check: the workshop if this user owns it (or is staff), else a 404;
- the projector check: the projector URL's secret, or the owner's session;
- the participant from the phone's signed cookie (its name and salt live only here);
- the language a page speaks.
"""

import secrets

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import timezone

from . import services
from .models import Participant, Workshop, normalise_join_code

COOKIE_SALT = "dotvote.participant"


def workshop_by_code(code: str) -> Workshop | None:
    return Workshop.objects.filter(code=normalise_join_code(code)).select_related("owner").first()


def owns(user, workshop: Workshop) -> bool:
    return bool(user and user.is_authenticated and (user.is_staff or user.pk == workshop.owner_id))


def owned_workshop(request, code: str) -> Workshop:
    """The workshop with this join code if the logged-in user owns it (or is staff); else 404.

    Views are wrapped in @login_required, so an anonymous user is sent to log in first; someone
    else's workshop answers 404 so that its existence is not revealed either.
    """
    workshop = workshop_by_code(code)
    if workshop is None or not owns(request.user, workshop):
        raise Http404
    return workshop


def may_project(workshop: Workshop, key: str, user) -> bool:
    """The projector's own secret, or the owner's (or staff's) logged-in session."""
    return secrets.compare_digest(str(key), workshop.projector_secret) or owns(user, workshop)


# --- The projector's cookie -------------------------------------------------------------------
# The projector link's key is swapped at first visit for this signed, httponly cookie, so that
# the key leaves the address bar, the access logs and the socket's URL. A new key (the owner's
# "new projector link") makes every cookie holding the old one worthless.

PROJECTOR_SALT = "dotvote.projector"


def projector_cookie(workshop: Workshop) -> str:
    return f"dotvote_projector_{workshop.code}"


def projector_key_from_cookies(cookies: dict, workshop: Workshop) -> str:
    request = HttpRequest()
    request.COOKIES = cookies
    return request.get_signed_cookie(projector_cookie(workshop), default="", salt=PROJECTOR_SALT) or ""


def may_project_from_cookies(cookies: dict, workshop: Workshop, user) -> bool:
    """The projector cookie holding the workshop's current key, or the owner's session."""
    key = projector_key_from_cookies(cookies, workshop)
    return bool(key) and may_project(workshop, key, None) or owns(user, workshop)


def set_projector_cookie(response, workshop: Workshop) -> None:
    days = max(1, (workshop.delete_after - timezone.localdate()).days + 1)
    response.set_signed_cookie(
        projector_cookie(workshop),
        workshop.projector_secret,
        salt=PROJECTOR_SALT,
        max_age=days * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


# --- The participant's cookies ----------------------------------------------------------------


def participant_cookie(workshop: Workshop) -> str:
    return _participant_cookie_name(workshop.code)


def _participant_cookie_name(code: str) -> str:
    return f"dotvote_{code}"


def signed_cookie(workshop: Workshop) -> str:
    """Set once this phone signed the list; nothing links it to the participant's answers."""
    return f"dotvote_{workshop.code}_signed"


def _read(cookies: dict, name: str):
    # Django's own signed-cookie check, so a socket scope's cookies read as a request's do.
    request = HttpRequest()
    request.COOKIES = cookies
    return request.get_signed_cookie(name, default=None, salt=COOKIE_SALT)


def participant_from_cookies(cookies: dict, workshop: Workshop) -> Participant | None:
    """The participant this phone's cookie names in this workshop (a request's or a socket's cookies).

    A phone that was in an earlier round of the workshop joins this round by the same cookie.
    """
    token = _read(cookies, participant_cookie(workshop))
    return services.participant_by_token(workshop, token) or services.carry_into_round(workshop, token)


def participant_token(cookies: dict, code: str) -> str | None:
    """The participant token this phone's cookie holds for the workshop with this join code,
    read without looking the workshop up (services.phone_sets_dots looks both up at once)."""
    return _read(cookies, _participant_cookie_name(normalise_join_code(code)))


def has_signed(cookies: dict, workshop: Workshop) -> bool:
    return _read(cookies, signed_cookie(workshop)) == "1"


def set_cookie(response, workshop: Workshop, name: str, value: str) -> None:
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


# --- The language a page speaks ---------------------------------------------------------------


def page_language(cookies: dict, default: str = settings.LANGUAGE_CODE) -> str:
    """The language switcher's choice, else `default`: Finnish, or a participant page's workshop language.

    The phone's own language setting is not consulted: a seminar runs in one language.
    """
    code = cookies.get(settings.LANGUAGE_COOKIE_NAME)
    return code if code in dict(settings.LANGUAGES) else default


# --- Paper sheets -----------------------------------------------------------------------------


def paper_workshop(request, code: str) -> Workshop:
    """The workshop if this user may enter its paper sheets: the owner (or staff) or a helper the
    owner named for it; else 404. Only the owner controls the workshop (`owned_workshop`)."""
    workshop = workshop_by_code(code)
    user = request.user
    if workshop is None or not (
        owns(user, workshop) or (user.is_authenticated and workshop.helpers.filter(pk=user.pk).exists())
    ):
        raise Http404
    return workshop
