from __future__ import annotations

import math

from django import forms

from customers.models import Customer
from distribution.importers.csv import MAX_CSV_BYTES
from distribution.models import DistributionLogEntry
from silqeqms.forms import ReasonField
from silqeqms.models import User

ENTRY_FIELDS = ["ship_date", "order_number", "customer", "facility_name", "address1", "address2", "city", "state",
                "postal_code", "country", "sku", "udi_di", "lot_number", "quantity", "rep", "notes"]


class EntryForm(forms.ModelForm):
    """Validates an entry; the view hands cleaned_data to distribution.services (never form.save())."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.filter(is_active=True), required=False, widget=forms.HiddenInput,
    )

    class Meta:
        model = DistributionLogEntry
        fields = ENTRY_FIELDS
        widgets = {
            "ship_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "quantity": forms.NumberInput(attrs={"min": 1}),
        }
        help_texts = {
            "lot_number": "Leave blank only if the lot is not known yet: the entry then waits in the review queue.",
            "facility_name": "The consignee as shipped. Choose a customer above to fill it in.",
        }

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customers is not None:
            self.fields["customer"].queryset = customers
        self.fields["rep"].queryset = User.objects.filter(is_active=True, groups__name="sales_rep").distinct()
        self.fields["rep"].required = False
        self.fields["quantity"].min_value = 1

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ENTRY_FIELDS if name in self.cleaned_data}


class EntryEditForm(EntryForm):
    reason = ReasonField()
    version = forms.IntegerField(widget=forms.HiddenInput)


class VoidForm(forms.Form):
    reason = ReasonField(label="Why is this entry void?")
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    lot_number = forms.CharField(label="Lot", max_length=64)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CsvUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8 or Windows-1252; at most 20 MB and 200,000 rows.",
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            size_mb = math.ceil(upload.size * 10 / 1024 / 1024) / 10  # never "20.0 MB; the limit is 20 MB"
            raise forms.ValidationError(
                f"{upload.name} is {size_mb:.1f} MB; the limit is {MAX_CSV_BYTES / 1024 / 1024:g} MB. "
                "Split it and import the parts."
            )
        return upload


class ImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    reason = ReasonField(label="Reason for this import",
                         help_text="For example: “March shipments from the ERP export”. Recorded in the audit trail.")
