"""The join address of a workshop and its QR code, drawn on the server as SVG (no outside service).

The address must be one a phone in the hall can reach: `PUBLIC_URL` when the server has a public
name; otherwise the host the page was opened at, except that a loopback address (the facilitator
opened http://127.0.0.1:8000 on the laptop) is replaced by the laptop's LAN address, as `make run`
prints it. A loopback address never goes into a QR code.
"""

import ipaddress
import socket
from dataclasses import dataclass
from functools import lru_cache

import segno
from django.conf import settings


def lan_address() -> str:
    """The address phones on the same wifi can reach; no packet leaves the machine."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: connect() on UDP only picks a route
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split_host(host: str) -> tuple[str, str]:
    """("127.0.0.1", ":8000") from "127.0.0.1:8000"; IPv6 literals keep their brackets."""
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1], host[end + 1 :]
    name, colon, port = host.rpartition(":")
    return (name, colon + port) if colon and port.isdigit() else (host, "")


@dataclass(frozen=True)
class JoinAddress:
    base: str  # "https://dotvote.example.fi/" or "http://192.168.1.20:8000/"
    replaced_loopback: bool = False  # the page was opened at a loopback address; this is the LAN one
    reachable: bool = True  # False: only a loopback address is known; no phone can use it

    def url(self, workshop) -> str:
        return self.base + workshop.code

    @property
    def shown_host(self) -> str:
        return self.base.split("://", 1)[-1].rstrip("/")


def join_address(scheme: str, host: str) -> JoinAddress:
    """Where phones join, from the scheme and Host of the request (or socket) the page came on."""
    public = getattr(settings, "PUBLIC_URL", "")
    if public:
        return JoinAddress(public.rstrip("/") + "/")
    name, port = _split_host(host or "localhost")
    if not is_loopback(name):
        return JoinAddress(f"{scheme}://{host}/")
    lan = lan_address()
    if is_loopback(lan):
        return JoinAddress(f"{scheme}://{host}/", reachable=False)
    return JoinAddress(f"{scheme}://{lan}{port}/", replaced_loopback=True)


def request_join_address(request) -> JoinAddress:
    return join_address(request.scheme, request.get_host())


def join_url(request, workshop) -> str:
    """The short URL people type or scan: http://<reachable host>/<JOIN CODE>."""
    return request_join_address(request).url(workshop)


def qr_svg(url: str, *, scale: int = 8) -> str:
    """An inline <svg> of `url`, black on white with the standard quiet zone."""
    return segno.make(url, error="m").svg_inline(scale=scale, dark="#000", light="#fff", border=4)


@lru_cache(maxsize=512)
def scalable_qr_svg(url: str) -> str:
    """As qr_svg, but sized by its viewBox, so that it scales with the slide instead of being
    cropped. Made once per address (the URL holds the workshop's code), not per snapshot.
    segno's SVG holds only path data drawn from the URL, never its text."""
    return segno.make(url, error="m").svg_inline(dark="#000", light="#fff", border=4, omitsize=True)
