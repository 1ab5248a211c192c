"""The recall pages: list, new (from a lot trace), the recall page (and its JSON), edit, open, close
(e-signed), later shipments. Thin: a permission, a form, one service or selector."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import FormView
from django_tables2 import RequestConfig, SingleTableView

from recalls import selectors, services
from recalls.forms import CloseRecallForm, LaterShipmentsForm, OpenRecallForm, RecallEditForm, RecallForm
from recalls.models import Recall, RecallStatus
from recalls.tables import ConsigneeTable, RecallTable
from silqeqms.forms import apply_validation_error, report_save
from silqeqms.permissions import PermissionRequiredMixin, permission_denied_message
from silqeqms.tables import AuditEventTable
from silqeqms.wording import counted

HISTORY_PER_PAGE = 20


def get_recall(pk: int) -> Recall:
    try:
        return selectors.recall_for_page(pk)
    except Recall.DoesNotExist:
        raise Http404("No such recall.") from None


def require_perm(request: HttpRequest, perm: str) -> None:
    """For the second permission of a view (its POST): the same 403 page, naming the permission."""
    if not request.user.has_perm(perm):
        raise PermissionDenied(permission_denied_message(perm))


class RecallListView(PermissionRequiredMixin, SingleTableView):
    permission_required = "recalls.view"
    table_class = RecallTable
    template_name = "recalls/recall_list.html"

    def get_queryset(self):
        return selectors.recall_list()


class RecallCreateView(PermissionRequiredMixin, FormView):
    """GET ?lot=<lot>: the form with that lot in scope. POST: a draft, then its page."""

    permission_required = "recalls.manage"
    form_class = RecallForm
    template_name = "recalls/recall_form.html"

    def get_initial(self):
        initial = {}
        lot = self.request.GET.get("lot", "").strip()
        if lot:
            initial.update(lots=lot, title=f"Recall of lot {lot}"[:200])
        return initial

    def form_valid(self, form):
        try:
            recall = services.create_recall(actor=self.request.user, data=form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{recall.number} saved as a draft. Check the consignees in scope, then open it.")
        return redirect(recall)


class RecallDetailView(PermissionRequiredMixin, View):
    """The recall page: scope, consignees, effectiveness, milestones, deadline, documents, history.
    ?format=json: the figures other tools read."""

    permission_required = "recalls.view"

    def get(self, request, pk):
        recall = get_recall(pk)
        figures = selectors.effectiveness(recall)
        if request.GET.get("format") == "json":
            return JsonResponse(selectors.recall_json(recall, figures))
        table = ConsigneeTable(selectors.consignees_of(recall), recall=recall, prefix="c-")
        RequestConfig(request, paginate={"per_page": 50}).configure(table)
        history = AuditEventTable(selectors.recall_history(recall), prefix="history-", orderable=False,
                                  exclude=["seq"])
        RequestConfig(request, paginate={"per_page": HISTORY_PER_PAGE}).configure(history)
        return render(request, "recalls/recall_detail.html", {
            "recall": recall, "figures": figures, "table": table, "history": history,
            "milestones": selectors.milestones(recall, figures), "deadline": selectors.fda_report_deadline(recall),
            "later": selectors.later_shipments(recall), "lots": selectors.catalogue_lots(recall.lots),
            "documents": selectors.recall_documents(recall)[:10],
            "preview": selectors.scope_preview(recall) if recall.status == RecallStatus.DRAFT else None,
            "open_form": OpenRecallForm(initial={"version": recall.version}),
            "signatures": selectors.signatures_for(recall) if recall.status == RecallStatus.CLOSED else [],
        })


class RecallEditView(PermissionRequiredMixin, View):
    permission_required = "recalls.manage"
    template_name = "recalls/recall_edit.html"

    def get(self, request, pk):
        recall = get_recall(pk)
        return render(request, self.template_name, {"recall": recall, "form": RecallEditForm.for_recall(recall)})

    def post(self, request, pk):
        recall = get_recall(pk)
        form = RecallEditForm.for_recall(recall, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                updated = services.update_recall(actor=request.user, recall=recall, data=data,
                                                 reason=data["change_reason"], version=data["version"])
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                report_save(request, saved=updated, version=data["version"], message=f"{updated.number} saved.")
                return redirect(updated)
        return render(request, self.template_name, {"recall": recall, "form": form})


class RecallOpenView(PermissionRequiredMixin, View):
    """POST with a reason: freeze the consignees and open (an address other tools post to)."""

    permission_required = "recalls.manage"

    def get(self, request, pk):
        return redirect(get_recall(pk))

    def post(self, request, pk):
        recall = get_recall(pk)
        form = OpenRecallForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"{recall.number} was not opened: " + " ".join(
                f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()))
            return redirect(recall)
        try:
            opened = services.open_recall(actor=request.user, recall=recall, reason=form.cleaned_data["reason"],
                                          version=form.cleaned_data["version"])
        except ValidationError as error:
            messages.error(request, f"{recall.number} was not opened: {' '.join(error.messages)}")
            return redirect(recall)
        consignees = opened.consignees.count()
        lots = "" if opened.is_mock else " Its lots are now recalled: new shipments of them are refused."
        messages.success(request, f"{opened.number} is open with {counted(consignees, 'consignee')}.{lots}")
        return redirect(opened)


class RecallCloseView(PermissionRequiredMixin, View):
    """The closure, e-signed: what still stops it, the summary, the password and the signature's meaning."""

    permission_required = "recalls.close"
    template_name = "recalls/recall_close.html"

    def context(self, recall: Recall, form) -> dict:
        figures = selectors.effectiveness(recall)
        return {"recall": recall, "form": form, "figures": figures,
                "problems": services.closing_problems(recall), "milestones": selectors.milestones(recall, figures)}

    def get(self, request, pk):
        recall = get_recall(pk)
        return render(request, self.template_name, self.context(recall, CloseRecallForm(initial={"version": recall.version})))

    def post(self, request, pk):
        recall = get_recall(pk)
        form = CloseRecallForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                closed = services.close_recall(actor=request.user, recall=recall, password=data["password"],
                                               reason=data["reason"], version=data["version"], request=request)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"{closed.number} is closed, signed by {request.user.get_full_name() or request.user.get_username()}.")
                return redirect(closed)
        return render(request, self.template_name, self.context(recall, form))


class LaterShipmentsView(PermissionRequiredMixin, View):
    """Shipments in scope since the opening (created, or corrected into scope): choose, give a reason, add."""

    permission_required = "recalls.view"
    template_name = "recalls/later_shipments.html"

    def render(self, recall: Recall, form=None):
        rows = selectors.later_shipment_entries(recall)
        form = form or LaterShipmentsForm(choices=[e.pk for _, e in rows], initial={"entries": [e.pk for _, e in rows]})
        return render(self.request, self.template_name, {
            "recall": recall, "rows": rows, "form": form, "gone": selectors.lines_gone_from_scope(recall)
            .select_related("consignee", "entry")[:200]})

    def get(self, request, pk):
        return self.render(get_recall(pk))

    def post(self, request, pk):
        recall = get_recall(pk)
        require_perm(request, "recalls.manage")
        form = LaterShipmentsForm(request.POST, choices=[e.pk for _, e in selectors.later_shipment_entries(recall)])
        if form.is_valid():
            try:
                added = services.add_later_shipments(actor=request.user, recall=recall,
                                                     entry_ids=form.cleaned_data["entries"],
                                                     reason=form.cleaned_data["reason"])
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"{counted(added, 'shipment')} added to {recall.number}'s consignee list.")
                return redirect(recall)
        return self.render(recall, form)
