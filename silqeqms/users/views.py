"""User pages: thin views that check silqeqms.manage_users, parse a form and call one service.

The user's page holds every form (details, roles, password, status, sign-in lock); each form posts to a
route of its own and, when it does not validate, the page is shown again with that form's errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.generic import FormView, View
from django_tables2 import RequestConfig

from silqeqms.forms import apply_validation_error
from silqeqms.lists import TableListView
from silqeqms.models import User
from silqeqms.permissions import PermissionRequiredMixin
from silqeqms.tables import AuditEventTable
from silqeqms.users import services
from silqeqms.users.filters import UserFilterSet
from silqeqms.users.forms import (
    AddressUnlockForm,
    PasswordResetForm,
    ReasonForm,
    RolesForm,
    UserCreateForm,
    UserDetailsForm,
)
from silqeqms.users.lockout import address_limit, cool_off, locked_addresses, locks_for_username, pair_limit
from silqeqms.users.selectors import user_history, user_list
from silqeqms.users.tables import UserTable, user_url

MANAGE_USERS = "silqeqms.manage_users"
HISTORY_PER_PAGE = 20


def _name(user: User) -> str:
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


class UserListView(PermissionRequiredMixin, TableListView):
    permission_required = MANAGE_USERS
    table_class = UserTable
    filterset_class = UserFilterSet
    template_name = "users/user_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return user_list()

    def get_context_data(self, **kwargs):
        addresses = [(lock, AddressUnlockForm(initial={"ip_address": lock.ip_address}, auto_id=f"unlock-{i}-%s"))
                     for i, lock in enumerate(locked_addresses())]
        return super().get_context_data(locked_addresses=addresses, address_limit=address_limit(),
                                        cool_off_minutes=int(cool_off().total_seconds() // 60), **kwargs)


class UserCreateView(PermissionRequiredMixin, FormView):
    permission_required = MANAGE_USERS
    form_class = UserCreateForm
    template_name = "users/user_form.html"

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = services.create_user(
                actor=self.request.user, username=data["username"], password=data["password1"],
                first_name=data["first_name"], last_name=data["last_name"], email=data["email"],
                roles=data["roles"], reason=data["reason"])
        except ValidationError as error:
            apply_validation_error(form, _password_errors_on(form, error))
            return self.form_invalid(form)
        roles = ", ".join(data["roles"]) or "no role"
        messages.success(self.request, f"User {_name(user)} created with {roles}. They can sign in now.")
        return redirect(user_url(user))


def _password_errors_on(form, error: ValidationError) -> ValidationError:
    """The services call the password `password`; the forms ask for it twice (password1, password2)."""
    if hasattr(error, "error_dict") and "password" in error.error_dict:
        errors = dict(error.error_dict)
        errors["password2"] = errors.pop("password")
        return ValidationError(errors)
    return error


class UserPageMixin:
    template_name = "users/user_detail.html"
    request: HttpRequest

    def render_page(self, subject: User, *, open_section: str = "", **forms) -> HttpResponse:
        history = AuditEventTable(user_history(subject), prefix="history-", orderable=False,
                                  exclude=["seq", "target_repr"], empty_text="No changes to this account yet.")
        RequestConfig(self.request, paginate={"per_page": HISTORY_PER_PAGE}).configure(history)
        context = {
            "subject": subject,
            "roles": services.role_names(subject),
            "locks": locks_for_username(subject.get_username()),
            "pair_limit": pair_limit(),
            "history": history,
            "details_form": forms.get("details_form") or UserDetailsForm.for_user(subject),
            "roles_form": forms.get("roles_form") or RolesForm.for_user(subject),
            "password_form": forms.get("password_form") or PasswordResetForm(user=subject),
            "status_form": forms.get("status_form") or ReasonForm(prefix="status"),
            "unlock_form": forms.get("unlock_form") or ReasonForm(prefix="unlock"),
            "open_section": open_section or self.request.GET.get("open", ""),
            "is_self": subject.pk == self.request.user.pk,
        }
        return render(self.request, self.template_name, context)


class UserDetailView(PermissionRequiredMixin, UserPageMixin, View):
    permission_required = MANAGE_USERS

    def get(self, request, pk):
        return self.render_page(get_object_or_404(User, pk=pk))


class UserActionView(PermissionRequiredMixin, UserPageMixin, View):
    """One form of the user's page. GET goes back to the page; POST validates, calls the service, and
    either redirects with a message or shows the page again with this form's errors."""

    permission_required = MANAGE_USERS
    section = ""  # the page's section (and the form's context name: "<section>_form")

    def make_form(self, subject: User, data):
        return ReasonForm(data, prefix=self.section)

    def perform(self, subject: User, form) -> str:
        """Call the service; return the success message."""
        raise NotImplementedError

    def get(self, request, pk):
        return redirect(f"{user_url(get_object_or_404(User, pk=pk))}#{self.section}")

    def post(self, request, pk):
        subject = get_object_or_404(User, pk=pk)
        form = self.make_form(subject, request.POST)
        if form.is_valid():
            try:
                message = self.perform(subject, form)
            except ValidationError as error:
                apply_validation_error(form, _password_errors_on(form, error))
            else:
                messages.success(request, message)
                return redirect(f"{user_url(subject)}#{self.section}")
        return self.render_page(subject, open_section=self.section, **{f"{self.section}_form": form})


class UserDetailsUpdateView(UserActionView):
    section = "details"

    def make_form(self, subject, data):
        return UserDetailsForm.for_user(subject, data=data)

    def perform(self, subject, form):
        data = form.cleaned_data
        before = {name: getattr(subject, name) for name in services.DETAIL_FIELDS}
        user = services.update_user(actor=self.request.user, user=subject, data=data, reason=data["reason"],
                                    as_read=form.as_read())
        if before == {name: getattr(user, name) for name in services.DETAIL_FIELDS}:
            return "Nothing changed, so nothing was saved."
        return f"Details of {_name(user)} saved."


class UserRolesView(UserActionView):
    section = "roles"

    def make_form(self, subject, data):
        return RolesForm.for_user(subject, data=data)

    def perform(self, subject, form):
        data = form.cleaned_data
        before = services.role_names(subject)
        user = services.change_roles(actor=self.request.user, user=subject, roles=data["roles"],
                                     reason=data["reason"], roles_as_read=data["roles_as_read"])
        after = services.role_names(user)
        if before == after:
            return "The roles are unchanged, so nothing was saved."
        return f"Roles of {_name(user)}: {', '.join(after) or 'none'}."


class UserPasswordResetView(UserActionView):
    section = "password"

    def make_form(self, subject, data):
        return PasswordResetForm(data, user=subject)

    def perform(self, subject, form):
        data = form.cleaned_data
        user = services.reset_password(actor=self.request.user, user=subject, password=data["password1"],
                                       reason=data["reason"])
        if user.pk == self.request.user.pk:
            update_session_auth_hash(self.request, user)  # resetting one's own password keeps one signed in
        return f"New password set for {_name(user)}. Their open sessions have ended; give them the password " \
               "through a channel you trust."


class UserDeactivateView(UserActionView):
    section = "status"

    def perform(self, subject, form):
        user = services.deactivate_user(actor=self.request.user, user=subject, reason=form.cleaned_data["reason"])
        return f"{_name(user)} is deactivated: they can no longer sign in. Their history stays."


class UserReactivateView(UserActionView):
    section = "status"

    def perform(self, subject, form):
        user = services.reactivate_user(actor=self.request.user, user=subject, reason=form.cleaned_data["reason"])
        return f"{_name(user)} is active again and can sign in."


class UserUnlockView(UserActionView):
    section = "unlock"

    def perform(self, subject, form):
        count = services.unlock_user(actor=self.request.user, user=subject, reason=form.cleaned_data["reason"])
        where = "one address" if count == 1 else f"{count} addresses"
        return f"{_name(subject)} can sign in again (was locked from {where})."


class AddressUnlockView(PermissionRequiredMixin, View):
    """Unlock one address that was locked for every username (from the user list)."""

    permission_required = MANAGE_USERS

    def get(self, request):
        return redirect(reverse("users:user_list") + "#locked-addresses")

    def post(self, request):
        form = AddressUnlockForm(request.POST)
        if form.is_valid():
            address = form.cleaned_data["ip_address"]
            try:
                services.unlock_address(actor=request.user, ip_address=address, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"The address {address} is unlocked.")
        else:
            messages.error(request, "Give a reason to unlock the address. Nothing was changed.")
        return redirect(reverse("users:user_list") + "#locked-addresses")


class OwnPasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, but the change goes through the audited service (no form.save())."""

    def form_valid(self, form):
        user = services.change_own_password(user=self.request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)
        return redirect(self.get_success_url())
