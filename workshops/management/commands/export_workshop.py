import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workshops import exports
from workshops.models import Workshop, normalise_join_code


class Command(BaseCommand):
    help = (
        "Export one workshop's results: spreadsheet CSV (sheet_csv), data CSV (csv), notes CSV, XLSX, JSON "
        "or the signature list."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="the workshop's join code")
        parser.add_argument("--format", choices=exports.FORMATS, default="csv", dest="fmt")
        parser.add_argument(
            "--signatures", action="store_true", help="add the signature list to XLSX and JSON"
        )
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, code, fmt, signatures, output, **options):
        workshop = Workshop.objects.filter(code=normalise_join_code(code)).first()
        if workshop is None:
            raise CommandError(f"No workshop with the join code {code!r}.")
        file = exports.export(workshop, fmt, signatures=signatures)
        if output:
            Path(output).write_bytes(file.content)
            self.stderr.write(f"Wrote {output} ({len(file.content)} bytes)")
        elif fmt == "xlsx":
            if sys.stdout.isatty():
                raise CommandError("An XLSX file is binary: give -o FILE or redirect the output.")
            sys.stdout.buffer.write(file.content)
            sys.stdout.flush()
        else:
            # The text formats keep their byte order mark, as in the download.
            self.stdout.write(file.content.decode("utf-8"), ending="")
