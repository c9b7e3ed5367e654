"""Settings shared by every environment.

The environment is read here once; `local`, `test` and `production` only change
defaults and add what their environment needs.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# Reverse proxies in front of the app, each appending its peer's address to
# X-Forwarded-For (0: the app faces clients directly). Behind N of them the
# client's address is the Nth entry from the right; what stands before it is
# whatever the client sent. Production trusts X-Forwarded-Proto only when N > 0.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)


def database_from_env(default_url: str) -> dict:
    """The default database from DATABASE_URL, with the options every environment needs."""
    database = env.db("DATABASE_URL", default=default_url)
    # Persistent connections: opening one per request costs more than the request.
    database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    database["CONN_HEALTH_CHECKS"] = True
    if database["ENGINE"].endswith("postgresql"):
        # Lets PostgreSQL prepare the validate query (licensing.selectors). Django
        # turns preparation off for the sake of connection poolers; set
        # DATABASE_PREPARE_THRESHOLD= (empty) behind a pooler that cannot keep them.
        threshold = env("DATABASE_PREPARE_THRESHOLD", default="5")
        database.setdefault("OPTIONS", {})["prepare_threshold"] = (
            int(threshold) if threshold else None
        )
    return database


# Databases and Redis: one URL each, under every settings module.
def keys_database_from_env(default: dict) -> dict:
    """The database of the per-person data keys (`core.datakeys`): KEYS_DATABASE_URL,
    else beside the default one (`<name>_keys` on its server, `<file>-keys` for
    SQLite). Its own database, so that its backups are its own: erasure destroys
    a person's key here, and no dump of the default database brings it back."""
    if env("KEYS_DATABASE_URL", default=""):
        database = {**default, **env.db("KEYS_DATABASE_URL")}
    else:
        database = dict(default)
        name = str(default["NAME"])
        database["NAME"] = (
            name.removesuffix(".sqlite3") + "-keys.sqlite3"
            if default["ENGINE"].endswith("sqlite3")
            else f"{name}_keys"
        )
    database["OPTIONS"] = dict(default.get("OPTIONS", {}))
    database["TEST"] = {}
    return database


DATABASES = {
    "default": database_from_env("postgres://postgres@127.0.0.1:5432/licensing")
}
DATABASES["keys"] = keys_database_from_env(DATABASES["default"])
DATABASE_ROUTERS = ["core.datakeys.DataKeyRouter"]
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# The Django cache (allauth's sign-in rate limits among others) lives in Redis,
# so every process counts the same attempts.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "licensing",
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "config.apps.AdminConfig",  # Django's admin on our site (config/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "cookie_consent",
    "core",
    "accounts",
    "licensing",
    "privacy",
    "cookies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Under /api/, what escapes a view is still a signed JSON answer.
    "licensing.api.middleware.ApiErrorMiddleware",
    # Under /keygen/, the same for the Keygen-compatible calls.
    "licensing.keygen.middleware.KeygenErrorMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # The visitor's cookie consent; removes cookies of groups not accepted.
    "cookies.middleware.ConsentMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.vendor",
                "cookies.context_processors.consent",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/licenses/"

# --- Sign-in (django-allauth) ------------------------------------------------
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# One address per login: a new one replaces the old once verified (the customer
# record follows it), and the old address is told.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Adding or changing an email address asks for the password again too.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# ACCOUNT_PREVENT_ENUMERATION and ACCOUNT_RATE_LIMITS stay at allauth's defaults
# (on); the limits are counted in the Django cache (CACHES, Redis).
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
MFA_ADAPTER = "accounts.adapter.MfaAdapter"
# Staff and partner users set up TOTP before the admin shows them anything.
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=True)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: English and Norwegian Bokmål, detected from the browser.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nb", _("Norwegian Bokmål"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Oslo")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Privacy (privacy/) ----------------------------------------------------
# Days between an erasure request (the account is disabled at once) and the erasure.
ERASURE_GRACE_DAYS = env.int("ERASURE_GRACE_DAYS", default=7)
# The public request form (/privacy/request/), per address and per client.
PRIVACY_REQUESTS_PER_ADDRESS = env("PRIVACY_REQUESTS_PER_ADDRESS", default="3/day")
PRIVACY_REQUESTS_PER_CLIENT = env("PRIVACY_REQUESTS_PER_CLIENT", default="20/hour")
# Who else processes personal data for the vendor, as the privacy policy and
# exports name them (name, country, what for). The deployment's own list.
PRIVACY_SUBPROCESSORS = [
    {
        "name": env("PRIVACY_HOSTING_PROVIDER", default="The hosting provider"),
        "country": env("PRIVACY_HOSTING_COUNTRY", default="Norway"),
        "purpose": "hosting the service and its database (EEA)",
    },
    {
        "name": env("PRIVACY_EMAIL_PROVIDER", default="The email provider"),
        "country": env("PRIVACY_EMAIL_COUNTRY", default="Norway"),
        "purpose": "delivering the service's emails (EEA)",
    },
]
PRIVACY_SUBPROCESSORS_SUMMARY = [
    f"{p['name']} ({p['country']}): {p['purpose']}" for p in PRIVACY_SUBPROCESSORS
]

# --- Cookie consent (cookies/, django-cookie-consent) ----------------------
# Consent lapses after COOKIE_CONSENT_RENEW_DAYS and is asked again; the
# library's own cookie lives exactly as long (its MAX_AGE is in seconds).
COOKIE_CONSENT_RENEW_DAYS = env.int("COOKIE_CONSENT_RENEW_DAYS", default=365)
COOKIE_CONSENT_MAX_AGE = COOKIE_CONSENT_RENEW_DAYS * 24 * 3600
COOKIE_CONSENT_NAME = "cookie_consent"
COOKIE_CONSENT_ID_NAME = "cookie_consent_id"
COOKIE_CONSENT_SAMESITE = "Lax"
# Our ConsentRecord is the proof (consent id, user, version, choices, how).
COOKIE_CONSENT_LOG_ENABLED = False
# The library's own views are not routed (ours answer); its default would be a
# reverse() of a URL that does not exist here.
COOKIE_CONSENT_SUCCESS_URL = "/cookies/settings/"
# The self-hosted analytics' beacons counted per client address (DRF rate syntax).
ANALYTICS_BEACONS_PER_CLIENT = env("ANALYTICS_BEACONS_PER_CLIENT", default="120/min")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Encryption at rest (core.fields) -------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
# Secret from which a key per blind index (and per fingerprint hash) is derived.
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", default="")

# --- Email -----------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="licenses@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- The vendor (neutral demo values) --------------------------------------
VENDOR_NAME = env("VENDOR_NAME", default="Example Software")
VENDOR_ADDRESS = env("VENDOR_ADDRESS", default="Example Street 1, 0150 Oslo, Norway")
VENDOR_SUPPORT_EMAIL = env("VENDOR_SUPPORT_EMAIL", default="support@example.com")
VENDOR_DPO_EMAIL = env("VENDOR_DPO_EMAIL", default="privacy@example.com")
# Absolute address of the site, for links in emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- License lifecycle (licensing.rules) -----------------------------------
BLOCK_GRACE_DAYS = env.int("BLOCK_GRACE_DAYS", default=7)
RENEWAL_REMINDER_DAYS = env.int("RENEWAL_REMINDER_DAYS", default=45)
AGREEMENT_NOTICE_DAYS = env.int("AGREEMENT_NOTICE_DAYS", default=30)
HEARTBEAT_GRACE_SECONDS = env.int("HEARTBEAT_GRACE_SECONDS", default=120)
REGISTRATION_LINK_DAYS = env.int("REGISTRATION_LINK_DAYS", default=7)

# --- Client API --------------------------------------------------------------
SIGNING_KEY_REFRESH_SECONDS = env.int("SIGNING_KEY_REFRESH_SECONDS", default=300)
API_RATE_LIMIT_PER_KEY = env("API_RATE_LIMIT_PER_KEY", default="120/min")
API_RATE_LIMIT_PER_CLIENT = env("API_RATE_LIMIT_PER_CLIENT", default="600/min")
# Registration emails: per license and per recipient address, counted before sending.
API_REGISTER_LIMIT = env("API_REGISTER_LIMIT", default="3/hour")

# --- Customer portal ---------------------------------------------------------
# Machines a customer may release from one license per day in the portal.
PORTAL_RELEASES_PER_DAY = env.int("PORTAL_RELEASES_PER_DAY", default=10)
# Lost-key recovery emails, per address and per client; license claims per user.
PORTAL_RECOVERY_LIMIT_PER_ADDRESS = env(
    "PORTAL_RECOVERY_LIMIT_PER_ADDRESS", default="3/hour"
)
PORTAL_RECOVERY_LIMIT_PER_CLIENT = env(
    "PORTAL_RECOVERY_LIMIT_PER_CLIENT", default="20/hour"
)
PORTAL_CLAIMS_PER_HOUR = env("PORTAL_CLAIMS_PER_HOUR", default="20/hour")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_PARSER_CLASSES": ["licensing.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["licensing.api.throttling.ClientApiThrottle"],
    "EXCEPTION_HANDLER": "licensing.api.responses.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # OPTIONS answers 405 like any other unsupported method (and is signed).
    "DEFAULT_METADATA_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "License client API",
    "DESCRIPTION": (
        "The API that client programs call to activate and validate licenses. "
        "Every response body is signed with Ed25519: see the "
        "`X-License-Signature` header and `GET /api/v1/signing-keys`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc are served from the site (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Content-Security-Policy (django-csp), on every response -----------------
# Scripts and styles come from the site only: no inline <script>, <style> or
# style= in any page (tests/test_content_security_policy.py holds them so).
CONTENT_SECURITY_POLICY = {
    # The client API's signed JSON is never rendered (and validate is hot).
    "EXCLUDE_URL_PREFIXES": ["/api/v1/", "/keygen/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- Celery ------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a request when Redis is away: give up within about a
# second; the outbox row waits and the periodic requeue sends it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    # A task taken by a worker that dies unacknowledged (acks_late) is delivered
    # again after this many seconds.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # How often a worker looks for such tasks (one cheap Redis query each time).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": 1,
}
# An outbox email pending longer than this is published again by the requeue task.
OUTBOX_STALE_SECONDS = env.int("OUTBOX_STALE_SECONDS", default=120)
# Sent emails (from when sent) and failed ones (from when queued) are deleted
# after this many days by the daily purge.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=90)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE = {
    "release-dead-machines": {
        "task": "licensing.tasks.release_dead_machines",
        "schedule": 60.0,
    },
    "send-pending-outbox": {
        "task": "core.tasks.requeue_pending_outbox",
        "schedule": 300.0,
    },
    "requeue-announcements": {
        "task": "licensing.tasks.requeue_announcements",
        "schedule": 60.0,
    },
    "lifecycle-sweep": {
        "task": "licensing.tasks.lifecycle_sweep",
        "schedule": crontab(hour=2, minute=0),
    },
    "purge-expired-registrations": {
        "task": "licensing.tasks.purge_expired_registrations",
        "schedule": crontab(hour=3, minute=15),
    },
    "purge-retired-signing-keys": {
        "task": "licensing.tasks.purge_retired_signing_keys",
        "schedule": crontab(hour=3, minute=30),
    },
    "purge-outbox": {
        "task": "core.tasks.purge_outbox",
        "schedule": crontab(hour=3, minute=45),
    },
    "apply-due-erasures": {
        "task": "privacy.tasks.apply_due_erasures",
        "schedule": 600.0,
    },
    "privacy-retention": {
        "task": "privacy.tasks.retention",
        "schedule": crontab(hour=4, minute=0),
    },
}

# --- Logging: no personal data, ever ----------------------------------------
# Error reports (ADMINS' emails, the debug page) mask the client's address, user
# agent, cookies, query string and form values, and name the user by id.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.reporting.PrivateExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "core.reporting.PrivateExceptionReporter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django logs request bodies nowhere, but its 4xx warnings carry paths
        # only; keep them at WARNING.
        "django.request": {"level": "ERROR"},
        "celery.app.trace": {"level": "WARNING"},
    },
}
