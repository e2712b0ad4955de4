"""Behind a reverse proxy: the client's address from X-Forwarded-For, believed only from the proxy.

Set TRUSTED_PROXIES to the proxy's own addresses (as the workers see them). A request whose
direct peer is one of them gets REMOTE_ADDR set to the rightmost X-Forwarded-For entry that is
not itself a trusted proxy: nginx appends the address it saw to whatever the client sent, so
the entries to the left are the client's own claims and never trusted. From any other peer the
header is ignored. Anything keyed on REMOTE_ADDR (the per-address join rate limit) then sees the
phone's address instead of the proxy's. Sync and async capable, so it costs no thread hop.
"""

import ipaddress
import logging

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.utils.decorators import sync_and_async_middleware

logger = logging.getLogger(__name__)


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(peer: str, forwarded: str, trusted: frozenset[str]) -> str:
    """The address to believe: `peer` unless it is a trusted proxy that forwarded a valid one."""
    if not forwarded or peer not in trusted:
        return peer
    for hop in reversed(forwarded.split(",")):
        address = _address(hop)
        if address is None:
            return peer  # a malformed chain: believe only the proxy itself
        if address not in trusted:
            return address
    return peer


def _trusted() -> frozenset[str]:
    return frozenset(filter(None, (_address(a) for a in settings.TRUSTED_PROXIES)))


def _rewrite(request, trusted: frozenset[str]) -> None:
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    address = client_address(peer, forwarded, trusted)
    if address != peer:
        request.META["REMOTE_ADDR"] = address
        logger.debug("REMOTE_ADDR %s from X-Forwarded-For of trusted proxy %s", address, peer)
    elif forwarded:
        logger.debug("X-Forwarded-For ignored from %s (not a trusted proxy)", peer)


@sync_and_async_middleware
def TrustedProxyMiddleware(get_response):
    trusted = _trusted()
    if iscoroutinefunction(get_response):

        async def middleware(request):
            _rewrite(request, trusted)
            return await get_response(request)

    else:

        def middleware(request):
            _rewrite(request, trusted)
            return get_response(request)

    return middleware
