"""What a CSV preview page shows, kept small enough to store between requests for a file of any size.

A 100,000-row file is previewed by a background job (distribution.jobs.PREVIEW_CSV): planning it takes
longer than a page may. The job keeps a digest — the counts, the first lines, the problems and
warnings, and the questions a person must answer — which the page then shows like an inline preview.
Small files are previewed in the request and shown through the same digest, so the page has one source.
A batch of PDFs too big to read while a page waits is previewed by a job too (PREVIEW_PDF); its
preview is small already (ten files at most) and is kept whole, without the files' bytes.

    digest = digest_csv_preview(preview_csv_file(name=..., data=...))
    name = store_digest(digest); digest = load_digest(name)
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field

from distribution.imports.lines import LineProblem
from distribution.imports.planning import ImportPlan, PlannedLine
from distribution.imports.use_cases import CsvPreview, PdfPreview
from silqeqms.jobs.files import open_job_input, save_job_input

# The preview's table stops here so that a 100,000-row file does not become a 30 MB page; the counts
# cover every row.
PREVIEW_ROWS = 500
# Problems listed one by one; the count covers them all (a file with thousands needs fixing anyway).
PROBLEMS_SHOWN = 1000
REPEATS_SHOWN = 10
WARNING_LINES_SHOWN = 10


@dataclass
class GroupedWarning:
    message: str
    lines: list[int]  # the first WARNING_LINES_SHOWN
    count: int


@dataclass
class CsvPreviewDigest:
    file_name: str
    sha256: str
    file_error: str = ""
    total_rows: int = 0
    encoding: str = ""
    voided_lines: list[int] = field(default_factory=list)
    to_create: int = 0
    duplicates: int = 0
    corrections: int = 0
    new_customers: int = 0
    close_customers: int = 0
    problems: list[LineProblem] = field(default_factory=list)  # the first PROBLEMS_SHOWN, in line order
    problem_count: int = 0
    warnings: list[GroupedWarning] = field(default_factory=list)
    repeats: list[tuple[int, int]] = field(default_factory=list)  # (line, the earlier line it repeats)
    repeat_count: int = 0
    lines: list[PlannedLine] = field(default_factory=list)  # the first PREVIEW_ROWS
    # The questions (close customers, fills, possible corrections) as a plan of their own, for
    # distribution.forms.ImportDecisionsForm.
    questions: ImportPlan | None = None
    can_import: bool = False
    nothing_new: bool = False

    line_count: int = 0  # the rows read without a problem of their own (the table's rows)
    unreadable_rows: int = 0  # rows the reader could not read at all (their problems are listed)

    @property
    def lines_cut(self) -> int:
        return self.line_count - len(self.lines)

    @property
    def problems_cut(self) -> int:
        return self.problem_count - len(self.problems)


def digest_csv_preview(preview: CsvPreview) -> CsvPreviewDigest:
    digest = CsvPreviewDigest(file_name=preview.file_name, sha256=preview.sha256, file_error=preview.file_error)
    if preview.parsed is None:
        return digest
    parsed, plan = preview.parsed, preview.plan
    problems = preview.problems
    repeats = plan.repeats
    digest.total_rows, digest.encoding, digest.voided_lines = parsed.total_rows, parsed.encoding, parsed.voided_lines
    digest.to_create, digest.duplicates = len(plan.to_create), len(plan.duplicates)
    digest.corrections, digest.new_customers = len(plan.corrections), len(plan.new_customers)
    digest.close_customers = len(plan.close_customers)
    digest.problems, digest.problem_count = problems[:PROBLEMS_SHOWN], len(problems)
    digest.warnings = [GroupedWarning(message, lines[:WARNING_LINES_SHOWN], len(lines)) for message, lines in plan.warnings]
    digest.repeats = [(p.row.line, p.repeats_line) for p in repeats[:REPEATS_SHOWN]]
    digest.repeat_count = len(repeats)
    digest.lines, digest.line_count = plan.lines[:PREVIEW_ROWS], len(plan.lines)
    digest.unreadable_rows = len({error.line for error in parsed.errors})
    digest.questions = ImportPlan(lines=plan.corrections,
                                  new_customers={key: new for key, new in plan.new_customers.items() if new.similar},
                                  fills=plan.fills)
    digest.can_import, digest.nothing_new = preview.can_import, preview.nothing_new
    return digest


def store_pdf_preview(preview: PdfPreview) -> str:
    """A PDF batch's preview as the page shows it (at most ten files' orders and lines), without the
    files' bytes (they are staged apart)."""
    for plan in preview.files:
        plan.data = b""
    return save_job_input("pdf-batch.preview", pickle.dumps(preview, protocol=pickle.HIGHEST_PROTOCOL))


def store_digest(digest: CsvPreviewDigest) -> str:
    """Kept in the job-input storage (a worker wrote it; a web server reads it); removed with the
    previews nobody confirmed (silqeqms.jobs.files.purge_orphan_inputs)."""
    return save_job_input(f"{digest.file_name}.preview", pickle.dumps(digest, protocol=pickle.HIGHEST_PROTOCOL))


def load_digest(name: str) -> CsvPreviewDigest | PdfPreview:
    # Only ever a file this application wrote itself (store_digest), named by the server's own session
    # or Job row, never by the request.
    with open_job_input(name) as handle:
        return pickle.loads(handle.read())  # noqa: S301
