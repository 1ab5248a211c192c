"""Product and lot pages, and the label scanner's JSON: thin views that check a permission, parse a form,
call one service or selector."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import FormView, View
from django_tables2 import RequestConfig

from products import services
from products.csv_import import COLUMNS, ProductCsvError, parse_products_csv
from products.filters import LotFilterSet, ProductFilterSet
from products.forms import (
    LotCreateForm,
    LotStatusForm,
    LotUpdateForm,
    ProductCreateForm,
    ProductImportConfirmForm,
    ProductImportUploadForm,
    ProductUpdateForm,
)
from products.models import Lot, Product
from products.scanning import read_label
from products.selectors import (
    lot_history,
    lot_list,
    lot_status_history,
    product_history,
    product_list,
    product_lots,
)
from products.tables import LotTable, ProductTable
from silqeqms.forms import apply_validation_error, report_save
from silqeqms.lists import TableListView
from silqeqms.permissions import PermissionRequiredMixin, permission_denied_message
from silqeqms.tables import AuditEventTable

HISTORY_PER_PAGE = 20
LOTS_PER_PAGE = 25
PREVIEW_ROWS = 500


def require_perm(request: HttpRequest, perm: str) -> None:
    """For the second permission of a view (its POST): the same 403 page, naming the permission."""
    if not request.user.has_perm(perm):
        raise PermissionDenied(permission_denied_message(perm))


def history_table(request: HttpRequest, events) -> AuditEventTable:
    table = AuditEventTable(events, prefix="history-", orderable=False, exclude=["seq"])
    RequestConfig(request, paginate={"per_page": HISTORY_PER_PAGE}).configure(table)
    return table


# Products ---------------------------------------------------------------------------------------------


class ProductListView(PermissionRequiredMixin, TableListView):
    permission_required = "products.view"
    table_class = ProductTable
    filterset_class = ProductFilterSet
    template_name = "products/product_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return product_list()


class ProductCreateView(PermissionRequiredMixin, FormView):
    permission_required = "products.create"
    form_class = ProductCreateForm
    template_name = "products/product_form.html"

    def get_initial(self):
        return {name: self.request.GET[name] for name in ("sku", "description", "gtin") if self.request.GET.get(name)}

    def form_valid(self, form):
        try:
            product = services.create_product(actor=self.request.user, data=form.cleaned_data)
        except ValidationError as error:
            for items in getattr(error, "error_dict", {}).values():  # link the product it collides with
                for item in items:
                    if item.code in ("duplicate_sku", "duplicate_gtin"):
                        form.existing_product = Product.objects.filter(pk=item.params["pk"]).first()
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Product {product.sku} created.")
        return redirect(product)


class ProductDetailView(PermissionRequiredMixin, View):
    """GET: the product, its lots and history. POST: update with a reason (also needs products.edit)."""

    permission_required = "products.view"
    template_name = "products/product_detail.html"

    def get(self, request, pk):
        return self.render(get_object_or_404(Product, pk=pk))

    def post(self, request, pk):
        product = get_object_or_404(Product, pk=pk)
        require_perm(request, "products.edit")
        form = ProductUpdateForm.for_product(product, data=request.POST)
        if not form.is_valid():
            return self.render(product, form)
        data = form.cleaned_data
        try:
            updated = services.update_product(actor=request.user, product=product, data=data, reason=data["reason"],
                                              version=data["version"])
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(product, form)
        report_save(request, saved=updated, version=data["version"], message=f"Product {updated.sku} saved.")
        return redirect(updated)

    def render(self, product: Product, edit_form=None) -> HttpResponse:
        lots = LotTable(product_lots(product), prefix="lots-", exclude=["product"])
        RequestConfig(self.request, paginate={"per_page": LOTS_PER_PAGE}).configure(lots)
        return render(self.request, self.template_name, {
            "product": product, "lots": lots, "history": history_table(self.request, product_history(product)),
            "edit_form": edit_form or ProductUpdateForm.for_product(product),
            "edit_open": edit_form is not None or "edit" in self.request.GET,
        })


class LotCreateView(PermissionRequiredMixin, View):
    permission_required = "products.edit"
    template_name = "products/lot_form.html"

    def get(self, request, pk):
        product = get_object_or_404(Product, pk=pk)
        return render(request, self.template_name, {"product": product, "form": LotCreateForm()})

    def post(self, request, pk):
        product = get_object_or_404(Product, pk=pk)
        form = LotCreateForm(request.POST)
        if form.is_valid():
            try:
                lot = services.create_lot(actor=request.user, product=product, data=form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Lot {lot.lot_number} of {product.sku} recorded (released).")
                return redirect(lot)
        return render(request, self.template_name, {"product": product, "form": form})


class ProductImportView(PermissionRequiredMixin, View):
    """Upload → preview of every row and every error → confirm with a reason → all rows or none."""

    permission_required = "products.import"
    template_name = "products/product_import.html"

    def get(self, request):
        return render(request, self.template_name, {"form": ProductImportUploadForm(), "columns": COLUMNS})

    def post(self, request):
        if "payload" in request.POST:
            return self.confirm(request)
        form = ProductImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "columns": COLUMNS})
        upload = form.cleaned_data["file"]
        data = upload.read()
        context = self.preview(name=upload.name, data=data)
        if context.get("can_import"):
            context["confirm_form"] = ProductImportConfirmForm(initial={
                "file_name": upload.name, "payload": ProductImportConfirmForm.encode(data),
                "fingerprint": context["plan"].fingerprint})
        return render(request, self.template_name, context)

    def preview(self, *, name: str, data: bytes) -> dict:
        context = {"file_name": name, "form": ProductImportUploadForm(), "columns": COLUMNS}
        try:
            parsed = parse_products_csv(data)
        except ProductCsvError as error:
            return {**context, "file_error": str(error)}
        plan = services.plan_product_import(parsed.rows)
        counts = {action: plan.count(action) for action in ("create", "update", "unchanged")}
        changing = counts["create"] + counts["update"]
        return {**context, "parsed": parsed, "plan": plan, "counts": counts, "changing": changing,
                "problem_count": len(parsed.errors) + len(plan.errors),
                "preview_lines": plan.lines[:PREVIEW_ROWS], "preview_cut": max(0, len(plan.lines) - PREVIEW_ROWS),
                "can_import": parsed.ok and not plan.errors and changing > 0,
                "nothing_new": parsed.ok and not plan.errors and changing == 0}

    def confirm(self, request):
        form = ProductImportConfirmForm(request.POST)
        if not form.is_valid():
            if "payload" in form.errors or "file_name" in form.errors:
                messages.error(request, "The previewed file did not come back intact. Upload it again.")
                return redirect("products:product_import")
            name, data = request.POST.get("file_name", ""), form.cleaned_data["payload"]
            context = self.preview(name=name, data=data)
            return render(request, self.template_name, {**context, "confirm_form": form})
        name, data = form.cleaned_data["file_name"], form.cleaned_data["payload"]
        try:
            parsed = parse_products_csv(data)
            if not parsed.ok:
                raise ValidationError([str(e) for e in parsed.errors])
            result = services.import_products(
                actor=request.user, rows=parsed.rows, reason=form.cleaned_data["reason"], file_name=name,
                sha256=hashlib.sha256(data).hexdigest(), expected_fingerprint=form.cleaned_data["fingerprint"])
        except (ValidationError, ProductCsvError) as error:
            messages.error(request, f"Nothing was imported from {name}: "
                           + " ".join(getattr(error, "messages", [str(error)])))
            return redirect("products:product_import")
        messages.success(request, f"Imported {name}: {result.created} product{'s' * (result.created != 1)} "
                         f"created, {result.updated} updated, {result.unchanged} unchanged.")
        return redirect("products:product_list")


# Lots ---------------------------------------------------------------------------------------------------


class LotListView(PermissionRequiredMixin, TableListView):
    permission_required = "products.view"
    table_class = LotTable
    filterset_class = LotFilterSet
    template_name = "products/lot_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return lot_list()


def _lot(pk: int) -> Lot:
    return get_object_or_404(Lot.objects.select_related("product", "created_by", "updated_by"), pk=pk)


class LotPageMixin:
    template_name = "products/lot_detail.html"
    request: HttpRequest

    def render(self, lot: Lot, *, edit_form=None, status_form=None) -> HttpResponse:
        return render(self.request, self.template_name, {
            "lot": lot, "product": lot.product, "status_changes": lot_status_history(lot),
            "history": history_table(self.request, lot_history(lot)),
            "edit_form": edit_form or LotUpdateForm.for_lot(lot),
            "edit_open": edit_form is not None or "edit" in self.request.GET,
            "status_form": status_form or LotStatusForm.for_lot(lot),
        })


class LotDetailView(PermissionRequiredMixin, LotPageMixin, View):
    """GET: the lot, its status history and audit trail. POST: new dates with a reason (products.edit)."""

    permission_required = "products.view"

    def get(self, request, pk):
        return self.render(_lot(pk))

    def post(self, request, pk):
        lot = _lot(pk)
        require_perm(request, "products.edit")
        form = LotUpdateForm.for_lot(lot, data=request.POST)
        if not form.is_valid():
            return self.render(lot, edit_form=form)
        data = form.cleaned_data
        try:
            updated = services.update_lot(actor=request.user, lot=lot, data=data, reason=data["reason"],
                                          version=data["version"])
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(lot, edit_form=form)
        report_save(request, saved=updated, version=data["version"], message=f"Lot {updated.lot_number} saved.")
        return redirect(updated)


class LotStatusView(PermissionRequiredMixin, LotPageMixin, View):
    permission_required = "products.lot_status"

    def get(self, request, pk):
        return redirect(_lot(pk).get_absolute_url() + "#status")

    def post(self, request, pk):
        lot = _lot(pk)
        form = LotStatusForm.for_lot(lot, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                change = services.change_lot_status(actor=request.user, lot=lot, status=data["status"],
                                                    reason=data["reason"], version=data["version"],
                                                    effective_date=data["effective_date"])
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Lot {lot.lot_number} is now {change.get_to_status_display().lower()} "
                                          f"from {change.effective_date:%Y-%m-%d}.")
                return redirect(lot.get_absolute_url() + "#status")
        return self.render(lot, status_form=form)


# Scanning ------------------------------------------------------------------------------------------------


class ScanView(PermissionRequiredMixin, View):
    """GET ?code=<scanned string> → {"udi_di", "sku", "lot_number", "expiry_date", "serial_number", "error"}:
    200 with error "" when the label was read and its GTIN is a product's, else 400 and every field empty."""

    permission_required = "products.view"

    def get(self, request):
        result = read_label(request.GET.get("code", ""))
        return JsonResponse(result.as_json(), status=200 if result.ok else 400)
