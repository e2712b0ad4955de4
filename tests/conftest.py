import pytest
from django.core.management import call_command
from django.db import connection

from workshops import services
from workshops.models import Phase


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
