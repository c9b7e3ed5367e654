from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Loaded once the models are (Django's pattern for signal receivers): it
        # connects allauth's signals to our services and registers the MFA
        # secrets with core's key rotation.
        import_module("accounts.receivers").connect()
