"""A consignee's page (its lines, letter, history, and the forms that move it on) and its letter."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django_tables2 import RequestConfig

from recalls import selectors, services
from recalls.forms import CONSIGNEE_FORMS, FORMS_FOR_STATUS
from recalls.models import RecallConsignee, RecallStatus
from recalls.views.recalls import require_perm
from silqeqms.audit import history_for
from silqeqms.forms import apply_validation_error
from silqeqms.permissions import PermissionRequiredMixin
from silqeqms.tables import AuditEventTable


def get_consignee(pk: int, consignee_pk: int) -> RecallConsignee:
    try:
        return (RecallConsignee.objects.select_related("recall", "customer", "letter", "updated_by")
                .get(pk=consignee_pk, recall_id=pk))
    except RecallConsignee.DoesNotExist:
        raise Http404("No such consignee in this recall.") from None


def offered_forms(consignee: RecallConsignee) -> tuple[str, ...]:
    if consignee.recall.status != RecallStatus.OPEN:
        return ()
    names = FORMS_FOR_STATUS[consignee.status]
    if consignee.renotify and "notify" not in names:
        names = ("notify", *names)
    return names


class ConsigneeDetailView(PermissionRequiredMixin, View):
    """GET: the consignee. POST `action` = notify | respond | close | unreachable (recalls.manage)."""

    permission_required = "recalls.view"
    template_name = "recalls/consignee_detail.html"

    def render(self, consignee: RecallConsignee, bound=None):
        forms = {name: (bound if bound is not None and bound.prefix == name else
                        CONSIGNEE_FORMS[name](consignee=consignee)) for name in offered_forms(consignee)}
        history = AuditEventTable(history_for(consignee), prefix="history-", orderable=False, exclude=["seq"])
        RequestConfig(self.request, paginate={"per_page": 20}).configure(history)
        return render(self.request, self.template_name, {
            "recall": consignee.recall, "consignee": consignee, "lines": selectors.consignee_lines(consignee),
            "forms": forms, "history": history})

    def get(self, request, pk, consignee_pk):
        return self.render(get_consignee(pk, consignee_pk))

    def post(self, request, pk, consignee_pk):
        consignee = get_consignee(pk, consignee_pk)
        require_perm(request, "recalls.manage")
        action = request.POST.get("action", "")
        if action not in offered_forms(consignee):
            messages.error(request, f"{consignee.reference} is {consignee.get_status_display().lower()}: that change "
                                    "is not open to it now. Nothing was saved.")
            return redirect(consignee)
        form = CONSIGNEE_FORMS[action](request.POST, consignee=consignee)
        if not form.is_valid():
            return self.render(consignee, form)
        data = form.cleaned_data
        try:
            if action == "notify":
                services.notify_consignee(actor=request.user, consignee=consignee, notified_at=data["notified_at"],
                                          method=data["method"], reason=data["reason"], version=data["version"],
                                          confirmed_in_writing_on=data["confirmed_in_writing_on"])
            elif action == "respond":
                services.record_response(actor=request.user, consignee=consignee, responded_at=data["responded_at"],
                                         responder=data["responder"], units=form.units(), reason=data["reason"],
                                         version=data["version"])
            elif action == "close":
                services.close_consignee(actor=request.user, consignee=consignee, reason=data["reason"],
                                         version=data["version"])
            else:
                services.mark_unreachable(actor=request.user, consignee=consignee, note=data["reason"],
                                          version=data["version"])
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(consignee, form)
        consignee.refresh_from_db()
        messages.success(request, f"{consignee.reference} {consignee.facility_name}: "
                                  f"{consignee.get_status_display().lower()}.")
        return redirect(consignee.recall)


class ConsigneeLetterView(PermissionRequiredMixin, View):
    """The consignee's letter as application/pdf (an address other tools rely on); stored the first time
    its content is asked for, and linked from the consignee."""

    permission_required = "recalls.view"

    def get(self, request, pk, consignee_pk):
        consignee = get_consignee(pk, consignee_pk)
        document, data = services.generate_letter(actor=request.user, consignee=consignee)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{consignee.reference}-letter.pdf"'
        response["Cache-Control"] = "no-store"
        return response
