"""SMS settings: one module, every environment-specific value from the environment.

The defaults are the embedded, zero-set-up development values (SQLite, Celery tasks
in-process, e-mail to the console). Production sets the variables listed in
.env.example and README.md; with DEBUG off the development secret key is refused.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_HASHES, UNSAFE_INLINE
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env")  # real environment variables win over the file

DEV_SECRET_KEY = "dev-only-secret-key-never-use-in-production"  # noqa: S105

DEBUG = env.bool("DEBUG", default=True)
# An empty value counts as unset: .env.example ships `SECRET_KEY=`, and an empty key
# passes `check` but turns every request into a 500 once DEBUG is off.
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY.strip():
    SECRET_KEY = DEV_SECRET_KEY
if not DEBUG:
    if SECRET_KEY == DEV_SECRET_KEY:
        raise ImproperlyConfigured(
            "Set SECRET_KEY: it is empty or unset, and the development key is "
            "refused when DEBUG is off."
        )
    # Django's own bar for a strong key (security.W009), enforced at start-up.
    if (
        len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
        or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        raise ImproperlyConfigured(
            f"SECRET_KEY is too weak for DEBUG off: use {SECRET_KEY_MIN_LENGTH} or "
            f'more random characters, e.g. python3 -c "import secrets; '
            f'print(secrets.token_urlsafe(50))"'
        )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "bootstrap",  # Bootstrap 5 static files from the django-bootstrap-static package
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "django_celery_results",
    "django_filters",
    "django_tables2",
    "import_export",
    "simple_history",
    "sms.apps.SmsConfig",
    "customers",
    "products",
    "inventory",
    "orders",
    "opportunities",
    "analytics",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sms.broker.BrokerNoticeMiddleware",  # after messages: it adds one
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sms.urls"
WSGI_APPLICATION = "sms.wsgi.application"

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
                "sms.context_processors.base",
                "customers.context_processors.tasks_due",
                "inventory.context_processors.low_stock_alerts",
            ],
            "builtins": ["sms.templatetags.form_tokens"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not the in-memory default: browser tests' live server threads each
    # open their own connection, which an in-memory database cannot share.
    DATABASES["default"]["TEST"] = {"NAME": BASE_DIR / "test_db.sqlite3"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections, checked before reuse so a restarted server is survived.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: report aggregates over a million rows spent seconds compiling a plan
    # that runs in a few hundred milliseconds (PostgreSQL's default cost threshold
    # is meant for long analytical queries, not a web page's).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (options.get("options", "") + " -c jit=off").strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, refusing the demo password (seed_demo) while DEBUG is off.
    "sms.security.DemoPasswordRefusingBackend",
]
_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]
# Argon2id first (sms/hashers.py: its parameters and why); the others only check
# older hashes, which are rewritten with Argon2 when their user next logs in.
PASSWORD_HASHERS = [
    "sms.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed log-ins within 15 minutes (sms.security.LoginFailureHandler):
# - 5 for one user name from one address lock that pair out for 15 minutes;
# - 20 from one address, whatever the user names, lock the whole address out for 15
#   minutes (password spraying). An office behind one NAT address needs 20 failures
#   within 15 minutes, not yet forgiven by the typist's own successful log-in, before
#   it is locked; a password sprayer gets 19 guesses per address, not 4 for every
#   user name it tries.
# A success forgives that user's failures from that address.
AXES_FAILURE_LIMIT = 5
SMS_LOGIN_ADDRESS_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = timedelta(minutes=15)
# In this order: the handler gives each set its limit.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], ["ip_address"]]
AXES_HANDLER = "sms.security.LoginFailureHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Reverse proxies in front of the app (0: none). Lock-outs then key on the client's
# address from X-Forwarded-For instead of the proxy's; see sms/security.py.
SMS_PROXY_COUNT = env.int("SMS_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "sms.security.client_ip"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# Model history (django-simple-history) is read-only in the admin: writes go through
# the apps' services, never through a "revert" to an old version.
SIMPLE_HISTORY_REVERT_DISABLED = True

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="SMS <sms@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The one currency all amounts are in (ISO 4217 code).
SMS_CURRENCY = env("SMS_CURRENCY", default="EUR")

# The seller on invoices, packing slips and quotes (sms/documents.py). Multi-line values
# (address, bank details) are written with \n in the environment. The defaults are
# obvious placeholders, so an unconfigured installation never looks like a real one.
SMS_COMPANY_NAME = env("SMS_COMPANY_NAME", default="Example Trading Ltd")
SMS_COMPANY_ADDRESS = env.str(
    "SMS_COMPANY_ADDRESS",
    default="1 Example Street\nLondon EC1A 1AA\nUnited Kingdom",
    multiline=True,
)
SMS_COMPANY_TAX_ID = env("SMS_COMPANY_TAX_ID", default="GB 000 0000 00")
SMS_COMPANY_BANK = env.str(
    "SMS_COMPANY_BANK",
    default="Example Bank\nIBAN GB00 EXMP 0000 0000 0000 00\nBIC EXMPGB00",
    multiline=True,
)
SMS_COMPANY_EMAIL = env("SMS_COMPANY_EMAIL", default="accounts@example.com")

# Open opportunities with no activity for this many days get a follow-up task for
# their owner (opportunities/follow_ups.py; checked daily).
SMS_STALE_OPPORTUNITY_DAYS = env.int("SMS_STALE_OPPORTUNITY_DAYS", default=14)

# CSV uploads with more rows than this are checked and imported by a Celery worker
# (a job page with a progress bar) instead of within the web request, which a large
# file would run past the web server's timeout (docs/import-formats.md).
SMS_IMPORT_INLINE_MAX_ROWS = env.int("SMS_IMPORT_INLINE_MAX_ROWS", default=2000)

# The most rows a list shows on one page, whatever ?per_page= asks (sms/pagination.py).
SMS_MAX_PER_PAGE = env.int("SMS_MAX_PER_PAGE", default=200)

# Celery. No broker: tasks run in-process, eagerly (the embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_CACHE_BACKEND = "django-cache"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits stay below the broker's visibility timeout, so a task is never
# delivered twice while it is still legitimately running.
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that enqueues a task must not hang when Redis is down: connect and
# socket timeouts are short, and sms.broker.enqueue catches the failure and leaves
# the work to its sweep (the outbox's, the jobs').
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
    # Retry at once, not after kombu's default 2 s pause: a refused connection then
    # costs a request milliseconds (sms/broker.py skips the broker for a while).
    "interval_start": 0,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# Analytics jobs (analytics/jobs.py). While a job runs, its worker stamps the row's
# heartbeat every SMS_JOB_HEARTBEAT_SECONDS (from a thread, whatever the job is doing);
# a running job silent for SMS_JOB_STALE_SECONDS lost its worker and is started again
# by the next delivery or the minute sweep, up to SMS_JOB_MAX_ATTEMPTS attempts in all.
SMS_JOB_HEARTBEAT_SECONDS = env.int("SMS_JOB_HEARTBEAT_SECONDS", default=10)
SMS_JOB_STALE_SECONDS = env.int("SMS_JOB_STALE_SECONDS", default=60)
SMS_JOB_MAX_ATTEMPTS = env.int("SMS_JOB_MAX_ATTEMPTS", default=3)
if not 0 < 2 * SMS_JOB_HEARTBEAT_SECONDS <= SMS_JOB_STALE_SECONDS:
    raise ImproperlyConfigured(
        "SMS_JOB_STALE_SECONDS must be at least twice SMS_JOB_HEARTBEAT_SECONDS "
        "(a live job would otherwise look dead)."
    )
if SMS_JOB_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("SMS_JOB_MAX_ATTEMPTS must be at least 1.")

# The cache (report figures and charts, the public lead form's rate limit). Shared
# between processes through Redis when CACHE_URL is set, or when the Celery broker is
# Redis; otherwise in process memory (fine for development and a single process).
# Losing Redis is a cache miss, never an error (sms/cache.py): short timeouts, and
# after a failure Redis is skipped for RETRY_AFTER seconds.
CACHE_URL = env(
    "CACHE_URL",
    default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "sms.cache.FaultTolerantRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "sms",
            "TIMEOUT": 300,
            "OPTIONS": {
                "socket_connect_timeout": 1,
                "socket_timeout": 2,
                "RETRY_AFTER": 10,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Security. Secure by default once DEBUG is off; behind a TLS-terminating proxy set
# SECURE_PROXY_SSL_HEADER=true so Django trusts X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # health checks speak plain HTTP inside
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp), on every response. Scripts come only from our
# own static files: no inline <script>, no onclick= handlers (templates use data-
# attributes read by static JS; JSON for a script goes through json_script). Style
# sheets and <style> elements likewise (style-src-elem). Style attributes are allowed
# ('unsafe-inline' in style-src, which browsers apply to attributes only once
# style-src-elem is set): the inline SVG charts from matplotlib colour every shape
# with one, and progress bars and heat-map cells take widths and colours from data.
# A style attribute cannot run script. Browsers too old for style-src-elem allow
# inline styles altogether rather than lose the charts' colours.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # One inline handler, allowed by its hash: the admin's export page of
        # django-import-export (onchange="onSelectToggleChange(event)").
        "script-src-attr": [
            UNSAFE_HASHES,
            "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='",
        ],
        "style-src": [SELF, UNSAFE_INLINE],
        "style-src-elem": [SELF],
        "img-src": [SELF, "data:"],  # data: for Bootstrap's SVG form icons
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Every failed log-in is already in the database; keep the console quiet.
        "axes": {"level": "WARNING"},
        # fpdf2 subsets fonts with fontTools, which logs every glyph table at INFO.
        "fontTools": {"level": "WARNING"},
    },
}
