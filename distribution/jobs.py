"""distribution's background job kinds, registered from DistributionConfig.ready() (silqeqms/jobs)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.http import urlencode

from distribution.imports.decisions import ImportDecisions
from distribution.imports.digest import digest_csv_preview, store_digest, store_pdf_preview
from distribution.imports.use_cases import (
    import_csv_file,
    import_pdf_files,
    preview_csv_file,
    preview_pdf_files,
)
from distribution.models import (
    CustomerOrderStats,
    DailySkuSummary,
    LotSummary,
    OrderSummary,
    Source,
    Status,
    SyncRun,
)
from distribution.shipstation import sync
from distribution.summaries import rebuild_summaries, verify_summaries
from silqeqms.jobs import JobFailed, job_kind
from silqeqms.jobs.files import read_job_input
from silqeqms.jobs.models import Job
from silqeqms.wording import counted

REBUILD_SUMMARIES = "distribution.rebuild_summaries"


@job_kind(REBUILD_SUMMARIES, label="Rebuild the dashboard summaries", permission="distribution.edit",
          startable=True, description="Recomputes the sales dashboard's summary tables from the entries, then "
                                      "checks them (manage.py verify_summaries --rebuild).")
def rebuild_dashboard_summaries(*, actor, params, progress) -> dict:
    progress.set_total(2)
    rebuild_summaries()  # one transaction: every summary table is replaced, or none is
    progress.advance()
    problems = verify_summaries()
    progress.advance()
    if problems:
        shown = "; ".join(problems[:5])
        raise JobFailed(f"{len(problems)} summary rows still differ from the entries after the rebuild "
                        f"(an entry changed meanwhile?): {shown}. Try again.")
    return {
        "summary": ["The summaries were rebuilt from the entries and match them exactly."],
        "counts": [["Orders", OrderSummary.objects.count()],
                   ["Customers with orders", CustomerOrderStats.objects.count()],
                   ["Lots", LotSummary.objects.count()], ["Day × SKU rows", DailySkuSummary.objects.count()]],
        "links": [{"label": "Sales dashboard", "url": reverse("sales_dashboard:dashboard")}],
    }


# Imports and the ShipStation sync ------------------------------------------------------------------

PREVIEW_CSV = "distribution.preview_csv"
PREVIEW_PDF = "distribution.preview_pdf"
IMPORT_CSV = "distribution.import_csv"
IMPORT_PDF = "distribution.import_pdf"
SYNC_SHIPSTATION = "distribution.sync_shipstation"


def _nothing_imported(what: str, error: ValidationError) -> JobFailed:
    """The import's problems as the job's error; each names its line, column or file."""
    return JobFailed(f"Nothing was imported from {what}: {'; '.join(error.messages)} The log or the customers "
                     f"changed since the preview: upload the file again to see it as it would import now.")


def _entry_links(source: str, needs_review: int) -> list[dict[str, str]]:
    entries = reverse("distribution:entry_list")
    links = [{"label": f"Log entries from {Source(source).label}", "url": f"{entries}?{urlencode({'source': source})}"}]
    if needs_review:
        links.append({"label": "Entries waiting for review",
                      "url": f"{entries}?{urlencode({'source': source, 'status': Status.NEEDS_REVIEW})}"})
    return links


def _counts(result) -> list[list]:
    return [["Entries created", result.created], ["Duplicates skipped", result.duplicates],
            ["Waiting for review", result.needs_review], ["Customers created", result.customers_created]]


@job_kind(PREVIEW_CSV, label="Preview a distribution CSV", permission="distribution.import")
def preview_csv(*, actor, params, progress) -> dict:
    """params: file (storage name), name (as uploaded), token (the upload page's, for the link back).
    Writes nothing but the preview's digest; the page shows it and asks for the confirm."""
    progress.set_total(3)
    data = read_job_input(params["file"])
    progress.advance()
    digest = digest_csv_preview(preview_csv_file(name=params["name"], data=data))
    progress.advance()
    stored = store_digest(digest)
    progress.advance()
    url = f"{reverse('distribution:import_csv')}?{urlencode({'preview': params['token']})}"
    if digest.file_error:
        raise JobFailed(f"{params['name']}: {digest.file_error} Nothing was imported.")
    summary = [f"{counted(digest.total_rows, 'row')} read: {digest.to_create:,} to import, "
               f"{digest.duplicates:,} already in the log, {counted(digest.problem_count, 'problem')}."]
    if digest.can_import:
        summary.append("Nothing is imported yet: review the preview, answer its questions and confirm.")
    return {"preview_file": stored, "summary": summary,
            "counts": [["Rows", digest.total_rows], ["To import", digest.to_create],
                       ["Already in the log", digest.duplicates], ["Problems", digest.problem_count]],
            "links": [{"label": "Review the preview" + (" and import" if digest.can_import else ""), "url": url}]}


@job_kind(PREVIEW_PDF, label="Read sales-order PDFs", permission="distribution.import")
def preview_pdf(*, actor, params, progress) -> dict:
    """params: files ([{file, name, token}]). Reads each file in the sandbox and plans their lines;
    writes nothing but the preview. The page shows it and asks for the confirm."""
    files = [(item["name"], read_job_input(item["file"])) for item in params["files"]]
    preview = preview_pdf_files(files=files, progress=progress)
    stored = store_pdf_preview(preview)
    url = f"{reverse('distribution:import_pdf')}?{urlencode({'preview': params['files'][0]['token']})}"
    lines = len(preview.plan.to_create) if preview.plan else 0
    unreadable = [plan.file_name for plan in preview.files if plan.error]
    summary = [f"{counted(len(files), 'file')} read: {counted(lines, 'line')} to import."]
    if unreadable:
        summary.append(f"Not imported: {', '.join(unreadable)} (the preview says why).")
    if preview.can_import:
        summary.append("Nothing is imported yet: review what was read, answer its questions and confirm.")
    return {"preview_file": stored, "summary": summary,
            "counts": [["Files", len(files)], ["Lines to import", lines], ["Files not read", len(unreadable)]],
            "links": [{"label": "Review the preview" + (" and import" if preview.can_import else ""), "url": url}]}


@job_kind(IMPORT_CSV, label="Import a distribution CSV", permission="distribution.import")
def import_csv(*, actor, params, progress) -> dict:
    """params: file (storage name), name (as uploaded), reason, decisions (ImportDecisions.to_params())."""
    name = params["name"]
    data = read_job_input(params["file"])
    try:
        result = import_csv_file(actor=actor, name=name, data=data, reason=params["reason"], progress=progress,
                                 decisions=ImportDecisions.from_params(params.get("decisions")))
    except ValidationError as error:
        raise _nothing_imported(name, error) from None
    return {
        "summary": [f"Imported {counted(result.created, 'entry', 'entries')} from {name}; every entry has its own "
                    f"audit event.",
                    f"{counted(result.corrections_skipped, 'possible correction')} skipped, "
                    f"{counted(result.fields_filled, 'blank customer field')} filled."],
        "counts": _counts(result),
        "links": _entry_links(Source.CSV, result.needs_review),
    }


@job_kind(IMPORT_PDF, label="Import sales-order PDFs", permission="distribution.import")
def import_pdf(*, actor, params, progress) -> dict:
    """params: files ([{file, name}]), reason, decisions (ImportDecisions.to_params())."""
    files = [(item["name"], read_job_input(item["file"])) for item in params["files"]]
    try:
        result = import_pdf_files(actor=actor, files=files, reason=params["reason"], progress=progress,
                                  decisions=ImportDecisions.from_params(params.get("decisions")))
    except ValidationError as error:
        raise _nothing_imported(", ".join(name for name, _ in files), error) from None
    summary = [f"Imported {counted(result.created, 'entry', 'entries')} from "
               f"{', '.join(result.files_imported) or 'no file'}; each links to its original PDF."]
    if result.files_skipped:
        summary.append(f"Already imported before, so skipped: {', '.join(result.files_skipped)}.")
    return {"summary": summary, "counts": _counts(result), "links": _entry_links(Source.PDF, result.needs_review)}


def run_summary(run: SyncRun) -> str:
    """One sentence for a finished sync run: its window, pages and counts, or why it failed."""
    counts = (f"{run.created} created, {run.updated} updated, {run.voided} voided, {run.unchanged} unchanged, "
              f"{len(run.errors)} error{'s' if len(run.errors) != 1 else ''}")
    window = f"ship dates {run.window_start:%Y-%m-%d} to {run.window_end:%Y-%m-%d}"
    if run.status == SyncRun.RunStatus.FAILED:
        last = run.errors[-1] if run.errors else "unknown error"
        return f"Sync run {run.pk} failed ({window}): {last} Pages already saved are kept ({counts})."
    return f"Sync run {run.pk} {run.get_status_display().lower()} ({window}, {run.pages} page" \
           f"{'s' if run.pages != 1 else ''}): {counts}."


def active_sync_job() -> Job | None:
    """The sync queued or running now, if any (Sync now, the webhook and cron start no second one)."""
    return Job.objects.filter(kind=SYNC_SHIPSTATION, status__in=Job.ACTIVE).order_by("id").first()


@job_kind(SYNC_SHIPSTATION, label="Sync ShipStation shipments", permission="distribution.sync")
def sync_shipstation(*, actor, params, progress) -> dict:
    """params: since, until (ISO dates; blank for the default window), dry_run. A worker may wait out
    ShipStation's rate limit; a page or webhook never does, it only starts this job."""
    since, until = (datetime.date.fromisoformat(params[k]) if params.get(k) else None for k in ("since", "until"))
    try:
        run = sync.sync_shipments(actor=actor, since=since, until=until, dry_run=bool(params.get("dry_run")),
                                  progress=progress)
    except (sync.ShipStationNotConfigured, ValueError) as error:
        raise JobFailed(f"Nothing was synced. {error}") from None
    except sync.SyncAlreadyRunning as error:
        return {"summary": [f"Nothing was synced: {error} That run covers the same window."],
                "links": [{"label": "ShipStation", "url": reverse("distribution:shipstation")}]}
    if run.status == SyncRun.RunStatus.FAILED:
        raise JobFailed(run_summary(run))
    return {
        "summary": [run_summary(run), *run.errors[:20]],
        "counts": [["Created", run.created], ["Updated", run.updated], ["Voided", run.voided],
                   ["Unchanged", run.unchanged], ["Errors", len(run.errors)]],
        "links": [{"label": "ShipStation", "url": reverse("distribution:shipstation")},
                  *_entry_links(Source.SHIPSTATION, 0)],
    }
