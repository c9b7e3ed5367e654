"""The embedded default behind `make run`: SQLite, in-process tasks, console + file email.

It needs no configuration: its secrets are generated once into `var/secrets.json`.
"""

import json
import secrets

from cryptography.fernet import Fernet

from .base import *  # noqa: F403
from .base import VAR_DIR, database_from_env, env, keys_database_from_env


def _local_secrets() -> dict:
    """Generate this checkout's secrets once and keep them under var/."""
    path = VAR_DIR / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    VAR_DIR.mkdir(exist_ok=True)
    values = {
        "secret_key": secrets.token_urlsafe(50),
        "field_encryption_key": Fernet.generate_key().decode(),
        "blind_index_key": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


_secrets = _local_secrets()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=_secrets["secret_key"])
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=[_secrets["field_encryption_key"]]
)
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", default=_secrets["blind_index_key"])
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

DATABASES = {"default": database_from_env(f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["keys"] = keys_database_from_env(DATABASES["default"])
# Without REDIS_URL, rate limits are counted in process memory.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "licensing",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://localhost/")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="core.mail.ConsoleAndFileBackend")

# Static files come from the finders; nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# `make run`'s demo logins work without setting up TOTP first.
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=False)
