"""Existing customers' values move under a data key of their own (core.datakeys).

In committed batches (the migration is not atomic), so an interrupted run
resumes where it stopped when `migrate` runs again. Until it has run, values
encrypted with the field keys read as before. The keys database must be
migrated first: `manage.py migrate --database keys`.
"""

from django.db import migrations

from core import datakeys


def forwards(apps, schema_editor):
    Customer = apps.get_model("accounts", "Customer")
    if not Customer.objects.filter(data_key__isnull=True).exists():
        return
    datakeys.adopt(Customer, batch_size=500, using=schema_editor.connection.alias)


def backwards(apps, schema_editor):
    datakeys.release(
        apps.get_model("accounts", "Customer"), using=schema_editor.connection.alias
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0004_data_keys"),
        ("core", "0005_data_keys"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
