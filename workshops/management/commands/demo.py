import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse

from workshops import services
from workshops.models import Workshop
from workshops.ped import ped_title
from workshops.qr import lan_address

DEMO_USERNAME = "demo"
DEMO_CODE = "PED235"
# Generated once per checkout and kept out of git (like .secret_key): `make run` serves every
# interface of a venue's network, so a password written in the repository would open it to all.
DEMO_PASSWORD_FILE = ".demo_password"
# Lower-case letters and digits without look-alikes (l/1, o/0): read off a projector and typed
# on whatever keyboard the venue lends.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def demo_password_file() -> Path:
    return Path(settings.BASE_DIR) / DEMO_PASSWORD_FILE


def demo_password() -> tuple[str, bool]:
    """The demo password, and whether it was made just now (then it is set on the account)."""
    path = demo_password_file()
    if path.exists():
        return path.read_text().strip(), False
    password = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password, True


class Command(BaseCommand):
    help = "Create (once) a demo facilitator and a PED workshop in Finnish and Swedish; print how to join."

    def handle(self, *args, **options):
        User = get_user_model()
        password, new_password = demo_password()
        user, created = User.objects.get_or_create(username=DEMO_USERNAME)
        # A new file also replaces whatever password an older checkout gave the account.
        if created or new_password:
            user.set_password(password)
            user.save()
        workshop = Workshop.objects.filter(code=DEMO_CODE).first()
        if workshop is None:
            # Finnish with Swedish beside it, as a bilingual municipality runs its seminar.
            workshop = services.create_workshop(
                user, ped_title("fi"), template="ped", language="fi", further_languages=["sv"]
            )
            workshop.code = DEMO_CODE
            workshop.translations["sv"]["title"] = ped_title("sv")
            workshop.projector_second_language = "sv"
            workshop.save(update_fields=["code", "translations", "projector_second_language"])
        port = os.environ.get("PORT", "8000")
        base = f"http://{lan_address()}:{port}"
        self.stdout.write(
            f"Facilitator: {base}{reverse('login')}  user {DEMO_USERNAME!r}"
            + (
                f" password {password!r} (kept in {DEMO_PASSWORD_FILE})"
                if user.check_password(password)
                else " (password as set before; reset it with `manage.py create_facilitator --reset demo`)"
            )
        )
        self.stdout.write(f"Demo workshop {workshop.title!r}, join code {workshop.code}")
        self.stdout.write(f"Phones on the same wifi join at: {base}/{workshop.code}")
