"""The scaled-out layout (deploy/): nginx in front of two daphne workers sharing PostgreSQL and Redis.

The proxy middleware's rule is tested in-process on every back end; the layout itself only with
REDIS_URL and a PostgreSQL DATABASE_URL, since the workers share state through nothing else.
"""

import asyncio
import http.client
import os
import re
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from deploy.run import PROXY_ADDRESS, Layout, free_port
from tests.conftest import projector_cookie_header
from workshops import services
from workshops.proxy import TrustedProxyMiddleware, client_address

from .test_consumers import run

TRUSTED = frozenset({"127.0.0.2"})


# --- workshops.proxy: whose X-Forwarded-For is believed -----------------------------------------


def test_the_client_address_comes_from_a_trusted_proxy_only():
    # nginx appends the address it saw; what the client claimed stays on the left.
    assert client_address("127.0.0.2", "203.0.113.9, 198.51.100.4", TRUSTED) == "198.51.100.4"
    assert client_address("127.0.0.2", "198.51.100.4", TRUSTED) == "198.51.100.4"
    # Any other peer's header is ignored, and so is a malformed chain.
    assert client_address("198.51.100.4", "203.0.113.9", TRUSTED) == "198.51.100.4"
    assert client_address("127.0.0.2", "not-an-address", TRUSTED) == "127.0.0.2"
    assert client_address("127.0.0.2", "", TRUSTED) == "127.0.0.2"


def _seen_by_view(request):
    return HttpResponse(request.META["REMOTE_ADDR"])


@override_settings(TRUSTED_PROXIES=["127.0.0.2"])
def test_the_middleware_rewrites_remote_addr_in_sync_and_async_chains():
    factory = RequestFactory()

    async def async_view(request):
        return _seen_by_view(request)

    sync_chain = TrustedProxyMiddleware(_seen_by_view)
    async_chain = TrustedProxyMiddleware(async_view)
    for peer, expected in (("127.0.0.2", "198.51.100.4"), ("198.51.100.7", "198.51.100.7")):
        request = factory.post("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR="198.51.100.4")
        assert sync_chain(request).content.decode() == expected
        request = factory.post("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR="198.51.100.4")
        assert run(partial(async_chain, request)).content.decode() == expected


def test_without_trusted_proxies_the_header_changes_nothing():
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert TrustedProxyMiddleware(_seen_by_view)(request).content.decode() == "198.51.100.7"


# --- The layout: nginx + 2 workers ----------------------------------------------------------------


def _production() -> bool:
    return (
        connection.vendor == "postgresql" and "redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"].lower()
    )


@pytest.fixture
def layout(tmp_path, django_db_setup):
    if not _production():
        pytest.skip(
            "nginx + 2 workers share state only through PostgreSQL and Redis: set DATABASE_URL and REDIS_URL"
        )
    parts = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"])),
        "LOG_LEVEL": "DEBUG",  # workshops.proxy says which address it believed
    }
    deployed = Layout(2, f"127.0.0.1:{free_port()}", tmp_path / "run", env, Path(settings.STATIC_ROOT))
    with deployed:
        yield deployed


def _join_and_vote(port: int, code: str, statement_id: int, dots: int) -> int:
    """A phone behind the proxy joins and sets dots, claiming to be 203.0.113.7."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    jar = {}

    def send(method, path, body="", **headers):
        headers = {"X-Forwarded-For": "203.0.113.7", "Origin": f"http://127.0.0.1:{port}", **headers}
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                jar[key] = rest.split(";", 1)[0]
        return response.status

    try:
        assert send("GET", f"/{code}") == 200
        form = {"X-CSRFToken": jar["csrftoken"], "Content-Type": "application/x-www-form-urlencoded"}
        assert send("POST", f"/{code}", **form) == 302
        return send(
            "POST", f"/{code}/me/{statement_id}/dots/", f"dots={dots}", **form, **{"HX-Request": "true"}
        )
    finally:
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_a_vote_through_the_proxy_reaches_projectors_on_both_workers(layout, voting_workshop, statements):
    import websockets

    services.set_results_visibility(voting_workshop, "live")
    port = int(layout.url.rsplit(":", 1)[1])
    ws_url = layout.url.replace("http://", "ws://")
    path = f"/ws/workshops/{voting_workshop.code}/projector/"  # the key rides in the cookie
    cookie = {"Cookie": projector_cookie_header(voting_workshop)}

    async def listen():
        # Two sockets in a row: nginx's round robin puts them on different workers.
        async with (
            websockets.connect(ws_url + path, origin=layout.url, additional_headers=cookie) as first,
            websockets.connect(ws_url + path, origin=layout.url, additional_headers=cookie) as second,
        ):
            for socket in (first, second):
                assert 'data-dots="0"' in await asyncio.wait_for(socket.recv(), 10)
            status = await asyncio.to_thread(_join_and_vote, port, voting_workshop.code, statements[2].pk, 7)
            seen = []
            for socket in (first, second):
                while 'data-position="3" data-dots="7"' not in (
                    html := await asyncio.wait_for(socket.recv(), 10)
                ):
                    pass
                seen.append(html)
            return status, seen

    status, seen = run(listen)
    assert status == 200 and len(seen) == 2
    # A direct request to a worker (from 127.0.0.1, not the proxy's 127.0.0.2) claiming another address.
    direct = http.client.HTTPConnection("127.0.0.1", layout.worker_ports[0], timeout=20)
    direct.request("GET", "/privacy/", headers={"X-Forwarded-For": "203.0.113.9"})
    assert direct.getresponse().status == 200
    direct.close()
    # Static files and the body limit are the proxy's own work.
    static = next(Path(settings.STATIC_ROOT).rglob("*.css")).relative_to(settings.STATIC_ROOT)
    proxied = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    proxied.request("GET", f"/static/{static}", headers={"Accept-Encoding": "gzip"})
    response = proxied.getresponse()
    response.read()
    assert response.status == 200 and response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("X-Frame-Options") is None  # not Django's answer
    proxied.request("POST", "/privacy/", body="x" * 100_000, headers={"Content-Type": "text/plain"})
    assert proxied.getresponse().status == 413
    proxied.close()
    layout.stop()  # nginx logs a socket when it closes; the workers flush their logs

    log = (layout.run_dir / "access.log").read_text()
    sockets = re.findall(r'"GET /ws/\S+ HTTP/1.1" 101 (\S+)', log)
    vote = re.findall(r'"POST /\w+/me/\d+/dots/ HTTP/1.1" 200 (\S+)', log)
    assert len(set(sockets)) == 2, log  # one socket on each worker: the vote crossed over through Redis
    assert vote and vote[0] in sockets
    workers = "".join((layout.run_dir / f"worker-{n}.log").read_text() for n in (0, 1))
    # Through the proxy the phone's claim is dropped: nginx appended the address it saw.
    assert f"REMOTE_ADDR 127.0.0.1 from X-Forwarded-For of trusted proxy {PROXY_ADDRESS}" in workers
    assert "REMOTE_ADDR 203.0.113.7" not in workers
    # Straight to a worker the header is not believed at all.
    assert "X-Forwarded-For ignored from 127.0.0.1" in workers
    assert "REMOTE_ADDR 203.0.113.9" not in workers
