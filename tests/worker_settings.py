"""Settings for the real `manage.py db_worker` processes the worker and browser tests start: the test
settings with the database task backend, and heartbeats and sweeps fast enough for a test to wait for."""

from tests.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
JOBS_HEARTBEAT_SECONDS = 0.5
JOBS_PROGRESS_INTERVAL_SECONDS = 0.2
JOBS_STALE_AFTER_SECONDS = 3
JOBS_SWEEP_INTERVAL_SECONDS = 1
