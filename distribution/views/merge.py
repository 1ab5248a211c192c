"""The customer merge page (the use case: distribution.merge). On the distribution side because a merge
repoints distribution entries, and customers never imports distribution."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.generic import View

from customers.forms import CustomerMergeForm
from customers.models import Customer
from customers.selectors import customer_search, customers_visible_to, similar_customers
from customers.views import FollowMergedCustomerMixin, visible_customer
from distribution.merge import merge_customers, merge_preview
from silqeqms.forms import apply_validation_error
from silqeqms.permissions import PermissionRequiredMixin
from silqeqms.wording import counted


class CustomerMergeView(PermissionRequiredMixin, FollowMergedCustomerMixin, View):
    """GET: find the duplicate (suggestions by similar name, or a search) and preview what moves.
    POST: merge the duplicate into this customer (the survivor), with a reason."""

    permission_required = "customers.delete"
    template_name = "customers/customer_merge.html"

    def get(self, request, pk):
        survivor = visible_customer(request, pk)
        duplicate = None
        chosen = request.GET.get("duplicate", "")
        if chosen.isdigit():
            duplicate = self.candidates(survivor).filter(pk=int(chosen)).first()
            if duplicate is None:
                messages.error(request, "That customer cannot be merged into this one: choose another.")
        form = CustomerMergeForm(initial={"duplicate": duplicate.pk} if duplicate else None, survivor=survivor,
                                 visible=customers_visible_to(request.user))
        return self.render(survivor, duplicate, form)

    def post(self, request, pk):
        survivor = visible_customer(request, pk)
        form = CustomerMergeForm(request.POST, survivor=survivor, visible=customers_visible_to(request.user))
        valid = form.is_valid()
        duplicate = form.cleaned_data.get("duplicate")  # the preview stays on screen beside any error
        if valid:
            try:
                moved = merge_customers(actor=request.user, survivor=survivor, duplicate=duplicate,
                                       reason=form.cleaned_data["reason"])
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    f"“{duplicate.facility_name}” was merged into “{survivor.facility_name}”: "
                    f"{counted(moved['entries'], 'distribution entry', 'distribution entries')}, "
                    f"{counted(moved['notes'], 'note')} and {counted(moved['reps'], 'rep')} "
                    "moved. Its spelling now finds this customer.",
                )
                return redirect(survivor)
        form.fields["reason"].widget.attrs["autofocus"] = True  # brings the errors into view
        return self.render(survivor, duplicate, form)

    def candidates(self, survivor: Customer):
        return customers_visible_to(self.request.user).exclude(pk=survivor.pk)

    def render(self, survivor: Customer, duplicate: Customer | None, form: CustomerMergeForm):
        candidates = self.candidates(survivor)
        similar = similar_customers(survivor.facility_name, exclude_pk=survivor.pk)
        visible = set(candidates.filter(pk__in=[c.pk for c, _ in similar]).values_list("pk", flat=True))
        query = self.request.GET.get("q", "").strip()
        results = [c for c in customer_search(self.request.user, query, limit=11) if c.pk != survivor.pk][:10] \
            if query else []
        context = {
            "customer": survivor,
            "duplicate": duplicate,
            "preview": merge_preview(survivor=survivor, duplicate=duplicate) if duplicate else None,
            "suggestions": [(c, round(ratio * 100)) for c, ratio in similar if c.pk in visible],
            "query": query,
            "results": results,
            "form": form,
        }
        return render(self.request, self.template_name, context)

