"""Files a job reads, kept through Django's storage API so a worker on another machine reads what a web
server received (FileSystemStorage on one machine or a shared volume; S3 through django-storages is a
setting, see docs/deploy.md).

    name = save_job_input("orders.csv", uploaded.read())          # in the view
    start_job(actor=..., kind=..., params={"file": name, ...}, input_files=[name])
    data = read_job_input(params["file"])                          # in the handler

The runner deletes a job's input files once an attempt succeeds; a failed job keeps them so that
"Try again" can read them, until the worker's sweep removes them JOBS_INPUT_RETENTION_DAYS later.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Iterable
from pathlib import PurePosixPath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import get_valid_filename

logger = logging.getLogger(__name__)

PREFIX = "job-inputs"


class MissingJobInput(FileNotFoundError):
    pass


def save_job_input(name: str, data: bytes | File) -> str:
    """Store `data` and return its storage name (put that in the job's params and input_files)."""
    original = PurePosixPath(str(name).replace("\\", "/")).name
    try:
        safe = get_valid_filename(original)[:100]
    except SuspiciousFileOperation:  # "", ".", ".."
        safe = "input"
    folder = f"{PREFIX}/{timezone.now():%Y/%m}/{secrets.token_urlsafe(12)}"
    content = ContentFile(data) if isinstance(data, bytes) else data
    return default_storage.save(f"{folder}/{safe}", content)


def _checked(name: str) -> str:
    path = PurePosixPath(name)
    if not name.startswith(f"{PREFIX}/") or ".." in path.parts or path.is_absolute():
        raise MissingJobInput(f"{name!r} is not a job input file.")
    return name


def open_job_input(name: str) -> File:
    """The stored file, opened for reading in binary; the caller closes it (use `with`)."""
    name = _checked(name)
    try:
        return default_storage.open(name, "rb")
    except FileNotFoundError:
        raise MissingJobInput(
            "The uploaded file is no longer stored (it is removed after a successful run, or after a few "
            "days); upload it again.") from None


def read_job_input(name: str) -> bytes:
    with open_job_input(name) as handle:
        return handle.read()


def delete_job_inputs(names: Iterable[str]) -> None:
    """Best effort: a file already gone is fine, and a storage error is logged, never raised."""
    for name in names:
        try:
            default_storage.delete(_checked(name))
        except Exception:
            logger.exception("Could not delete the job input %r", name)


def purge_orphan_inputs(*, referenced: set[str], older_than: datetime.timedelta) -> int:
    """Remove stored inputs no job reads (an import previewed but never confirmed) once older than
    `older_than`; returns how many. Walks this month's folder and the month before (older files were
    removed by earlier sweeps)."""
    cutoff = timezone.now() - older_than
    today = timezone.now().date()
    months = sorted({f"{today:%Y/%m}", f"{today.replace(day=1) - datetime.timedelta(days=1):%Y/%m}"})
    removed = 0
    for month in months:
        folder = f"{PREFIX}/{month}"
        try:
            tokens, _ = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        for token in tokens:
            for file_name in default_storage.listdir(f"{folder}/{token}")[1]:
                name = f"{folder}/{token}/{file_name}"
                try:
                    old = name not in referenced and default_storage.get_modified_time(name) < cutoff
                except (FileNotFoundError, NotImplementedError):
                    continue
                if old:
                    delete_job_inputs([name])
                    removed += 1
    return removed
