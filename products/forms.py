"""Input validation for the product and lot pages. Forms never save: the views hand cleaned data to services."""

from __future__ import annotations

import base64
import binascii

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from products.csv_import import MAX_BYTES
from products.gs1 import GS1Error, normalize_gtin
from products.identifiers import LOT_NUMBER_CHARACTERS, LOT_NUMBER_MAX_LENGTH, clean_lot_number, clean_sku
from products.models import SETTABLE_STATUSES, Lot, LotStatus, Product
from silqeqms.forms import ReasonField
from silqeqms.uploads import size_refusal


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _gtin_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label="GTIN (UDI-DI)", required=False, max_length=20, strip=True,
        help_text="The device identifier of the UDI: 8, 12, 13 or 14 digits, check digit included "
                  "(stored as 14 digits). Leave blank if the product has none yet.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        **kwargs)


def _clean_gtin(value: str) -> str:
    if not value:
        return ""
    try:
        return normalize_gtin(value)
    except GS1Error as error:
        raise ValidationError(str(error)) from None


class ProductCreateForm(forms.Form):
    sku = forms.CharField(label="SKU", max_length=64, strip=True,
                          help_text="Letters, digits and - . _ / only. Case does not make a new product. "
                                    "It cannot be changed later.",
                          widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off",
                                                        "spellcheck": "false"}))
    description = forms.CharField(max_length=255, required=False, strip=True)
    gtin = _gtin_field()

    def clean_sku(self) -> str:
        return clean_sku(self.cleaned_data["sku"])

    def clean_gtin(self) -> str:
        return _clean_gtin(self.cleaned_data["gtin"])


class ProductUpdateForm(forms.Form):
    description = forms.CharField(max_length=255, required=False, strip=True)
    gtin = _gtin_field()
    is_active = forms.BooleanField(label="Active", required=False,
                                   help_text="Inactive products stay on past records; new lines warn.")
    reason = ReasonField()
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_gtin(self) -> str:
        return _clean_gtin(self.cleaned_data["gtin"])

    @classmethod
    def for_product(cls, product: Product, data=None) -> ProductUpdateForm:
        initial = {"description": product.description, "gtin": product.gtin, "is_active": product.is_active,
                   "version": product.version}
        return cls(data, initial=initial, auto_id="edit_%s")


class _LotDatesForm(forms.Form):
    expiry_date = forms.DateField(label="Expiry date", required=False, widget=DateInput())
    manufacture_date = forms.DateField(label="Manufacture date", required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        made, expires = cleaned.get("manufacture_date"), cleaned.get("expiry_date")
        if made and expires and made > expires:
            self.add_error("manufacture_date", "The manufacture date must not be after the expiry date.")
        return cleaned


class LotCreateForm(_LotDatesForm):
    lot_number = forms.CharField(
        label="Lot number", max_length=LOT_NUMBER_MAX_LENGTH, strip=True,
        help_text=f"1 to {LOT_NUMBER_MAX_LENGTH} characters: {LOT_NUMBER_CHARACTERS}; no spaces (what a GS1 "
                  "label can carry). Case does not make a new lot.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}))

    field_order = ["lot_number", "expiry_date", "manufacture_date"]

    def clean_lot_number(self) -> str:
        return clean_lot_number(self.cleaned_data["lot_number"])


class LotUpdateForm(_LotDatesForm):
    reason = ReasonField()
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_lot(cls, lot: Lot, data=None) -> LotUpdateForm:
        initial = {"expiry_date": lot.expiry_date, "manufacture_date": lot.manufacture_date, "version": lot.version}
        return cls(data, initial=initial, auto_id="edit_%s")


class LotStatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", error_messages={"required": "Choose the new status."})
    effective_date = forms.DateField(
        label="Applies from", widget=DateInput(),
        help_text="Lines shipped on or after this day are refused while the lot is on hold, quarantined or "
                  "recalled; earlier shipments stay valid.")
    reason = ReasonField(label="Reason for the status change",
                         help_text="For example the nonconformance, complaint or recall number. Recorded in the "
                                   "status history and the audit trail.")
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_lot(cls, lot: Lot, data=None) -> LotStatusForm:
        form = cls(data, initial={"effective_date": timezone.localdate(), "version": lot.version},
                   auto_id="status_%s")
        form.fields["status"].choices = [("", "Choose…")] + [(s.value, s.label) for s in SETTABLE_STATUSES
                                                             if s != lot.status]
        form.fields["effective_date"].widget.attrs["max"] = timezone.localdate().isoformat()
        return form

    def clean_status(self) -> LotStatus:
        return LotStatus(self.cleaned_data["status"])


class ProductImportUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text=f"UTF-8 or Windows-1252; at most {MAX_BYTES // 2**20} MB.",
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if refusal := size_refusal(upload.size, MAX_BYTES, name=upload.name):
            raise ValidationError(f"{refusal} Split it and import the parts.")
        return upload


class ProductImportConfirmForm(forms.Form):
    """Carries the previewed file itself (base64) and what the preview planned: nothing is kept on the
    server between preview and confirmation, and the import is refused if the catalogue moved meanwhile."""

    file_name = forms.CharField(widget=forms.HiddenInput, max_length=255)
    payload = forms.CharField(widget=forms.HiddenInput, max_length=MAX_BYTES * 2)
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = ReasonField(label="Reason for this import",
                         help_text="For example: “2027 catalogue from the ERP”. Recorded in the audit trail.")

    def clean_payload(self) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data["payload"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("The previewed file did not come back intact. Upload it again.") from None

    @staticmethod
    def encode(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")
