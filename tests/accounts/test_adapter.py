"""allauth's emails go through the outbox; its MFA secrets are encrypted with our keys."""

import copy
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_adapter_mfa
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import Fernet
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from accounts.adapter import AccountAdapter, email_template, outbox_key
from accounts.models import Customer, User
from core import datakeys
from core.models import OutboxEmail
from core.outbox import render_email
from tests.factories import CustomerFactory, UserFactory
from tests.links import link_path

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "a long and unusual passphrase 42"


def sign_up(client, email, **extra):
    return client.post(
        "/accounts/signup/",
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
        **extra,
    )


@pytest.mark.django_db
def test_signup_sends_the_verification_through_the_outbox_and_the_link_attaches_the_customer(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, "new@example.org")
    assert response.status_code == 302
    row = OutboxEmail.objects.get()
    assert row.template == "accounts/email/email_confirmation_signup"
    assert row.idempotency_key.startswith("auth:account/email/")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.org"]
    user = User.objects.get(email="new@example.org")
    assert not hasattr(user, "customer") or user.customer is None

    path = link_path(mail.outbox[0], r"/accounts/confirm-email/[^/]+/")
    assert client.get(path).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    assert EmailAddress.objects.get(user=user).verified
    customer = Customer.objects.by_email("new@example.org").get()
    assert customer.user == user


@pytest.mark.django_db
def test_verification_attaches_the_existing_customer_record_of_the_address(
    client, django_capture_on_commit_callbacks
):
    existing = CustomerFactory(email="Registrant@Example.org", language="nb")
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, "registrant@example.org")
    # Written in the language the registrant chose before.
    assert OutboxEmail.objects.get().language == "nb"
    path = link_path(mail.outbox[0], r"/accounts/confirm-email/[^/]+/")
    client.post(path)
    existing.refresh_from_db()
    assert existing.user.email == "registrant@example.org"
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_an_email_is_queued_once_per_key():
    context = {"activate_url": "https://x/confirm/abc/", "key": "abc"}
    AccountAdapter().send_mail(
        "account/email/email_confirmation", "a@example.org", context
    )
    AccountAdapter().send_mail(
        "account/email/email_confirmation", "a@example.org", context
    )
    assert OutboxEmail.objects.count() == 1
    assert outbox_key("account/email/x", "a@example.org", context) != outbox_key(
        "account/email/x", "b@example.org", context
    )


STRICT_TEMPLATES = copy.deepcopy(settings.TEMPLATES)
STRICT_TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "MISSING[%s]"
CONTEXTS = {
    "account/email/email_confirmation_signup": {"activate_url": "https://x/c/k/"},
    "account/email/email_confirmation": {"activate_url": "https://x/c/k/"},
    "account/email/password_reset_key": {"password_reset_url": "https://x/r/k/"},
    "account/email/unknown_account": {"signup_url": "https://x/signup/"},
    "account/email/account_already_exists": {"password_reset_url": "https://x/r/"},
    "account/email/email_changed": {"from_email": "a@x.org", "to_email": "b@x.org"},
    "account/email/email_deleted": {"deleted_email": "a@x.org"},
    "account/email/password_changed": {},
    "account/email/password_set": {},
    "account/email/password_reset": {},
    "mfa/email/totp_activated": {},
    "mfa/email/totp_deactivated": {},
    "mfa/email/recovery_codes_generated": {},
}


@pytest.mark.parametrize("prefix", CONTEXTS)
def test_every_allauth_email_has_our_template_with_nothing_missing(prefix):
    context = {
        "email": "a@x.org",
        "timestamp": datetime(2026, 11, 22, tzinfo=UTC),
        **CONTEXTS[prefix],
    }
    with override_settings(TEMPLATES=STRICT_TEMPLATES):
        subject, text, html = render_email(
            template=email_template(prefix), context=context, language="en"
        )
    assert subject and "\n" not in subject
    for part in (subject, text, html):
        assert "MISSING[" not in part and "{{" not in part
    for url in [v for v in CONTEXTS[prefix].values() if v.startswith("https")]:
        assert url in text and url in html


def raw_data(authenticator) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data::text FROM mfa_authenticator WHERE id = %s", [authenticator.pk]
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_totp_secrets_and_recovery_seeds_are_sealed_with_the_accounts_key():
    user = UserFactory()
    totp = TOTP.activate(user, "JBSWY3DPEHPK3PXP").instance
    codes = RecoveryCodes.activate(user)
    assert "JBSWY3DPEHPK3PXP" not in raw_data(totp)
    user.refresh_from_db()
    for value in (totp.data["secret"], codes.instance.data["seed"]):
        assert value.startswith(f"dk1:{user.data_key.hex}:")
    datakeys.forget()
    assert TOTP(Authenticator.objects.get(pk=totp.pk)).validate_code("000000") in (
        True,
        False,
    )  # decrypts
    assert len(codes.get_unused_codes()) > 0
    # Erasure destroys the account's key: the secrets in any copy stop opening.
    datakeys.destroy(user.data_key)
    datakeys.forget()
    secret = Authenticator.objects.get(pk=totp.pk).data["secret"]
    assert get_adapter_mfa().decrypt(secret) == datakeys.ERASED


@pytest.mark.django_db
def test_key_rotation_re_wraps_the_accounts_key_not_the_mfa_secrets():
    user = UserFactory()
    totp = TOTP.activate(user, "JBSWY3DPEHPK3PXP").instance
    RecoveryCodes.activate(user)
    before = {a.pk: dict(a.data) for a in Authenticator.objects.all()}
    new_key = Fernet.generate_key().decode()
    with override_settings(
        FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]
    ):
        call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert {a.pk: dict(a.data) for a in Authenticator.objects.all()} == before
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        datakeys.forget()
        secret = Authenticator.objects.get(pk=totp.pk).data["secret"]
        assert get_adapter_mfa().decrypt(secret) == "JBSWY3DPEHPK3PXP"


def test_sign_in_attempts_are_counted_in_redis_under_production_settings():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": "k",
        "REDIS_URL": "redis://cache:6380/2",
        "TRUSTED_PROXY_COUNT": "1",
    }
    code = (
        "from django.conf import settings as s;"
        "c = s.CACHES['default'];"
        "print(c['BACKEND'], c['LOCATION'], s.ALLAUTH_TRUSTED_PROXY_COUNT,"
        " getattr(s, 'ACCOUNT_RATE_LIMITS', 'default'))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache:6380/2",
        "1",
        "default",
    ], result.stderr
