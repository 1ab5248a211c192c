from __future__ import annotations

import math

from django import forms

from customers.models import Customer
from distribution.fields import EDITABLE_FIELDS, MAX_QUANTITY, NOTES_MAX_LENGTH, ship_date_problem
from distribution.imports.csv_file import MAX_CSV_BYTES
from distribution.imports.pdf import MAX_PDF_BYTES, MAX_PDF_PAGES
from distribution.models import DistributionLogEntry
from silqeqms.forms import ReasonField
from silqeqms.models import User


class EntryForm(forms.ModelForm):
    """Validates an entry; the view hands cleaned_data to distribution.services (never form.save())."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.filter(is_active=True), required=False, widget=forms.HiddenInput,
    )

    class Meta:
        model = DistributionLogEntry
        fields = EDITABLE_FIELDS
        widgets = {
            "ship_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2, "maxlength": NOTES_MAX_LENGTH}),
        }
        help_texts = {
            "lot_number": "Leave blank only if the lot is not known yet: the entry then waits in the review queue.",
            "facility_name": "The consignee as shipped. Choose a customer above to fill it in.",
        }

    quantity = forms.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, widget=forms.NumberInput(attrs={"min": 1}),
        error_messages={"min_value": "Quantity must be at least 1.",
                        "max_value": f"Quantity must be at most {MAX_QUANTITY:,}."},
    )

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customers is not None:
            self.fields["customer"].queryset = customers
        self.fields["rep"].queryset = User.objects.filter(is_active=True, groups__name="sales_rep").distinct()
        self.fields["rep"].required = False
        self.fields["rep"].empty_label = "— none —"

    def clean_ship_date(self):
        ship_date = self.cleaned_data["ship_date"]
        problem = ship_date_problem(ship_date)
        if problem:
            raise forms.ValidationError(f"Ship date {ship_date:%Y-%m-%d} {problem}.")
        return ship_date

    def clean_notes(self):
        notes = self.cleaned_data.get("notes", "")
        if len(notes) > NOTES_MAX_LENGTH:
            raise forms.ValidationError(f"Keep notes under {NOTES_MAX_LENGTH:,} characters (these have {len(notes):,}).")
        return notes

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS if name in self.cleaned_data}


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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Django's documented recipe: a file field that cleans every file of a multiple upload."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = []
        for item in files:
            try:
                cleaned.append(super().clean(item, initial))
            except forms.ValidationError as error:  # name the file: "scan.pdf: The submitted file is empty."
                name = getattr(item, "name", "")
                raise forms.ValidationError(f"{name}: {' '.join(error.messages)}" if name else error.messages) from None
        return cleaned


class PdfUploadForm(forms.Form):
    """One or more sales-order PDFs; sizes are checked before anything is parsed."""

    MAX_FILES = 10
    files = MultipleFileField(
        label="Sales-order PDFs", widget=MultipleFileInput(attrs={"accept": ".pdf,application/pdf"}),
        help_text=f"Up to 10 files, each at most {MAX_PDF_BYTES // 1024 // 1024} MB and {MAX_PDF_PAGES} pages.",
    )

    def clean_files(self):
        uploads = self.cleaned_data["files"]
        if not uploads:
            raise forms.ValidationError("Choose at least one PDF.")
        if len(uploads) > self.MAX_FILES:
            raise forms.ValidationError(f"{len(uploads)} files chosen; import at most {self.MAX_FILES} at a time.")
        too_big = [u.name for u in uploads if u.size > MAX_PDF_BYTES]
        if too_big:
            raise forms.ValidationError(
                f"Over the {MAX_PDF_BYTES // 1024 // 1024} MB limit: {', '.join(too_big)}. Nothing was read.")
        return uploads


class PdfImportConfirmForm(forms.Form):
    tokens = forms.CharField(widget=forms.HiddenInput)
    reason = ReasonField(label="Reason for this import",
                         help_text="For example: “sales orders received by e-mail on 3 March”. Recorded in the audit trail.")
