"""allauth's signals, connected in AccountsConfig.ready: each calls a service."""

from allauth.account import signals
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate, pre_save
from django.utils import translation

from accounts import roles
from accounts.models import Customer
from accounts.services import (
    customer_attach_to_user,
    customer_email_change,
    mfa_secrets_rotate,
    mfa_secrets_seal,
)
from core.fields import register_rotation_hook


def connect() -> None:
    signals.email_confirmed.connect(
        attach_customer_on_email_confirmed, dispatch_uid="accounts.attach_customer"
    )
    signals.email_changed.connect(
        move_customer_on_email_changed, dispatch_uid="accounts.move_customer"
    )
    signals.user_logged_in.connect(
        use_customer_language_on_login, dispatch_uid="accounts.login_language"
    )
    register_rotation_hook("mfa.Authenticator", mfa_secrets_rotate)
    pre_save.connect(
        mfa_secrets_seal, sender=Authenticator, dispatch_uid="accounts.mfa_seal"
    )
    post_migrate.connect(roles_after_migrate, dispatch_uid="accounts.roles_sync")


def roles_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """The roles' groups made whole after every migrate and every flush (a data
    migration made them; a flush between tests empties them). Once, after the
    last app: every app's permissions exist by then. Not for the keys database."""
    if using == DEFAULT_DB_ALIAS and sender is list(apps.get_app_configs())[-1]:
        roles.roles_sync()


def attach_customer_on_email_confirmed(sender, request, email_address, **kwargs):
    customer_attach_to_user(
        user=email_address.user,
        email=email_address.email,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


def move_customer_on_email_changed(
    sender, request, user, from_email_address, to_email_address, **kwargs
):
    customer_email_change(user=user, email=to_email_address.email)


def use_customer_language_on_login(sender, request, user, response=None, **kwargs):
    """The profile's language wins over the browser's once signed in."""
    customer = Customer.objects.filter(user_id=user.pk).only("language").first()
    if customer is None:
        return
    translation.activate(customer.language)
    if request is not None:
        request.LANGUAGE_CODE = customer.language
    if response is not None:
        set_language_cookie(response, customer.language)


def set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
