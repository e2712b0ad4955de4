import os

import pytest
from django.core.management import call_command
from django.db import connection

from workshops import services
from workshops.models import Phase

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
