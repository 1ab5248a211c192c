"""A guard that fails any test in which a web request writes a user, a group, a membership or a group's
permissions without an audit event for it.

Signals see every model save and many-to-many change, which is how anything writes users and groups (the
Django admin, a form's save(), user.save(), user.groups.add(), group.user_set.remove()). While a request is
served, each such write is noted; when the request ends, each must have an AuditEvent about the same object,
of an action that matches the write, recorded in the same request (its audit batch), and the write must
have happened inside a transaction (not autocommitted, so that it and its event commit together or not at
all). A write whose transaction rolled back needs no event. `tests/conftest.py` turns the guard on for every test, so a new unaudited path fails whichever test
first goes through it. QuerySet.update() and bulk_create() send no signals: test_audit_guard.py scans the
source for those.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from silqeqms.audit import current_batch_id
from silqeqms.models import AuditEvent, User

USER_TYPE = User._meta.label_lower
GROUP_TYPE = Group._meta.label_lower

# The actions that may account for a write of each user field (a save without update_fields: any of them).
USER_FIELD_ACTIONS = {
    "password": {"user.password_reset", "user.password_changed"},
    "is_active": {"user.deactivated", "user.reactivated"},
    "is_staff": {"user.privileges_changed"},
    "is_superuser": {"user.privileges_changed"},
}
USER_DETAIL_ACTIONS = {"user.updated"}
ALL_USER_ACTIONS = set().union(USER_DETAIL_ACTIONS, *USER_FIELD_ACTIONS.values())
# Django's own bookkeeping at sign-in (update_last_login), not a change anyone makes to an account.
UNAUDITED_USER_FIELDS = {"last_login"}


class CommitMarker:
    """Registered with transaction.on_commit() at the write: Django drops it if the write's savepoint rolls
    back, runs it at a real commit, and (inside a test case's transaction) keeps it pending."""

    def __init__(self) -> None:
        self.ran = False

    def __call__(self) -> None:
        self.ran = True

    def survived(self) -> bool:
        return self.ran or any(func is self for _sids, func, _robust in connection.run_on_commit)


@dataclass(frozen=True)
class Write:
    what: str
    target_type: str
    target_id: str
    actions: frozenset[str]
    batch_id: str
    in_transaction: bool
    marker: CommitMarker


def _in_transaction() -> bool:
    """Inside an atomic block of the code under test (the test case's own blocks do not count)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


class AuditGuard:
    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self.failures: list[str] = []
        self._uid = f"audit-guard-{id(self)}"

    # -- wiring ---------------------------------------------------------------------------------------
    def _signals(self):
        return [
            (request_started, self._request_started, None),
            (request_finished, self._request_finished, None),
            (post_save, self._user_saved, User),
            (post_delete, self._user_deleted, User),
            (post_save, self._group_saved, Group),
            (post_delete, self._group_deleted, Group),
            (m2m_changed, self._memberships_changed, User.groups.through),
            (m2m_changed, self._user_permissions_changed, User.user_permissions.through),
            (m2m_changed, self._group_permissions_changed, Group.permissions.through),
        ]

    def connect(self) -> None:
        for signal, receiver, sender in self._signals():
            signal.connect(receiver, sender=sender, weak=False, dispatch_uid=(self._uid, receiver.__name__))

    def disconnect(self) -> None:
        for signal, receiver, sender in self._signals():
            signal.disconnect(receiver, sender=sender, dispatch_uid=(self._uid, receiver.__name__))

    # -- request window -------------------------------------------------------------------------------
    def _request_started(self, **kwargs) -> None:
        self._local.pending = []

    def _request_finished(self, **kwargs) -> None:
        pending = getattr(self._local, "pending", None)
        self._local.pending = None
        for write in pending or []:
            problem = self.problem_with(write)
            if problem:
                with self._lock:
                    self.failures.append(problem)

    @staticmethod
    def problem_with(write: Write) -> str | None:
        if not write.marker.survived():
            return None  # rolled back: nothing was written, so nothing needs an event
        if not write.in_transaction:
            return (f"{write.what} ({write.target_type} #{write.target_id}) outside a transaction: its audit "
                    "event cannot commit with it")
        audited = AuditEvent.objects.filter(batch_id=write.batch_id, target_type=write.target_type,
                                            target_id=write.target_id, action__in=write.actions).exists()
        if not write.batch_id or not audited:
            return (f"{write.what} ({write.target_type} #{write.target_id}) with no audit event "
                    f"{' or '.join(sorted(write.actions))} in the same request")
        return None

    def _note(self, what: str, target_type: str, pk, actions: set[str]) -> None:
        pending = getattr(self._local, "pending", None)
        if pending is None:  # not serving a request: the test itself is setting the scene
            return
        in_transaction = _in_transaction()
        marker = CommitMarker()
        transaction.on_commit(marker)
        pending.append(Write(what, target_type, str(pk), frozenset(actions), current_batch_id(), in_transaction,
                             marker))

    # -- receivers ------------------------------------------------------------------------------------
    def _user_saved(self, instance, created, update_fields=None, **kwargs) -> None:
        if created:
            self._note("user created", USER_TYPE, instance.pk, {"user.created"})
            return
        fields = set(update_fields or ()) - UNAUDITED_USER_FIELDS
        if update_fields is not None and not fields:
            return
        actions = (set().union(*(USER_FIELD_ACTIONS.get(f, USER_DETAIL_ACTIONS) for f in fields)) if fields
                   else ALL_USER_ACTIONS)
        self._note(f"user saved ({', '.join(sorted(fields)) or 'every field'})", USER_TYPE, instance.pk, actions)

    def _user_deleted(self, instance, **kwargs) -> None:
        self._note("user deleted", USER_TYPE, instance.pk, {"user.deleted"})  # no such action: never allowed

    def _group_saved(self, instance, created, **kwargs) -> None:
        actions = {"group.created"} if created else {"group.updated", "group.created"}
        self._note("group created" if created else "group saved", GROUP_TYPE, instance.pk, actions)

    def _group_deleted(self, instance, **kwargs) -> None:
        self._note("group deleted", GROUP_TYPE, instance.pk, {"group.deleted"})

    @staticmethod
    def _changed_pks(instance, action, reverse, pk_set, related) -> list:
        """The pks of the objects on the watched side whose relation changed."""
        if action not in ("post_add", "post_remove", "pre_clear"):
            return []
        if not reverse:
            return [instance.pk] if (pk_set or action == "pre_clear") else []
        if action == "pre_clear":
            return list(related(instance).values_list("pk", flat=True))
        return sorted(pk_set or ())

    def _memberships_changed(self, instance, action, reverse, pk_set, **kwargs) -> None:
        for pk in self._changed_pks(instance, action, reverse, pk_set, lambda group: group.user_set):
            self._note("user's groups changed", USER_TYPE, pk, {"user.roles_changed", "user.created"})

    def _user_permissions_changed(self, instance, action, reverse, pk_set, **kwargs) -> None:
        # Rights come from roles; no path grants a permission to one user directly, so none is allowed.
        for pk in self._changed_pks(instance, action, reverse, pk_set, lambda perm: perm.user_set):
            self._note("user's own permissions changed", USER_TYPE, pk, {"user.permissions_changed"})

    def _group_permissions_changed(self, instance, action, reverse, pk_set, **kwargs) -> None:
        for pk in self._changed_pks(instance, action, reverse, pk_set, lambda perm: perm.group_set):
            self._note("group's permissions changed", GROUP_TYPE, pk, {"group.permissions_changed", "group.created"})
