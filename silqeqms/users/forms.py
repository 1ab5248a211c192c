"""Input validation for the user pages. Forms never save: the views hand cleaned data to the services."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordMixin
from django.core.exceptions import ValidationError

from silqeqms.forms import ReasonField
from silqeqms.models import User
from silqeqms.users.selectors import role_choices
from silqeqms.users.services import DETAIL_FIELDS, role_names


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Roles")
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "What the user may see and do: each role is a set of permissions "
                                       "(silqeqms/roles.py). No role: the user can sign in and see nothing.")
        super().__init__(choices=role_choices, **kwargs)


class UserCreateForm(SetPasswordMixin, forms.ModelForm):
    password1, password2 = SetPasswordMixin.create_password_fields()
    roles = RolesField()
    reason = ReasonField(required=False, label="Reason (optional)",
                         help_text="E.g. the new hire or the request. Recorded in the audit trail.")

    class Meta:
        model = User
        fields = ["username", *DETAIL_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        existing = User.objects.filter(username__iexact=username).first()
        if existing is not None:
            raise ValidationError("A user named “%(name)s” already exists (user names ignore case).",
                                  code="duplicate_username", params={"name": existing.username})
        return username

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        candidate = User(**{k: cleaned.get(k) or "" for k in ("username", *DETAIL_FIELDS)})
        self.validate_password_for_user(candidate)
        return cleaned


class UserDetailsForm(forms.ModelForm):
    """Name and e-mail. Each field carries the value it was shown with (a hidden twin), so that a change
    someone else saved in between is refused rather than overwritten."""

    reason = ReasonField()

    class Meta:
        model = User
        fields = list(DETAIL_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DETAIL_FIELDS:
            self.fields[name].show_hidden_initial = True

    @classmethod
    def for_user(cls, user: User, data=None) -> UserDetailsForm:
        # Bound without the instance: a refused POST never changes the user shown beside the form.
        return cls(data=data, initial={name: getattr(user, name) for name in DETAIL_FIELDS}, prefix="details")

    def as_read(self) -> dict[str, Any] | None:
        """The values the form was shown with, or None when the POST did not carry them."""
        values = {}
        for name in DETAIL_FIELDS:
            key = self.add_initial_prefix(name)  # "initial-details-email"
            if key not in self.data:
                return None
            values[name] = self.data.get(key, "")
        return values


class RolesForm(forms.Form):
    roles = RolesField()
    roles_as_read = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = ReasonField()

    @classmethod
    def for_user(cls, user: User, data=None) -> RolesForm:
        current = role_names(user)
        return cls(data=data, initial={"roles": current, "roles_as_read": json.dumps(current)}, prefix="roles")

    def clean_roles_as_read(self) -> list[str] | None:
        raw = self.cleaned_data["roles_as_read"]
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError("This form is damaged: reload the page and try again.", code="bad_roles_as_read")
        return value


class PasswordResetForm(SetPasswordMixin, forms.Form):
    password1, password2 = SetPasswordMixin.create_password_fields(label1="New password",
                                                                   label2="New password again")
    reason = ReasonField()

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault("prefix", "password")
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        self.validate_password_for_user(self.user)
        return cleaned


class ReasonForm(forms.Form):
    """Deactivate, reactivate, unlock: the reason is all they ask."""

    reason = ReasonField()


class AddressUnlockForm(forms.Form):
    ip_address = forms.GenericIPAddressField(widget=forms.HiddenInput)
    reason = ReasonField()
