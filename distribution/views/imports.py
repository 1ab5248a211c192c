"""The import pages: upload → preview of every line and every problem, and the questions a person must
answer (new facilities close to existing customers, blank customer fields to fill, possible corrections)
→ confirm with a reason → a background job imports every line or none, and the page follows its
progress (/admin/jobs/<id>/). The pages only adapt HTTP to the use cases in
distribution.imports.use_cases, which the management commands and the jobs (distribution.jobs) call.

The confirm of a small file plans it again to build the questions' fields, so an answer that no longer
fits is an error on the page; a big file's confirm takes the questions from its background preview.
Either way the import job plans once more inside its transaction and refuses answers that no longer
fit. The confirm claims the staged upload for one job: sent twice (a double click, a second tab), it
leads to the same job."""

from __future__ import annotations

from django.conf import settings
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
from distribution.imports.digest import digest_csv_preview, load_digest
from distribution.imports.use_cases import preview_csv_file, preview_pdf_files, sha256_of
from distribution.jobs import IMPORT_CSV, IMPORT_PDF, PREVIEW_CSV, PREVIEW_PDF
from silqeqms.jobs import start_job
from silqeqms.jobs.models import Job
from silqeqms.middleware import client_ip
from silqeqms.permissions import PermissionRequiredMixin


def _claimed(request, tokens: list[str]) -> Job | None:
    """The job a confirm of these staged files already started (the same confirm sent again)."""
    keys = [staging.claim_key(token) for token in tokens]
    return Job.objects.filter(claim_key__in=keys, started_by=request.user).first() if keys else None


class CsvImportView(PermissionRequiredMixin, View):
    """Upload → preview → confirm. A file of more than IMPORT_PREVIEW_INLINE_ROWS rows is previewed by a
    background job (planning 100,000 rows takes longer than a page may); its result links back here
    (?preview=<token>) to the same preview, kept as a digest (distribution.imports.digest)."""

    permission_required = "distribution.import"
    template_name = "distribution/import_csv.html"

    def get(self, request):
        if "preview" in request.GET:
            return self.background_preview(request, request.GET["preview"])
        return render(request, self.template_name, {"form": CsvUploadForm()})

    def post(self, request):
        if "token" in request.POST:
            return self.confirm(request)
        form = CsvUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        upload = form.cleaned_data["file"]
        data = upload.read()
        if data.count(b"\n") > settings.IMPORT_PREVIEW_INLINE_ROWS:
            return self.preview_in_background(request, name=upload.name, data=data)
        confirm_form = None
        preview = preview_csv_file(name=upload.name, data=data)
        if preview.can_import:
            token = staging.stage(request, name=upload.name, data=data, sha256=preview.sha256, kind="csv")
            confirm_form = ImportConfirmForm(initial={"token": token})
        return self.render_preview(request, preview, confirm_form)

    def preview_in_background(self, request, *, name: str, data: bytes):
        token = staging.stage(request, name=name, data=data, sha256=sha256_of(data), kind="csv")
        staged = staging.load(request, token, kind="csv")
        job = start_job(actor=request.user, kind=PREVIEW_CSV, request_ip=client_ip(request),
                        params={"file": staged.storage_name, "name": name, "token": token})
        staging.set_preview_job(request, token, job.pk)
        return redirect(job)

    def background_preview(self, request, token: str):
        staged = staging.load(request, token, kind="csv")
        job = (Job.objects.filter(pk=staged.preview_job, kind=PREVIEW_CSV, started_by=request.user).first()
               if staged and staged.preview_job else None)
        if job is None:
            messages.error(request, "That preview has expired or was already imported. Upload the file again.")
            return redirect("distribution:import_csv")
        if job.status != Job.Status.SUCCEEDED:
            return redirect(job)
        digest = load_digest(job.result["preview_file"])
        confirm_form = ImportConfirmForm(initial={"token": token}) if digest.can_import else None
        return self.render_digest(request, digest, confirm_form)

    def render_preview(self, request, preview, confirm_form, decisions_form=None):
        """An inline preview (a small file); the context also carries the whole plan, for tests."""
        return self.render_digest(request, digest_csv_preview(preview), confirm_form, decisions_form,
                                  preview=preview, plan=preview.plan, parsed=preview.parsed)

    def render_digest(self, request, digest, confirm_form, decisions_form=None, **extra):
        if confirm_form is not None and decisions_form is None:
            decisions_form = ImportDecisionsForm(plan=digest.questions)
        return render(request, self.template_name, {
            "form": CsvUploadForm(), "digest": digest, "confirm_form": confirm_form,
            "decisions_form": decisions_form, **extra})

    def confirm(self, request):
        form = ImportConfirmForm(request.POST)
        token = request.POST.get("token", "")
        if job := _claimed(request, [token]):
            return redirect(job)
        staged = staging.load(request, token, kind="csv")
        if staged is None:
            messages.error(request, "That upload has expired or was already imported. Upload the file again.")
            return redirect("distribution:import_csv")
        if staged.preview_job:
            # A big file: the questions are the background preview's; the import job plans it again.
            job = Job.objects.filter(pk=staged.preview_job, status=Job.Status.SUCCEEDED).first()
            if job is None:
                return redirect("distribution:import_csv")
            digest, preview = load_digest(job.result["preview_file"]), None
        else:
            # A small file: planned again now, so an answer that no longer fits is an error on this page.
            preview = preview_csv_file(name=staged.name, data=staging.read(staged))
            digest = digest_csv_preview(preview)
        decisions_form = ImportDecisionsForm(request.POST, plan=digest.questions)
        if not (form.is_valid() & decisions_form.is_valid()):
            return self.render_digest(request, digest, form, decisions_form)
        if not digest.can_import:
            messages.error(request, f"Nothing was imported from {staged.name}: the log changed since the preview.")
            return self.render_digest(request, digest, None)
        job = start_job(actor=request.user, kind=IMPORT_CSV, request_ip=client_ip(request),
                        claim_key=staged.claim_key, input_files=[staged.storage_name],
                        params={"file": staged.storage_name, "name": staged.name, "reason": form.cleaned_data["reason"],
                                "decisions": decisions_form.decisions().to_params()})
        staging.forget(request, token)
        return redirect(job)


class PdfImportView(PermissionRequiredMixin, View):
    """Sales-order PDFs: what was read per file and where the reader was unsure, then one confirm for
    every file's lines, each entry linked to its stored original. A batch of more than
    IMPORT_PREVIEW_INLINE_PDF_BYTES is read by a background job, whose result links back here."""

    permission_required = "distribution.import"
    template_name = "distribution/import_pdf.html"

    def get(self, request):
        if "preview" in request.GET:
            return self.background_preview(request, request.GET["preview"])
        return render(request, self.template_name, {"form": PdfUploadForm()})

    def post(self, request):
        if "tokens" in request.POST:
            return self.confirm(request)
        form = PdfUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        files = [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
        if sum(len(data) for _, data in files) > settings.IMPORT_PREVIEW_INLINE_PDF_BYTES:
            return self.preview_in_background(request, files)
        preview = preview_pdf_files(files=files)
        tokens = [staging.stage(request, name=f.file_name, data=f.data, sha256=f.sha256, kind="pdf")
                  for f in preview.importable] if preview.can_import else []
        return self.render_preview(request, preview, tokens)

    def preview_in_background(self, request, files):
        staged = [staging.load(request, staging.stage(request, name=name, data=data, sha256=sha256_of(data),
                                                      kind="pdf"), kind="pdf") for name, data in files]
        job = start_job(actor=request.user, kind=PREVIEW_PDF, request_ip=client_ip(request), params={
            "files": [{"file": s.storage_name, "name": s.name, "token": s.token} for s in staged]})
        for s in staged:
            staging.set_preview_job(request, s.token, job.pk)
        return redirect(job)

    def background_preview(self, request, first_token: str):
        job, staged = self._background(request, first_token)
        if job is None:
            messages.error(request, "That preview has expired or was already imported. Upload the PDFs again.")
            return redirect("distribution:import_pdf")
        if job.status != Job.Status.SUCCEEDED:
            return redirect(job)
        preview = load_digest(job.result["preview_file"])
        # The files were staged in upload order, one plan each: confirm the ones that can be imported.
        tokens = [s.token for s, plan in zip(staged, preview.files, strict=True) if plan.importable]
        return self.render_preview(request, preview, tokens if preview.can_import else [])

    def _background(self, request, first_token: str):
        """The preview job whose first file is `first_token`, if this session started it, and its files."""
        first = staging.load(request, first_token, kind="pdf")
        job = (Job.objects.filter(pk=first.preview_job, kind=PREVIEW_PDF, started_by=request.user).first()
               if first and first.preview_job else None)
        if job is None:
            return None, []
        staged = [staging.load(request, item["token"], kind="pdf") for item in job.params["files"]]
        return (job, staged) if all(staged) else (None, [])

    def render_preview(self, request, preview, tokens=(), confirm_form=None, decisions_form=None, import_errors=()):
        context = {"form": PdfUploadForm(), "plans": preview.files, "import_plan": preview.plan,
                   "plan_errors": preview.plan.errors if preview.plan else [], "import_errors": import_errors}
        if preview.can_import and (tokens or confirm_form):
            context["confirm_form"] = confirm_form or PdfImportConfirmForm(initial={"tokens": ",".join(tokens)})
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
        if staged[0].preview_job:
            # A big batch: the questions are the background preview's; the import job reads it again.
            job = Job.objects.filter(pk=staged[0].preview_job, status=Job.Status.SUCCEEDED).first()
            if job is None:
                return redirect("distribution:import_pdf")
            preview = load_digest(job.result["preview_file"])
        else:
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
