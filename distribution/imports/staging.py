"""Uploaded files held between preview and confirm: on disk under MEDIA_ROOT, indexed in the session."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
from pathlib import Path

from django.conf import settings

SESSION_KEY = "staged_imports"


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "import-staging"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


MAX_AGE_SECONDS = 24 * 3600


def _sweep(folder: Path) -> None:
    """Previews nobody confirmed: remove what is older than a day."""
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def stage(request, *, name: str, data: bytes, kind: str) -> str:
    token = secrets.token_urlsafe(16)
    folder = _folder()
    _sweep(folder)
    (folder / token).write_bytes(data)
    staged = request.session.get(SESSION_KEY, {})
    staged[token] = {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "kind": kind}
    request.session[SESSION_KEY] = staged
    return token


def load(request, token: str, *, kind: str) -> tuple[str, bytes] | None:
    """The staged file's name and bytes, if this session staged it (and it is still there)."""
    meta = request.session.get(SESSION_KEY, {}).get(token)
    path = _folder() / token
    if not meta or meta.get("kind") != kind or not path.is_file() or "/" in token:
        return None
    return meta["name"], path.read_bytes()


def discard(request, token: str) -> None:
    staged = request.session.get(SESSION_KEY, {})
    staged.pop(token, None)
    request.session[SESSION_KEY] = staged
    (_folder() / token).unlink(missing_ok=True)
