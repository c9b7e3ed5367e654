from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin with our site (config/admin.py): TOTP required, and the
    `r/` shortcut within what the user may see."""

    default_site = "config.admin.AdminSite"
