"""Background jobs with progress, on Django's task API (django-tasks + django-tasks-db; docs/deploy.md).

For the domain apps:

    from silqeqms.jobs import JobFailed, job_kind, start_job, retry_job
    from silqeqms.jobs.files import save_job_input, read_job_input

    @job_kind("distribution.import_csv", label="Import a distribution CSV", permission="distribution.import")
    def import_csv(*, actor, params, progress):       # registered from the app's jobs.py (AppConfig.ready)
        progress.set_total(n); progress.advance(k)     # memory only; a reporter thread writes it
        raise JobFailed("Row 12: …")                   # → the job's error, shown to the user
        return {"summary": ["…"], "counts": [["Created", 118], ["Duplicates skipped", 2]],
                "links": [{"label": "The new entries", "url": "/admin/distribution-log/?…"}]}

    job = start_job(actor=request.user, kind="distribution.import_csv", params={...}, input_files=[name])
    return redirect(job)                                # /admin/jobs/<id>/ shows the progress bar

The names below are imported on first use, so that this package can be imported while apps load.
"""

from __future__ import annotations

from silqeqms.jobs.registry import JobFailed, JobKind, UnknownJobKind, get_kind, job_kind, register

_LAZY = {
    "start_job": "silqeqms.jobs.services",
    "retry_job": "silqeqms.jobs.services",
    "sweep_stale_jobs": "silqeqms.jobs.services",
    "JobNotRetryable": "silqeqms.jobs.services",
    "Progress": "silqeqms.jobs.progress",
}

__all__ = ["JobFailed", "JobKind", "UnknownJobKind", "get_kind", "job_kind", "register", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
