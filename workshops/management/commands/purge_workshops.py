from django.core.management.base import BaseCommand

from workshops import services


class Command(BaseCommand):
    help = (
        'Delete every workshop whose "delete data after" date has passed, with all its answers. '
        "Safe to run daily from cron: it prints what it deleted, and nothing when there was nothing to do."
    )

    def handle(self, *args, **options):
        for line in services.purge_expired():
            self.stdout.write(f"Deleted workshop {line}")
