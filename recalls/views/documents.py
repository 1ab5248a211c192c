"""The recall's files: merged letters, stored documents, the mail-merge CSV, the responses upload
(preview → confirm), the status report and the FDA report data (PDF or CSV)."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from distribution.imports import staging
from distribution.imports.csv_file import CsvImportError
from recalls import exports, services
from recalls.forms import ResponsesConfirmForm, ResponsesUploadForm
from recalls.jobs import MERGED_LETTERS
from recalls.models import RecallDocument, RecallStatus
from recalls.responses_csv import COLUMNS, parse_responses_csv
from recalls.views.recalls import get_recall
from silqeqms.jobs import start_job
from silqeqms.middleware import client_ip
from silqeqms.permissions import PermissionRequiredMixin
from silqeqms.wording import counted

STAGING_KIND = "recall-responses"
PREVIEW_ROWS = 500


class MergedLettersView(PermissionRequiredMixin, View):
    """POST: every consignee's letter in one stored PDF, built by a background job (hundreds of letters take
    seconds); the person follows its progress on the job page, which links the PDF when it is done."""

    permission_required = "recalls.manage"

    def get(self, request, pk):
        return redirect(get_recall(pk))

    def post(self, request, pk):
        recall = get_recall(pk)
        if recall.status == RecallStatus.DRAFT:
            messages.error(request, f"{recall.number} is a draft: letters are written once it is open.")
            return redirect(recall)
        job = start_job(actor=request.user, kind=MERGED_LETTERS, params={"recall_id": recall.pk},
                        request_ip=client_ip(request))
        return redirect(job)


class DocumentView(PermissionRequiredMixin, View):
    permission_required = "recalls.view"

    def get(self, request, pk, document_pk):
        document = RecallDocument.objects.filter(pk=document_pk, recall_id=pk).select_related("recall").first()
        if document is None:
            raise Http404("No such document in this recall.")
        name = f"{document.recall.number}-{document.kind.replace('_', '-')}.pdf"
        return FileResponse(document.file.open("rb"), content_type="application/pdf", filename=name)


class MailMergeView(PermissionRequiredMixin, View):
    permission_required = "recalls.manage"

    def get(self, request, pk):
        recall = get_recall(pk)

        def letter_url(consignee) -> str:
            return request.build_absolute_uri(reverse("recalls:consignee_letter", args=[recall.pk, consignee.pk]))

        return exports.MailMergeExporter(actor=request.user, recall=recall, letter_url=letter_url).response()


class ReportView(PermissionRequiredMixin, View):
    """?format=pdf (default) or csv."""

    permission_required = "recalls.view"
    report = ""
    exporter = None

    def get(self, request, pk):
        recall = get_recall(pk)
        if request.GET.get("format") == "csv":
            return self.exporter(actor=request.user, recall=recall).response()
        data = services.export_report_pdf(actor=request.user, recall=recall, report=self.report)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{recall.number}-{self.report}-report.pdf"'
        return response


class StatusReportView(ReportView):
    report, exporter = "status", exports.StatusReportExporter


class FdaReportView(ReportView):
    report, exporter = "fda", exports.FdaReportExporter


class ResponsesUploadView(PermissionRequiredMixin, View):
    """Upload → preview of every row and every problem → confirm with a reason → every row or none."""

    permission_required = "recalls.manage"
    template_name = "recalls/responses_upload.html"

    def get(self, request, pk):
        recall = get_recall(pk)
        return render(request, self.template_name, {"recall": recall, "form": ResponsesUploadForm(),
                                                    "columns": COLUMNS})

    def post(self, request, pk):
        recall = get_recall(pk)
        if "token" in request.POST:
            return self.confirm(request, recall)
        form = ResponsesUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"recall": recall, "form": form, "columns": COLUMNS})
        upload = form.cleaned_data["file"]
        data = upload.read()
        context = self.preview(recall, name=upload.name, data=data)
        if context.get("can_import"):
            token = staging.stage(request, name=upload.name, data=data, sha256=hashlib.sha256(data).hexdigest(),
                                  kind=STAGING_KIND)
            context["confirm_form"] = ResponsesConfirmForm(initial={"token": token,
                                                                    "fingerprint": context["plan"].fingerprint})
        return render(request, self.template_name, context)

    def preview(self, recall, *, name: str, data: bytes) -> dict:
        context = {"recall": recall, "file_name": name, "form": ResponsesUploadForm(), "columns": COLUMNS}
        try:
            parsed = parse_responses_csv(data)
        except CsvImportError as error:
            return {**context, "file_error": str(error)}
        plan = services.plan_responses(recall, parsed.rows)
        problems = [str(e) for e in parsed.errors] + plan.errors
        return {**context, "parsed": parsed, "plan": plan, "problems": problems,
                "preview_lines": plan.lines[:PREVIEW_ROWS], "preview_cut": max(0, len(plan.lines) - PREVIEW_ROWS),
                "can_import": not problems and bool(plan.lines)}

    def confirm(self, request, recall):
        form = ResponsesConfirmForm(request.POST)
        token = request.POST.get("token", "")
        staged = staging.load(request, token, kind=STAGING_KIND)
        if staged is None:
            messages.error(request, "That upload has expired or was already recorded. Upload the file again.")
            return redirect("recalls:responses", pk=recall.pk)
        name, data = staged.name, staging.read(staged)
        if not form.is_valid():
            return render(request, self.template_name, {**self.preview(recall, name=name, data=data),
                                                        "confirm_form": form})
        try:
            parsed = parse_responses_csv(data)
            if not parsed.ok:
                raise ValidationError([str(e) for e in parsed.errors])
            result = services.import_responses(
                actor=request.user, recall=recall, rows=parsed.rows, reason=form.cleaned_data["reason"],
                file_name=name, sha256=hashlib.sha256(data).hexdigest(),
                expected_fingerprint=form.cleaned_data["fingerprint"])
        except (ValidationError, CsvImportError) as error:
            messages.error(request, f"Nothing was recorded from {name}: "
                           + " ".join(getattr(error, "messages", [str(error)])))
            return redirect("recalls:responses", pk=recall.pk)
        staging.discard(request, token)
        messages.success(request, f"Recorded {counted(result.recorded, 'response')} from {name} "
                                  f"({counted(result.closed, 'consignee')} closed).")
        return redirect(recall)
