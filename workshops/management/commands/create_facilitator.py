import getpass
import os
import sys

from axes.utils import reset as reset_login_failures
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

PASSWORD_VARIABLE = "DOTVOTE_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create a facilitator account, or with --reset give an existing one a new password. The "
        f"password comes from the environment variable {PASSWORD_VARIABLE} or, when that is unset, "
        "from a prompt. Weak passwords are refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Set a new password for an existing facilitator and lift their login lockouts.",
        )

    def handle(self, *args, username, reset=False, **options):
        User = get_user_model()
        existing = User.objects.filter(username=username).first()
        if existing and not reset:
            raise CommandError(
                f"User {username!r} already exists; give a new password with `create_facilitator --reset`."
            )
        if reset and not existing:
            raise CommandError(f"There is no user {username!r}. Nothing was changed.")
        password = os.environ.get(PASSWORD_VARIABLE)
        if password is None:
            if not sys.stdin.isatty():
                raise CommandError(f"No terminal to ask for the password: set {PASSWORD_VARIABLE}.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ. Nothing was changed.")
        if not password:
            raise CommandError("The password is empty. Nothing was changed.")
        user = existing or User(username=username)
        try:
            validate_password(password, user)
        except ValidationError as weak:
            raise CommandError("Weak password, nothing was changed: " + " ".join(weak.messages)) from None
        user.set_password(password)
        user.save()
        if existing:
            reset_login_failures(username=username)
            self.stdout.write(f"New password set for {username!r}; their login lockouts are lifted.")
        else:
            self.stdout.write(f"Created facilitator {username!r}.")
