"""Settings for `make test`: real PostgreSQL and Redis, fixed throwaway keys."""

from .base import *  # noqa: F403
from .base import database_from_env, env, keys_database_from_env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
# Throwaway keys for the test suite only.
FIELD_ENCRYPTION_KEYS = ["Cb2jC4tkUVqTv3hyWu0Q0gkG7yX8VNaC6t2Bl1EpfrM="]
BLIND_INDEX_KEY = "test-blind-index-key"
ALLOWED_HOSTS = ["*"]

DATABASES = {
    "default": database_from_env("postgres://postgres@127.0.0.1:5432/licensing")
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["keys"] = keys_database_from_env(DATABASES["default"])

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# pytest-django uses the in-memory outbox; a Celery worker started by a test
# (tests/core/test_celery_reliability.py) gets its backend from the environment.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)
# Tasks queued on commit run at once, in the test's process.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
# Each test sets the limits it exercises; the rest of the suite is not throttled.
API_RATE_LIMIT_PER_KEY = "off"
API_RATE_LIMIT_PER_CLIENT = "off"
SIGNING_KEY_REFRESH_SECONDS = 300

# Static files come from the finders; nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
API_REGISTER_LIMIT = "off"
# Each test process counts sign-in attempts on its own (a fixture clears it), so
# suites run side by side against one Redis do not throttle each other.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Most admin tests sign in without TOTP; tests/test_admin_site.py turns it on.
ADMIN_REQUIRE_MFA = False
