from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CookiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cookies"
    verbose_name = _("Cookies")

    def ready(self):
        # Loaded once the models are: publishes the inventory after every migrate.
        import_module("cookies.receivers").connect(self)
