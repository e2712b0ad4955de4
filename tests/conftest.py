import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import translation

from workshops import services
from workshops.models import Phase, Rating

# Playwright's sync API keeps an event loop running in the test thread; Django's ORM calls made
# beside it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def _collected_static():
    # Pages name hashed static files (whitenoise's manifest), as in production.
    call_command("collectstatic", interactive=False, verbosity=0)


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-pass-123")


@pytest.fixture
def other_facilitator(django_user_model):
    return django_user_model.objects.create_user("bob", password="bob-pass-123")


@pytest.fixture
def workshop(owner):
    """The PED workshop in Finnish, still in draft."""
    return services.create_workshop(owner, "Demokratiapäivä", template="ped", language="fi")


@pytest.fixture
def voting_workshop(workshop):
    return services.set_phase(workshop, Phase.VOTING)


@pytest.fixture
def statements(workshop):
    return list(workshop.statements.order_by("position"))


@pytest.fixture
def participant(voting_workshop):
    return services.join(voting_workshop)


@pytest.fixture
def worked_example(participant, statements):
    """The seed's participant A: 5/2/2/1 dots, fully agree on 1, fully disagree on 4."""
    for statement, dots in zip(statements, [5, 2, 2, 1], strict=True):
        services.set_dots(participant, statement.pk, dots)
    services.set_rating(participant, statements[0].pk, Rating.FULLY_AGREE)
    services.set_rating(participant, statements[3].pk, Rating.FULLY_DISAGREE)
    return participant.workshop


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


# --- Browser tests: Debian's Chromium driven by Playwright ------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


PIXEL_5 = {
    "viewport": {"width": 393, "height": 727},
    "screen": {"width": 393, "height": 851},
    "device_scale_factor": 2.75,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 11; Pixel 5) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
}


@pytest.fixture
def phone(browser):
    """A new phone-sized browser context, closed after the test."""
    context = browser.new_context(**PIXEL_5)
    yield context
    context.close()


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


# --- A real ASGI server (daphne) in a subprocess, serving the test database ----------------------


@pytest.fixture(scope="session")
def daphne_server(django_db_setup, django_db_blocker):
    """The base URL of daphne serving HTTP and WebSockets from the test database, as `make run` does.

    Unlike pytest-django's live_server (a WSGI thread), this is another process: with REDIS_URL
    set, a vote written in the test process reaches its sockets only through the channel layer.
    """
    import socket
    import subprocess
    import sys
    import tempfile
    import time
    from urllib.parse import urlsplit, urlunsplit
    from urllib.request import urlopen

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        database_url = f"sqlite:///{db['NAME']}"
    else:
        parts = urlsplit(os.environ["DATABASE_URL"])
        database_url = urlunsplit(parts._replace(path="/" + db["NAME"]))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false"}
    log = tempfile.NamedTemporaryFile(prefix="daphne-", suffix=".log", delete=False)
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "dotvote.asgi:application"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urlopen(url + "/privacy/", timeout=1).close()
            break
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail(f"daphne did not answer; see {log.name}")
    if server.poll() is not None:
        pytest.fail(f"daphne exited; see {log.name}")
    yield url
    server.terminate()
    server.wait(timeout=10)


# A request as htmx sends it: the views answer with the partial instead of the whole page.
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def fresh_rate_limits():
    """The rate limits count in the cache: a test that joins or writes many times starts at zero."""
    cache.clear()
    yield
    cache.clear()


def english_client() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"  # as if the language switcher had been used
    return client


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the site's default language (Finnish). A request through the test
    client leaves its language active on the thread, which let one test's phone in English change
    what a later test's plain function call printed."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


# --- Content-Security-Policy: a browser test fails on any violation Chromium reports -------------


@pytest.fixture(autouse=True)
def csp_violations(request):
    """The CSP violations Chromium logged during a browser test; the test fails unless it is empty.

    Every context made from the session's browser (phone, laptop, or browser.new_context in the
    test) reports its pages' console here. A test that provokes a violation on purpose clears the
    list. Tests without a browser pay nothing: Chromium is not even started for them.
    """
    violations: list[str] = []
    if "browser" not in request.fixturenames:
        yield violations
        return
    browser = request.getfixturevalue("browser")

    def watch(context):
        def on_console(message):
            if "Content Security Policy" in message.text:
                violations.append(message.text)

        context.on("console", on_console)
        return context

    original = browser.new_context
    browser.new_context = lambda *args, **kwargs: watch(original(*args, **kwargs))
    try:
        yield violations
    finally:
        del browser.new_context  # the instance attribute; the class's method shows again
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


def projector_cookie_header(workshop, key=None) -> str:
    """The Cookie header a projector holds after its link's first visit (the key, signed)."""
    from django.http import HttpResponse

    from workshops import access

    response = HttpResponse()
    name = access.projector_cookie(workshop)
    response.set_signed_cookie(name, key or workshop.projector_secret, salt=access.PROJECTOR_SALT)
    return f"{name}={response.cookies[name].value}"
