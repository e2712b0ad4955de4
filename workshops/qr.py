"""The join URL of a workshop and its QR code, drawn on the server as SVG (no outside service)."""

import segno


def join_url(request, workshop) -> str:
    """The short URL people type or scan: http://<this host>/<JOIN CODE>."""
    return request.build_absolute_uri("/" + workshop.code)


def qr_svg(url: str, *, scale: int = 8) -> str:
    """An inline <svg> of `url`, black on white with the standard quiet zone."""
    return segno.make(url, error="m").svg_inline(scale=scale, dark="#000", light="#fff", border=4)


def scalable_qr_svg(url: str) -> str:
    """As qr_svg, but sized by its viewBox, so that it scales down on a 720p projector instead of
    being cropped. segno's SVG holds only path data drawn from the URL, never its text."""
    return segno.make(url, error="m").svg_inline(dark="#000", light="#fff", border=4, omitsize=True)
