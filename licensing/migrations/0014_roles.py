"""The admin's roles: vendor staff, partner staff and data protection officers,
as groups with exactly the permissions listed in accounts.roles.PERMISSIONS
(frozen here as they were when this migration was written)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "Vendor staff": {
        "licensing.product": ("view", "add", "change"),
        "licensing.plan": ("view", "add", "change"),
        "licensing.partner": ("view", "add", "change"),
        "licensing.partnermembership": ("view", "add", "change", "delete"),
        "licensing.agreementversion": ("view", "add"),
        "licensing.productrelease": ("view", "add"),
        "licensing.productnews": ("view", "add"),
        "licensing.license": ("view", "add", "change"),
        "licensing.activation": ("view", "change"),
        "licensing.invoice": ("view", "change"),
        "licensing.refund": ("view",),
        "licensing.signingkey": ("view",),
        "accounts.customer": ("view", "change"),
        "core.auditevent": ("view",),
        "core.outboxemail": ("view",),
        "cookies.consentrecord": ("view",),
        "cookies.policyversion": ("view",),
        "cookies.pageviewcount": ("view",),
        "cookie_consent.cookie": ("view",),
        "cookie_consent.cookiegroup": ("view",),
    },
    "Partner staff": {
        "licensing.product": ("view",),
        "licensing.plan": ("view",),
        "licensing.license": ("view", "add"),
        "licensing.activation": ("view", "change"),
        "licensing.invoice": ("view",),
        "accounts.customer": ("view",),
    },
    "Data protection officers": {
        "accounts.customer": ("view",),
        "accounts.user": ("view",),
        "licensing.license": ("view",),
        "licensing.activation": ("view",),
        "licensing.invoice": ("view",),
        "licensing.refund": ("view",),
        "core.auditevent": ("view",),
        "core.outboxemail": ("view",),
        "cookies.consentrecord": ("view",),
        "cookies.policyversion": ("view",),
    },
}


def create_roles(apps, schema_editor):
    # Permissions are made after migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, models in PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for label, actions in models.items():
            app_label, model = label.split(".")
            wanted += Permission.objects.filter(
                content_type__app_label=app_label,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        group.permissions.set(wanted)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0013_license_customer_kind"),
        ("accounts", "0002_news_opt_in"),
        ("core", "0003_outbox_purge_indexes"),
        ("cookies", "0001_initial"),
        ("cookie_consent", "0004_cookie_natural_key"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
