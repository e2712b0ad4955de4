"""The one access check of every facilitator URL: the workshop's owner (or staff) or a 404."""

from django.http import Http404

from ..models import Workshop, normalise_join_code


def owned_workshop(request, code: str) -> Workshop:
    """The workshop with this join code if the logged-in user owns it (or is staff); else 404.

    Views are wrapped in @login_required, so an anonymous user is sent to log in first; someone
    else's workshop answers 404 so that its existence is not revealed either.
    """
    workshop = Workshop.objects.filter(code=normalise_join_code(code)).select_related("owner").first()
    if workshop is None or not (request.user.is_staff or workshop.owner_id == request.user.pk):
        raise Http404
    return workshop
