"""The import pages: upload → preview of every line and every problem, and the questions a person must
answer (new facilities close to existing customers, blank customer fields to fill, possible corrections)
→ confirm with a reason → a background job imports every line or none, and the page follows its
progress (/admin/jobs/<id>/). The pages only adapt HTTP to the use cases in
distribution.imports.use_cases, which the management commands and the jobs (distribution.jobs) call.

The confirm plans the staged file again to build the questions' fields, so an answer that no longer fits
is an error on the page; the import itself checks the answers once more inside its transaction. The
confirm claims the staged upload for one job: sent twice (a double click, a second tab), it leads to
the same job."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views import View

from distribution.forms import (
    CsvUploadForm,
    ImportConfirmForm,
    ImportDecisionsForm,
    PdfImportConfirmForm,
    PdfUploadForm,
)
from distribution.imports import staging
from distribution.imports.use_cases import preview_csv_file, preview_pdf_files
from distribution.jobs import IMPORT_CSV, IMPORT_PDF
from silqeqms.jobs import start_job
from silqeqms.jobs.models import Job
from silqeqms.middleware import client_ip
from silqeqms.permissions import PermissionRequiredMixin

# The preview's table stops here so that a 100,000-row file does not become a 30 MB page; every
# problem is still listed and the counts cover every row.
PREVIEW_ROWS = 500


def _claimed(request, tokens: list[str]) -> Job | None:
    """The job a confirm of these staged files already started (the same confirm sent again)."""
    keys = [staging.claim_key(token) for token in tokens]
    return Job.objects.filter(claim_key__in=keys, started_by=request.user).first() if keys else None


class CsvImportView(PermissionRequiredMixin, View):
    permission_required = "distribution.import"
    template_name = "distribution/import_csv.html"

    def get(self, request):
        return render(request, self.template_name, {"form": CsvUploadForm()})

    def post(self, request):
        if "token" in request.POST:
            return self.confirm(request)
        form = CsvUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        upload = form.cleaned_data["file"]
        data = upload.read()
        confirm_form = None
        preview = preview_csv_file(name=upload.name, data=data)
        if preview.can_import:
            token = staging.stage(request, name=upload.name, data=data, sha256=preview.sha256, kind="csv")
            confirm_form = ImportConfirmForm(initial={"token": token})
        return self.render_preview(request, preview, confirm_form)

    def render_preview(self, request, preview, confirm_form, decisions_form=None, import_errors=()):
        lines = preview.plan.lines if preview.plan else []
        if confirm_form is not None and decisions_form is None:
            decisions_form = ImportDecisionsForm(plan=preview.plan)
        return render(request, self.template_name, {
            "form": CsvUploadForm(), "preview": preview, "file_name": preview.file_name,
            "file_error": preview.file_error, "parsed": preview.parsed, "plan": preview.plan,
            "problems": preview.problems, "confirm_form": confirm_form, "decisions_form": decisions_form,
            "import_errors": import_errors,
            "preview_lines": lines[:PREVIEW_ROWS], "preview_cut": max(0, len(lines) - PREVIEW_ROWS),
        })

    def confirm(self, request):
        form = ImportConfirmForm(request.POST)
        token = request.POST.get("token", "")
        if job := _claimed(request, [token]):
            return redirect(job)
        staged = staging.load(request, token, kind="csv")
        if staged is None:
            messages.error(request, "That upload has expired or was already imported. Upload the file again.")
            return redirect("distribution:import_csv")
        preview = preview_csv_file(name=staged.name, data=staging.read(staged))
        decisions_form = ImportDecisionsForm(request.POST, plan=preview.plan)
        if not (form.is_valid() & decisions_form.is_valid()):
            return self.render_preview(request, preview, form, decisions_form)
        if not preview.can_import:
            # The log or the customers changed since the preview: show the file as it would import now.
            messages.error(request, f"Nothing was imported from {staged.name}: the log changed since the preview.")
            return self.render_preview(request, preview, None)
        job = start_job(actor=request.user, kind=IMPORT_CSV, request_ip=client_ip(request),
                        claim_key=staged.claim_key, input_files=[staged.storage_name],
                        params={"file": staged.storage_name, "name": staged.name, "reason": form.cleaned_data["reason"],
                                "decisions": decisions_form.decisions().to_params()})
        staging.forget(request, token)
        return redirect(job)


class PdfImportView(PermissionRequiredMixin, View):
    """Sales-order PDFs: what was read per file and where the reader was unsure, then one confirm for
    every file's lines, each entry linked to its stored original."""

    permission_required = "distribution.import"
    template_name = "distribution/import_pdf.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PdfUploadForm()})

    def post(self, request):
        if "tokens" in request.POST:
            return self.confirm(request)
        form = PdfUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        files = [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
        return self.render_preview(request, preview_pdf_files(files=files))

    def render_preview(self, request, preview, confirm_form=None, decisions_form=None, import_errors=()):
        context = {"form": PdfUploadForm(), "plans": preview.files, "import_plan": preview.plan,
                   "plan_errors": preview.plan.errors if preview.plan else [], "import_errors": import_errors}
        if preview.can_import:
            if confirm_form is None:
                tokens = [staging.stage(request, name=f.file_name, data=f.data, sha256=f.sha256, kind="pdf")
                          for f in preview.importable]
                confirm_form = PdfImportConfirmForm(initial={"tokens": ",".join(tokens)})
            context["confirm_form"] = confirm_form
            context["decisions_form"] = decisions_form or ImportDecisionsForm(plan=preview.plan)
            context["to_create"] = len(preview.plan.to_create)
        return render(request, self.template_name, context)

    def confirm(self, request):
        form = PdfImportConfirmForm(request.POST)
        tokens = [t for t in request.POST.get("tokens", "").split(",") if t]
        if job := _claimed(request, tokens):
            return redirect(job)
        staged = [staging.load(request, token, kind="pdf") for token in tokens]
        if not tokens or any(s is None for s in staged):
            messages.error(request, "That upload has expired or was already imported. Upload the PDFs again.")
            return redirect("distribution:import_pdf")
        preview = preview_pdf_files(files=[(s.name, staging.read(s)) for s in staged])
        decisions_form = ImportDecisionsForm(request.POST, plan=preview.plan)
        if not (form.is_valid() & decisions_form.is_valid()):
            return self.render_preview(request, preview, confirm_form=form, decisions_form=decisions_form)
        if not preview.can_import:
            messages.error(request, "Nothing was imported: the log changed since the preview.")
            return self.render_preview(request, preview)
        # One job claims the first file's token for the batch; the files are its inputs.
        job = start_job(actor=request.user, kind=IMPORT_PDF, request_ip=client_ip(request),
                        claim_key=staged[0].claim_key, input_files=[s.storage_name for s in staged],
                        params={"files": [{"file": s.storage_name, "name": s.name} for s in staged],
                                "reason": form.cleaned_data["reason"],
                                "decisions": decisions_form.decisions().to_params()})
        for token in tokens:
            staging.forget(request, token)
        return redirect(job)
