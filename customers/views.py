"""Customer pages: thin views that check a permission, parse a form, call one service or selector.

Every object is looked up through customers_visible_to(user), so a sales rep gets 404 (never 403) for
a customer not assigned to them, before any permission or form is looked at.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView, View
from django_tables2 import RequestConfig

from customers.filters import CustomerFilterSet
from customers.forms import (
    CREATE_FIELDS,
    CustomerCreateForm,
    CustomerUpdateForm,
    NoteDeleteForm,
    NoteEditForm,
    NoteForm,
    RepAssignmentForm,
)
from customers.models import Customer, CustomerNote
from customers.selectors import (
    customer_history,
    customer_list,
    customer_lots,
    customer_order_lines,
    customer_orders,
    customer_search,
    customer_totals,
    customers_visible_to,
    is_rep_scoped,
    merged_into,
    possible_duplicates,
)
from customers.services import (
    add_note,
    create_customer,
    delete_note,
    ensure_rep_assignment,
    make_primary_rep,
    remove_rep_assignment,
    update_customer,
    update_note,
)
from customers.tables import CustomerTable
from silqeqms.forms import apply_validation_error, report_save
from silqeqms.lists import TableListView
from silqeqms.models import User
from silqeqms.permissions import PermissionRequiredMixin, permission_denied_message
from silqeqms.tables import AuditEventTable

ORDERS_PER_PAGE = 20
HISTORY_PER_PAGE = 20
LOTS_PER_PAGE = 25
SEARCH_LIMIT = 10


def visible_customer(request: HttpRequest, pk: int) -> Customer:
    return get_object_or_404(customers_visible_to(request.user).select_related("created_by", "updated_by"), pk=pk)


def visible_note(request: HttpRequest, pk: int, note_pk: int) -> tuple[Customer, CustomerNote]:
    customer = visible_customer(request, pk)
    note = get_object_or_404(CustomerNote.objects.select_related("author"), pk=note_pk, customer=customer)
    return customer, note


class FollowMergedCustomerMixin:
    """A merged customer's old address — the profile and every page under it — leads to the customer it
    was merged into (GET and HEAD only; anything else stays 404, writing nothing). A user who may not see
    the survivor gets the same 404 as before."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            survivor = merged_into(kwargs["pk"]) if request.method in ("GET", "HEAD") else None
            if survivor is None or not customers_visible_to(request.user).filter(pk=survivor.pk).exists():
                raise
            url = reverse(request.resolver_match.view_name, kwargs={**kwargs, "pk": survivor.pk})
            query = request.GET.urlencode()
            return redirect(f"{url}?{query}" if query else url)


def require_perm(request: HttpRequest, perm: str) -> None:
    """For the second permission of a view (its POST): the same 403 page, naming the permission."""
    if not request.user.has_perm(perm):
        raise PermissionDenied(permission_denied_message(perm))


def profile_url(customer: Customer, fragment: str = "") -> str:
    return customer.get_absolute_url() + (f"#{fragment}" if fragment else "")


class CustomerProfileMixin:
    """Renders the profile. The views that POST to one part of it (edit, add note, assign a rep)
    re-render it with their bound form when it does not validate."""

    profile_template = "customers/customer_detail.html"
    request: HttpRequest

    def orders_page(self, customer: Customer):
        """One page of orders and, in one more query, the distribution lines of those orders."""
        page = Paginator(customer_orders(customer), ORDERS_PER_PAGE).get_page(self.request.GET.get("orders_page"))
        numbers = [order["order_number"] for order in page]
        lines = defaultdict(list)
        for line in customer_order_lines(customer).filter(order_number__in=numbers):
            lines[line.order_number].append(line)
        for order in page:
            order["entries"] = lines[order["order_number"]]
        return page

    def lots_page(self, customer: Customer):
        """Lots received, most recent first, 25 a page (`?lots_page=`): a big hospital has hundreds."""
        return Paginator(customer_lots(customer), LOTS_PER_PAGE).get_page(self.request.GET.get("lots_page"))

    def history_table(self, customer: Customer) -> AuditEventTable:
        table = AuditEventTable(customer_history(customer), prefix="history-", orderable=False,
                                exclude=["seq"], empty_text="No change to this customer is recorded yet.")
        RequestConfig(self.request, paginate={"per_page": HISTORY_PER_PAGE}).configure(table)
        return table

    def render_profile(self, customer: Customer, *, edit_form=None, note_form=None, rep_form=None
                       ) -> HttpResponse:
        context = {
            "customer": customer,
            "totals": customer_totals(customer),
            "orders": self.orders_page(customer),
            "lots": self.lots_page(customer),
            "notes": customer.notes.select_related("author"),
            "assignments": customer.rep_assignments.select_related("rep", "assigned_by"),
            "history": self.history_table(customer),
            "edit_form": edit_form or CustomerUpdateForm.for_customer(customer),
            "edit_open": edit_form is not None or "edit" in self.request.GET,
            "note_form": note_form or NoteForm(auto_id="note_%s"),
            "rep_form": rep_form or RepAssignmentForm(customer=customer),
        }
        return render(self.request, self.profile_template, context)


class CustomerListView(PermissionRequiredMixin, TableListView):
    permission_required = "customers.view"
    table_class = CustomerTable
    filterset_class = CustomerFilterSet
    template_name = "customers/customer_list.html"
    table_pagination = {"per_page": 50}  # not paginate_by: FilterView would paginate (and count) a second time

    def get_queryset(self):
        return customer_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Pairs a key-rule change set apart (customers/migrations/0004) wait for a person who sees both.
        context["possible_duplicates"] = [] if is_rep_scoped(self.request.user) else possible_duplicates()
        return context


class CustomerCreateView(PermissionRequiredMixin, FormView):
    """New customer. An existing key is refused with a link to that customer; a name close to existing
    ones is shown as a possible duplicate first, and saved only when the user ticks "Create anyway".
    `?next=` (a local URL, e.g. the distribution entry form) is where to go back to, with `customer=<id>`."""

    permission_required = "customers.create"
    form_class = CustomerCreateForm
    template_name = "customers/customer_form.html"

    def get_initial(self):
        return {name: self.request.GET[name] for name in CREATE_FIELDS if self.request.GET.get(name)}

    def next_url(self) -> str:
        url = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url and url_has_allowed_host_and_scheme(url, allowed_hosts={self.request.get_host()},
                                                   require_https=self.request.is_secure()):
            return url
        return ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url(), **kwargs)

    def form_valid(self, form):
        try:
            customer = create_customer(actor=self.request.user, data=form.cleaned_data)
        except ValidationError as error:
            self._remember_existing(form, error)
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Customer “{customer}” created.")
        if next_url := self.next_url():
            return redirect(_with_query(next_url, customer=customer.pk))
        return redirect(customer)

    @staticmethod
    def _remember_existing(form: CustomerCreateForm, error: ValidationError) -> None:
        # Someone created the same facility between our check and the service's: link to it too.
        for item in getattr(error, "error_dict", {}).get("facility_name", []):
            if item.code == "duplicate_customer" and item.params:
                form.existing_customer = Customer.objects.filter(pk=item.params.get("pk")).first()


def _with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return urlunsplit(parts._replace(query=query))


class CustomerDetailView(PermissionRequiredMixin, FollowMergedCustomerMixin, CustomerProfileMixin, View):
    """GET: the profile. POST: update the details with a reason (also needs customers.edit)."""

    permission_required = "customers.view"

    def get(self, request, pk):
        return self.render_profile(visible_customer(request, pk))

    def post(self, request, pk):
        customer = visible_customer(request, pk)
        require_perm(request, "customers.edit")
        form = CustomerUpdateForm.for_customer(customer, data=request.POST)
        if not form.is_valid():
            return self.render_profile(customer, edit_form=form)
        data = form.cleaned_data
        try:
            updated = update_customer(actor=request.user, customer=customer, data=data, reason=data["reason"],
                                      version=data["version"])
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render_profile(customer, edit_form=form)
        report_save(request, saved=updated, version=data["version"], message=f"Customer “{updated}” saved.")
        return redirect(updated)


class NoteCreateView(PermissionRequiredMixin, FollowMergedCustomerMixin, CustomerProfileMixin, View):
    permission_required = "customers.notes"

    def get(self, request, pk):
        return redirect(profile_url(visible_customer(request, pk), "notes"))

    def post(self, request, pk):
        customer = visible_customer(request, pk)
        form = NoteForm(request.POST, auto_id="note_%s")
        if form.is_valid():
            try:
                add_note(actor=request.user, customer=customer, body=form.cleaned_data["body"])
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Note added.")
                return redirect(profile_url(customer, "notes"))
        return self.render_profile(customer, note_form=form)


class NoteEditView(PermissionRequiredMixin, FollowMergedCustomerMixin, View):
    permission_required = "customers.notes"
    template_name = "customers/note_form.html"

    def get(self, request, pk, note_pk):
        customer, note = visible_note(request, pk, note_pk)
        return self.render(customer, note, NoteEditForm.for_note(note))

    def post(self, request, pk, note_pk):
        customer, note = visible_note(request, pk, note_pk)
        form = NoteEditForm.for_note(note, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                update_note(actor=request.user, note=note, body=data["body"], reason=data["reason"],
                            version=data["version"])
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Note saved.")
                return redirect(profile_url(customer, "notes"))
        return self.render(customer, note, form)

    def render(self, customer, note, form):
        return render(self.request, self.template_name, {"customer": customer, "note": note, "form": form})


class NoteDeleteView(PermissionRequiredMixin, FollowMergedCustomerMixin, View):
    permission_required = "customers.notes"
    template_name = "customers/note_confirm_delete.html"

    def get(self, request, pk, note_pk):
        customer, note = visible_note(request, pk, note_pk)
        return self.render(customer, note, NoteDeleteForm())

    def post(self, request, pk, note_pk):
        customer, note = visible_note(request, pk, note_pk)
        form = NoteDeleteForm(request.POST)
        if form.is_valid():
            try:
                delete_note(actor=request.user, note=note, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Note deleted. Its text stays in the audit history.")
                return redirect(profile_url(customer, "notes"))
        return self.render(customer, note, form)

    def render(self, customer, note, form):
        return render(self.request, self.template_name, {"customer": customer, "note": note, "form": form})


class RepAssignView(PermissionRequiredMixin, FollowMergedCustomerMixin, CustomerProfileMixin, View):
    """POST action=assign (rep, primary), action=primary (rep) or action=remove (rep)."""

    permission_required = "customers.edit"

    def get(self, request, pk):
        return redirect(profile_url(visible_customer(request, pk), "reps"))

    def post(self, request, pk):
        customer = visible_customer(request, pk)
        form = RepAssignmentForm(request.POST, customer=customer)
        if not form.is_valid():
            if request.POST.get("action", RepAssignmentForm.ASSIGN) == RepAssignmentForm.ASSIGN:
                return self.render_profile(customer, rep_form=form)
            messages.error(request, "That rep is not assigned to this customer (any more). Nothing was changed.")
            return redirect(profile_url(customer, "reps"))
        action, rep = form.cleaned_data["action"], form.cleaned_data["rep"]
        name = _user_name(rep)
        if action == RepAssignmentForm.ASSIGN:
            primary = form.cleaned_data["primary"]
            ensure_rep_assignment(customer=customer, rep=rep, primary=primary, actor=request.user)
            messages.success(request, f"{name} assigned{' as primary rep' if primary else ''}.")
        elif action == RepAssignmentForm.PRIMARY:
            try:
                make_primary_rep(customer=customer, rep=rep, actor=request.user, reason=request.POST.get("reason", ""))
            except ValidationError:
                messages.error(request, f"Give a reason to make {name} the primary rep. Nothing was changed.")
                return redirect(profile_url(customer, "reps"))
            messages.success(request, f"{name} is now the primary rep.")
        else:
            try:
                remove_rep_assignment(customer=customer, rep=rep, actor=request.user,
                                      reason=request.POST.get("reason", ""))
            except ValidationError:
                messages.error(request, f"Give a reason to remove {name}. Nothing was changed.")
                return redirect(profile_url(customer, "reps"))
            messages.success(request, f"{name} is no longer assigned to this customer.")
        return redirect(profile_url(customer, "reps"))


def _user_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


class CustomerSearchView(PermissionRequiredMixin, View):
    """Search-as-you-type for choosers (the distribution entry form): JSON, at most ten customers."""

    permission_required = "customers.view"

    def get(self, request):
        results = [
            {
                "id": c.pk, "facility_name": c.facility_name, "address1": c.address1, "address2": c.address2,
                "city": c.city, "state": c.state, "postal_code": c.postal_code, "country": c.country,
                "primary_rep": c.primary_rep_id, "url": c.get_absolute_url(),
            }
            for c in customer_search(request.user, request.GET.get("q", ""), limit=SEARCH_LIMIT)
        ]
        return JsonResponse({"results": results})
