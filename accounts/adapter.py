"""django-allauth adapters: its emails go through our outbox, its MFA secrets
are encrypted with our keys.
"""

from __future__ import annotations

import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.utils import timezone, translation

from accounts.models import Customer
from core import datakeys, fields, outbox

# What allauth puts in an email's context that makes one email differ from the
# next to the same address (a link, a code, the moment of a notification).
DISTINGUISHING_KEYS = (
    "key",
    "code",
    "activate_url",
    "password_reset_url",
    "timestamp",
    "from_email",
    "to_email",
    "deleted_email",
)
# The values our templates use; allauth's request and site objects stay out.
TEMPLATE_KEYS = (
    "user",
    "email",
    "code",
    "activate_url",
    "password_reset_url",
    "signup_url",
    "timestamp",
    "from_email",
    "to_email",
    "deleted_email",
)


def email_template(template_prefix: str) -> str:
    """Our email trio for an allauth template: `account/email/password_reset_key`
    and `mfa/email/totp_activated` become `accounts/email/password_reset_key`, ...
    """
    return f"accounts/email/{template_prefix.rsplit('/', 1)[-1]}"


def outbox_key(template_prefix: str, email: str, context: dict) -> str:
    """An idempotency key: the template and a hash of what makes this email unique."""
    parts = [email.strip().lower()] + [
        f"{name}={context[name]}" for name in DISTINGUISHING_KEYS if name in context
    ]
    if len(parts) == 1:  # nothing tells two such emails apart: each is its own
        parts.append(f"at={timezone.now().isoformat()}")
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f"auth:{template_prefix}:{digest}"


def recipient_language(email: str, user=None) -> str:
    """The customer's language (of the login, else of the address), else the page's."""
    customer = None
    if user is not None and getattr(user, "pk", None):
        customer = Customer.objects.filter(user_id=user.pk).first()
    if customer is None:
        customer = Customer.objects.by_email(email).first()
    if customer is not None:
        return customer.language
    return translation.get_language() or "en"


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """Staff and partner users work in the admin; customers on their licenses."""
        if request.user.is_staff:
            return "/admin/"
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Write allauth's email to the outbox (sent after commit, once) in the
        recipient's language, rendered from our own templates.
        """
        ctx = {name: context[name] for name in TEMPLATE_KEYS if name in context}
        ctx.setdefault("email", email)
        outbox.enqueue(
            key=outbox_key(template_prefix, email, context),
            to=email,
            template=email_template(template_prefix),
            context=ctx,
            language=recipient_language(email, context.get("user")),
        )


class MfaAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are encrypted with FIELD_ENCRYPTION_KEYS,
    then sealed with the account's data key as they are saved
    (`accounts.services.mfa_secrets_seal`).
    """

    def encrypt(self, text: str) -> str:
        return fields.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        if encrypted_text.startswith(datakeys.PREFIX):  # sealed with the account's key
            return datakeys.unseal(encrypted_text)
        return fields.decrypt(encrypted_text)
