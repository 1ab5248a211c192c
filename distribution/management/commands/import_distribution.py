import hashlib
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from distribution import services
from distribution.imports.csv_file import CsvImportError, parse_distribution_csv
from distribution.imports.rows import csv_rows_to_lines
from distribution.models import Source
from silqeqms.audit import audit_batch


class Command(BaseCommand):
    help = "Import a distribution CSV: every row or none. --dry-run shows what would happen."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--reason", default="", help="Why these records are imported (required unless --dry-run).")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, file: Path, reason: str, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        data = file.read_bytes()
        try:
            parsed = parse_distribution_csv(data)
        except CsvImportError as error:
            raise CommandError(f"{file.name}: {error} Nothing was imported.") from None
        plan = services.plan_import(csv_rows_to_lines(parsed.rows))
        problems = [str(e) for e in parsed.errors] + plan.errors
        self.stdout.write(f"{file.name}: {parsed.total_rows} rows read ({parsed.encoding}); {len(plan.to_create)} new, "
                          f"{len(plan.duplicates)} duplicates, {len(problems)} problems.")
        if problems:
            for problem in problems[:200]:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"{len(problems)} problems: nothing was imported.")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        if not reason.strip():
            raise CommandError("Give --reason: it is recorded in the audit trail.")
        try:
            with audit_batch():
                result = services.entries_import(
                    actor=None, rows=csv_rows_to_lines(parsed.rows), source=Source.CSV, reason=reason,
                    file_name=file.name, sha256=hashlib.sha256(data).hexdigest(),
                    batch_data={"encoding": parsed.encoding, "via": "manage.py import_distribution"},
                )
        except ValidationError as error:
            raise CommandError("Nothing was imported: " + "; ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Imported {result.created} entries ({result.duplicates} duplicates skipped, {result.needs_review} "
            f"waiting for review, {result.customers_created} new customers). Batch {result.batch_id}."))
