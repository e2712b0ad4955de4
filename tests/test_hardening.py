"""Issue 11: login throttling, headers, error pages, sockets, limits, and the statement cap."""

import os
import subprocess
import sys
import threading
from datetime import date, timedelta

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import connection, connections
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from workshops import services
from workshops.models import Statement

from .conftest import on_postgres

pytestmark = pytest.mark.django_db


def wrong_login(client, url, username="alice", address="10.0.0.1"):
    return client.post(url, {"username": username, "password": "wrong-guess"}, REMOTE_ADDR=address)


# --- Login throttling (django-axes) -------------------------------------------------------------


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_brute_force_is_locked_out_even_with_the_right_password_at_last(owner, url):
    owner.is_staff = True
    owner.save()
    client = Client()
    statuses = [wrong_login(client, url).status_code for _ in range(django_settings.AXES_FAILURE_LIMIT)]
    assert statuses[:-1] == [200] * (len(statuses) - 1)  # the form again, with its error
    assert statuses[-1] == 429
    right = client.post(url, {"username": "alice", "password": "alice-pass-123"}, REMOTE_ADDR="10.0.0.1")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # Finnish by default: a clear message, not a bare status.
    assert "Liian monta epäonnistunutta kirjautumista" in right.content.decode()


def test_the_lockout_is_by_name_and_address_so_a_shared_hall_address_keeps_working(owner, other_facilitator):
    hall = "10.0.0.1"
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        wrong_login(Client(), "/accounts/login/", address=hall)
    # alice from her phone's own network still gets in...
    away = Client()
    response = away.post(
        "/accounts/login/", {"username": "alice", "password": "alice-pass-123"}, REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 302
    # ...and bob, behind the same hall address, too.
    colleague = Client()
    response = colleague.post(
        "/accounts/login/", {"username": "bob", "password": "bob-pass-123"}, REMOTE_ADDR=hall
    )
    assert response.status_code == 302


def test_the_lockout_message_is_translated():
    client = Client()
    client.cookies["django_language"] = "sv"
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        response = wrong_login(client, "/accounts/login/", username="nobody")
    assert response.status_code == 429
    assert "För många misslyckade inloggningar" in response.content.decode()
    assert "15 min" in response.content.decode()


def test_a_password_reset_lifts_the_lockout(owner, monkeypatch):
    from django.core.management import call_command

    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        wrong_login(Client(), "/accounts/login/")
    monkeypatch.setenv("DOTVOTE_PASSWORD", "uusi-salasana-joulukuu-26")
    call_command("create_facilitator", "alice", "--reset", stdout=open(os.devnull, "w"))
    response = Client().post(
        "/accounts/login/",
        {"username": "alice", "password": "uusi-salasana-joulukuu-26"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302


def test_a_vote_costs_no_query_for_the_login_throttle(participant, statements, settings):
    client = Client()
    # The participant's cookie, as the join view sets it.
    join = client.post(reverse("join", args=[participant.workshop.code]))
    assert join.status_code == 302
    url = reverse("participant_dots", args=[participant.workshop.code, statements[0].pk])

    def vote(dots):
        with CaptureQueriesContext(connection) as queries:
            assert client.post(url, {"dots": dots}).status_code == 302
        return [q["sql"] for q in queries.captured_queries]

    vote(1)  # the answer row exists from here on
    with_axes = vote(2)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("axes.")]
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    without_axes = vote(3)
    assert not [sql for sql in with_axes if "axes" in sql]
    assert len(with_axes) == len(without_axes)


# --- Headers ------------------------------------------------------------------------------------


def assert_policy(response):
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in directives["script-src"] and "unsafe" not in directives["style-src"]
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_every_kind_of_page_carries_the_policy(owner_client, worked_example, admin_client):
    workshop = worked_example
    participant_client = Client()
    assert participant_client.post(reverse("join", args=[workshop.code])).status_code == 302
    projector_client = Client()  # the projector link leaves its key in a cookie, then the screen
    assert (
        projector_client.get(
            reverse("projector", args=[workshop.code, workshop.projector_secret])
        ).status_code
        == 302
    )
    pages = {
        "public": (Client(), reverse("home")),
        "login": (Client(), reverse("login")),
        "participant": (participant_client, reverse("participant_home", args=[workshop.code])),
        "facilitator": (owner_client, reverse("workshop_run", args=[workshop.code])),
        "projector": (projector_client, reverse("projector_screen", args=[workshop.code])),
        "export": (owner_client, reverse("export", args=[workshop.code, "csv"])),
        "report": (owner_client, reverse("report", args=[workshop.code])),
        "admin": (admin_client, "/admin/"),
        "error page": (Client(), "/workshops/ZZZZZZ/no-such-page/"),
    }
    for kind, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (kind, response.status_code)
        assert_policy(response)


def test_check_deploy_with_https_reports_nothing(tmp_path):
    # The test process allows async-unsafe ORM calls for Playwright; a deployment does not.
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "HTTPS": "true",
        "SECRET_KEY": "x9" * 30 + "-not-a-real-secret-but-long-and-varied-Qz7!",
        "ALLOWED_HOSTS": "vote.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_turns_on_hsts_the_redirect_and_secure_cookies(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = Client().get(reverse("home"))
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = Client().get(reverse("home"), HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


# --- Error pages ----------------------------------------------------------------------------------


def test_the_404_page_is_finnish_by_default_with_a_way_back():
    response = Client().get("/workshops/ZZZZZZ/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Sivua ei löytynyt" in html
    assert f'href="{reverse("home")}"' in html
    assert 'lang="fi"' in html


def test_the_404_page_follows_the_language_cookie():
    client = Client()
    client.cookies["django_language"] = "sv"
    html = client.get("/no/such/page/").content.decode()
    assert "Sidan hittades inte" in html and 'lang="sv"' in html


def test_someone_elses_workshop_is_the_same_friendly_404(client, other_facilitator, workshop):
    client.force_login(other_facilitator)
    response = client.get(reverse("workshop_run", args=[workshop.code]))
    assert response.status_code == 404
    assert "Sivua ei löytynyt" in response.content.decode()


def test_the_500_and_403_pages_render_without_a_request():
    # Django renders 500.html with no request and no context processors.
    assert "Jotain meni vikaan" in render_to_string("500.html")
    assert "Ei pääsyä" in render_to_string("403.html")


# --- Sockets --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/nothing-here/", "/ws/workshops/ABC234/unknown/", "/elsewhere"])
def test_an_unknown_socket_path_is_closed_with_4404(path):
    from dotvote.asgi import application

    from .test_consumers import run

    async def attempt():
        communicator = WebsocketCommunicator(
            application, path, headers=[(b"host", b"testserver"), (b"origin", b"http://testserver")]
        )
        connected, _ = await communicator.connect()
        try:
            return connected, await communicator.receive_output(timeout=2)
        finally:
            await communicator.disconnect()

    connected, closed = run(attempt)
    assert connected
    assert closed == {"type": "websocket.close", "code": 4404}


# --- The "delete data after" date -----------------------------------------------------------------


def edit_form(workshop, **changes) -> dict:
    data = {
        "title": workshop.title,
        "language": workshop.language,
        "dots_per_participant": workshop.dots_per_participant,
        "max_dots_per_statement": workshop.max_dots_per_statement or "",
        "participant_limit": workshop.participant_limit,
        "delete_after": workshop.delete_after.isoformat(),
    }
    if workshop.collect_signatures:
        data["collect_signatures"] = "on"
    data.update(changes)
    return data


def test_a_far_delete_date_is_refused_by_the_form_and_joining_still_works(owner_client, voting_workshop):
    before = voting_workshop.delete_after
    response = owner_client.post(
        reverse("workshop_edit", args=[voting_workshop.code]),
        edit_form(voting_workshop, delete_after="9999-12-31"),
    )
    assert response.status_code == 200
    assert "Valitse päivä väliltä" in response.content.decode()
    voting_workshop.refresh_from_db()
    assert voting_workshop.delete_after == before
    assert Client().post(reverse("join", args=[voting_workshop.code])).status_code == 302


def test_the_service_refuses_a_far_date_and_takes_five_years(voting_workshop):
    with pytest.raises(services.InvalidInput):
        services.update_workshop(voting_workshop, delete_after=date(9999, 12, 31))
    with pytest.raises(services.InvalidInput):
        services.update_workshop(voting_workshop, delete_after=timezone.localdate() - timedelta(days=1))
    latest = services.latest_delete_after()
    services.update_workshop(voting_workshop, delete_after=latest)
    assert voting_workshop.delete_after == latest
    assert Client().post(reverse("join", args=[voting_workshop.code])).status_code == 302


# --- Request bodies -------------------------------------------------------------------------------


def test_an_oversized_form_body_is_refused(participant, statements):
    client = Client()
    client.post(reverse("join", args=[participant.workshop.code]))
    url = reverse("participant_dots", args=[participant.workshop.code, statements[0].pk])
    response = client.post(
        url, {"dots": "1", "padding": "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    )
    assert response.status_code == 400


# --- The statement cap under concurrency (PostgreSQL) --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_adds_stop_at_the_cap_with_unique_positions(owner):
    if not on_postgres():
        pytest.skip("row locks are tested on PostgreSQL; SQLite serialises writers with IMMEDIATE")
    workshop = services.create_workshop(owner, "Täysi", template="blank")
    Statement.objects.bulk_create(
        Statement(workshop=workshop, position=i, short_name=f"S{i}", text=f"Väite {i}") for i in range(1, 46)
    )
    barrier = threading.Barrier(20)
    refused: list[str] = []

    def add(n: int) -> None:
        try:
            barrier.wait()
            services.add_statement(workshop, f"Uusi {n}", f"Uusi väite {n}")
        except services.InvalidInput as error:
            refused.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    positions = list(workshop.statements.values_list("position", flat=True))
    assert len(positions) == services.MAX_STATEMENTS
    assert len(set(positions)) == len(positions)
    assert len(refused) == 15
