"""SilqeQMS settings. Everything that differs between machines comes from the environment.

Development: `make run` sets DEBUG=1 and uses the SQLite file db.sqlite3.
Production: set SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL) and leave DEBUG unset.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from silqeqms.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 - never used with DEBUG off

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    # Before django.contrib.auth so that its createsuperuser/changepassword commands are ours (audited).
    "silqeqms",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "axes",
    "customers",
    "products",
    "distribution",
    "sales_dashboard",
    "recalls",
    # Django's task API (backport of Django 6.0's django.tasks) and its database backend (app label
    # "django_tasks_database"). After silqeqms, whose db_worker command extends theirs.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view (and after auth and messages, so that its 400 page has the usual layout).
    "silqeqms.middleware.ControlCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "silqeqms.middleware.AuditContextMiddleware",
    # Last, so that it sees the authenticated user (django-axes' documented position).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "silqeqms.urls"
WSGI_APPLICATION = "silqeqms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "silqeqms.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for a writer rather than failing at once, and take the write lock at BEGIN so
    # that two concurrent transactions cannot both read the audit chain head.
    # WAL: `make run` has a worker process beside the web server; readers then never wait for a writer
    # (a job page keeps answering while an import holds the write lock).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the SQL: bulk inserts (imports, syncs) skip client-side quoting.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "silqeqms.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: 30 minutes idle timeout, renewed on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Transport security: on by default whenever DEBUG is off; each can be switched off explicitly
# (e.g. behind a TLS-terminating proxy that already redirects).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/Chicago")
USE_I18N = False
USE_TZ = True
FORMAT_MODULE_PATH = ["silqeqms.formats"]  # ISO dates on every page (see silqeqms/formats/en/formats.py)

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Uploads: Django keeps small files in memory and spills larger ones to disk. Size limits per
# import are checked in the forms before anything is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# django-axes (silqeqms/users/lockout.py): five failures of one username from one address lock that pair
# for 15 minutes (the user can still sign in elsewhere; others on that address are not affected). Password
# spraying across usernames locks the whole address after SIGNIN_ADDRESS_FAILURE_LIMIT failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
SIGNIN_ADDRESS_FAILURE_LIMIT = env_int("SIGNIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "silqeqms.users.lockout.PairAndAddressHandler"
AXES_LOCKOUT_CALLABLE = "silqeqms.users.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "silqeqms.middleware.client_ip"  # the address the audit trail records
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("AXES_ENABLED", True)

DJANGO_TABLES2_TEMPLATE = "_table.html"
DJANGO_TABLES2_PAGE_RANGE = 8

SALES_DASHBOARD_DEFAULT_START = datetime.date.fromisoformat(env_str("SALES_DASHBOARD_DEFAULT_START", "2026-01-01"))

# A distribution line whose SKU is not in the product catalogue: "warn" (shown, saved) or "error" (refused).
PRODUCTS_UNKNOWN_SKU = env_str("PRODUCTS_UNKNOWN_SKU", "warn").strip().lower()
if PRODUCTS_UNKNOWN_SKU not in ("warn", "error"):
    raise ImproperlyConfigured(f"PRODUCTS_UNKNOWN_SKU={PRODUCTS_UNKNOWN_SKU!r}: use warn or error.")

# Recalls (21 CFR 7.49 letters, 806.10 report data): the firm and the person consignees and the FDA answer to.
RECALL_FIRM_NAME = env_str("RECALL_FIRM_NAME", "Silqe Medical")
RECALL_FIRM_ADDRESS = env_str("RECALL_FIRM_ADDRESS")
RECALL_FIRM_PHONE = env_str("RECALL_FIRM_PHONE")
RECALL_FIRM_EMAIL = env_str("RECALL_FIRM_EMAIL")
RECALL_FIRM_REGISTRATION = env_str("RECALL_FIRM_REGISTRATION")  # FDA establishment registration number
RECALL_CONTACT_NAME = env_str("RECALL_CONTACT_NAME")
RECALL_CONTACT_TITLE = env_str("RECALL_CONTACT_TITLE", "Quality Manager")
# Days that are not working days for the 806.10(b) deadline (besides Saturdays and Sundays): ISO dates.
try:
    RECALL_HOLIDAYS = frozenset(datetime.date.fromisoformat(day) for day in env_list("RECALL_HOLIDAYS"))
except ValueError as error:
    raise ImproperlyConfigured(f"RECALL_HOLIDAYS: {error}; list ISO dates separated by commas.") from None

SHIPSTATION_BASE_URL = env_str("SHIPSTATION_BASE_URL", "https://ssapi.shipstation.com")
SHIPSTATION_API_KEY = env_str("SHIPSTATION_API_KEY")
SHIPSTATION_API_SECRET = env_str("SHIPSTATION_API_SECRET")
SHIPSTATION_OVERLAP_DAYS = env_int("SHIPSTATION_OVERLAP_DAYS", 3)
SHIPSTATION_WEBHOOK_TOKEN = env_str("SHIPSTATION_WEBHOOK_TOKEN")
# "storeId=username,storeId=username": who the rep is for orders of each ShipStation store.
SHIPSTATION_STORE_REPS = dict(
    pair.split("=", 1) for pair in env_list("SHIPSTATION_STORE_REPS") if "=" in pair
)

# Background jobs (silqeqms/jobs, docs/deploy.md): tasks wait in the database; `manage.py db_worker`
# processes (any number, on any machine) take them. Tests use the immediate backend.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A running job whose heartbeat (written every few seconds) is older than this is marked failed.
JOBS_STALE_AFTER_SECONDS = env_int("JOBS_STALE_AFTER_SECONDS", 120)
# A CSV with more rows than this is previewed by a background job (planning 100,000 rows takes ~3 s).
IMPORT_PREVIEW_INLINE_ROWS = env_int("IMPORT_PREVIEW_INLINE_ROWS", 5000)
# PDFs are read in a sandbox at ~65 ms a page: a batch over this many bytes is read by a background job.
IMPORT_PREVIEW_INLINE_PDF_BYTES = env_int("IMPORT_PREVIEW_INLINE_PDF_BYTES", 256 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
