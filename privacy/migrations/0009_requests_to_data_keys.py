"""Existing rows move under data keys of their own (core.datakeys), as
`accounts/0005_customers_to_data_keys` does for customers: in committed
batches, resumed by running `migrate` again; until then they read as before.
"""

from django.db import migrations

from core import datakeys

MODELS = ("PrivacyCase", "DataExport", "RequestLink", "RequestNote")


def forwards(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("privacy", name)
        if model.objects.filter(data_key__isnull=True).exists():
            datakeys.adopt(model, batch_size=500, using=schema_editor.connection.alias)


def backwards(apps, schema_editor):
    for name in MODELS:
        datakeys.release(
            apps.get_model("privacy", name), using=schema_editor.connection.alias
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("privacy", "0008_data_keys"), ("core", "0005_data_keys")]

    operations = [migrations.RunPython(forwards, backwards)]
