from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from distribution import services
from distribution.imports.pdf import MAX_PDF_BYTES, PdfImportError, parse_sales_order_pdf_safely
from distribution.imports.rows import pdf_result_to_lines
from distribution.models import Source, SourceDocument
from silqeqms.audit import audit_batch


class Command(BaseCommand):
    help = "Import sales-order PDFs into the distribution log: all files or none. --dry-run shows what would happen."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--reason", default="", help="Why these records are imported (required unless --dry-run).")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, files: list[Path], reason: str, dry_run: bool, **options):
        readings = []
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file. Nothing was imported.")
            if path.stat().st_size > MAX_PDF_BYTES:
                raise CommandError(f"{path.name} is over the {MAX_PDF_BYTES // 1024 // 1024} MB limit. Nothing was imported.")
            data = path.read_bytes()
            try:
                result = parse_sales_order_pdf_safely(data, path.name)
            except PdfImportError as error:
                raise CommandError(f"{error} Nothing was imported.") from None
            if SourceDocument.objects.filter(sha256=result.sha256).exists():
                self.stdout.write(f"{path.name}: already imported; skipped.")
                continue
            lines, warnings = pdf_result_to_lines(result)
            self.stdout.write(f"{path.name}: {result.page_count} pages, {len(result.orders)} orders, {len(lines)} lines.")
            for warning in warnings:
                self.stdout.write(f"  warning: {warning}")
            readings.append((path, data, result, lines))
        if not readings:
            self.stdout.write("Nothing to import.")
            return
        plan = services.plan_import([line for *_, lines in readings for line in lines])
        self.stdout.write(f"{len(plan.to_create)} new entries, {len(plan.duplicates)} already in the log.")
        if plan.errors:
            for problem in plan.errors:
                self.stderr.write(f"  {problem}")
            raise CommandError("Nothing was imported.")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        if not reason.strip():
            raise CommandError("Give --reason: it is recorded in the audit trail.")
        created = 0
        try:
            with audit_batch(), transaction.atomic():
                for path, data, result, lines in readings:
                    document = services.source_document_store(actor=None, name=path.name, data=data)
                    created += services.entries_import(
                        actor=None, rows=lines, source=Source.PDF, reason=reason, file_name=path.name,
                        sha256=document.sha256, source_document=document,
                        batch_data={"pages": result.page_count, "via": "manage.py import_distribution_pdf"},
                    ).created
        except ValidationError as error:
            raise CommandError("Nothing was imported: " + "; ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Imported {created} entries from {len(readings)} PDF(s)."))
