"""Uploaded files held between preview and confirm.

The file goes to Django's storage (silqeqms.jobs.files, so the worker that runs the import reads what
this web server received, on this machine or another); the session keeps which previews it may
confirm: token → name, sha256, kind and storage name. Confirming claims the token for one job
(`claim_key`), so the same confirm sent twice runs one import. The job removes the file once it has
succeeded; the worker's sweep removes a preview nobody confirmed after a day
(silqeqms.jobs.files.purge_orphan_inputs).
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.utils import timezone

from silqeqms.jobs.files import delete_job_inputs, save_job_input

SESSION_KEY = "staged_imports"
MAX_AGE = datetime.timedelta(days=1)
# The session remembers this many previews at most (the oldest are forgotten first).
MAX_STAGED = 20


@dataclass(frozen=True)
class StagedFile:
    token: str
    name: str  # as uploaded
    sha256: str
    storage_name: str  # in default_storage, under silqeqms.jobs.files.PREFIX
    preview_job: int | None = None  # the background job that previewed it (a big file)

    @property
    def claim_key(self) -> str:
        return claim_key(self.token)


def claim_key(token: str) -> str:
    """What the confirm's job claims (Job.claim_key): one import per preview, however often it is confirmed."""
    return f"import:{token}"


def stage(request, *, name: str, data: bytes, sha256: str, kind: str) -> str:
    """Store the file and remember in the session that this person may confirm it; returns the token."""
    token = secrets.token_urlsafe(16)
    storage_name = save_job_input(name, data)
    staged = dict(request.session.get(SESSION_KEY, {}))
    staged[token] = {"name": name, "sha256": sha256, "kind": kind, "storage_name": storage_name,
                     "at": timezone.now().isoformat()}
    for old in sorted(staged, key=lambda t: staged[t].get("at", ""))[:-MAX_STAGED]:
        _forget(staged, old)
    request.session[SESSION_KEY] = staged
    return token


def load(request, token: str, *, kind: str) -> StagedFile | None:
    """The staged file, if this session staged it for `kind`, it is not older than a day and still stored."""
    meta = request.session.get(SESSION_KEY, {}).get(token)
    if not isinstance(meta, dict) or meta.get("kind") != kind or "storage_name" not in meta:
        return None
    try:
        staged_at = datetime.datetime.fromisoformat(meta["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if timezone.now() - staged_at > MAX_AGE or not default_storage.exists(meta["storage_name"]):
        return None
    return StagedFile(token=token, name=meta["name"], sha256=meta["sha256"], storage_name=meta["storage_name"],
                      preview_job=meta.get("preview_job"))


def set_preview_job(request, token: str, job_id: int) -> None:
    staged = dict(request.session.get(SESSION_KEY, {}))
    if token in staged:
        staged[token] = {**staged[token], "preview_job": job_id}
        request.session[SESSION_KEY] = staged


def read(staged: StagedFile) -> bytes:
    with default_storage.open(staged.storage_name, "rb") as handle:
        return handle.read()


def forget(request, token: str) -> None:
    """The session no longer offers this preview (it was confirmed: the file now belongs to the job)."""
    staged = dict(request.session.get(SESSION_KEY, {}))
    staged.pop(token, None)
    request.session[SESSION_KEY] = staged


def discard(request, token: str) -> None:
    """Forget the preview and remove its file (for a confirm done inline, not by a job)."""
    staged = dict(request.session.get(SESSION_KEY, {}))
    _forget(staged, token)
    request.session[SESSION_KEY] = staged


def _forget(staged: dict, token: str) -> None:
    meta = staged.pop(token, None) or {}
    if meta.get("storage_name"):
        delete_job_inputs([meta["storage_name"]])
