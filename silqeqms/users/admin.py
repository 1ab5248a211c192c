"""The Django admin's user and group pages, routed through the same audited services as the staff UI.

Each form asks for a reason. Saving calls the services (never form.save() or save_m2m()); a service's
refusal (the last user who can manage users, a superuser changed by a non-superuser...) is shown as an
error and nothing is written. Users and groups cannot be deleted here: users are deactivated (the audit
trail PROTECTs them), groups are roles from roles.py. Passwords are set on the staff UI's user page.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse

from silqeqms.forms import ReasonField
from silqeqms.models import User
from silqeqms.users import services

ADMIN_DELETE_REASON = "Deleted in the Django admin: users are deactivated, never deleted."


class UserAdminChangeForm(UserChangeForm):
    reason = ReasonField()

    class Meta(UserChangeForm.Meta):
        model = User


class UserAdminCreationForm(AdminUserCreationForm):
    reason = ReasonField(required=False, label="Reason (optional)")

    class Meta(AdminUserCreationForm.Meta):
        model = User


class ServiceErrorsAsMessages:
    """A service's ValidationError raised while saving rolls the save back and comes back as an error
    message on the same page, instead of a 500."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            messages.error(request, "Nothing was saved: " + " ".join(error.messages))
            return HttpResponseRedirect(request.get_full_path())


def _adopt(obj, saved) -> None:
    """The admin goes on with its own unsaved instance (log entry, redirect): give it the saved identity."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db


@admin.register(User)
class SilqeUserAdmin(ServiceErrorsAsMessages, UserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Status and roles", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
        ("Audit trail", {"fields": ("reason",)}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        ("Audit trail", {"fields": ("reason",)}),
    )
    filter_horizontal = ("groups",)

    def has_delete_permission(self, request, obj=None):
        return False  # users are deactivated, never deleted: the audit trail keeps its actors

    def user_change_password(self, request, id, form_url=""):
        """One place sets passwords for others: the user's page in the staff UI (audited, reason asked)."""
        return HttpResponseRedirect(reverse("users:user_detail", args=[id]) + "#password")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        reason = data.get("reason", "")
        if not change:
            password = data.get("password1") if data.get("set_usable_password", True) else None
            _adopt(obj, services.create_user(actor=request.user, username=data["username"], password=password,
                                             reason=reason))
            return
        stored = User.objects.get(pk=obj.pk)
        services.update_user(actor=request.user, user=stored, reason=reason, fields=services.ADMIN_DETAIL_FIELDS,
                             data={name: data[name] for name in services.ADMIN_DETAIL_FIELDS if name in data})
        services.change_privileges(actor=request.user, user=stored, is_staff=data["is_staff"],
                                   is_superuser=data["is_superuser"], reason=reason)
        if data["is_active"] and not stored.is_active:
            services.reactivate_user(actor=request.user, user=stored, reason=reason)
        elif not data["is_active"] and stored.is_active:
            services.deactivate_user(actor=request.user, user=stored, reason=reason)

    def save_related(self, request, form, formsets, change):
        if "groups" in form.cleaned_data:
            services.change_roles(actor=request.user, user=form.instance, reason=form.cleaned_data["reason"],
                                  roles=[group.name for group in form.cleaned_data["groups"]])

    def delete_model(self, request, obj):
        if obj.is_active:
            services.deactivate_user(actor=request.user, user=obj, reason=ADMIN_DELETE_REASON)

    def delete_queryset(self, request, queryset):
        for user in queryset.filter(is_active=True):
            self.delete_model(request, user)


class GroupAdminForm(forms.ModelForm):
    reason = ReasonField()

    class Meta:
        model = Group
        fields = ["name", "permissions"]


admin.site.unregister(Group)


@admin.register(Group)
class SilqeGroupAdmin(ServiceErrorsAsMessages, GroupAdmin):
    form = GroupAdminForm
    fields = ("name", "permissions", "reason")

    def has_delete_permission(self, request, obj=None):
        return False  # groups are the roles of roles.py; deleting one would silently strip its members

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            _adopt(obj, services.create_group(actor=request.user, name=data["name"],
                                              permissions=data["permissions"], reason=data["reason"]))
            return
        services.rename_group(actor=request.user, group=obj, name=data["name"], reason=data["reason"])

    def save_related(self, request, form, formsets, change):
        if change:
            services.set_group_permissions(actor=request.user, group=form.instance,
                                           permissions=form.cleaned_data["permissions"],
                                           reason=form.cleaned_data["reason"])

    def delete_model(self, request, obj):
        raise PermissionDenied("Groups are not deleted: they are the roles of silqeqms/roles.py.")

    def delete_queryset(self, request, queryset):
        raise PermissionDenied("Groups are not deleted: they are the roles of silqeqms/roles.py.")
