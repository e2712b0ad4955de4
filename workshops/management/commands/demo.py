import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse

from workshops import services
from workshops.models import Workshop
from workshops.ped import PED_TITLE
from workshops.qr import lan_address

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "taplariihi-2015"  # ASCII: typed on whatever keyboard the venue lends
DEMO_CODE = "PED235"


class Command(BaseCommand):
    help = "Create (once) a demo facilitator and a demo PED workshop, and print how to join."

    def handle(self, *args, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=DEMO_USERNAME)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        workshop = Workshop.objects.filter(code=DEMO_CODE).first()
        if workshop is None:
            workshop = services.create_workshop(user, str(PED_TITLE), template="ped", language="fi")
            workshop.code = DEMO_CODE
            workshop.save(update_fields=["code"])
        port = os.environ.get("PORT", "8000")
        base = f"http://{lan_address()}:{port}"
        self.stdout.write(
            f"Facilitator: {base}{reverse('login')}  user {DEMO_USERNAME!r}"
            + (f" password {DEMO_PASSWORD!r}" if created else " (password as set before)")
        )
        self.stdout.write(f"Demo workshop {workshop.title!r}, join code {workshop.code}")
        self.stdout.write(f"Phones on the same wifi join at: {base}/{workshop.code}")
