"""Input validation for the recall pages. Forms never save: the views hand cleaned data to recalls.services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from products.forms import DateInput
from recalls.models import (
    LEVEL_B_RANGE,
    Classification,
    ConsigneeStatus,
    Depth,
    Kind,
    Level,
    NotifyMethod,
    Recall,
    RecallConsignee,
)
from recalls.responses_csv import MAX_BYTES
from recalls.services.consignees import UNIT_FIELDS
from silqeqms.forms import ReasonField
from silqeqms.signatures import SignatureFormMixin
from silqeqms.uploads import size_refusal


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _lines_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}))


class RecallForm(forms.Form):
    """The new-recall form (its field names are an address other tools post to: keep them)."""

    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autofocus": True}))
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.RECALL,
                             help_text="A mock recall runs the same workflow and never changes lot status.")
    reason = forms.CharField(label="Reason for the recall", max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="What is wrong with the product (it goes into every letter).")
    health_hazard = forms.CharField(label="Health hazard", max_length=5000, required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text="The hazard to patients or users; leave blank while it is evaluated.")
    instructions = forms.CharField(label="What consignees must do", max_length=5000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text="Blank: stop use, quarantine, pass the notice on, return the response "
                                             "form within 10 days.")
    classification = forms.ChoiceField(choices=Classification.choices, initial=Classification.PENDING)
    depth = forms.ChoiceField(label="Recall depth", choices=Depth.choices, initial=Depth.USER)
    level = forms.ChoiceField(label="Effectiveness-check level", choices=Level.choices, initial=Level.A)
    level_b_percent = forms.IntegerField(label="Level B share (%)", required=False, min_value=LEVEL_B_RANGE[0] + 1,
                                         max_value=LEVEL_B_RANGE[1] - 1,
                                         help_text="Only for level B: more than 10 and less than 100 %.")
    lots = _lines_field("Lots", "One lot number per line. A lot covers every product that carries it, whatever "
                                "the letter case.")
    skus = _lines_field("SKUs", "One SKU per line, recalled as shipped between the dates below.")
    ship_date_from = forms.DateField(label="SKUs shipped from", required=False, widget=DateInput())
    ship_date_to = forms.DateField(label="SKUs shipped until", required=False, widget=DateInput(),
                                   help_text="Blank: up to now, and later shipments are flagged.")

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("lots") or "").strip() and not (cleaned.get("skus") or "").strip() \
                and "lots" not in self.errors:
            self.add_error("lots", "Name at least one lot, or SKUs with a ship-date range.")
        return cleaned


SCOPE_NAMES = ("kind", "lots", "skus", "ship_date_from", "ship_date_to")


class RecallEditForm(RecallForm):
    """Edit with a reason and the version read. Once open, the scope and kind are shown but frozen."""

    change_reason = ReasonField()
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_recall(cls, recall: Recall, data=None) -> RecallEditForm:
        initial = {name: getattr(recall, name) for name in RecallForm.base_fields}
        initial.update(lots="\n".join(recall.lots), skus="\n".join(recall.skus), version=recall.version)
        form = cls(data, initial=initial, auto_id="edit_%s")
        if recall.status != "draft":
            for name in SCOPE_NAMES:
                form.fields[name].disabled = True
        return form


class OpenRecallForm(forms.Form):
    reason = ReasonField(label="Reason for opening",
                         help_text="For example the CAPA or health hazard evaluation that decided it. Recorded in "
                                   "the audit trail and the lot status history.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CloseRecallForm(SignatureFormMixin, forms.Form):
    signature_meaning = "I approve the closure of this recall"

    reason = ReasonField(label="Closure summary",
                         help_text="Why the recall can close: what was done and what the effectiveness check found.")
    version = forms.IntegerField(widget=forms.HiddenInput)

    field_order = ["reason", "password", "version"]


class LaterShipmentsForm(forms.Form):
    entries = forms.TypedMultipleChoiceField(coerce=int, widget=forms.CheckboxSelectMultiple,
                                             error_messages={"required": "Choose the shipments to add."})
    reason = ReasonField(label="Reason for adding them")

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entries"].choices = [(pk, str(pk)) for pk in choices]


class ConsigneeActionForm(forms.Form):
    """Shared: the reason and the consignee's version."""

    reason = ReasonField()
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, consignee: RecallConsignee, **kwargs):
        kwargs.setdefault("initial", {})["version"] = consignee.version
        kwargs.setdefault("prefix", self.prefix)
        super().__init__(*args, **kwargs)


class NotifyForm(ConsigneeActionForm):
    prefix = "notify"
    notified_at = forms.DateTimeField(label="Notified at", widget=DateTimeInput())
    method = forms.ChoiceField(choices=NotifyMethod.choices)
    confirmed_in_writing_on = forms.DateField(
        label="Written confirmation sent on", required=False, widget=DateInput(),
        help_text="Required for a phone call (21 CFR 7.49(c)): the day the letter or e-mail confirming it went out.")

    field_order = ["notified_at", "method", "confirmed_in_writing_on", "reason"]

    def __init__(self, *args, consignee: RecallConsignee, **kwargs):
        kwargs.setdefault("initial", {}).update(notified_at=timezone.localtime().replace(second=0, microsecond=0),
                                                method=NotifyMethod.LETTER)
        super().__init__(*args, consignee=consignee, **kwargs)
        self.fields["reason"].label = "Note for the audit trail"
        self.fields["reason"].help_text = "For example the tracking number, or whom you spoke to."


class ResponseForm(ConsigneeActionForm):
    prefix = "respond"
    responded_at = forms.DateTimeField(label="Responded at", widget=DateTimeInput())
    responder = forms.CharField(label="Who responded", max_length=150, required=False)
    units_on_hand = forms.IntegerField(label="Units on hand", min_value=0, required=False)
    units_returned = forms.IntegerField(label="Units returned", min_value=0, required=False)
    units_destroyed = forms.IntegerField(label="Units destroyed", min_value=0, required=False)
    units_corrected = forms.IntegerField(label="Units corrected", min_value=0, required=False)

    field_order = ["responded_at", "responder", *UNIT_FIELDS, "reason"]

    def __init__(self, *args, consignee: RecallConsignee, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial["responded_at"] = timezone.localtime().replace(second=0, microsecond=0)
        if consignee.responded_at:
            initial.update(responder=consignee.responder, **{n: getattr(consignee, n) for n in UNIT_FIELDS})
        super().__init__(*args, consignee=consignee, **kwargs)
        self.fields["reason"].label = "Note for the audit trail"

    def units(self) -> dict[str, int | None]:
        return {name: self.cleaned_data.get(name) for name in UNIT_FIELDS}


class CloseConsigneeForm(ConsigneeActionForm):
    prefix = "close"


class UnreachableForm(ConsigneeActionForm):
    prefix = "unreachable"

    def __init__(self, *args, consignee: RecallConsignee, **kwargs):
        super().__init__(*args, consignee=consignee, **kwargs)
        self.fields["reason"].label = "What was tried"
        self.fields["reason"].help_text = "Every attempt and its date: letters, calls, visits."


CONSIGNEE_FORMS = {"notify": NotifyForm, "respond": ResponseForm, "close": CloseConsigneeForm,
                   "unreachable": UnreachableForm}
# Which forms a consignee in each status offers.
FORMS_FOR_STATUS = {
    ConsigneeStatus.PENDING: ("notify", "unreachable"),
    ConsigneeStatus.NOTIFIED: ("respond", "notify", "unreachable"),
    ConsigneeStatus.RESPONDED: ("close", "respond"),
    ConsigneeStatus.CLOSED: (),
    ConsigneeStatus.UNREACHABLE: ("notify",),
}


class ResponsesUploadForm(forms.Form):
    file = forms.FileField(label="Responses CSV", help_text=f"At most {MAX_BYTES // 2**20} MB. Start from the mail "
                                                            "merge CSV: its reference column is filled in.",
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if refusal := size_refusal(upload.size, MAX_BYTES, name=upload.name):
            raise ValidationError(refusal)
        return upload


class ResponsesConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = ReasonField(label="Reason for this upload",
                         help_text="For example: “response forms received by fax, week 12”.")
