from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from distribution.imports.cli import (
    add_decision_arguments,
    decisions_from_options,
    describe_questions,
    unanswered,
)
from distribution.imports.use_cases import import_csv_file, preview_csv_file


class Command(BaseCommand):
    help = "Import a distribution CSV: every row or none. --dry-run shows what would happen."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--reason", default="", help="Why these records are imported (required unless --dry-run).")
        parser.add_argument("--dry-run", action="store_true")
        add_decision_arguments(parser)

    def handle(self, *args, file: Path, reason: str, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        data = file.read_bytes()
        preview = preview_csv_file(name=file.name, data=data)
        if preview.file_error:
            raise CommandError(f"{file.name}: {preview.file_error} Nothing was imported.")
        parsed, plan, problems = preview.parsed, preview.plan, preview.problems
        self.stdout.write(f"{file.name}: {parsed.total_rows} rows read ({parsed.encoding}); {len(plan.to_create)} new, "
                          f"{len(plan.duplicates)} duplicates, {len(problems)} problems.")
        if problems:
            for problem in problems[:200]:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"{len(problems)} problems: nothing was imported.")
        for line in describe_questions(plan):
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        if not reason.strip():
            raise CommandError("Give --reason: it is recorded in the audit trail.")
        if stop := unanswered(plan, options):
            raise CommandError(stop)
        try:
            result = import_csv_file(actor=None, name=file.name, data=data, reason=reason,
                                     batch_data={"via": "manage.py import_distribution"},
                                     decisions=decisions_from_options(options))
        except ValidationError as error:
            raise CommandError("Nothing was imported: " + "; ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Imported {result.created} entries ({result.duplicates} duplicates skipped, {result.corrections_skipped} "
            f"possible corrections skipped, {result.needs_review} waiting for review, {result.customers_created} new "
            f"customers, {result.fields_filled} customer fields filled). Batch {result.batch_id}."))
