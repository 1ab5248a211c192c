"""Distribution log pages: thin views over distribution.services and distribution.selectors."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from customers.selectors import customers_visible_to, is_rep_scoped
from customers.services import StaleVersionError
from distribution import selectors, services
from distribution.filters import DistributionLogEntryFilterSet
from distribution.forms import (
    ConfirmForm,
    CsvUploadForm,
    EntryEditForm,
    EntryForm,
    ImportConfirmForm,
    PdfImportConfirmForm,
    PdfUploadForm,
    VoidForm,
)
from distribution.imports import staging
from distribution.imports.csv_file import COLUMNS, CsvImportError, parse_distribution_csv
from distribution.imports.pdf import PdfImportError, parse_sales_order_pdf_safely
from distribution.imports.rows import PdfFilePlan, csv_rows_to_lines, pdf_result_to_lines
from distribution.models import DistributionLogEntry, Source, SourceDocument, Status
from distribution.tables import DistributionLogEntryTable, LotTraceTable, ReviewQueueTable
from silqeqms.audit import history_for, record_event
from silqeqms.csv_export import queryset_csv_chunks, stream_csv
from silqeqms.permissions import PermissionRequiredMixin
from silqeqms.tables import DeferredJoinPaginator

PREVIEW_ROWS = 500
EXPORT_COLUMNS = [*COLUMNS, "id", "status", "source"]
# The model fields behind each export column (rep is exported as the username the import accepts).
EXPORT_FIELDS = [("rep__username" if c == "rep" else c) for c in EXPORT_COLUMNS]
# Never defused: numbers, dates and the fixed status/source codes.
PLAIN_EXPORT_COLUMNS = {"ship_date", "quantity", "id", "status", "source"}


def counted(n: int, singular: str, plural: str = "") -> str:
    """“1 entry”, “3 entries”."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def apply_validation_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors on fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class EntryObjectMixin:
    """Look entries up within what the user may see: others are 404, never 403."""

    def get_entry(self) -> DistributionLogEntry:
        return get_object_or_404(selectors.entries_visible_to(self.request.user), pk=self.kwargs["pk"])


class EntryListView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "distribution.view"
    table_class = DistributionLogEntryTable
    filterset_class = DistributionLogEntryFilterSet
    template_name = "distribution/entry_list.html"

    def get_queryset(self):
        return selectors.entry_list(self.request.user)

    def get_table_pagination(self, table):
        pagination = {"per_page": 50, "paginator_class": DeferredJoinPaginator}
        filtered = any(value for key, value in self.request.GET.items() if key in self.filterset.filters)
        if not filtered and not is_rep_scoped(self.request.user):
            pagination["known_count"] = selectors.entry_count_total()
            sort = self.request.GET.get("sort", "")
            if sort in ("", "-ship_date", "ship_date"):  # the whole log by ship date: deep pages seek
                pagination["seek"] = selectors.seek_by_ship_date(descending=sort != "ship_date")
        return pagination

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["needs_review"] = selectors.needs_review_count(self.request.user)
        context["query"] = self.request.GET.urlencode()
        return context


class EntryCreateView(PermissionRequiredMixin, FormView):
    permission_required = "distribution.create"
    form_class = EntryForm
    template_name = "distribution/entry_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "customers": customers_visible_to(self.request.user)}

    def get_initial(self):
        """`?customer=<id>` (back from "create one first") chooses that customer and fills the consignee."""
        initial = {"country": "US"}
        customer_id = self.request.GET.get("customer", "")
        if customer_id.isdigit():
            customer = customers_visible_to(self.request.user).filter(pk=customer_id).first()
            if customer:
                initial.update({"customer": customer.pk, "facility_name": customer.facility_name,
                                **{f: getattr(customer, f) for f in services.ADDRESS_FIELDS if getattr(customer, f)}})
        return initial

    def form_valid(self, form):
        try:
            entry = services.entry_create(actor=self.request.user, data=form.service_data())
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Entry {entry.pk} saved" +
                         ("" if entry.lot_number else " — it waits in the review queue until its lot is known") + ".")
        return redirect(entry)


class EntryDetailView(PermissionRequiredMixin, EntryObjectMixin, DetailView):
    permission_required = "distribution.view"
    template_name = "distribution/entry_detail.html"
    context_object_name = "entry"

    def get_object(self, queryset=None):
        return self.get_entry()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_for(self.object).select_related("actor")
        context["confirm_form"] = ConfirmForm(initial={"version": self.object.version})
        return context


class EntryEditView(PermissionRequiredMixin, EntryObjectMixin, FormView):
    permission_required = "distribution.edit"
    form_class = EntryEditForm
    template_name = "distribution/entry_form.html"

    def get_form_kwargs(self):
        self.entry = self.get_entry()
        kwargs = super().get_form_kwargs()
        kwargs["customers"] = customers_visible_to(self.request.user)
        if self.request.method == "GET":
            kwargs["instance"] = self.entry
            kwargs["initial"] = {"version": self.entry.version}
        return kwargs

    def get(self, request, *args, **kwargs):
        entry = self.get_entry()
        if entry.status == Status.VOIDED:
            messages.error(request, "A voided entry cannot be edited.")
            return redirect(entry)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "entry": self.entry}

    def form_valid(self, form):
        try:
            entry = services.entry_update(actor=self.request.user, entry=self.entry, data=form.service_data(),
                                          reason=form.cleaned_data["reason"], version=form.cleaned_data["version"])
        except StaleVersionError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        if entry.version == form.cleaned_data["version"]:
            messages.info(self.request, f"Nothing changed in entry {entry.pk}, so nothing was recorded.")
        else:
            messages.success(self.request, f"Entry {entry.pk} updated. The change and its reason are in its history.")
        return redirect(entry)


class EntryVoidView(PermissionRequiredMixin, EntryObjectMixin, FormView):
    permission_required = "distribution.delete"
    form_class = VoidForm
    template_name = "distribution/entry_void.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return super().dispatch(request, *args, **kwargs)
        self.entry = self.get_entry()
        if self.entry.status == Status.VOIDED:
            messages.info(request, f"Entry {self.entry.pk} is already voided.")
            return redirect(self.entry)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"version": self.entry.version}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "entry": self.entry}

    def form_valid(self, form):
        try:
            services.entry_void(actor=self.request.user, entry=self.entry, reason=form.cleaned_data["reason"],
                                version=form.cleaned_data["version"])
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Entry {self.entry.pk} voided. It stays in the log, struck through, and "
                                       "no longer counts in any total.")
        return redirect(self.entry)


class EntryConfirmView(PermissionRequiredMixin, EntryObjectMixin, View):
    permission_required = "distribution.edit"

    def get(self, request, pk):
        return redirect(self.get_entry())

    def post(self, request, pk):
        entry = self.get_entry()
        form = ConfirmForm(request.POST)
        if form.is_valid():
            try:
                services.entry_confirm(actor=request.user, entry=entry, lot_number=form.cleaned_data["lot_number"],
                                       version=form.cleaned_data["version"])
            except ValidationError as error:
                apply_validation_error(form, error)
        if form.errors:
            for error in form.errors.values():
                messages.error(request, f"Entry {entry.pk}: {' '.join(error)}")
        else:
            messages.success(request, f"Entry {entry.pk} confirmed with lot {form.cleaned_data['lot_number']}.")
        return redirect(request.POST.get("next") or entry.get_absolute_url())


class ReviewQueueView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "distribution.view"
    table_class = ReviewQueueTable
    filterset_class = DistributionLogEntryFilterSet
    template_name = "distribution/review_queue.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return selectors.review_queue(self.request.user)


class ExportView(PermissionRequiredMixin, View):
    permission_required = "distribution.export"

    def get(self, request):
        filterset = DistributionLogEntryFilterSet(request.GET, queryset=selectors.entries_visible_to(request.user))
        if not filterset.is_valid():
            problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
            messages.error(request, f"Nothing was exported: fix the filter first ({problems}).")
            return redirect(reverse("distribution:entry_list") + "?" + request.GET.urlencode())
        queryset = filterset.qs
        filters = {k: v for k, v in request.GET.items() if v}
        record_event(actor=request.user, action="distribution.exported", target_type="distribution.export",
                     target_repr="distribution log CSV", data={"filters": filters})
        rows = queryset.order_by("ship_date", "id").values_list(*EXPORT_FIELDS)
        return stream_csv("distribution-log.csv", EXPORT_COLUMNS,
                          chunks=queryset_csv_chunks(EXPORT_COLUMNS, rows, plain_columns=PLAIN_EXPORT_COLUMNS))


class CsvImportView(PermissionRequiredMixin, View):
    """Upload → preview of every row and every error → confirm with a reason → all rows or none."""

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
        context = self.preview(name=upload.name, data=data)
        if context.get("can_import"):
            context["confirm_form"] = ImportConfirmForm(initial={"token": staging.stage(request, name=upload.name,
                                                                                         data=data, kind="csv")})
        context["form"] = CsvUploadForm()
        return render(request, self.template_name, context)

    def preview(self, *, name: str, data: bytes) -> dict:
        try:
            parsed = parse_distribution_csv(data)
        except CsvImportError as error:
            return {"file_name": name, "file_error": str(error)}
        plan = services.plan_import(csv_rows_to_lines(parsed.rows))
        return {
            "file_name": name, "parsed": parsed, "plan": plan, "sha256": hashlib.sha256(data).hexdigest(),
            "plan_errors": plan.errors, "problem_count": len(parsed.errors) + len(plan.errors),
            # Every problem is listed; the row table stops at PREVIEW_ROWS so that a 100,000-row file
            # does not become a 30 MB page (the counts above it cover every row).
            "preview_lines": plan.lines[:PREVIEW_ROWS], "preview_cut": max(0, len(plan.lines) - PREVIEW_ROWS),
            "can_import": parsed.ok and not plan.errors and bool(plan.to_create),
            "nothing_new": parsed.ok and not plan.errors and not plan.to_create,
        }

    def confirm(self, request):
        form = ImportConfirmForm(request.POST)
        token = request.POST.get("token", "")
        staged = staging.load(request, token, kind="csv")
        if staged is None:
            messages.error(request, "That upload has expired or was already imported. Upload the file again.")
            return redirect("distribution:import_csv")
        name, data = staged
        if not form.is_valid():
            context = self.preview(name=name, data=data)
            context.update(confirm_form=form, form=CsvUploadForm())
            return render(request, self.template_name, context)
        try:
            parsed = parse_distribution_csv(data)
            if not parsed.ok:
                raise ValidationError([str(e) for e in parsed.errors])
            result = services.entries_import(
                actor=request.user, rows=csv_rows_to_lines(parsed.rows), source=Source.CSV,
                reason=form.cleaned_data["reason"], file_name=name, sha256=hashlib.sha256(data).hexdigest(),
                batch_data={"encoding": parsed.encoding},
            )
        except (ValidationError, CsvImportError) as error:
            messages.error(request, f"Nothing was imported from {name}: " + "; ".join(getattr(error, "messages",
                                                                                                [str(error)])))
            return redirect("distribution:import_csv")
        staging.discard(request, token)
        messages.success(request, f"Imported {counted(result.created, 'entry', 'entries')} from {name} "
                         f"({counted(result.duplicates, 'duplicate')} skipped, {result.needs_review} waiting for "
                         f"review, {counted(result.customers_created, 'new customer')}).")
        return redirect(reverse("distribution:entry_list") + "?" + urlencode({"source": Source.CSV}))


class PdfImportView(PermissionRequiredMixin, View):
    """Sales-order PDFs: upload → what was read per file, and where the reader was unsure → confirm with a
    reason → every file's lines in one transaction, each entry linked to its stored original."""

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
        plans = [self.read(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
        return self.render_preview(request, plans)

    def read(self, name: str, data: bytes) -> PdfFilePlan:
        digest = hashlib.sha256(data).hexdigest()
        plan = PdfFilePlan(file_name=name, sha256=digest, result=None)
        previous = SourceDocument.objects.filter(sha256=digest).first()
        if previous:
            plan.already_imported = f"{previous.uploaded_at:%Y-%m-%d} as {previous.original_name}"
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

    def render_preview(self, request, plans: list[PdfFilePlan], confirm_form=None):
        importable = [p for p in plans if p.lines and not p.error and not p.already_imported]
        lines = [line for p in importable for line in p.lines]
        import_plan = services.plan_import(lines) if lines else None
        context = {"form": PdfUploadForm(), "plans": plans, "import_plan": import_plan,
                   "plan_errors": import_plan.errors if import_plan else []}
        if import_plan and not import_plan.errors and import_plan.to_create:
            tokens = [staging.stage(request, name=p.file_name, data=p.data, kind="pdf") for p in importable]
            context["confirm_form"] = confirm_form or PdfImportConfirmForm(initial={"tokens": ",".join(tokens)})
            context["to_create"] = len(import_plan.to_create)
        return render(request, self.template_name, context)

    def confirm(self, request):
        form = PdfImportConfirmForm(request.POST)
        tokens = [t for t in request.POST.get("tokens", "").split(",") if t]
        staged = [staging.load(request, token, kind="pdf") for token in tokens]
        if not tokens or any(s is None for s in staged):
            messages.error(request, "That upload has expired or was already imported. Upload the PDFs again.")
            return redirect("distribution:import_pdf")
        if not form.is_valid():
            plans = [self.read(name, data) for name, data in staged]
            return self.render_preview(request, plans, confirm_form=form)
        created = 0
        try:
            with transaction.atomic():
                for name, data in staged:
                    result = parse_sales_order_pdf_safely(data, name)
                    lines, _ = pdf_result_to_lines(result)
                    document = services.source_document_store(actor=request.user, name=name, data=data)
                    outcome = services.entries_import(
                        actor=request.user, rows=lines, source=Source.PDF, reason=form.cleaned_data["reason"],
                        file_name=name, sha256=document.sha256, source_document=document,
                        batch_data={"pages": result.page_count, "orders": [o.order_number for o in result.orders]},
                    )
                    created += outcome.created
        except (ValidationError, PdfImportError) as error:
            messages.error(request, "Nothing was imported: " + "; ".join(getattr(error, "messages", [str(error)])))
            return redirect("distribution:import_pdf")
        for token in tokens:
            staging.discard(request, token)
        names = ", ".join(name for name, _ in staged)
        messages.success(request, f"Imported {counted(created, 'entry', 'entries')} from {names}. "
                                  "Each links to its original PDF.")
        return redirect(reverse("distribution:entry_list") + "?" + urlencode({"source": Source.PDF}))


class LotSearchView(PermissionRequiredMixin, View):
    permission_required = "distribution.view"

    def get(self, request):
        lot = request.GET.get("lot", "").strip()
        if not lot:
            messages.error(request, "Enter a lot number to trace.")
            return redirect("distribution:entry_list")
        matches = selectors.lots_matching(lot)
        if matches and matches[0] != lot:
            messages.info(request, f"Lot numbers are matched ignoring case: showing {matches[0]} for “{lot}”.")
            lot = matches[0]
        return redirect("distribution:lot_trace", lot=lot)


class LotTraceView(PermissionRequiredMixin, View):
    """The recall report: every consignee that received a lot."""

    permission_required = "distribution.view"

    def get(self, request, lot):
        entries = selectors.lot_trace_entries(request.user, lot)
        table = LotTraceTable(entries)
        RequestConfig(request, paginate={"per_page": 100}).configure(table)
        totals = selectors.lot_trace_totals(entries)
        other_spellings = [m for m in selectors.lots_matching(lot) if m != lot]
        return render(request, "distribution/lot_trace.html", {
            "lot": lot, "table": table, "totals": totals, "other_spellings": other_spellings,
            "suggestions": selectors.lots_like(lot) if not totals["lines"] and not other_spellings else [],
            "rep_scoped": is_rep_scoped(request.user),
        })


class LotTraceExportView(PermissionRequiredMixin, View):
    permission_required = "distribution.export"
    header = ["lot_number", "ship_date", "facility_name", "address1", "address2", "city", "state", "postal_code",
              "country", "order_number", "sku", "udi_di", "quantity", "rep", "status", "entry_id"]

    def get(self, request, lot):
        entries = selectors.lot_trace_entries(request.user, lot).exclude(status=Status.VOIDED)
        record_event(actor=request.user, action="distribution.lot_trace_exported", target_type="distribution.lot",
                     target_id=lot[:64], target_repr=f"lot {lot}", data={"lot": lot})
        rows = (
            [lot, e.ship_date.isoformat(), e.facility_name, e.address1, e.address2, e.city, e.state, e.postal_code,
             e.country, e.order_number, e.sku, e.udi_di, e.quantity, e.rep.username if e.rep_id else "", e.status,
             e.pk]
            for e in entries.iterator(chunk_size=2000)
        )
        safe_lot = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in lot)
        return stream_csv(f"lot-trace-{safe_lot}.csv", self.header, rows)


class SourceDocumentView(PermissionRequiredMixin, View):
    """Download an imported original (e.g. the sales-order PDF an entry came from)."""

    permission_required = "distribution.view"

    def get(self, request, pk):
        document = get_object_or_404(SourceDocument, pk=pk)
        if not selectors.entries_visible_to(request.user).filter(source_document=document).exists() and \
                not request.user.has_perm("distribution.import"):
            raise Http404
        return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name,
                            content_type=document.content_type)
