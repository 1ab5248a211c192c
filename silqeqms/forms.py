from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="Username", widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. After five failed attempts the "
        "account is locked for 15 minutes.",
    }


class ReasonField(forms.CharField):
    """The reason for a change: required, and whitespace alone is not a reason."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Reason for change")
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("strip", True)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        kwargs.setdefault("help_text", "Recorded in the audit trail with your name and the time.")
        kwargs.setdefault("error_messages", {"required": "Give a reason for this change."})
        super().__init__(**kwargs)
