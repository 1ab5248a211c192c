"""Settings for the test suite: the real settings, plus a throwaway secret and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-secret-key-not-for-production")
os.environ.setdefault("STATIC_MANIFEST", "0")

from silqeqms.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
# Serve static files from the app folders (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Jobs run at once, in the process that starts them (at transaction commit). The worker tests run real
# `manage.py db_worker` processes with tests/worker_settings.py instead.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
INSTALLED_APPS = [*INSTALLED_APPS, "tests.jobkinds"]  # noqa: F405  (job kinds the job tests run)
