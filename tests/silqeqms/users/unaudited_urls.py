"""Views that write users and groups the wrong ways, for test_audit_guard.py only (ROOT_URLCONF override)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from silqeqms.audit import record_event
from silqeqms.models import User


def _user(request) -> User:
    return User.objects.get(username=request.GET["u"])


def save_without_event(request):
    with transaction.atomic():
        user = _user(request)
        user.email = "changed@example.com"
        user.save()
    return HttpResponse("ok")


def add_to_group_without_event(request):
    with transaction.atomic():
        _user(request).groups.add(Group.objects.get(name="admin"))
    return HttpResponse("ok")


def add_member_from_the_group_side_without_event(request):
    with transaction.atomic():
        Group.objects.get(name="admin").user_set.add(_user(request))
    return HttpResponse("ok")


def grant_to_group_without_event(request):
    with transaction.atomic():
        Group.objects.get(name="readonly").permissions.add(Permission.objects.get(codename="manage_users"))
    return HttpResponse("ok")


def grant_to_user_directly(request):
    with transaction.atomic():
        user = _user(request)
        user.user_permissions.add(Permission.objects.get(codename="manage_users"))
        record_event(actor=None, action="user.updated", target=user, reason="sneaky")
    return HttpResponse("ok")


def event_in_a_separate_transaction(request):
    user = _user(request)
    user.email = "autocommit@example.com"
    user.save()  # autocommitted: the event below cannot commit with it
    with transaction.atomic():
        record_event(actor=None, action="user.updated", target=user, reason="later")
    return HttpResponse("ok")


def wrong_action(request):
    with transaction.atomic():
        user = _user(request)
        user.groups.add(Group.objects.get(name="admin"))
        record_event(actor=None, action="user.updated", target=user, reason="not a role change")
    return HttpResponse("ok")


def audited_properly(request):
    with transaction.atomic():
        user = _user(request)
        user.email = "audited@example.com"
        user.save(update_fields=["email"])
        record_event(actor=None, action="user.updated", target=user, reason="fine",
                     changes={"email": ["?", user.email]})
    return HttpResponse("ok")


def rolled_back(request):
    try:
        with transaction.atomic():
            user = _user(request)
            user.is_superuser = True
            user.save()
            raise RuntimeError("refused after the write")
    except RuntimeError:
        pass
    return HttpResponse("ok")


urlpatterns = [path(f"{view.__name__}/", view) for view in (
    save_without_event, add_to_group_without_event, add_member_from_the_group_side_without_event,
    grant_to_group_without_event, grant_to_user_directly, event_in_a_separate_transaction, wrong_action,
    audited_properly, rolled_back,
)]
