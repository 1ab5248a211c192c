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
