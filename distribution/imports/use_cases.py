"""The import use cases, called alike by the pages, the management commands and background jobs:
preview a file (nothing written), then import it (every line or none).

    preview = preview_csv_file(name=..., data=...)          # the page's preview / --dry-run
    result = import_csv_file(actor=..., name=..., data=..., reason=..., decisions=...)
    preview = preview_pdf_files(files=[(name, data), ...])
    result = import_pdf_files(actor=..., files=[(name, data), ...], reason=..., decisions=...)

An import parses and plans again inside its transaction: what is written follows the same rules the
person saw in the preview, against the log as it is at that moment, with the person's answers to the
preview's questions (imports.decisions: close customers, blank fields, possible corrections) checked
against that fresh plan.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from distribution.imports.csv_file import CsvImportError, CsvParseResult, parse_distribution_csv
from distribution.imports.decisions import DecisionsUsed, ImportDecisions, unused_decisions
from distribution.imports.lines import ImportLine
from distribution.imports.pdf import PdfImportError, PdfParseResult, parse_sales_order_pdf_safely
from distribution.imports.planning import ImportPlan, plan_import
from distribution.imports.rows import csv_rows_to_lines, pdf_result_to_lines
from distribution.imports.writer import ImportResult, import_entries
from distribution.models import Source, SourceDocument
from distribution.services import store_source_document
from silqeqms.audit import audit_batch, current_batch_id
from silqeqms.jobs.progress import NullProgress, Progress
from silqeqms.models import User


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _one_batch():
    """An import's events share one batch id: the request's or the job's when there is one, else its own."""
    return contextlib.nullcontext() if current_batch_id() else audit_batch()


# CSV -----------------------------------------------------------------------------------------------


@dataclass
class CsvPreview:
    file_name: str
    sha256: str
    parsed: CsvParseResult | None = None
    plan: ImportPlan | None = None
    file_error: str = ""  # the whole file was refused (encoding, size, header)

    @property
    def problems(self) -> list:
        """Every problem, the parser's and the plan's, in line order (each names line, column, value)."""
        if self.parsed is None:
            return []
        found = [*self.parsed.errors, *(self.plan.problems if self.plan else [])]
        return sorted(found, key=lambda p: (p.line, p.column))

    @property
    def can_import(self) -> bool:
        return bool(self.parsed and self.parsed.ok and self.plan and not self.plan.problems
                    and (self.plan.to_create or self.plan.corrections))

    @property
    def nothing_new(self) -> bool:
        return bool(self.parsed and self.parsed.ok and self.plan and not self.plan.problems
                    and not self.plan.to_create and not self.plan.corrections)


def preview_csv_file(*, name: str, data: bytes) -> CsvPreview:
    """Parse and plan a CSV without writing anything."""
    preview = CsvPreview(file_name=name, sha256=sha256_of(data))
    try:
        preview.parsed = parse_distribution_csv(data)
    except CsvImportError as error:
        preview.file_error = str(error)
        return preview
    preview.plan = plan_import(csv_rows_to_lines(preview.parsed.rows))
    return preview


def import_csv_file(*, actor: User | None, name: str, data: bytes, reason: str,
                    batch_data: Mapping[str, Any] | None = None, decisions: ImportDecisions | None = None,
                    progress: Progress | None = None) -> ImportResult:
    """Import every row of the CSV, or none: any problem raises ValidationError (one message each).
    `progress`: a background job's (the import runs as one from the page; silqeqms.jobs)."""
    try:
        parsed = parse_distribution_csv(data)
    except CsvImportError as error:
        raise ValidationError(str(error)) from None
    if not parsed.ok:
        raise ValidationError([str(e) for e in parsed.errors])
    with _one_batch():
        return import_entries(actor=actor, rows=csv_rows_to_lines(parsed.rows), source=Source.CSV, reason=reason,
                              file_name=name, sha256=sha256_of(data), decisions=decisions, progress=progress,
                              batch_data={"encoding": parsed.encoding, **(batch_data or {})})


# PDF -----------------------------------------------------------------------------------------------


@dataclass
class PdfFilePlan:
    """What one PDF will import: its lines, and what the reader was unsure about."""

    file_name: str
    sha256: str
    result: PdfParseResult | None = None
    lines: list[ImportLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    already_imported: str = ""  # when this exact file was imported before
    data: bytes = field(default=b"", repr=False)

    @property
    def importable(self) -> bool:
        return bool(self.lines) and not self.error and not self.already_imported


def read_pdf_file(name: str, data: bytes) -> PdfFilePlan:
    """Read one PDF in the sandbox (or say why not); an exact file imported before is not read again."""
    plan = PdfFilePlan(file_name=name, sha256=sha256_of(data))
    previous = SourceDocument.objects.filter(sha256=plan.sha256).first()
    if previous:
        plan.already_imported = f"on {previous.uploaded_at:%Y-%m-%d} as {previous.original_name}"
        return plan
    try:
        plan.result = parse_sales_order_pdf_safely(data, name)
    except PdfImportError as error:
        plan.error = str(error)
        return plan
    plan.lines, plan.warnings = pdf_result_to_lines(plan.result)
    if not plan.lines:
        plan.error = f"{name}: no order line could be imported (see the warnings)."
    plan.data = data
    return plan


@dataclass
class PdfPreview:
    files: list[PdfFilePlan]
    plan: ImportPlan | None = None  # the importable files' lines together

    @property
    def importable(self) -> list[PdfFilePlan]:
        return [f for f in self.files if f.importable]

    @property
    def can_import(self) -> bool:
        return bool(self.plan and not self.plan.problems and (self.plan.to_create or self.plan.corrections))


def _renumber(plans: Sequence[PdfFilePlan]) -> list[ImportLine]:
    """Number the files' lines on from one file to the next (as the preview shows them, and as the
    person's answers name them); the files' lines as one list."""
    number = 0
    for plan in plans:
        plan.lines = [dataclasses.replace(line, line=number + i) for i, line in enumerate(plan.lines, start=1)]
        number += len(plan.lines)
    return [line for plan in plans for line in plan.lines]


def _read_files(files: Sequence[tuple[str, bytes]], *, progress: Progress | None = None) -> list[PdfFilePlan]:
    """Each file read (or why not); a file repeated in one upload counts once."""
    progress = progress or NullProgress()
    plans, first_name = [], {}
    for name, data in files:
        digest = sha256_of(data)
        if digest in first_name:
            plan = PdfFilePlan(file_name=name, sha256=digest, already_imported=f"in this upload as {first_name[digest]}")
        else:
            plan = read_pdf_file(name, data)
            first_name[digest] = name
        plans.append(plan)
        progress.advance()
    return plans


def preview_pdf_files(*, files: Sequence[tuple[str, bytes]], progress: Progress | None = None) -> PdfPreview:
    """Read every file (the slow part: one sandboxed child per file) and plan their lines together."""
    preview = PdfPreview(files=_read_files(files, progress=progress))
    lines = _renumber(preview.importable)
    preview.plan = plan_import(lines, unknown_rep_is_error=False) if lines else None
    return preview


@dataclass
class PdfImportResult:
    created: int = 0
    duplicates: int = 0
    needs_review: int = 0
    customers_created: int = 0
    files_imported: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)  # imported before: never twice
    entry_ids: list[int] = field(default_factory=list)
    batch_id: str = ""


def import_pdf_files(*, actor: User | None, files: Sequence[tuple[str, bytes]], reason: str,
                     batch_data: Mapping[str, Any] | None = None, decisions: ImportDecisions | None = None,
                     progress: Progress | None = None) -> PdfImportResult:
    """Every file's lines in one transaction, each entry linked to its stored original; a file imported
    before is skipped. Any unreadable file or any line with a problem refuses the whole batch. Lines are
    numbered on across the files, as in the preview; `decisions` answer the preview's questions."""
    outcome = PdfImportResult()
    decisions = decisions or ImportDecisions()
    used = DecisionsUsed()
    progress = progress or NullProgress()
    progress.add_to_total(len(files))  # reading each file is most of the time; then its lines
    with _one_batch(), transaction.atomic():
        outcome.batch_id = current_batch_id()
        plans = _read_files(files, progress=progress)
        for plan in plans:
            if plan.error and not plan.already_imported:
                raise ValidationError(plan.error)
        _renumber([plan for plan in plans if plan.importable])
        for plan, (name, data) in zip(plans, files, strict=True):
            if plan.already_imported:
                outcome.files_skipped.append(name)
                continue
            document = store_source_document(actor=actor, name=name, data=data)
            result = import_entries(
                actor=actor, rows=plan.lines, source=Source.PDF, reason=reason, file_name=name,
                sha256=document.sha256, source_document=document, unknown_rep_is_error=False,
                decisions=decisions, decisions_used=used, progress=progress,
                batch_data={"pages": plan.result.page_count, "orders": [o.order_number for o in plan.result.orders],
                            **(batch_data or {})},
            )
            outcome.created += result.created
            outcome.duplicates += result.duplicates
            outcome.needs_review += result.needs_review
            outcome.customers_created += result.customers_created
            outcome.entry_ids += result.entry_ids
            outcome.files_imported.append(name)
        problems = unused_decisions(decisions, used)
        if problems:
            raise ValidationError(problems)
    return outcome
