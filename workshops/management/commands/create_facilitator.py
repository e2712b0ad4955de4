import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

PASSWORD_VARIABLE = "DOTVOTE_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create a facilitator account. The password comes from the environment variable "
        f"{PASSWORD_VARIABLE} or, when that is unset, from a prompt. Weak passwords are refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"User {username!r} already exists; change a password with `changepassword`.")
        password = os.environ.get(PASSWORD_VARIABLE)
        if password is None:
            if not sys.stdin.isatty():
                raise CommandError(f"No terminal to ask for the password: set {PASSWORD_VARIABLE}.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ. Nothing was created.")
        if not password:
            raise CommandError("The password is empty. Nothing was created.")
        user = User(username=username)
        try:
            validate_password(password, user)
        except ValidationError as weak:
            raise CommandError("Weak password, nothing was created: " + " ".join(weak.messages)) from None
        user.set_password(password)
        user.save()
        self.stdout.write(f"Created facilitator {username!r}.")
