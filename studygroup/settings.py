"""Settings for StudyGroup, read from the environment with embedded defaults.

With no environment at all the app runs on SQLite and Celery's filesystem
transport under DATA_DIR; DATABASE_URL and CELERY_BROKER_URL switch to
PostgreSQL and Redis. DEBUG=0 turns on the production hardening.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envstr(name: str, default: str) -> str:
    return os.environ.get(name) or default


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)
DATA_DIR = Path(envstr("DATA_DIR", str(BASE_DIR / "var")))
# The embedded SQLite file and the queue folders live here; a fresh clone has no var/ yet.
DATA_DIR.mkdir(parents=True, exist_ok=True)

_DEV_SECRET_KEY = "dev-only-secret-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = envstr("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG=0")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_NAME = envstr("SITE_NAME", "StudyGroup")
# When on, every page but sign-in and invites needs a signed-in member.
MEMBERS_ONLY = envbool("MEMBERS_ONLY", False)
# Where the site is, for links in e-mail (sent by workers, outside any request).
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# E-mail: SMTP where EMAIL_HOST is set (production), else printed by the console backend.
EMAIL_HOST = envstr("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
# Password-reset links and e-mail verification links stay good this long.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "reviews",
    "filestore",
    "search",
    "meetings",
    "notifications",
    "recommend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "reviews.middleware.ContentSecurityPolicyMiddleware",
    "reviews.middleware.ApiJsonErrorsMiddleware",
    "reviews.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reviews.middleware.PreferredLanguageMiddleware",
    "reviews.middleware.MemberTimeZoneMiddleware",
    "reviews.middleware.MembersOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "studygroup.urls"
WSGI_APPLICATION = "studygroup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reviews.context_processors.site",
            ],
        },
    },
]

_DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}")
# A server keeps its connection for a minute (opening one costs ~7 ms a request), checked
# before reuse; the embedded SQLite file opens in no time and keeps the old behaviour.
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        conn_max_age=envint("DB_CONN_MAX_AGE", 0 if _DATABASE_URL.startswith("sqlite") else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write the same file: take the write lock when a
    # transaction begins (no upgrade deadlocks) and let readers run beside a writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a test's Celery worker process opens the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "reviews.Member"
# The lockout check comes first, so a locked-out client never reaches the password check.
AUTHENTICATION_BACKENDS = [
    "reviews.signin.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in protection (django-axes): failures are counted per account and per address in the
# database, which every web process shares. A lock ends AXES_COOLOFF_MINUTES after the last
# counted failure (tries while locked do not extend it), and signing in clears the counts.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "reviews.signin.attempt_username"
AXES_CLIENT_IP_CALLABLE = "reviews.signin.client_address"
AXES_LOCKOUT_CALLABLE = "reviews.signin.lockout_response"
# Successful sign-ins are not logged: the failure counts are all the protection needs.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every management command
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "old_password",
    "new_password1",
    "new_password2",
    "password1",
    "password2",
    "csrfmiddlewaretoken",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

# Four sections of the longest text the API documents (100 KB of UTF-8 each, JSON-escaped)
# fit; a larger body is refused (413 under /api/) before anything reads it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 2**20

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_URL = "media/"
# Files written by older versions, which `migrate` copies into the database.
MEDIA_ROOT = DATA_DIR / "media"
# Run figures and what imports write live in the database, so a worker on another host needs
# only DATABASE_URL and CELERY_BROKER_URL. FILE_STORAGE names another backend (object
# storage), FILE_STORAGE_OPTIONS (JSON) its options.
STORAGES = {
    "default": {
        "BACKEND": envstr("FILE_STORAGE", "filestore.storage.DatabaseStorage"),
        "OPTIONS": json.loads(envstr("FILE_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and envbool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# The review page loads MathML natively; images in reviews may come from any https host.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "reviews.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "reviews.api.authentication.MembersOnlyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["reviews.api.permissions.ReadOnlyOrMember"],
    "DEFAULT_PAGINATION_CLASS": "reviews.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "reviews.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
        "search.filters.IndexSearchFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "reviews.api.throttling.AnonReadThrottle",
        "reviews.api.throttling.MemberReadThrottle",
        "reviews.api.throttling.WriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon_read": envstr("API_THROTTLE_ANON", "120/min"),
        "member_read": envstr("API_THROTTLE_MEMBER", "600/min"),
        "write": envstr("API_THROTTLE_WRITE", "60/min"),
        # Failed token checks per address; once used up, every token from there waits.
        "bad_token": envstr("API_THROTTLE_BAD_TOKEN", "20/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "reviews.api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["reviews.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "reviews.api.views.exception_handler",
    "PAGE_SIZE": 20,
    # Trust X-Forwarded-For for this many proxies only, so clients cannot pick their own
    # address to dodge the anonymous rate limit.
    "NUM_PROXIES": envint("API_NUM_PROXIES", 0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "StudyGroup API",
    "DESCRIPTION": (
        "Papers, reviews, comments, members, cohorts and reading lists of a paper study group. "
        "Authenticate with `Authorization: Token <key>` (or `Bearer <key>`); review writes "
        "need `If-Match` with the review's ETag."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # MembersOnlyAuthentication only refuses; it is no way to sign in.
    "AUTHENTICATION_WHITELIST": [
        "reviews.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The sidecar's Redoc loads its footer logo from a CDN; ours (static/vendor/redoc) is
    # patched not to, and templates/drf_spectacular/redoc.html loads it by its hashed name.
    "REDOC_DIST": f"/{STATIC_URL}vendor/redoc",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "reviews.api.schema.allow_empty_filter_values",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "reviews.enums.Language",
        "ReviewStatusEnum": "reviews.enums.ReviewStatus",
        "ReadingStatusEnum": "reviews.enums.ReadingStatus",
        "SectionEnum": "reviews.enums.Section",
        "CohortRoleEnum": "reviews.enums.CohortRole",
        "RunStatusEnum": "reviews.enums.RunStatus",
        "RunVerdictEnum": "reviews.enums.RunVerdict",
        "NotificationKindEnum": "notifications.enums.Kind",
        "DeliveryEnum": "notifications.enums.Delivery",
        "ImportKindEnum": ["bibtex", "citations"],
    },
}
# API rate-limit counters live in the cache. Local memory is per process; with several web
# processes, REDIS_CACHE_URL makes them share one budget.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": envstr("REDIS_CACHE_URL", ""),
        }
        if envstr("REDIS_CACHE_URL", "")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _QUEUE_DIR = DATA_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_QUEUE_DIR / "queue"),
        "data_folder_out": str(_QUEUE_DIR / "queue"),
        "processed_folder": str(_QUEUE_DIR / "processed"),
        "control_folder": str(_QUEUE_DIR / "control"),
        "store_processed": False,
    }
# Imports fetch arXiv records and blog feeds from the web; off, they answer as when offline.
IMPORT_FETCH = envbool("IMPORT_FETCH", True)

# Demo experiments. A run is limited to its experiment's TIME_LIMIT_S (soft; the hard limit is
# EXPERIMENT_HARD_LIMIT_GRACE_S later), never more than EXPERIMENT_MAX_TIME_LIMIT_S.
EXPERIMENT_DEVICE = envstr("EXPERIMENT_DEVICE", "auto")
EXPERIMENT_RUN_LIMIT = envint("EXPERIMENT_RUN_LIMIT", 2)
EXPERIMENT_RUNS_PER_HOUR = envint("EXPERIMENT_RUNS_PER_HOUR", 30)
EXPERIMENT_MAX_TIME_LIMIT_S = envint("EXPERIMENT_MAX_TIME_LIMIT_S", 1800)
EXPERIMENT_HARD_LIMIT_GRACE_S = 30
# A worker writes a heartbeat every EXPERIMENT_HEARTBEAT_S. A redelivered task may take a run
# over once its heartbeat is EXPERIMENT_LEASE_S old; the reaper fails runs silent for longer.
EXPERIMENT_HEARTBEAT_S = 2
EXPERIMENT_LEASE_S = envint("EXPERIMENT_LEASE_S", 15)
EXPERIMENT_STALE_S = envint("EXPERIMENT_STALE_S", 30)
# The reaper looks for the message of runs queued longer than this; one the broker lost is
# re-sent once, then failed (reviews/services/run_queue.py).
EXPERIMENT_QUEUE_GRACE_S = envint("EXPERIMENT_QUEUE_GRACE_S", 10)
if not EXPERIMENT_HEARTBEAT_S < EXPERIMENT_LEASE_S < EXPERIMENT_STALE_S:
    raise ImproperlyConfigured(
        "need EXPERIMENT_HEARTBEAT_S < EXPERIMENT_LEASE_S < EXPERIMENT_STALE_S"
    )

CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ROUTES = {"reviews.run_experiment": {"queue": "gpu"}}
CELERY_BEAT_SCHEDULE = {
    # Expires, so reaps do not pile up where no worker consumes the default queue.
    "reap-runs": {
        "task": "reviews.reap_runs",
        "schedule": 10.0,
        "options": {"expires": 10},
    },
    # Reminders go out within a quarter of an hour of falling due; each is sent once.
    "notifications-remind": {
        "task": "notifications.remind",
        "schedule": 900.0,
        "options": {"expires": 900},
    },
    # Fan-outs queue their mail as they commit; this catches any a lost message left behind.
    "notifications-email": {
        "task": "notifications.email_due",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    # Digests go out at 08:00 local time; running every quarter hour reaches every zone
    # (some are offset by 30 or 45 minutes) early in that hour.
    "notifications-digests": {
        "task": "notifications.digests",
        "schedule": 900.0,
        "options": {"expires": 900},
    },
    # Refit the text model and every member's (changes between runs are applied as they
    # happen); about a minute for 10,000 papers.
    "recommend-rebuild": {
        "task": "recommend.rebuild",
        "schedule": crontab(hour=4, minute=0),
        "options": {"expires": 3600},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # An unacknowledged message goes back to the queue after this long: it must outlast the
    # longest run, or a second worker would start a run that is still going.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": EXPERIMENT_MAX_TIME_LIMIT_S + EXPERIMENT_HARD_LIMIT_GRACE_S + 600
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # Axes logs every sign-in at INFO; failures and lockouts (WARNING) are the ones to keep.
    "loggers": {"axes": {"level": "WARNING"}},
}
