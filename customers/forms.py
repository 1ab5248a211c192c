"""Input validation for the customer pages. Forms never save: the views hand cleaned data to services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from customers.keys import canonical_customer_key
from customers.models import ADDRESS_FIELDS, EDITABLE_FIELDS, Customer, CustomerNote
from customers.selectors import customer_for_key, reps, similar_customers
from silqeqms.forms import ReasonField
from silqeqms.models import User

CREATE_FIELDS = ("facility_name", *ADDRESS_FIELDS, "phone", "email", "contact_name")

# Browsers fill these from the user's address book; screen readers announce them.
_AUTOCOMPLETE = {
    "facility_name": "organization", "address1": "address-line1", "address2": "address-line2",
    "city": "address-level2", "state": "address-level1", "postal_code": "postal-code",
    "country": "country-name", "phone": "tel", "email": "email", "contact_name": "name",
}


class _CustomerFieldsForm(forms.ModelForm):
    """The customer's own fields with the model's labels and lengths. Bound without an instance, so a
    failed POST never changes the customer shown beside the form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name in _AUTOCOMPLETE:
                field.widget.attrs.setdefault("autocomplete", _AUTOCOMPLETE[name])
        if "phone" in self.fields:
            self.fields["phone"].widget.attrs["inputmode"] = "tel"


class CustomerCreateForm(_CustomerFieldsForm):
    confirm_similar = forms.BooleanField(
        required=False, widget=forms.HiddenInput,
        label="Create anyway: none of the customers listed above is this facility",
    )

    class Meta:
        model = Customer
        fields = CREATE_FIELDS
        help_texts = {"facility_name": "Spelling, spaces, punctuation and accents do not make a new customer: "
                                       "“Hospital A” and “HOSPITAL-A” are the same facility."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility_name"].widget.attrs["autofocus"] = True
        self.existing_customer: Customer | None = None
        self.similar: list[tuple[Customer, float]] = []

    def clean_facility_name(self) -> str:
        name = self.cleaned_data["facility_name"].strip()
        key = canonical_customer_key(name)  # a name with no letters or digits is refused here
        existing = customer_for_key(key)
        if existing is not None:
            self.existing_customer = existing
            raise ValidationError("A customer with this name already exists: %(name)s.",
                                  code="duplicate_customer", params={"name": existing.facility_name})
        return name

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("facility_name")
        if name and not cleaned.get("confirm_similar"):
            self.similar = similar_customers(name)
            if self.similar:
                # From now on the confirmation is a visible checkbox (it is hidden until it means something).
                self.fields["confirm_similar"].widget = forms.CheckboxInput()
                raise ValidationError(
                    "Nothing was saved yet: this name is close to the customers listed above. If this is a "
                    "different facility, tick “Create anyway” at the end of the form and save again.",
                    code="similar_customers",
                )
        return cleaned


class CustomerUpdateForm(_CustomerFieldsForm):
    reason = ReasonField()
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Customer
        fields = EDITABLE_FIELDS

    @classmethod
    def for_customer(cls, customer: Customer, data=None) -> CustomerUpdateForm:
        initial = {name: getattr(customer, name) for name in EDITABLE_FIELDS}
        return cls(data, initial={**initial, "version": customer.version}, auto_id="edit_%s")


class NoteForm(forms.Form):
    body = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), max_length=10000, strip=True)


class NoteEditForm(NoteForm):
    reason = ReasonField()
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_note(cls, note: CustomerNote, data=None) -> NoteEditForm:
        return cls(data, initial={"body": note.body, "version": note.version})


class NoteDeleteForm(forms.Form):
    reason = ReasonField(help_text="The note's text stays in the audit trail with this reason.")


class RepAssignmentForm(forms.Form):
    """One form for the three actions on a customer's reps: assign, make primary, remove."""

    ASSIGN, PRIMARY, REMOVE = "assign", "primary", "remove"

    action = forms.ChoiceField(choices=[(ASSIGN, "Assign"), (PRIMARY, "Make primary"), (REMOVE, "Remove")],
                               widget=forms.HiddenInput, initial=ASSIGN)
    rep = forms.ModelChoiceField(queryset=User.objects.none(), label="Sales rep", empty_label="Choose a rep…")
    primary = forms.BooleanField(required=False, label="Make primary rep")

    def __init__(self, *args, customer: Customer, **kwargs):
        kwargs.setdefault("auto_id", "rep_%s")
        super().__init__(*args, **kwargs)
        self.customer = customer
        assigned = User.objects.filter(rep_assignments__customer=customer)
        action = self.data.get("action") if self.is_bound else self.ASSIGN
        if action in (self.PRIMARY, self.REMOVE):
            # Any assigned user, even one who has since left the sales_rep group, can be removed.
            self.fields["rep"].queryset = assigned
        else:
            self.fields["rep"].queryset = reps().exclude(pk__in=assigned.values("pk"))
            self.fields["rep"].label_from_instance = _rep_label


def _rep_label(user: User) -> str:
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


class CustomerMergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(queryset=Customer.objects.none(), widget=forms.HiddenInput)
    reason = ReasonField(label="Reason for the merge",
                         help_text="Recorded in the audit trail with your name, the time and both customers.")

    def __init__(self, *args, survivor: Customer, visible, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].queryset = visible.exclude(pk=survivor.pk)
