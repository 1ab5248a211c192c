from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from distribution.imports.cli import (
    add_decision_arguments,
    decisions_from_options,
    describe_questions,
    unanswered,
)
from distribution.imports.pdf import MAX_PDF_BYTES
from distribution.imports.use_cases import import_pdf_files, preview_pdf_files


class Command(BaseCommand):
    help = "Import sales-order PDFs into the distribution log: all files or none. --dry-run shows what would happen."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--reason", default="", help="Why these records are imported (required unless --dry-run).")
        parser.add_argument("--dry-run", action="store_true")
        add_decision_arguments(parser)

    def handle(self, *args, files: list[Path], reason: str, dry_run: bool, **options):
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file. Nothing was imported.")
            if path.stat().st_size > MAX_PDF_BYTES:
                raise CommandError(f"{path.name} is over the {MAX_PDF_BYTES // 1024 // 1024} MB limit. Nothing was imported.")
        contents = [(path.name, path.read_bytes()) for path in files]
        preview = preview_pdf_files(files=contents)
        for plan in preview.files:
            if plan.already_imported:
                self.stdout.write(f"{plan.file_name}: already imported ({plan.already_imported}); skipped.")
                continue
            if plan.error:
                raise CommandError(f"{plan.error} Nothing was imported.")
            result = plan.result
            self.stdout.write(f"{plan.file_name}: {result.page_count} pages, {len(result.orders)} orders, "
                              f"{len(plan.lines)} lines.")
            for warning in plan.warnings:
                self.stdout.write(f"  warning: {warning}")
        if preview.plan is None:
            self.stdout.write("Nothing to import.")
            return
        self.stdout.write(f"{len(preview.plan.to_create)} new entries, {len(preview.plan.duplicates)} already in the log.")
        if preview.plan.problems:
            for problem in preview.plan.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError("Nothing was imported.")
        for line in describe_questions(preview.plan):
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        if not reason.strip():
            raise CommandError("Give --reason: it is recorded in the audit trail.")
        if stop := unanswered(preview.plan, options):
            raise CommandError(stop)
        try:
            result = import_pdf_files(actor=None, files=contents, reason=reason,
                                      batch_data={"via": "manage.py import_distribution_pdf"},
                                      decisions=decisions_from_options(options))
        except ValidationError as error:
            raise CommandError("Nothing was imported: " + "; ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Imported {result.created} entries from {len(result.files_imported)} PDF(s)."))
