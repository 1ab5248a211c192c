"""Distribution log pages for entries: the list, one entry, new, edit, void, confirm, the review queue,
and the export. Thin views over distribution.services, distribution.selectors and distribution.exports."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView

from customers.matching import NearDuplicateFound, similar_customers_for, similar_customers_of
from customers.models import ADDRESS_FIELDS
from customers.selectors import customers_visible_to, is_rep_scoped, primary_rep_id
from distribution import exports, selectors, services
from distribution.catalogue import CatalogueWarnings
from distribution.filters import DistributionLogEntryFilterSet
from distribution.forms import ConfirmForm, EntryEditForm, EntryForm, VoidForm
from distribution.imports.decisions import NEW_CUSTOMER
from distribution.models import DistributionLogEntry, Status
from distribution.services import OnNearDuplicate
from distribution.tables import DistributionLogEntryTable, ReviewQueueTable
from products.scanning import read_label
from products.selectors import products_by_sku
from silqeqms.audit import history_for
from silqeqms.edits import StaleVersionError
from silqeqms.forms import apply_validation_error
from silqeqms.lists import TableListView
from silqeqms.permissions import PermissionRequiredMixin
from silqeqms.tables import DeferredJoinPaginator


class EntryObjectMixin:
    """Look entries up within what the user may see: others are 404, never 403."""

    def get_entry(self) -> DistributionLogEntry:
        return get_object_or_404(selectors.entries_visible_to(self.request.user), pk=self.kwargs["pk"])


class EntryListView(PermissionRequiredMixin, TableListView):
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


# What a scanned label fills on the entry form (products.scanning.ScanResult's fields of the same names).
LABEL_FIELDS = ("udi_di", "sku", "lot_number", "expiry_date", "serial_number")
# Form values a re-shown form never carries over: the scan itself, and answers to questions of the last post.
_NOT_CARRIED = ("csrfmiddlewaretoken", "scan", "warnings_seen", "customer_choice", "choice_for")


class ScanFillMixin:
    """The entry form's "Scan label" without JavaScript: a form posted with a scanned code is not saved
    but shown again with the label's UDI-DI, SKU, lot, expiry and serial filled in, or with why the code
    could not be used (and nothing filled); the person checks the rest and saves. With JavaScript,
    static/js/label-scan.js fills the same fields from /admin/scan/ without posting."""

    def post(self, request, *args, **kwargs):
        code = request.POST.get("scan", "")
        if not code.strip():
            return super().post(request, *args, **kwargs)
        result = read_label(code)
        values = {name: request.POST.get(name, "") for name in request.POST if name not in _NOT_CARRIED}
        if result.ok:
            label = result.as_json()
            values.update({name: label[name] or "" for name in LABEL_FIELDS})
        kwargs = self.get_form_kwargs()
        kwargs.pop("data", None)
        kwargs.pop("files", None)
        form = self.get_form_class()(**{**kwargs, "initial": values})
        return self.render_to_response(self.get_context_data(form=form, scan=result))


class EntryCreateView(PermissionRequiredMixin, ScanFillMixin, FormView):
    permission_required = "distribution.create"
    form_class = EntryForm
    template_name = "distribution/entry_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "customers": customers_visible_to(self.request.user)}

    def get_initial(self):
        """`?customer=<id>` (back from "create one first") chooses that customer, fills the consignee and
        defaults the rep to the customer's primary rep; the default country stays when it has none."""
        initial = {"country": "US"}
        customer_id = self.request.GET.get("customer", "")
        if customer_id.isdigit():
            customer = customers_visible_to(self.request.user).filter(pk=customer_id).first()
            if customer:
                initial.update({"customer": customer.pk, "facility_name": customer.facility_name,
                                **{f: getattr(customer, f) for f in ADDRESS_FIELDS if getattr(customer, f)}})
                if rep := primary_rep_id(customer):
                    initial["rep"] = rep
        return initial

    def form_valid(self, form):
        entry = _saved_or_asked(form, partial(services.create_entry, actor=self.request.user))
        if entry is None:
            return self.form_invalid(form)
        messages.success(self.request, f"Entry {entry.pk} saved" +
                         ("" if entry.lot_number else " — it waits in the review queue until its lot is known") + ".")
        return redirect(entry)


def _saved_or_asked(form: EntryForm, save) -> DistributionLogEntry | None:
    """Call `save` (create_entry or update_entry) with the form's data and answers. A question for the
    person ("Did you mean …?", "Save anyway?") or an error goes on the form, and None is returned."""
    try:
        return save(data=form.service_data(), on_near_duplicate=_on_near_duplicate(form),
                    among=form.fields["customer"].queryset, warnings_seen=form.cleaned_data["warnings_seen"])
    except NearDuplicateFound as error:
        form.ask_about(error)
    except CatalogueWarnings as error:
        form.ask_to_confirm(error)
    except StaleVersionError as error:
        form.add_error(None, error)
    except ValidationError as error:
        apply_validation_error(form, error)
    return None


def _on_near_duplicate(form: EntryForm) -> str:
    """A person who answered "Did you mean …?" with "create a new customer" is not asked again."""
    return OnNearDuplicate.CREATE if form.creates_new_customer else OnNearDuplicate.ASK


class EntryDetailView(PermissionRequiredMixin, EntryObjectMixin, DetailView):
    permission_required = "distribution.view"
    template_name = "distribution/entry_detail.html"
    context_object_name = "entry"

    def get_object(self, queryset=None):
        return self.get_entry()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_for(self.object).select_related("actor")
        context["product"] = products_by_sku([self.object.sku]).get(self.object.sku)
        entry, matches = self.object, None
        if entry.status == Status.NEEDS_REVIEW and entry.customer_id is None:
            matches = similar_customers_of(entry.facility_name, among=customers_visible_to(self.request.user))
        context["confirm_form"] = ConfirmForm(initial={"version": entry.version, "lot_number": entry.lot_number},
                                              matches=matches, facility_name=entry.facility_name)
        return context


class EntryEditView(PermissionRequiredMixin, EntryObjectMixin, ScanFillMixin, FormView):
    permission_required = "distribution.edit"
    form_class = EntryEditForm
    template_name = "distribution/entry_form.html"

    def get_form_kwargs(self):
        self.entry = self.get_entry()
        kwargs = super().get_form_kwargs()
        kwargs["customers"] = customers_visible_to(self.request.user)
        kwargs["recorded"] = self.entry
        if self.request.method == "GET":
            kwargs["instance"] = self.entry
            kwargs["initial"] = {"version": self.entry.version}
        return kwargs

    def get(self, request, *args, **kwargs):
        entry = self.get_entry()
        if entry.status == Status.VOIDED:
            messages.error(request, services.voided_refusal(entry))
            return redirect(entry)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "entry": self.entry}

    def form_valid(self, form):
        entry = _saved_or_asked(form, partial(services.update_entry, actor=self.request.user, entry=self.entry,
                                              reason=form.cleaned_data["reason"],
                                              version=form.cleaned_data["version"]))
        if entry is None:
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
            services.void_entry(actor=self.request.user, entry=self.entry, reason=form.cleaned_data["reason"],
                                version=form.cleaned_data["version"])
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Entry {self.entry.pk} voided. It stays in the log, struck through, and "
                                       "no longer counts in any total.")
        return redirect(self.entry)


class EntryConfirmView(PermissionRequiredMixin, EntryObjectMixin, View):
    """POST from the review queue or the entry page: lot and (for an entry waiting for its customer) the
    customer chosen among the close ones, or a new one."""

    permission_required = "distribution.edit"

    def get(self, request, pk):
        return redirect(self.get_entry())

    def post(self, request, pk):
        entry = self.get_entry()
        form = ConfirmForm(request.POST, entry=entry)
        if form.is_valid():
            choice = form.cleaned_data["customer_choice"]
            customer = (customers_visible_to(request.user).filter(pk=int(choice)).first()
                        if choice.isdigit() else None)
            try:
                if choice.isdigit() and customer is None:
                    raise ValidationError({"customer_choice": "That customer cannot be chosen: choose again."})
                confirmed = services.confirm_entry(
                    actor=request.user, entry=entry, lot_number=form.cleaned_data["lot_number"],
                    version=form.cleaned_data["version"], customer=customer, new_customer=choice == NEW_CUSTOMER)
            except ValidationError as error:
                apply_validation_error(form, error)
        if form.errors:
            for error in form.errors.values():
                messages.error(request, f"Entry {entry.pk}: {' '.join(error)}")
        else:
            messages.success(request, f"Entry {entry.pk} confirmed: lot {confirmed.lot_number}, customer "
                                      f"{confirmed.customer}.")
        return redirect(_local(request.POST.get("next")) or entry.get_absolute_url())


def _local(url: str | None) -> str:
    return url if url and url.startswith("/") and not url.startswith("//") else ""


class ReviewQueueView(PermissionRequiredMixin, TableListView):
    permission_required = "distribution.view"
    table_class = ReviewQueueTable
    filterset_class = DistributionLogEntryFilterSet
    template_name = "distribution/review_queue.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return selectors.review_queue(self.request.user)

    def get_table(self, **kwargs):
        """The page's entries waiting for their customer carry the customers close to their consignee
        (`close_customers`), for the confirm cell: one finder call for the page."""
        table = super().get_table(**kwargs)
        waiting = [row.record for row in table.page.object_list if row.record.customer_id is None]
        if waiting:
            found = similar_customers_for({e.facility_name for e in waiting},
                                          among=customers_visible_to(self.request.user))
            for entry in waiting:
                entry.close_customers = found.get(entry.facility_name, [])
        return table


class ExportView(PermissionRequiredMixin, View):
    """The filtered log as CSV, in the order the list was sorted by."""

    permission_required = "distribution.export"

    def get(self, request):
        filterset = DistributionLogEntryFilterSet(request.GET, queryset=selectors.entries_visible_to(request.user))
        if not filterset.is_valid():
            problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
            messages.error(request, f"Nothing was exported: fix the filter first ({problems}).")
            return redirect(reverse("distribution:entry_list") + "?" + request.GET.urlencode())
        sort = request.GET.get("sort", "")
        entries = DistributionLogEntryTable(filterset.qs, order_by=sort).data.data if sort else filterset.qs
        ordering = entries.query.order_by if sort else ("ship_date", "id")
        return exports.DistributionLogExporter(actor=request.user, entries=entries, filters=request.GET,
                                               ordering=tuple(ordering) or ("ship_date", "id")).response()
