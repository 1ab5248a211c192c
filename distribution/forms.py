from __future__ import annotations

from django import forms

from customers.matching import Match, NearDuplicateFound
from customers.models import Customer
from distribution.catalogue import new_lot_problems
from distribution.fields import EDITABLE_FIELDS, MAX_QUANTITY, NOTES_MAX_LENGTH, ship_date_problem
from distribution.imports.csv_file import MAX_CSV_BYTES
from distribution.imports.decisions import NEW_CUSTOMER, ImportDecisions
from distribution.imports.pdf import MAX_PDF_BYTES, MAX_PDF_PAGES
from distribution.imports.planning import ImportPlan
from distribution.models import DistributionLogEntry
from products.gs1 import GS1Error, normalize_gtin
from products.selectors import Problem
from silqeqms.forms import ReasonField
from silqeqms.models import User
from silqeqms.uploads import size_refusal


class EntryForm(forms.ModelForm):
    """Validates an entry; the view hands cleaned_data to distribution.services (never form.save()).

    `recorded`: the entry being edited. What it already carries is kept as recorded (a historic lot or
    UDI-DI written before today's rules); what is typed anew follows them: a UDI-DI is a GTIN with its
    check digit (stored as 14 digits), a lot not yet in the catalogue uses the lot-number character set."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.filter(is_active=True), required=False, widget=forms.HiddenInput,
    )
    # Not saved: a scanned UDI label fills udi_di, sku, lot_number, expiry_date and serial_number
    # (static/js/label-scan.js through /admin/scan/, or the view when the form is posted with it).
    scan = forms.CharField(
        label="Scan label", required=False, strip=False,
        help_text="Scan the UDI barcode here, or type or paste its text: (01)…(17)…(10)… or a GS1 Digital Link. "
                  "The UDI-DI, SKU, lot, expiry date and serial number are filled in; check them, then save.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off",
                                      "aria-describedby": "scan-help scan-status"}),
    )
    # The warnings the person saw and chose to save anyway (distribution.catalogue.CatalogueWarnings.key).
    warnings_seen = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = DistributionLogEntry
        fields = EDITABLE_FIELDS
        widgets = {
            "ship_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expiry_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2, "maxlength": NOTES_MAX_LENGTH}),
            "udi_di": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        }
        help_texts = {
            "lot_number": "Leave blank only if the lot is not known yet: the entry then waits in the review queue.",
            "facility_name": "The consignee as shipped. Choose a customer above to fill it in.",
            "udi_di": "The device identifier (GTIN) on the label, check digit included.",
            "expiry_date": "From the label (optional).",
            "serial_number": "From the label, for serialised devices (optional).",
        }

    quantity = forms.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, widget=forms.NumberInput(attrs={"min": 1}),
        error_messages={"min_value": "Quantity must be at least 1.",
                        "max_value": f"Quantity must be at most {MAX_QUANTITY:,}."},
    )

    # The answer to "Did you mean …?" (a facility name close to existing customers): a customer's id
    # (link to it) or "new" (create a new customer), for the name it was asked about.
    customer_choice = forms.CharField(required=False, widget=forms.HiddenInput)
    choice_for = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customers=None, recorded: DistributionLogEntry | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.recorded = recorded
        self.catalogue_warnings: list[Problem] = []  # set by the view when the service asks to confirm them
        self.warnings_key = ""
        if customers is not None:
            self.fields["customer"].queryset = customers
        self.fields["rep"].queryset = User.objects.filter(is_active=True, groups__name="sales_rep").distinct()
        self.fields["rep"].required = False
        self.fields["rep"].empty_label = "— none —"
        self.near_duplicates: list[Match] = []  # set by the view when the service asks "Did you mean …?"

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("customer_choice", "")
        if choice and cleaned.get("choice_for", "") != (cleaned.get("facility_name") or ""):
            cleaned["customer_choice"] = choice = ""  # the name changed since the question: ask again
        if choice.isdigit():
            chosen = self.fields["customer"].queryset.filter(pk=int(choice)).first()
            if chosen is None:
                raise forms.ValidationError("The customer chosen no longer exists or is not yours to choose; "
                                            "choose again.")
            cleaned["customer"] = chosen
        elif choice and choice != NEW_CUSTOMER:
            cleaned["customer_choice"] = ""
        lot = cleaned.get("lot_number") or ""
        if lot and not self._kept("lot_number", lot):
            problem = new_lot_problems([(cleaned.get("sku") or "", lot)]).get(0)
            if problem:
                self.add_error("lot_number", problem)
        return cleaned

    def _kept(self, name: str, value) -> bool:
        """Is this the value the entry being edited already has?"""
        return self.recorded is not None and getattr(self.recorded, name) == value

    def clean_udi_di(self):
        value = (self.cleaned_data.get("udi_di") or "").strip()
        if not value or self._kept("udi_di", value):
            return value
        try:
            return normalize_gtin(value)
        except GS1Error as error:
            raise forms.ValidationError(str(error)) from None

    def ask_to_confirm(self, error) -> None:
        """Show the catalogue's warnings (distribution.catalogue.CatalogueWarnings) with "Save anyway"."""
        self.catalogue_warnings = error.warnings
        self.warnings_key = error.key
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)

    @property
    def creates_new_customer(self) -> bool:
        """The person answered "Did you mean …?" with "create a new customer"."""
        return self.cleaned_data.get("customer_choice") == NEW_CUSTOMER

    def ask_about(self, error: NearDuplicateFound) -> None:
        """Show "Did you mean …?" for the name the service found close to existing customers."""
        self.near_duplicates = error.matches
        self.near_duplicate_name = error.facility_name
        self.add_error("facility_name", error.error_dict["facility_name"])

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
    """Confirm an entry waiting for review: its lot (when missing) and, for an entry whose consignee was
    close to existing customers, the customer: an id, or "new". Shown with `matches`, the choice is a
    list of the close customers; posted, it is checked by the view against what the user may see."""

    lot_number = forms.CharField(label="Lot", max_length=64, required=False)
    customer_choice = forms.CharField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, matches: list[Match] | None = None, facility_name: str = "",
                 entry: DistributionLogEntry | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.entry = entry
        if matches is not None:
            self.fields["customer_choice"] = forms.ChoiceField(
                label="Customer", widget=forms.RadioSelect,
                help_text=f"“{facility_name}” is close to these customers: choose the one it is, or a new one.",
                choices=[*((str(m.customer.pk), _match_label(m)) for m in matches),
                         (NEW_CUSTOMER, f"None of these: create a new customer “{facility_name}”")])

    def clean_lot_number(self) -> str:
        """A lot typed here follows the rule for new lots unless the catalogue already has it (or the entry
        already carries it)."""
        lot = self.cleaned_data["lot_number"].strip()
        if lot and self.entry is not None and lot != self.entry.lot_number:
            problem = new_lot_problems([(self.entry.sku, lot)]).get(0)
            if problem:
                raise forms.ValidationError(problem)
        return lot


class CsvUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8 or Windows-1252; at most 20 MB and 200,000 rows.",
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if refusal := size_refusal(upload.size, MAX_CSV_BYTES, name=upload.name):
            raise forms.ValidationError(f"{refusal} Split it and import the parts.")
        return upload


class ImportDecisionsForm(forms.Form):
    """The preview's questions (distribution.imports.decisions) as fields, named after what they are
    about so that the confirm carries them: `customer_<KEY>` (an existing customer's id, or "new") for a
    new facility close to existing customers, `fill_<KEY>_<field>` for a blank customer field the file
    could fill, `correction_<line>` for a line that may correct an entry already in the log."""

    def __init__(self, data=None, *, plan: ImportPlan | None):
        super().__init__(data)
        self.customer_rows, self.fill_rows, self.correction_rows = [], [], []
        if plan is None:
            return
        for new in plan.close_customers:
            name = f"customer_{new.key}"
            self.fields[name] = forms.ChoiceField(
                label=f"“{new.facility_name}”", widget=forms.RadioSelect,
                choices=[*((str(m.customer.pk), _match_label(m)) for m in new.similar),
                         (NEW_CUSTOMER, f"None of these: create the new customer “{new.facility_name}”")],
                error_messages={"required": f"Choose for “{new.facility_name}”: link it to one of the customers "
                                            "listed, or create a new customer.",
                                "invalid_choice": f"“{new.facility_name}”: that customer is no longer among "
                                                  "those close to it. Choose again."})
            self.customer_rows.append((new, name))
        for fill in plan.fills:
            name = f"fill_{fill.customer_key}_{fill.field}"
            self.fields[name] = forms.BooleanField(
                required=False, label=f"Fill {fill.customer}'s blank {fill.label} with “{fill.value}”")
            self.fill_rows.append((fill, name))
        for line in plan.corrections:
            name = f"correction_{line.row.line}"
            self.fields[name] = forms.BooleanField(
                required=False, label=f"Line {line.row.line}: import as an additional line")
            self.correction_rows.append((line, name))

    # [(what the question is about, its bound field)], for the template.
    @property
    def customer_questions(self):
        return [(item, self[name]) for item, name in self.customer_rows]

    @property
    def fill_questions(self):
        return [(item, self[name]) for item, name in self.fill_rows]

    @property
    def correction_questions(self):
        return [(item, self[name]) for item, name in self.correction_rows]

    @property
    def has_questions(self) -> bool:
        return bool(self.fields)

    def decisions(self) -> ImportDecisions:
        data = self.cleaned_data
        return ImportDecisions(
            customers={new.key: data[name] for new, name in self.customer_rows if data.get(name)},
            fills=frozenset((fill.customer_key, fill.field) for fill, name in self.fill_rows if data.get(name)),
            corrections=frozenset(line.row.line for line, name in self.correction_rows if data.get(name)),
        )


def _match_label(match) -> str:
    customer = match.customer
    place = f", {customer.city_state}" if customer.city_state else ""
    return f"Link to {customer.facility_name}{place} (#{customer.pk}; {match.percent} % alike)"


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
