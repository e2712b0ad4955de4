"""Votes through the real ASGI server (daphne), where they run on the vote threads: taps sent at
once by one phone never exceed its budget, and every reply tells the truth about what was saved."""

import re
import threading
from http.cookiejar import CookieJar
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener, urlopen

import pytest

from workshops.models import Answer, Participant

pytestmark = pytest.mark.django_db(transaction=True)


def _join(base: str, code: str) -> dict:
    """Join as a browser does: the join page sets the CSRF cookie, the POST the participant's."""
    cookies = CookieJar()
    browser = build_opener(HTTPCookieProcessor(cookies))
    browser.open(f"{base}/{code}", timeout=10).close()
    jar = {c.name: c.value for c in cookies}
    browser.open(Request(f"{base}/{code}", data=b"", headers=_headers(base, jar)), timeout=10).close()
    return {c.name: c.value for c in cookies}


def _headers(base: str, jar: dict) -> dict:
    return {
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        "X-CSRFToken": jar.get("csrftoken", ""),
        "Origin": base,
        "Content-Type": "application/x-www-form-urlencoded",
        "HX-Request": "true",
    }


def test_four_taps_at_once_on_a_real_server_spend_at_most_the_budget_and_each_reply_is_true(
    daphne_server, voting_workshop, statements
):
    jar = _join(daphne_server, voting_workshop.code)
    participant = Participant.objects.get(workshop=voting_workshop)
    barrier = threading.Barrier(len(statements))
    replies: dict[int, tuple[int, str]] = {}

    def tap(statement) -> None:
        url = f"{daphne_server}/{voting_workshop.code}/me/{statement.pk}/dots/"
        body = urlencode({"dots": 3}).encode()
        barrier.wait()
        with urlopen(Request(url, data=body, headers=_headers(daphne_server, jar)), timeout=30) as response:
            replies[statement.pk] = (response.status, response.read().decode())

    threads = [threading.Thread(target=tap, args=(s,)) for s in statements]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    saved = {pk for pk, (status, html) in replies.items() if status == 200 and 'role="alert"' not in html}
    refused = {pk for pk, (status, html) in replies.items() if 'role="alert"' in html}
    # 4 x 3 dots against a budget of 10: three taps are saved, one is refused, whatever the order.
    assert len(saved) == 3 and len(refused) == 1, replies
    in_db = dict(
        Answer.objects.filter(participant=participant, dots__gt=0).values_list("statement_id", "dots")
    )
    assert in_db == {pk: 3 for pk in saved}
    for pk in saved:
        assert re.search(rf'id="dots-{pk}"[^>]*data-dots="3"', replies[pk][1])


def test_under_asgi_the_middleware_chain_runs_sync_in_one_thread_hop():
    # An async chain would hop to a thread twice per MiddlewareMixin middleware (bench/README.md).
    from asgiref.sync import SyncToAsync
    from django.core.handlers.asgi import ASGIHandler

    # The whole (sync) chain behind one sync_to_async, not an async chain adapting at each middleware.
    assert isinstance(ASGIHandler()._middleware_chain, SyncToAsync)
