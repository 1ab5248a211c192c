from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from silqeqms.edits import REASON_MAX_LENGTH
from silqeqms.users.lockout import cool_off, pair_limit


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="Username", widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        minutes = int(cool_off().total_seconds() // 60)
        self.error_messages = {
            **self.error_messages,
            "invalid_login": f"That username and password do not match. After {pair_limit()} failed attempts, "
            f"this username cannot sign in from this address for {minutes} minutes.",
        }


class ReasonField(forms.CharField):
    """The reason for a change: required, and whitespace alone is not a reason."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Reason for change")
        kwargs.setdefault("max_length", REASON_MAX_LENGTH)
        kwargs.setdefault("strip", True)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        kwargs.setdefault("help_text", "Recorded in the audit trail with your name and the time.")
        kwargs.setdefault("error_messages", {"required": "Give a reason for this change."})
        super().__init__(**kwargs)


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def report_save(request, *, saved, version: int, message: str) -> None:
    """After an edit made against `version` (optimistic locking): the one sentence for an edit that
    changed nothing (the service recorded nothing, the version did not move), else `message`."""
    if saved.version == version:
        messages.info(request, "Nothing changed, so nothing was saved.")
    else:
        messages.success(request, message)


def check_date_range(form: forms.Form, start_field: str, end_field: str) -> None:
    """A from/to pair of dates (filters, the dashboard window): the end may not come before the start."""
    start, end = form.cleaned_data.get(start_field), form.cleaned_data.get(end_field)
    if start and end and start > end:
        form.add_error(end_field, "The end date is before the start date.")


class DateRangeForm(forms.Form):
    """Base form of a filter set whose dates are `<prefix>_from` / `<prefix>_to` pairs (date_range_fields)."""

    date_range_fields: tuple[tuple[str, str], ...] = ()

    def clean(self):
        cleaned = super().clean()
        for start_field, end_field in self.date_range_fields:
            check_date_range(self, start_field, end_field)
        return cleaned
