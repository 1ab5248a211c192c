"""The import pages: upload → preview of every line and every problem, and the questions a person must
answer (new facilities close to existing customers, blank customer fields to fill, possible corrections)
→ confirm with a reason → every line or none. The pages only adapt HTTP to the use cases in
distribution.imports.use_cases, which the management commands call too.

The confirm plans the staged file again to build the questions' fields, so an answer that no longer fits
is an error on the page; the import itself checks the answers once more inside its transaction."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View

from distribution.forms import (
    CsvUploadForm,
    ImportConfirmForm,
    ImportDecisionsForm,
    PdfImportConfirmForm,
    PdfUploadForm,
)
from distribution.imports import staging
from distribution.imports.use_cases import (
    import_csv_file,
    import_pdf_files,
    preview_csv_file,
    preview_pdf_files,
)
from distribution.models import Source
from silqeqms.permissions import PermissionRequiredMixin
from silqeqms.wording import counted

# The preview's table stops here so that a 100,000-row file does not become a 30 MB page; every
# problem is still listed and the counts cover every row.
PREVIEW_ROWS = 500


def _problems_text(error: ValidationError) -> str:
    return "; ".join(error.messages)


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
            token = staging.stage(request, name=upload.name, data=data, kind="csv")
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
        staged = staging.load(request, token, kind="csv")
        if staged is None:
            messages.error(request, "That upload has expired or was already imported. Upload the file again.")
            return redirect("distribution:import_csv")
        name, data = staged
        preview = preview_csv_file(name=name, data=data)
        decisions_form = ImportDecisionsForm(request.POST, plan=preview.plan)
        if not (form.is_valid() & decisions_form.is_valid()):
            return self.render_preview(request, preview, form, decisions_form)
        try:
            result = import_csv_file(actor=request.user, name=name, data=data, reason=form.cleaned_data["reason"],
                                     decisions=decisions_form.decisions())
        except ValidationError as error:
            # The log or the customers changed since the preview: show the file as it would import now.
            preview = preview_csv_file(name=name, data=data)
            if not preview.can_import:
                messages.error(request, f"Nothing was imported from {name}: {_problems_text(error)}")
                return redirect("distribution:import_csv")
            return self.render_preview(request, preview, form, ImportDecisionsForm(plan=preview.plan),
                                       import_errors=error.messages)
        staging.discard(request, token)
        messages.success(request, f"Imported {counted(result.created, 'entry', 'entries')} from {name} "
                         f"({counted(result.duplicates, 'duplicate')} skipped, "
                         f"{counted(result.corrections_skipped, 'possible correction')} skipped, "
                         f"{result.needs_review} waiting for review, "
                         f"{counted(result.customers_created, 'new customer')}, "
                         f"{counted(result.fields_filled, 'customer field')} filled).")
        return redirect(reverse("distribution:entry_list") + "?" + urlencode({"source": Source.CSV}))


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
                tokens = [staging.stage(request, name=f.file_name, data=f.data, kind="pdf") for f in preview.importable]
                confirm_form = PdfImportConfirmForm(initial={"tokens": ",".join(tokens)})
            context["confirm_form"] = confirm_form
            context["decisions_form"] = decisions_form or ImportDecisionsForm(plan=preview.plan)
            context["to_create"] = len(preview.plan.to_create)
        return render(request, self.template_name, context)

    def confirm(self, request):
        form = PdfImportConfirmForm(request.POST)
        tokens = [t for t in request.POST.get("tokens", "").split(",") if t]
        staged = [staging.load(request, token, kind="pdf") for token in tokens]
        if not tokens or any(s is None for s in staged):
            messages.error(request, "That upload has expired or was already imported. Upload the PDFs again.")
            return redirect("distribution:import_pdf")
        preview = preview_pdf_files(files=staged)
        decisions_form = ImportDecisionsForm(request.POST, plan=preview.plan)
        if not (form.is_valid() & decisions_form.is_valid()):
            return self.render_preview(request, preview, confirm_form=form, decisions_form=decisions_form)
        try:
            result = import_pdf_files(actor=request.user, files=staged, reason=form.cleaned_data["reason"],
                                      decisions=decisions_form.decisions())
        except ValidationError as error:
            preview = preview_pdf_files(files=staged)
            if not preview.can_import:
                messages.error(request, f"Nothing was imported: {_problems_text(error)}")
                return redirect("distribution:import_pdf")
            return self.render_preview(request, preview, confirm_form=form, import_errors=error.messages)
        for token in tokens:
            staging.discard(request, token)
        names = ", ".join(result.files_imported) or "no file"
        skipped = (f" Already imported before, so skipped: {', '.join(result.files_skipped)}."
                   if result.files_skipped else "")
        messages.success(request, f"Imported {counted(result.created, 'entry', 'entries')} from {names}. "
                                  f"Each links to its original PDF.{skipped}")
        return redirect(reverse("distribution:entry_list") + "?" + urlencode({"source": Source.PDF}))
