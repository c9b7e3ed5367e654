from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CookiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cookies"
    verbose_name = _("Cookies")
