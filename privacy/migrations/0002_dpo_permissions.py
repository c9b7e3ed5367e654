"""The data protection officers' permissions on their own console (frozen here
as accounts.roles.PRIVACY_PERMISSIONS listed them)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "Data protection officers": {
        "privacy.privacycase": ("view", "add", "change"),
        "privacy.dataexport": ("view",),
        "privacy.erasurerequest": ("view",),
        "privacy.erasurereceipt": ("view",),
    },
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("privacy")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, models in PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        for label, actions in models.items():
            app_label, model = label.split(".")
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for role in PERMISSIONS:
        group = Group.objects.filter(name=role).first()
        if group:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="privacy")
            )


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("licensing", "0014_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
