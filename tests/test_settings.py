"""Production settings: everything from the environment, secrets required, check --deploy clean."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x7" * 30 + "-unique-production-secret-!@#",
    "FIELD_ENCRYPTION_KEYS": f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}",
    "BLIND_INDEX_KEY": "blind-index-secret",
    "DJANGO_ALLOWED_HOSTS": "licenses.example.com",
}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    for secret in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        env = {k: v for k, v in PRODUCTION_ENV.items() if k != secret}
        result = manage("check", env=env)
        assert result.returncode != 0
        assert f"{secret} must be set" in result.stderr


def test_database_and_redis_come_from_the_environment():
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": "postgres://u:p@db.internal:6543/lic",
        "REDIS_URL": "redis://cache:6380/2",
    }
    code = (
        "from django.conf import settings as s;"
        "d = s.DATABASES['default'];"
        "print(d['HOST'], d['PORT'], d['NAME'], s.REDIS_URL, s.CELERY_BROKER_URL)"
    )
    result = manage("shell", "--verbosity", "0", "-c", code, env=env)
    assert result.stdout.split() == [
        "db.internal",
        "6543",
        "lic",
        "redis://cache:6380/2",
        "redis://cache:6380/2",
    ]


def is_secure_with_forwarded_https(env) -> str:
    code = (
        "from django.test import RequestFactory;"
        "r = RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https');"
        "print(r.is_secure())"
    )
    result = manage("shell", "--verbosity", "0", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_a_proxy_a_client_cannot_claim_https():
    assert is_secure_with_forwarded_https(PRODUCTION_ENV) == "False"
    env = {**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "0"}
    assert is_secure_with_forwarded_https(env) == "False"


def test_behind_a_trusted_proxy_its_forwarded_proto_counts():
    env = {**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "1"}
    assert is_secure_with_forwarded_https(env) == "True"
